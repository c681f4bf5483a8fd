package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// errCompacted reports a read at a resource version older than the compacted
// one.
var errCompacted = errors.New("required resource version has been compacted")

// futureRVError reports a read at a resource version not reached yet.
type futureRVError struct{ requested, current int64 }

func (e *futureRVError) Error() string {
	return fmt.Sprintf("resource version %d is newer than the current resource version %d", e.requested, e.current)
}

// keyRange is the key interval [from, to), or (from, to) when afterFrom is
// set.
type keyRange struct {
	from      string
	afterFrom bool
	to        string
}

// prefixRange returns the range of keys that start with prefix. Keys always
// start with "/", so the range has an end.
func prefixRange(prefix string) keyRange {
	end := []byte(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return keyRange{from: prefix, to: string(end[:i+1])}
		}
	}
	// Unreachable for keys that start with "/"; an empty range is the safe answer.
	return keyRange{from: prefix, to: prefix}
}

// Exclusive-start variants of the range queries: "key > ?1" rather than
// binding key+"\x00", since SQLite leaves text with NUL bytes undefined.
var (
	qScanLatestAfter  = strings.Replace(qScanLatest, "r.key >= ?1", "r.key > ?1", 1)
	qScanAtAfter      = strings.Replace(qScanAt, "r.key >= ?1", "r.key > ?1", 1)
	qCountLatestAfter = strings.Replace(qCountLatest, "r.key >= ?1", "r.key > ?1", 1)
	qCountAtAfter     = strings.Replace(qCountAt, "r.key >= ?1", "r.key > ?1", 1)
)

// readTx is a read transaction: a consistent snapshot of the database.
type readTx struct {
	tx        *sql.Tx
	rv        int64 // resource version of the snapshot
	compacted int64
}

func (db *DB) beginRead(ctx context.Context) (*readTx, error) {
	if db.ctx.Err() != nil {
		return nil, ErrClosed
	}
	tx, err := db.readDB.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", db.dbPath(), err)
	}
	r := &readTx{tx: tx}
	if err := tx.StmtContext(ctx, db.readStmt.meta).QueryRowContext(ctx).Scan(&r.rv, &r.compacted); err != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("read %s: %w", db.dbPath(), err)
	}
	return r, nil
}

func (r *readTx) end() { _ = r.tx.Rollback() }

// checkRV validates a read at resource version rv (0: latest).
func (r *readTx) checkRV(rv int64) error {
	switch {
	case rv > r.rv:
		return &futureRVError{requested: rv, current: r.rv}
	case rv != 0 && rv < r.compacted:
		return errCompacted
	}
	return nil
}

// get returns the version of key current at resource version atRV (0: the
// latest), nil when there is none, and the resource version of the read.
func (db *DB) get(ctx context.Context, key string, atRV int64) (*record, int64, error) {
	if atRV == 0 {
		return db.getLatest(ctx, key)
	}
	r, err := db.beginRead(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer r.end()
	if err := r.checkRV(atRV); err != nil {
		return nil, r.rv, err
	}
	rec := &record{}
	if atRV == r.rv {
		var current int64
		err = scanRecordAfter(r.tx.StmtContext(ctx, db.readStmt.getLatest).QueryRowContext(ctx, key), rec, &current)
	} else {
		err = scanRecord(r.tx.StmtContext(ctx, db.readStmt.getAt).QueryRowContext(ctx, key, atRV), rec)
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, atRV, nil
	case err != nil:
		return nil, 0, fmt.Errorf("read %s from %s: %w", key, db.dbPath(), err)
	case rec.rv == 0: // no version in the LEFT JOIN of qGetLatest
		return nil, atRV, nil
	}
	return rec, atRV, nil
}

// getLatest returns the current version of key, nil when there is none, and
// the current resource version.
func (db *DB) getLatest(ctx context.Context, key string) (*record, int64, error) {
	if db.ctx.Err() != nil {
		return nil, 0, ErrClosed
	}
	rec := &record{}
	var rv int64
	if err := scanRecordAfter(db.readStmt.getLatest.QueryRowContext(ctx, key), rec, &rv); err != nil {
		return nil, 0, fmt.Errorf("read %s from %s: %w", key, db.dbPath(), err)
	}
	if rec.rv == 0 {
		rec = nil
	}
	return rec, rv, nil
}

// maxScanBytes bounds the inline payload bytes one scan holds in memory;
// a scan stops early, reporting more rows, when it reaches the bound.
const maxScanBytes = 8 << 20

// scan returns up to limit versions current at resource version atRV (0:
// the latest) with keys in kr, in key order, the resource version of the
// read, and whether more versions follow in kr.
func (db *DB) scan(ctx context.Context, kr keyRange, atRV int64, limit int) (recs []record, rv int64, more bool, err error) {
	r, err := db.beginRead(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	defer r.end()
	if err := r.checkRV(atRV); err != nil {
		return nil, r.rv, false, err
	}
	var rows *sql.Rows
	// One row more than asked tells whether more follow.
	switch {
	case (atRV == 0 || atRV == r.rv) && !kr.afterFrom:
		rows, err = r.tx.StmtContext(ctx, db.readStmt.scanLatest).QueryContext(ctx, kr.from, kr.to, limit+1)
	case atRV == 0 || atRV == r.rv:
		rows, err = r.tx.QueryContext(ctx, qScanLatestAfter, kr.from, kr.to, limit+1)
	case !kr.afterFrom:
		rows, err = r.tx.StmtContext(ctx, db.readStmt.scanAt).QueryContext(ctx, kr.from, kr.to, atRV, limit+1)
	default:
		rows, err = r.tx.QueryContext(ctx, qScanAtAfter, kr.from, kr.to, atRV, limit+1)
	}
	if err != nil {
		return nil, 0, false, fmt.Errorf("list %s from %s: %w", kr.from, db.dbPath(), err)
	}
	defer func() { _ = rows.Close() }()
	recs = make([]record, 0, min(limit, 1024))
	size := 0
	for rows.Next() {
		if len(recs) == limit || size >= maxScanBytes {
			more = true
			break
		}
		recs = append(recs, record{})
		rec := &recs[len(recs)-1]
		if err := scanRecord(rows, rec); err != nil {
			return nil, 0, false, fmt.Errorf("list %s from %s: %w", kr.from, db.dbPath(), err)
		}
		size += len(rec.payload.data)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, false, fmt.Errorf("list %s from %s: %w", kr.from, db.dbPath(), err)
	}
	if atRV == 0 {
		atRV = r.rv
	}
	return recs, atRV, more, nil
}

// count returns how many versions current at resource version atRV have
// keys in kr.
func (db *DB) count(ctx context.Context, kr keyRange, atRV int64) (int64, error) {
	r, err := db.beginRead(ctx)
	if err != nil {
		return 0, err
	}
	defer r.end()
	if err := r.checkRV(atRV); err != nil {
		return 0, err
	}
	var row *sql.Row
	switch {
	case (atRV == 0 || atRV == r.rv) && !kr.afterFrom:
		row = r.tx.StmtContext(ctx, db.readStmt.countLatest).QueryRowContext(ctx, kr.from, kr.to)
	case atRV == 0 || atRV == r.rv:
		row = r.tx.QueryRowContext(ctx, qCountLatestAfter, kr.from, kr.to)
	case !kr.afterFrom:
		row = r.tx.StmtContext(ctx, db.readStmt.countAt).QueryRowContext(ctx, kr.from, kr.to, atRV)
	default:
		row = r.tx.QueryRowContext(ctx, qCountAtAfter, kr.from, kr.to, atRV)
	}
	var n int64
	if err := row.Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s in %s: %w", kr.from, db.dbPath(), err)
	}
	return n, nil
}

// stats returns the number and total payload size of the current versions
// with keys in kr.
func (db *DB) stats(ctx context.Context, kr keyRange) (count, size int64, err error) {
	if db.ctx.Err() != nil {
		return 0, 0, ErrClosed
	}
	if err := db.readStmt.stats.QueryRowContext(ctx, kr.from, kr.to).Scan(&count, &size); err != nil {
		return 0, 0, fmt.Errorf("count %s in %s: %w", kr.from, db.dbPath(), err)
	}
	return count, size, nil
}

// event is one write read back for a watcher, with the version it replaced
// (prev.rv is 0 when that version is not needed or did not exist).
type event struct {
	rec  record
	prev record
}

// events returns up to limit writes with resource versions after from and
// keys in kr (exact: key == kr.from), in resource-version order, the
// resource version of the read, and the compacted resource version.
func (db *DB) events(ctx context.Context, kr keyRange, exact bool, from int64, limit int) ([]event, int64, error) {
	r, err := db.beginRead(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer r.end()
	if from < r.compacted {
		return nil, r.rv, errCompacted
	}
	var rows *sql.Rows
	if exact {
		rows, err = r.tx.StmtContext(ctx, db.readStmt.keyEvents).QueryContext(ctx, from, r.rv, kr.from, limit)
	} else {
		rows, err = r.tx.StmtContext(ctx, db.readStmt.events).QueryContext(ctx, from, r.rv, kr.from, kr.to, limit)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read changes of %s from %s: %w", kr.from, db.dbPath(), err)
	}
	defer func() { _ = rows.Close() }()
	var evs []event
	for rows.Next() {
		evs = append(evs, event{})
		e := &evs[len(evs)-1]
		var prevDeleted, prevCRC int64
		err := scanRecord(rows, &e.rec, &e.prev.rv, &e.prev.key, &e.prev.prevRV, &prevDeleted, &e.prev.expiresAt,
			&e.prev.payload.size, &prevCRC, &e.prev.payload.data, &e.prev.payload.file)
		if err != nil {
			return nil, 0, fmt.Errorf("read changes of %s from %s: %w", kr.from, db.dbPath(), err)
		}
		e.prev.payload.crc = uint32(prevCRC)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("read changes of %s from %s: %w", kr.from, db.dbPath(), err)
	}
	return evs, r.rv, nil
}
