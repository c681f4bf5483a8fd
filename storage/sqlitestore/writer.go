package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Outcomes of a write whose precondition failed; nothing was written.
var (
	errExists   = errors.New("key already exists")
	errNotFound = errors.New("key not found")
	errConflict = errors.New("key was modified concurrently")
)

// ttlKeep asks a put to keep the TTL deadline of the version it replaces.
const ttlKeep = -1

// writeReq is one write submitted to the writer goroutine.
type writeReq struct {
	key      string
	deleteOp bool
	// expectRV is the resource version the current version of key must have;
	// 0 means key must not exist (puts only).
	expectRV int64
	payload  payload // puts only
	// expiresAt is the TTL deadline in Unix milliseconds: 0 for none,
	// ttlKeep to keep the deadline of the replaced version.
	expiresAt int64

	done chan writeResult
}

type writeResult struct {
	rv  int64
	err error
}

// write submits req to the writer and waits until it is committed. It
// returns the resource version of the write, or errExists, errNotFound or
// errConflict when its precondition failed.
func (db *DB) write(ctx context.Context, req *writeReq) (int64, error) {
	req.done = make(chan writeResult, 1)
	select {
	case db.writes <- req:
	case <-db.ctx.Done():
		db.discardPayload(req)
		return 0, ErrClosed
	case <-ctx.Done():
		db.discardPayload(req)
		return 0, ctx.Err()
	}
	// The writer always answers a request it took, even when closing.
	select {
	case res := <-req.done:
		return res.rv, res.err
	case <-ctx.Done():
		// The write may still commit; the writer owns its payload now.
		return 0, ctx.Err()
	}
}

func (db *DB) discardPayload(req *writeReq) {
	if req.payload.file != "" {
		db.removePayloadFiles([]string{req.payload.file})
	}
}

// runWriter owns the write connection: it commits every write that is
// pending when it becomes free in one transaction, and runs maintenance jobs
// between batches.
func (db *DB) runWriter() {
	defer db.wg.Done()
	batch := make([]*writeReq, 0, db.opts.MaxBatch)
	for {
		select {
		case <-db.ctx.Done():
			return
		case job := <-db.jobs:
			_ = job(context.Background(), db.writeConn)
		case req := <-db.writes:
			batch = append(batch[:0], req)
		drain:
			for len(batch) < db.opts.MaxBatch {
				select {
				case req := <-db.writes:
					batch = append(batch, req)
				default:
					break drain
				}
			}
			db.commitBatch(batch)
			clear(batch)
		}
	}
}

// commitBatch applies batch in one transaction and answers every request.
func (db *DB) commitBatch(batch []*writeReq) {
	ctx := context.Background()
	results := make([]writeResult, len(batch))
	// uncertain marks the requests of a failed commit that may have reached
	// the disk: Open's orphan scan decides whether their payloads stay.
	uncertain := make([]bool, len(batch))
	rv, committing, batchErr := db.applyBatch(ctx, batch, results)
	if batchErr != nil {
		db.commitErr.Store(&batchErr)
		for i := range results {
			if results[i].err == nil {
				results[i] = writeResult{err: batchErr}
				uncertain[i] = committing
			}
		}
		if committing {
			// Continue from the resource version the database holds.
			db.reloadRV(ctx)
		}
	} else {
		db.commitErr.Store(nil)
		if rv != db.currentRV.Load() {
			db.currentRV.Store(rv)
			db.broadcast()
		}
	}
	for i, req := range batch {
		if results[i].err != nil && !uncertain[i] {
			db.discardPayload(req)
		}
		req.done <- results[i]
	}
}

// reloadRV sets the current resource version from the database, after a
// commit whose outcome is unknown.
func (db *DB) reloadRV(ctx context.Context) {
	var rv int64
	if err := db.writeConn.QueryRowContext(ctx, "SELECT value FROM meta WHERE name = 'rv'").Scan(&rv); err != nil {
		db.log.Error(err, "Read the resource version after a failed commit")
		return
	}
	if rv != db.currentRV.Load() {
		db.currentRV.Store(rv)
		db.broadcast()
	}
}

// applyBatch writes batch in one transaction, recording each request's
// outcome in results, and returns the resource version of the last write.
// committing reports that the error came from the commit itself, whose
// outcome is then unknown.
func (db *DB) applyBatch(ctx context.Context, batch []*writeReq, results []writeResult) (rv int64, committing bool, err error) {
	for _, req := range batch {
		if req.payload.file != "" {
			if err := syncDir(db.payloadDir); err != nil {
				return 0, false, err
			}
			break
		}
	}
	tx, err := db.writeConn.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, fmt.Errorf("begin transaction on %s: %w", db.dbPath(), err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	st := db.writeStmt.in(ctx, tx)
	start := db.currentRV.Load()
	rv = start
	for i, req := range batch {
		res, err := applyWrite(ctx, st, req, rv+1)
		if err != nil {
			return 0, false, fmt.Errorf("write %s to %s: %w", req.key, db.dbPath(), err)
		}
		if res.err == nil {
			rv = res.rv
		}
		results[i] = res
	}
	if rv == start {
		return rv, false, nil
	}
	if _, err := st.setRV.ExecContext(ctx, rv); err != nil {
		return 0, false, fmt.Errorf("write resource version to %s: %w", db.dbPath(), err)
	}
	if db.testHookBeforeCommit != nil {
		db.testHookBeforeCommit(batch)
	}
	if err := tx.Commit(); err != nil {
		return 0, true, fmt.Errorf("commit to %s: %w", db.dbPath(), err)
	}
	return rv, false, nil
}

// applyWrite checks req's precondition and, when it holds, writes req at
// resource version rv. A failed precondition is reported in the result, an
// error means the transaction is unusable.
func applyWrite(ctx context.Context, st *boundWriteStatements, req *writeReq, rv int64) (writeResult, error) {
	var curRV, curExpires int64
	err := st.selectLive.QueryRowContext(ctx, req.key).Scan(&curRV, &curExpires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		curRV = 0
	case err != nil:
		return writeResult{}, err
	}
	switch {
	case curRV == 0 && (req.deleteOp || req.expectRV != 0):
		return writeResult{err: errNotFound}, nil
	case curRV == 0:
		// A creation.
	case !req.deleteOp && req.expectRV == 0:
		return writeResult{err: errExists}, nil
	case curRV != req.expectRV:
		return writeResult{err: errConflict}, nil
	}
	if curRV != 0 {
		if _, err := st.supersede.ExecContext(ctx, curRV, rv); err != nil {
			return writeResult{}, err
		}
	}
	if req.deleteOp {
		_, err = st.insert.ExecContext(ctx, rv, req.key, curRV, rv, 1, nil, 0, 0, nil, nil)
		return writeResult{rv: rv}, err
	}
	var expires any
	switch {
	case req.expiresAt == ttlKeep && curExpires != 0:
		expires = curExpires
	case req.expiresAt > 0:
		expires = req.expiresAt
	}
	var file any
	if req.payload.file != "" {
		file = req.payload.file
	}
	_, err = st.insert.ExecContext(ctx, rv, req.key, curRV, nil, 0, expires,
		req.payload.size, int64(req.payload.crc), req.payload.data, file)
	return writeResult{rv: rv}, err
}
