// Package sqlitestore implements k8s.io/apiserver's storage.Interface on a
// SQLite database plus a directory of payload files, so that an aggregated API
// server can keep its objects on local disk instead of in etcd.
//
// # Layout
//
// Open(dir) creates:
//
//	dir/store.db      SQLite database in WAL mode (synchronous=FULL)
//	dir/payloads/     payloads larger than Options.InlineLimit, one file per version
//	dir/LOCK          advisory lock: one process per directory
//
// All resources of one server share the database and one resource-version
// counter: DB.NewStore returns one storage.Interface per resource prefix (for
// example "/results.kubescape.io/sboms"), and DB.Decorator plugs NewStore into
// k8s.io/apiserver's generic registry. There is no watch cache: objects are
// read from disk on every request, which keeps memory flat however many
// objects are stored.
//
// # MVCC
//
// Every write gets the next value of one global, persisted resource version
// (RV) and adds a row to the revisions table; the row it replaces is marked
// superseded at that RV instead of being overwritten, and a delete adds a
// tombstone row. The state of the store at any retained RV X is therefore the
// set of rows with rv <= X whose superseded_rv is NULL or > X. This gives the
// etcd3 semantics the generic registry expects: Get/GetList at an exact or a
// minimum RV, paginated lists whose pages are all a snapshot at the first
// page's RV (continue tokens from storage.EncodeContinue), and watches that
// replay history from an RV and then follow live writes.
//
// History is compacted periodically (Options.RetainRevisions and
// Options.RetainDuration say how much is kept). Requests for an RV older than
// the compacted RV get the same errors as from etcd3: 410 "too old resource
// version" for lists and watches, and an "inconsistent continue" 410 that
// carries a fresh continue token for pagination.
//
// # Writes
//
// One writer goroutine owns the single write connection. It takes every write
// that is pending when it becomes free and commits them in one transaction
// (group commit: one fsync for many writes), then acknowledges each caller.
// Preconditions (the key must not exist, or must still be at the RV the
// caller read) are checked inside that transaction, which is how Create,
// GuaranteedUpdate and Delete get etcd's optimistic concurrency.
//
// A payload larger than Options.InlineLimit is written to a temporary file,
// fsynced, renamed into payloads/ and the directory is fsynced before the
// transaction that references it commits, so an acknowledged write survives
// SIGKILL and power loss. Files that no committed row references (a crash
// between rename and commit) and leftover temporary files are removed by Open.
// Every payload, inline or in a file, carries its length and CRC-32C in its
// row; a mismatch or a missing file is reported as a corrupt object naming
// the key, never decoded silently.
//
// # Reads and watches
//
// Reads use a separate pool of connections (WAL readers never block the
// writer). Lists read rows in key order with the page limit applied in SQL,
// filter in Go, and keep reading in growing chunks until the page is full, as
// the etcd3 store does. A query holds at most 8 MiB of payloads; they are
// decoded (spread over the CPUs) only as far as the page needs and released
// once decoded.
//
// A watcher is a cursor over the revisions table: it replays rows after its RV
// and, when caught up, sleeps until the writer announces a commit. Replay and
// live events come from the same query, so there are neither gaps nor
// duplicates. A slow watcher never blocks writers and holds at most its
// result buffer and one batch of rows: it only falls behind in RV, and once
// compaction passes its position it ends with a 410 error event so that its
// client re-lists.
//
// TTLs passed to Create and GuaranteedUpdate are honoured: a background loop
// deletes expired objects through the normal write path, so watchers see a
// DELETED event.
//
// # Differences from the etcd3 store
//
//   - ResponseMeta.TTL reports the seconds left, and an update whose
//     tryUpdate returns a nil TTL keeps the object's deadline, as
//     storage.UpdateFunc documents (etcd3 drops it).
//   - Watchers that allow bookmarks get one every Options.BookmarkInterval,
//     as the watch cache would send them (etcd3 alone sends none).
//   - A list that meets an unreadable object fails with an error naming it,
//     rather than aggregating up to 100 of them; ListOptions.RecordTimestamps,
//     which only the watch cache sets, is ignored.
package sqlitestore
