package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	// Registers the "sqlite" database/sql driver (pure Go, no cgo).
	_ "modernc.org/sqlite"
)

// Defaults of Options.
const (
	DefaultInlineLimit        = 16 << 10
	DefaultMaxObjectSize      = 64 << 20
	DefaultRetainRevisions    = 1000
	DefaultRetainDuration     = 5 * time.Minute
	DefaultCompactionInterval = time.Minute
	DefaultTTLInterval        = time.Second
	DefaultBookmarkInterval   = time.Minute
	DefaultReadConnections    = 4
	DefaultMaxBatch           = 256
)

// payloadGrace is how long a payload file of a compacted version stays on
// disk, so that a request that read its row just before the compaction can
// still read it.
const payloadGrace = time.Minute

// ErrClosed is returned by operations on a closed DB.
var ErrClosed = errors.New("sqlitestore: database is closed")

// Options tune a DB. The zero value of every field selects its default.
type Options struct {
	// InlineLimit is the largest payload, in bytes, stored inside the
	// database; larger payloads are stored in files. Negative stores every
	// payload in a file. Default DefaultInlineLimit.
	InlineLimit int
	// MaxObjectSize is the largest serialized object, in bytes, that a store
	// accepts unless MaxObjectSizes or its StoreConfig sets its own limit.
	// Default DefaultMaxObjectSize.
	MaxObjectSize int64
	// MaxObjectSizes sets the limit of individual resources, for example
	// a larger one for SBOMs; it also applies to the stores that Decorator
	// creates.
	MaxObjectSizes map[schema.GroupResource]int64
	// SizeLimitFlag, when set, is the server flag that raises a resource's
	// limit (e.g. --max-object-size); the 413 says how to use it.
	SizeLimitFlag string
	// RetainRevisions is how many of the most recent resource versions
	// compaction always keeps. Negative keeps none. Default
	// DefaultRetainRevisions.
	RetainRevisions int64
	// RetainDuration is how long compaction keeps a resource version after
	// it was current. Negative keeps none. Default DefaultRetainDuration.
	// History is kept while either RetainRevisions or RetainDuration asks
	// for it; it bounds how old a watch or a continue token may be.
	RetainDuration time.Duration
	// CompactionInterval is how often history is compacted. Negative
	// disables automatic compaction (DB.Compact still works). Default
	// DefaultCompactionInterval.
	CompactionInterval time.Duration
	// TTLInterval is how often objects whose TTL expired are deleted.
	// Default DefaultTTLInterval.
	TTLInterval time.Duration
	// BookmarkInterval is how often a watcher that allows bookmarks, or asked
	// for progress notifications, gets a bookmark event. Default
	// DefaultBookmarkInterval.
	BookmarkInterval time.Duration
	// ReadConnections is the size of the pool of read connections. Default
	// DefaultReadConnections.
	ReadConnections int
	// MaxBatch is the largest number of writes committed in one transaction.
	// Default DefaultMaxBatch.
	MaxBatch int
	// Clock is the time source of TTLs, retention and the background loops.
	// Default the real clock.
	Clock clock.WithTicker
	// Logger receives background errors. Default klog.Background().
	Logger *klog.Logger
}

func (o Options) withDefaults() Options {
	if o.InlineLimit == 0 {
		o.InlineLimit = DefaultInlineLimit
	}
	if o.MaxObjectSize <= 0 {
		o.MaxObjectSize = DefaultMaxObjectSize
	}
	if o.RetainRevisions == 0 {
		o.RetainRevisions = DefaultRetainRevisions
	}
	if o.RetainDuration == 0 {
		o.RetainDuration = DefaultRetainDuration
	}
	if o.CompactionInterval == 0 {
		o.CompactionInterval = DefaultCompactionInterval
	}
	if o.TTLInterval <= 0 {
		o.TTLInterval = DefaultTTLInterval
	}
	if o.BookmarkInterval <= 0 {
		o.BookmarkInterval = DefaultBookmarkInterval
	}
	if o.ReadConnections <= 0 {
		o.ReadConnections = DefaultReadConnections
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if o.Logger == nil {
		l := klog.Background()
		o.Logger = &l
	}
	return o
}

// DB is one storage directory: a SQLite database and its payload files,
// shared by the stores of all resources of one server.
type DB struct {
	dir        string
	payloadDir string
	opts       Options
	log        klog.Logger
	lock       *dirLock

	writeDB   *sql.DB
	writeConn *sql.Conn
	writeStmt writeStatements
	readDB    *sql.DB
	readStmt  readStatements

	writes chan *writeReq
	jobs   chan func(context.Context, *sql.Conn) error

	currentRV   atomic.Int64
	compactedRV atomic.Int64
	commitErr   atomic.Pointer[error]

	notifyMu sync.Mutex
	notifyCh chan struct{}

	pendingMu    sync.Mutex
	pendingFiles []pendingFile

	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error

	// testHookBeforeCommit, when set, runs in the writer after a batch's
	// rows are written and before it commits.
	testHookBeforeCommit func(batch []*writeReq)
}

type pendingFile struct {
	name     string
	deadline time.Time
}

// Open opens (creating it when needed) the storage directory dir: it takes
// the directory lock, creates or migrates the schema, removes payload files
// left behind by a crash, and starts the writer, compaction and TTL loops.
func Open(dir string, opts Options) (_ *DB, err error) {
	opts = opts.withDefaults()
	if dir == "" {
		return nil, errors.New("open storage: empty directory name")
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open storage %s: %w", dir, err)
	}
	payloadDir := filepath.Join(dir, "payloads")
	if err := os.MkdirAll(payloadDir, 0o700); err != nil {
		return nil, fmt.Errorf("create storage directory: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	db := &DB{
		dir:        dir,
		payloadDir: payloadDir,
		opts:       opts,
		log:        opts.Logger.WithName("sqlitestore"),
		lock:       lock,
		writes:     make(chan *writeReq),
		jobs:       make(chan func(context.Context, *sql.Conn) error),
		notifyCh:   make(chan struct{}),
		ctx:        ctx,
		cancel:     cancel,
	}
	defer func() {
		if err != nil {
			cancel()
			db.closeConnections()
			_ = lock.release()
		}
	}()
	if err := db.openConnections(ctx); err != nil {
		return nil, err
	}
	if err := db.removeOrphans(ctx); err != nil {
		return nil, err
	}
	// Make the directories themselves durable, in case Open created them.
	for _, d := range []string{filepath.Dir(dir), dir, payloadDir} {
		if err := syncDir(d); err != nil {
			return nil, err
		}
	}
	var rv, compacted int64
	if err := db.readDB.QueryRowContext(ctx, qMeta).Scan(&rv, &compacted); err != nil {
		return nil, fmt.Errorf("read resource version from %s: %w", db.dbPath(), err)
	}
	db.currentRV.Store(rv)
	db.compactedRV.Store(compacted)

	// Tickers are created before Open returns, so that a test stepping a
	// fake clock right after Open reaches them.
	db.wg.Add(2)
	go db.runWriter()
	go db.runTTL(opts.Clock.NewTicker(opts.TTLInterval))
	if opts.CompactionInterval > 0 {
		db.wg.Add(1)
		go db.runCompaction(opts.Clock.NewTicker(opts.CompactionInterval))
	}
	return db, nil
}

func (db *DB) dbPath() string { return filepath.Join(db.dir, "store.db") }

func (db *DB) dsn(pragmas []string, txlock string) string {
	q := url.Values{"_pragma": pragmas}
	if txlock != "" {
		q.Set("_txlock", txlock)
	}
	p := filepath.ToSlash(db.dbPath())
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return (&url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}).String()
}

func (db *DB) openConnections(ctx context.Context) error {
	writeDB, err := sql.Open("sqlite", db.dsn([]string{
		"busy_timeout(10000)",
		"journal_mode(WAL)",
		"synchronous(FULL)",
		"journal_size_limit(67108864)",
	}, "immediate"))
	if err != nil {
		return fmt.Errorf("open %s: %w", db.dbPath(), err)
	}
	db.writeDB = writeDB
	writeDB.SetMaxOpenConns(1)
	writeDB.SetMaxIdleConns(1)
	writeDB.SetConnMaxLifetime(0)
	db.writeConn, err = writeDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("open %s: %w", db.dbPath(), err)
	}
	var mode string
	if err := db.writeConn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("open %s: %w", db.dbPath(), err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("open %s: journal mode is %q, the file system must support SQLite's WAL mode (a local disk, not NFS)", db.dbPath(), mode)
	}
	if err := migrate(ctx, db.writeConn, db.dbPath()); err != nil {
		return err
	}
	if err := db.writeStmt.prepare(ctx, db.writeConn); err != nil {
		return fmt.Errorf("prepare statements on %s: %w", db.dbPath(), err)
	}

	readDB, err := sql.Open("sqlite", db.dsn([]string{"busy_timeout(10000)", "query_only(1)"}, ""))
	if err != nil {
		return fmt.Errorf("open %s: %w", db.dbPath(), err)
	}
	db.readDB = readDB
	readDB.SetMaxOpenConns(db.opts.ReadConnections)
	readDB.SetMaxIdleConns(db.opts.ReadConnections)
	readDB.SetConnMaxLifetime(0)
	if err := db.readStmt.prepare(ctx, readDB); err != nil {
		return fmt.Errorf("prepare statements on %s: %w", db.dbPath(), err)
	}
	return nil
}

func (db *DB) closeConnections() {
	db.readStmt.close()
	db.writeStmt.close()
	if db.readDB != nil {
		_ = db.readDB.Close()
	}
	if db.writeConn != nil {
		_ = db.writeConn.Close()
	}
	if db.writeDB != nil {
		_ = db.writeDB.Close()
	}
}

// removeOrphans deletes payload files that no row references: temporary
// files of writes interrupted before their rename, and files renamed into
// place whose transaction never committed.
func (db *DB) removeOrphans(ctx context.Context) error {
	entries, err := os.ReadDir(db.payloadDir)
	if err != nil {
		return fmt.Errorf("list payload files: %w", err)
	}
	if len(entries) == 0 {
		return nil
	}
	referenced := map[string]bool{}
	rows, err := db.readDB.QueryContext(ctx, "SELECT file FROM revisions WHERE file IS NOT NULL")
	if err != nil {
		return fmt.Errorf("list payload files referenced by %s: %w", db.dbPath(), err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("list payload files referenced by %s: %w", db.dbPath(), err)
		}
		referenced[name] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list payload files referenced by %s: %w", db.dbPath(), err)
	}
	var orphans []string
	for _, e := range entries {
		if e.IsDir() || referenced[e.Name()] {
			continue
		}
		orphans = append(orphans, e.Name())
	}
	if len(orphans) > 0 {
		db.log.Info("Removing payload files of unfinished writes", "count", len(orphans))
		db.removePayloadFiles(orphans)
	}
	return nil
}

// Close stops the background loops and the watchers, waits for the writer
// to finish the batch it is committing, and closes the database. Writes that
// were not yet taken by the writer fail with ErrClosed.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.cancel()
		db.wg.Wait()
		db.closeConnections()
		db.closeErr = db.lock.release()
	})
	return db.closeErr
}

// CurrentResourceVersion returns the resource version of the last committed
// write.
func (db *DB) CurrentResourceVersion() int64 { return db.currentRV.Load() }

// CompactedResourceVersion returns the resource version up to which history
// was compacted: requests for older resource versions fail with 410 Gone.
func (db *DB) CompactedResourceVersion() int64 { return db.compactedRV.Load() }

// changed returns a channel that is closed at the next commit.
func (db *DB) changed() <-chan struct{} {
	db.notifyMu.Lock()
	defer db.notifyMu.Unlock()
	return db.notifyCh
}

func (db *DB) broadcast() {
	db.notifyMu.Lock()
	defer db.notifyMu.Unlock()
	close(db.notifyCh)
	db.notifyCh = make(chan struct{})
}

// ready reports whether the database accepts requests. After a failed
// commit it tries a write, so that it recovers once the cause (a full disk,
// say) is gone even if no request writes in the meantime.
func (db *DB) ready() error {
	if db.ctx.Err() != nil {
		return ErrClosed
	}
	ctx, cancel := context.WithTimeout(db.ctx, 5*time.Second)
	defer cancel()
	if errp := db.commitErr.Load(); errp != nil {
		err := db.runJob(ctx, func(ctx context.Context, conn *sql.Conn) error {
			_, err := conn.ExecContext(ctx, "UPDATE meta SET value = value WHERE name = 'rv'")
			return err
		})
		if err != nil {
			return fmt.Errorf("%s does not accept writes (the last commit failed with: %w): %w", db.dbPath(), *errp, err)
		}
		db.commitErr.CompareAndSwap(errp, nil)
	}
	var one int
	if err := db.readDB.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("read from %s: %w", db.dbPath(), err)
	}
	return nil
}

// runTTL deletes objects whose TTL expired, through the normal write path so
// that watchers see the deletion.
func (db *DB) runTTL(ticker clock.Ticker) {
	defer db.wg.Done()
	defer ticker.Stop()
	for {
		select {
		case <-db.ctx.Done():
			return
		case <-ticker.C():
		}
		if err := db.deleteExpired(db.ctx); err != nil && db.ctx.Err() == nil {
			db.log.Error(err, "Delete expired objects")
		}
	}
}

func (db *DB) deleteExpired(ctx context.Context) error {
	now := db.opts.Clock.Now().UnixMilli()
	rows, err := db.readStmt.expired.QueryContext(ctx, now)
	if err != nil {
		return err
	}
	type expired struct {
		key string
		rv  int64
	}
	var victims []expired
	for rows.Next() {
		var e expired
		if err := rows.Scan(&e.key, &e.rv); err != nil {
			_ = rows.Close()
			return err
		}
		victims = append(victims, e)
	}
	if err := rows.Err(); err != nil {
		_ = rows.Close()
		return err
	}
	if err := rows.Close(); err != nil {
		return err
	}
	// Submitted together, the deletions share a few transactions.
	errs := make([]error, len(victims))
	var wg sync.WaitGroup
	for i, v := range victims {
		wg.Go(func() {
			_, err := db.write(ctx, &writeReq{key: v.key, deleteOp: true, expectRV: v.rv})
			// A conflict means the object changed (maybe with a new TTL)
			// after it was read; the next pass sees its new state.
			if err != nil && !errors.Is(err, errConflict) && !errors.Is(err, errNotFound) {
				errs[i] = fmt.Errorf("delete expired %s: %w", v.key, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// rvSample is the current resource version observed at a time.
type rvSample struct {
	at time.Time
	rv int64
}

// runCompaction compacts history every CompactionInterval, keeping what
// RetainRevisions and RetainDuration ask for.
func (db *DB) runCompaction(ticker clock.Ticker) {
	defer db.wg.Done()
	defer ticker.Stop()
	var samples []rvSample
	for {
		select {
		case <-db.ctx.Done():
			return
		case <-ticker.C():
		}
		var target int64
		target, samples = db.opts.compactionTarget(db.opts.Clock.Now(), db.currentRV.Load(), samples)
		if err := db.Compact(db.ctx, target); err != nil && db.ctx.Err() == nil {
			db.log.Error(err, "Compact history", "resourceVersion", target)
		}
	}
}

// compactionTarget returns the resource version history can be compacted
// to at now, given the resource versions sampled at earlier compactions, and
// the samples to keep for the next ones.
func (o Options) compactionTarget(now time.Time, current int64, samples []rvSample) (int64, []rvSample) {
	samples = append(samples, rvSample{at: now, rv: current})
	target := current
	if o.RetainRevisions > 0 {
		target = min(target, current-o.RetainRevisions)
	}
	if o.RetainDuration > 0 {
		// Versions current at the newest sample that is RetainDuration old
		// can go; the samples before it are no longer needed.
		byAge, cut := int64(0), 0
		for i, s := range samples {
			if now.Sub(s.at) < o.RetainDuration {
				break
			}
			byAge, cut = s.rv, i
		}
		samples = samples[cut:]
		target = min(target, byAge)
	}
	return max(target, 0), samples
}

// compactChunk bounds the rows deleted by one compaction transaction, so
// that writes are not held back for long.
const compactChunk = 2000

// Compact discards the history older than resource version rv: afterwards
// lists, gets and watches at a resource version below rv fail with 410 Gone,
// and payload files only those versions used are removed after a grace
// period. Compacting to a resource version at or below the compacted one is
// a no-op.
func (db *DB) Compact(ctx context.Context, rv int64) error {
	db.removeDueFiles()
	if rv <= db.compactedRV.Load() {
		return nil
	}
	if current := db.currentRV.Load(); rv > current {
		return fmt.Errorf("compact to resource version %d: the current resource version is %d", rv, current)
	}
	// Raise the compacted resource version first: from then on no request
	// may read the rows that are about to be deleted.
	if err := db.runJob(ctx, func(ctx context.Context, conn *sql.Conn) error {
		_, err := conn.ExecContext(ctx, "UPDATE meta SET value = ?1 WHERE name = 'compacted' AND value < ?1", rv)
		if err == nil {
			db.compactedRV.Store(rv)
		}
		return err
	}); err != nil {
		return fmt.Errorf("compact to resource version %d: %w", rv, err)
	}
	for {
		var files []string
		var deleted int
		err := db.runJob(ctx, func(ctx context.Context, conn *sql.Conn) error {
			rows, err := conn.QueryContext(ctx, qCompactChunk, rv, compactChunk)
			if err != nil {
				return err
			}
			defer func() { _ = rows.Close() }()
			for rows.Next() {
				var file sql.NullString
				if err := rows.Scan(&file); err != nil {
					return err
				}
				deleted++
				if file.Valid {
					files = append(files, file.String)
				}
			}
			return rows.Err()
		})
		if err != nil {
			return fmt.Errorf("compact to resource version %d: %w", rv, err)
		}
		if len(files) > 0 {
			deadline := db.opts.Clock.Now().Add(payloadGrace)
			db.pendingMu.Lock()
			for _, f := range files {
				db.pendingFiles = append(db.pendingFiles, pendingFile{name: f, deadline: deadline})
			}
			db.pendingMu.Unlock()
		}
		if deleted < compactChunk {
			return nil
		}
	}
}

// removeDueFiles removes the payload files of compacted versions whose grace
// period is over.
func (db *DB) removeDueFiles() {
	now := db.opts.Clock.Now()
	db.pendingMu.Lock()
	n := 0
	for n < len(db.pendingFiles) && !db.pendingFiles[n].deadline.After(now) {
		n++
	}
	due := make([]string, n)
	for i := range n {
		due[i] = db.pendingFiles[i].name
	}
	db.pendingFiles = db.pendingFiles[n:]
	db.pendingMu.Unlock()
	db.removePayloadFiles(due)
}

// runJob runs fn on the write connection in the writer goroutine, between
// write batches; each statement of fn commits on its own unless fn begins a
// transaction.
func (db *DB) runJob(ctx context.Context, fn func(context.Context, *sql.Conn) error) error {
	done := make(chan error, 1)
	job := func(ctx context.Context, conn *sql.Conn) error {
		err := fn(ctx, conn)
		done <- err
		return err
	}
	select {
	case db.jobs <- job:
	case <-db.ctx.Done():
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-done
}
