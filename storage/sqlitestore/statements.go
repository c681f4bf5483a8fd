package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
)

// recordColumns selects a record from the revisions table aliased r; NULLs
// (no row in a LEFT JOIN) read as a zero record.
const recordColumns = `coalesce(r.rv, 0), coalesce(r.key, ''), coalesce(r.prev_rv, 0), coalesce(r.deleted, 0),
	coalesce(r.expires_at, 0), coalesce(r.size, 0), coalesce(r.crc, 0), r.data, coalesce(r.file, '')`

// prevColumns selects the same record from the revisions table aliased p.
const prevColumns = `coalesce(p.rv, 0), coalesce(p.key, ''), coalesce(p.prev_rv, 0), coalesce(p.deleted, 0),
	coalesce(p.expires_at, 0), coalesce(p.size, 0), coalesce(p.crc, 0), p.data, coalesce(p.file, '')`

// Queries. ?1.. are positional parameters; the INDEXED BY clauses pin the
// plans that keep every query proportional to the rows it returns.
const (
	qMeta = `SELECT (SELECT value FROM meta WHERE name = 'rv'), (SELECT value FROM meta WHERE name = 'compacted')`

	// The current resource version and the current version of key ?1, in
	// one statement (one snapshot, no explicit transaction).
	qGetLatest = `SELECT m.value, ` + recordColumns + ` FROM meta AS m
		LEFT JOIN revisions AS r INDEXED BY revisions_live ON r.key = ?1 AND r.superseded_rv IS NULL
		WHERE m.name = 'rv'`
	// The version of key ?1 current at resource version ?2.
	qGetAt = `SELECT ` + recordColumns + ` FROM revisions AS r INDEXED BY revisions_key_rv
		WHERE r.key = ?1 AND r.rv <= ?2 AND (r.superseded_rv IS NULL OR r.superseded_rv > ?2)`

	// Current versions with keys in [?1, ?2) (or (?1, ?2)), in key order, at most ?3.
	qScanLatest = `SELECT ` + recordColumns + ` FROM revisions AS r INDEXED BY revisions_live
		WHERE r.superseded_rv IS NULL AND r.key >= ?1 AND r.key < ?2 ORDER BY r.key LIMIT ?3`
	// Versions current at resource version ?3 with keys in [?1, ?2), in key order, at most ?4.
	qScanAt = `SELECT ` + recordColumns + ` FROM revisions AS r INDEXED BY revisions_key_rv
		WHERE r.key >= ?1 AND r.key < ?2 AND r.rv <= ?3 AND (r.superseded_rv IS NULL OR r.superseded_rv > ?3)
		ORDER BY r.key LIMIT ?4`
	// Counting on revisions_key_rv reads the index only.
	qCountLatest = `SELECT count(*) FROM revisions AS r INDEXED BY revisions_key_rv
		WHERE r.superseded_rv IS NULL AND r.key >= ?1 AND r.key < ?2`
	qCountAt = `SELECT count(*) FROM revisions AS r INDEXED BY revisions_key_rv
		WHERE r.key >= ?1 AND r.key < ?2 AND r.rv <= ?3 AND (r.superseded_rv IS NULL OR r.superseded_rv > ?3)`
	// Number and total size of the current versions with keys in [?1, ?2).
	qStats = `SELECT count(*), coalesce(sum(r.size), 0) FROM revisions AS r INDEXED BY revisions_live
		WHERE r.superseded_rv IS NULL AND r.key >= ?1 AND r.key < ?2`

	// Writes with resource versions in (?1, ?2] and keys in [?3, ?4), in
	// resource-version order, at most ?5, each with the version it replaced.
	qEvents = `SELECT ` + recordColumns + `, ` + prevColumns + `
		FROM revisions AS r NOT INDEXED LEFT JOIN revisions AS p ON p.rv = r.prev_rv
		WHERE r.rv > ?1 AND r.rv <= ?2 AND r.key >= ?3 AND r.key < ?4 ORDER BY r.rv LIMIT ?5`
	// Writes to key ?3 with resource versions in (?1, ?2], at most ?4.
	qKeyEvents = `SELECT ` + recordColumns + `, ` + prevColumns + `
		FROM revisions AS r INDEXED BY revisions_key_rv LEFT JOIN revisions AS p ON p.rv = r.prev_rv
		WHERE r.key = ?3 AND r.rv > ?1 AND r.rv <= ?2 ORDER BY r.rv LIMIT ?4`

	// Current versions whose TTL deadline ?1 passed.
	qExpired = `SELECT key, rv FROM revisions INDEXED BY revisions_expiry
		WHERE expires_at IS NOT NULL AND superseded_rv IS NULL AND expires_at <= ?1 LIMIT 1000`

	// Deletes up to ?2 versions superseded at or before ?1, returning their files.
	qCompactChunk = `DELETE FROM revisions WHERE rv IN (
		SELECT rv FROM revisions INDEXED BY revisions_superseded
		WHERE superseded_rv IS NOT NULL AND superseded_rv <= ?1 LIMIT ?2) RETURNING file`
)

type scanner interface{ Scan(...any) error }

// scanRecord reads the columns of recordColumns, then extra columns.
func scanRecord(sc scanner, rec *record, extra ...any) error {
	return scanColumns(sc, nil, rec, extra)
}

// scanRecordAfter reads leading columns, then the columns of recordColumns.
func scanRecordAfter(sc scanner, rec *record, leading ...any) error {
	return scanColumns(sc, leading, rec, nil)
}

func scanColumns(sc scanner, leading []any, rec *record, extra []any) error {
	var deleted, crc int64
	dest := make([]any, 0, len(leading)+9+len(extra))
	dest = append(dest, leading...)
	dest = append(dest, &rec.rv, &rec.key, &rec.prevRV, &deleted, &rec.expiresAt,
		&rec.payload.size, &crc, &rec.payload.data, &rec.payload.file)
	dest = append(dest, extra...)
	if err := sc.Scan(dest...); err != nil {
		return err
	}
	rec.deleted = deleted != 0
	rec.payload.crc = uint32(crc)
	return nil
}

// readStatements are prepared on the read pool.
type readStatements struct {
	meta, getLatest, getAt, scanLatest, scanAt, countLatest, countAt, stats, events, keyEvents, expired *sql.Stmt
}

func (s *readStatements) prepare(ctx context.Context, db *sql.DB) error {
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&s.meta, qMeta}, {&s.getLatest, qGetLatest}, {&s.getAt, qGetAt},
		{&s.scanLatest, qScanLatest}, {&s.scanAt, qScanAt},
		{&s.countLatest, qCountLatest}, {&s.countAt, qCountAt}, {&s.stats, qStats},
		{&s.events, qEvents}, {&s.keyEvents, qKeyEvents}, {&s.expired, qExpired},
	} {
		stmt, err := db.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("%w in %s", err, p.query)
		}
		*p.stmt = stmt
	}
	return nil
}

func (s *readStatements) close() {
	for _, stmt := range []*sql.Stmt{s.meta, s.getLatest, s.getAt, s.scanLatest, s.scanAt, s.countLatest, s.countAt, s.stats, s.events, s.keyEvents, s.expired} {
		if stmt != nil {
			_ = stmt.Close()
		}
	}
}

// writeStatements are prepared on the write connection.
type writeStatements struct {
	selectLive, supersede, insert, setRV *sql.Stmt
}

func (s *writeStatements) prepare(ctx context.Context, conn *sql.Conn) error {
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&s.selectLive, `SELECT rv, coalesce(expires_at, 0) FROM revisions INDEXED BY revisions_live WHERE key = ?1 AND superseded_rv IS NULL`},
		{&s.supersede, `UPDATE revisions SET superseded_rv = ?2 WHERE rv = ?1`},
		{&s.insert, `INSERT INTO revisions(rv, key, prev_rv, superseded_rv, deleted, expires_at, size, crc, data, file)
			VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)`},
		{&s.setRV, `UPDATE meta SET value = ?1 WHERE name = 'rv'`},
	} {
		stmt, err := conn.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("%w in %s", err, p.query)
		}
		*p.stmt = stmt
	}
	return nil
}

func (s *writeStatements) close() {
	for _, stmt := range []*sql.Stmt{s.selectLive, s.supersede, s.insert, s.setRV} {
		if stmt != nil {
			_ = stmt.Close()
		}
	}
}

// boundWriteStatements are writeStatements bound to one transaction.
type boundWriteStatements struct {
	selectLive, supersede, insert, setRV *sql.Stmt
}

func (s *writeStatements) in(ctx context.Context, tx *sql.Tx) *boundWriteStatements {
	return &boundWriteStatements{
		selectLive: tx.StmtContext(ctx, s.selectLive),
		supersede:  tx.StmtContext(ctx, s.supersede),
		insert:     tx.StmtContext(ctx, s.insert),
		setRV:      tx.StmtContext(ctx, s.setRV),
	}
}
