package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
)

// applicationID marks a SQLite file as a store of this package
// (PRAGMA application_id, "KSST").
const applicationID = 0x4B535354

// migrations bring an empty database to the current schema. migrations[i]
// moves the schema from version i to i+1 (PRAGMA user_version); entries are
// only ever appended.
var migrations = []string{
	// 1: revisions holds every version of every object and every deletion.
	//    rv:            resource version of the write (unique, global).
	//    prev_rv:       rv of the version this write replaced, 0 for a creation.
	//    superseded_rv: rv of the write that replaced or deleted this version;
	//                   NULL while it is the current version; equal to rv for
	//                   a deletion (tombstones are never current).
	//    expires_at:    TTL deadline in Unix milliseconds, NULL without TTL.
	//    size, crc:     length and CRC-32C of the stored payload.
	//    data, file:    the payload inline, or the name of its file under payloads/.
	`
CREATE TABLE meta (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta(name, value) VALUES ('rv', 1), ('compacted', 0);
CREATE TABLE revisions (
	rv            INTEGER PRIMARY KEY,
	key           TEXT    NOT NULL,
	prev_rv       INTEGER NOT NULL,
	superseded_rv INTEGER,
	deleted       INTEGER NOT NULL DEFAULT 0,
	expires_at    INTEGER,
	size          INTEGER NOT NULL,
	crc           INTEGER NOT NULL,
	data          BLOB,
	file          TEXT
);
CREATE UNIQUE INDEX revisions_live ON revisions(key) WHERE superseded_rv IS NULL;
CREATE INDEX revisions_key_rv ON revisions(key, rv, superseded_rv);
CREATE INDEX revisions_superseded ON revisions(superseded_rv) WHERE superseded_rv IS NOT NULL;
CREATE INDEX revisions_expiry ON revisions(expires_at) WHERE expires_at IS NOT NULL AND superseded_rv IS NULL;
`,
}

// migrate checks that the database belongs to this package and applies the
// migrations it lacks, each in its own transaction.
func migrate(ctx context.Context, conn *sql.Conn, path string) error {
	var version, appID, tables int
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version of %s: %w", path, err)
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return fmt.Errorf("read application id of %s: %w", path, err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&tables); err != nil {
		return fmt.Errorf("read tables of %s: %w", path, err)
	}
	if appID != applicationID && (version != 0 || tables != 0) {
		return fmt.Errorf("%s is not a kubescape storage database (application id %#x); point the server at an empty or dedicated directory", path, appID)
	}
	if version > len(migrations) {
		return fmt.Errorf("%s has schema version %d but this server only knows versions up to %d; run a newer server or restore a backup", path, version, len(migrations))
	}
	for v := version; v < len(migrations); v++ {
		if err := applyMigration(ctx, conn, v); err != nil {
			return fmt.Errorf("migrate %s from schema version %d to %d: %w", path, v, v+1, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, conn *sql.Conn, from int) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if _, err := tx.ExecContext(ctx, migrations[from]); err != nil {
		return err
	}
	// PRAGMAs cannot take parameters; both values are integers built here.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", from+1)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID)); err != nil {
		return err
	}
	return tx.Commit()
}
