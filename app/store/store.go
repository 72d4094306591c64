// Package store is the vault database: two SQLite files (modernc.org/sqlite, pure Go) in WAL mode
// with foreign keys on, a single writer connection and a pool of readers.
//
// # Two files
//
// vault.db holds everything except the person keys: users, companies, people, the ciphertext of
// their numbers and documents, the audit log. keys.db ([KeysFileName], the key store) beside it
// holds the person keys, wrapped under their company keys, and the shred list. Every connection
// attaches the key store as schema "keys" ([KeysSchema]), so one transaction sees both files and
// use cases keep working on one [*Tx]. A data backup ([DB.Backup]) copies vault.db alone: a key
// destroyed by a disposal is not in it, so restoring an older backup cannot bring a disposed
// number back (the ciphertext comes back, the key that opens it does not). The key store is
// backed up on its own ([DB.BackupKeys]), and restoring it applies the shred list
// ([MergeShredLists]).
//
// A transaction over two files in WAL mode is atomic per file only: SQLite commits the files one
// after the other, in the order the connection attached them, with no journal over both. So
// the order is the design. Every connection of the app has a private in-memory main database
// and attaches the key store first (schema "keys") and vault.db second (schema "vault"); both
// run with synchronous=FULL. The key store's commit is on disk before vault.db is written.
//
// # The invariant: no number without its key
//
// Keys first, data second: a crash, a kill or a full disk between the two commits leaves at
// worst a key that no data uses, never a number whose key did not arrive. What each case leaves
// and who cleans it:
//
//   - new people (an import, a registration, a card read, an accepted online submission, a
//     shared company's records): their keys without them. Removed at once when the commit
//     fails in this process, and at every Open ("keys of people vault.db does not hold");
//     the retry finds nothing in its way and imports everything again.
//   - a rotation (a mask_number disposal keeps a person's other data under a new key): the new
//     key in the key store, the data still under the old one in vault.db. The old key is
//     therefore not deleted by the rotation's transaction but moved to the key store's
//     retired keys, which still open that data; its id goes on vault.db's shred list in the
//     same transaction as the resealed data, and only once that has committed is the old key
//     destroyed (right after the commit, or at the next Open).
//   - a disposal: the key destroyed and on the key store's shred list, vault.db unchanged. The
//     next Open makes the two shred lists one and deletes the ciphertext; the disposal itself
//     is carried out again (app/dispose treats a missing key as already destroyed) and
//     recorded then.
//
// A vault.db that holds numbers or images of people whose keys are neither in the key store
// nor destroyed cannot come from a crash any more: it means the key store is an old copy or was
// lost. Open refuses it ([ErrKeysMissing]), as it refuses a vault whose keys.db is missing
// ([ErrKeyStoreMissing]) or belongs to another vault ([ErrKeyStoreMismatch]), and never makes
// an empty key store in place of a lost one: the way back is the latest key backup.
//
// At every Open, on a maintenance connection that has vault.db as main (the migrations are
// written that way), both shred lists become their union, every listed key is deleted from
// keys.db, the ciphertext of every person disposed of as a whole is deleted from vault.db, and
// the leftovers above are cleaned.
//
// # Model
//
// Every public use case in the packages above runs as exactly one transaction: [DB.Update] for
// writes (BEGIN IMMEDIATE on the single writer, so writers never deadlock) and [DB.View] for reads.
// Helpers in other packages take a [*Tx] and never open their own transaction.
//
// Migrations are embedded SQL files named NNNN_name.sql, applied in order, each in its own
// transaction, and recorded in PRAGMA user_version. A database newer than this binary is refused.
//
// # What it must never do
//
// The store holds ciphertext produced by app/vault and never sees a My Number in clear. It
// never logs query arguments.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// FileName is the name of the vault database inside a vault directory.
const FileName = "vault.db"

// ErrTooNew is returned by Open when the database was written by a newer version of the app.
var ErrTooNew = errors.New("vault database is newer than this program")

// DB is an open vault database. Its zero value is not usable; call [Open].
type DB struct {
	// Now returns the current time; tests replace it. Defaults to time.Now.
	Now func() time.Time

	path     string
	keysPath string
	writer   *sql.DB
	reader   *sql.DB
	// maint is the maintenance pool (vault.db as main, the key store attached), open only
	// during Open for the migrations and the recovery pass.
	maint *sql.DB
	// mu is held for reading by every transaction and for writing by [DB.Replace], which swaps
	// the files under the pools.
	mu sync.RWMutex
}

// Tx is one transaction. Now is fixed when the transaction begins so that every row a use case
// writes carries the same timestamp.
type Tx struct {
	tx  *sql.Tx
	ctx context.Context
	// Now is the transaction's clock reading, in UTC.
	Now time.Time
	// vault is the schema name of vault.db on this connection: "vault", or "main" on the
	// maintenance connection of Open (see "Two files").
	vault string
	// retired is set when the transaction retired a key ([Tx.NoteRetiredKey]).
	retired bool
	// writable: an Update (not a View).
	writable bool
}

// Writable reports whether the transaction may write (it was begun by Update).
func (tx *Tx) Writable() bool { return tx.writable }

// VaultTable is name qualified with vault.db's schema: for the tables of the same name in both
// files (meta, shredded_keys), which must never resolve to the key store's.
func (tx *Tx) VaultTable(name string) string { return tx.vault + "." + name }

// NoteRetiredKey tells the store that the transaction moved a key to the key store's retired
// keys: once the transaction has committed in both files, the store destroys it (see "Two
// files").
func (tx *Tx) NoteRetiredKey() { tx.retired = true }

// fileURI is path as a SQLite URI ("file:///…"), every character that a URI reserves escaped
// (a '#' or '?' in a folder name is part of the path, not a fragment or a query; '%', spaces and
// Japanese are percent-encoded), with query as its query.
func fileURI(path, query string) string {
	abs, err := filepath.Abs(path)
	if err == nil {
		path = abs
	}
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive: file:///C:/…
	}
	u := url.URL{Scheme: "file", Path: p, RawQuery: query}
	return u.String()
}

// connPragmas are the DSN settings of every connection: the connection-wide ones, and for the
// main database (vault.db when maintenance, else the connection's private in-memory database)
// the per-file ones; the connector sets the per-file ones of the attached files.
func connPragmas(readOnly bool) string {
	v := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "foreign_keys(1)", "busy_timeout(10000)", "synchronous(FULL)", "secure_delete(1)"} {
		v.Add("_pragma", p)
	}
	if readOnly {
		v.Add("_pragma", "query_only(1)")
	} else {
		v.Set("_txlock", "immediate")
	}
	return v.Encode()
}

// Open opens (creating if needed) the database at path and the key store [KeysFileName] in the
// same directory, applies pending migrations and reconciles the shred lists (see "Two files").
// Both files are created with mode 0600. It returns [ErrKeyStoreMismatch] when the key store
// belongs to another vault.
func Open(ctx context.Context, path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating vault directory: %w", err)
	}
	keysPath := filepath.Join(filepath.Dir(path), KeysFileName)
	if err := checkFiles(ctx, path, keysPath); err != nil {
		return nil, err
	}
	if err := createFile(path); err != nil {
		return nil, fmt.Errorf("opening vault file: %w", err)
	}
	if err := createFile(keysPath); err != nil {
		return nil, fmt.Errorf("opening key store: %w", err)
	}
	db := &DB{Now: time.Now, path: path, keysPath: keysPath}
	if err := db.open(ctx); err != nil {
		return nil, err
	}
	return db, nil
}

// open runs the maintenance pass on both files (check, key store schema, migrations, shred
// lists, keys of stored numbers) and opens the writer and reader pools.
func (db *DB) open(ctx context.Context) error {
	path, keysPath := db.path, db.keysPath
	db.maint = openPool(path, keysPath, poolMaintenance)
	db.maint.SetMaxOpenConns(1)
	err := quickCheck(ctx, db.maint, []string{"main", KeysSchema}, QuickCheckBudget)
	if err == nil {
		err = db.initKeys(ctx)
	}
	if err == nil {
		err = db.migrate(ctx)
	}
	if err == nil {
		err = db.reconcile(ctx)
	}
	if err == nil {
		err = db.checkKeys(ctx)
	}
	if cerr := db.maint.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing maintenance connection: %w", cerr)
	}
	db.maint = nil
	if err != nil {
		return err
	}
	w := openPool(path, keysPath, poolWriter)
	w.SetMaxOpenConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	db.writer = w
	r := openPool(path, keysPath, poolReader)
	r.SetMaxOpenConns(4)
	db.reader = r
	return nil
}

// Path is the database file's path.
func (db *DB) Path() string { return db.path }

// errClosed is returned by a transaction on a closed DB (or one whose [DB.Replace] failed).
var errClosed = errors.New("the vault database is closed")

// Close closes both connection pools.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.closePools()
}

func (db *DB) closePools() error {
	var errs []error
	if db.reader != nil {
		errs = append(errs, db.reader.Close())
	}
	if db.writer != nil {
		errs = append(errs, db.writer.Close())
	}
	db.reader, db.writer = nil, nil
	return errors.Join(errs...)
}

// Update runs fn in one write transaction. If fn returns an error, or panics, nothing is written.
//
// The key store commits before vault.db (see "Two files"). When the commit fails (a full disk,
// an I/O error), the key store may hold what vault.db does not: the store then removes those
// keys at once, so that a retry does not meet them.
func (db *DB) Update(ctx context.Context, fn func(*Tx) error) error {
	if db.maint != nil {
		// Open's maintenance pass (db.mu is not needed: nothing else has the DB yet).
		return db.run(ctx, db.maint, "main", fn)
	}
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.writer == nil {
		return errClosed
	}
	err := db.run(ctx, db.writer, "vault", fn)
	var ce *commitError
	if errors.As(err, &ce) {
		if rerr := db.removeOrphanKeys(ctx); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}
	return err
}

// View runs fn in one read-only transaction.
func (db *DB) View(ctx context.Context, fn func(*Tx) error) error {
	if db.maint != nil {
		return db.run(ctx, db.maint, "main", fn)
	}
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.reader == nil {
		return errClosed
	}
	return db.run(ctx, db.reader, "vault", fn)
}

// commitError is a failed COMMIT: one of the two files may have committed.
type commitError struct{ err error }

func (e *commitError) Error() string { return "committing: " + e.err.Error() }
func (e *commitError) Unwrap() error { return e.err }

func (db *DB) run(ctx context.Context, pool *sql.DB, vault string, fn func(*Tx) error) (err error) {
	sqltx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	tx := &Tx{tx: sqltx, ctx: ctx, Now: db.Now().UTC(), vault: vault, writable: pool != db.reader}
	defer func() {
		if p := recover(); p != nil {
			sqltx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		sqltx.Rollback()
		return err
	}
	if err := sqltx.Commit(); err != nil {
		return &commitError{err}
	}
	if tx.retired && vault == "vault" {
		return db.destroyRetiredKeys(ctx)
	}
	return nil
}

// Context is the context the transaction was started with.
func (tx *Tx) Context() context.Context { return tx.ctx }

// Exec executes a statement in the transaction.
func (tx *Tx) Exec(query string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(tx.ctx, query, args...)
}

// Query runs a query in the transaction.
func (tx *Tx) Query(query string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(tx.ctx, query, args...)
}

// QueryRow runs a query that returns at most one row.
func (tx *Tx) QueryRow(query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(tx.ctx, query, args...)
}

// Prepare prepares a statement bound to the transaction (for loops over many rows).
func (tx *Tx) Prepare(query string) (*sql.Stmt, error) {
	return tx.tx.PrepareContext(tx.ctx, query)
}

// NowText is tx.Now formatted for a TEXT time column.
func (tx *Tx) NowText() string { return FormatTime(tx.Now) }

// FormatTime formats t as UTC RFC 3339 with milliseconds, the one textual time format in the vault.
// Lexical order equals time order.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// ParseTime parses a value written by FormatTime. The empty string is the zero time.
func ParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse("2006-01-02T15:04:05.000Z", s)
}

// Meta reads a value from the meta table; ok is false when the key is absent.
func (tx *Tx) Meta(key string) (value string, ok bool, err error) {
	err = tx.QueryRow(`SELECT value FROM `+tx.VaultTable("meta")+` WHERE key = ?`, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("reading meta %q: %w", key, err)
	}
	return value, true, nil
}

// SetMeta writes a value to the meta table.
func (tx *Tx) SetMeta(key, value string) error {
	_, err := tx.Exec(`INSERT INTO `+tx.VaultTable("meta")+`(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("writing meta %q: %w", key, err)
	}
	return nil
}

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and '_'", name)
		}
		b, err := migrationFS.ReadFile("migrations/" + name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected number %d", m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the number of the newest migration this binary knows.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	var current int
	if err := db.maint.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&current); err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("%w (schema %d, this program knows %d)", ErrTooNew, current, len(ms))
	}
	for _, m := range ms[current:] {
		err := db.Update(ctx, func(tx *Tx) error {
			if _, err := tx.Exec(m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, m.version))
			return err
		})
		if err != nil {
			return fmt.Errorf("applying migration %s: %w", m.name, err)
		}
	}
	return nil
}

// Backup writes a consistent copy of the database to dest (VACUUM INTO), which must not exist.
// The copy is a complete SQLite database that Open can use. It does not include the key store
// (see "Two files"); [DB.BackupKeys] copies that.
func (db *DB) Backup(ctx context.Context, dest string) error {
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup target %s already exists", dest)
	}
	// A backup of a damaged file would carry the damage on: the whole file is checked first.
	if err := quickCheck(ctx, db.writer, []string{"vault"}, 0); err != nil {
		return err
	}
	if _, err := db.writer.ExecContext(ctx, `VACUUM vault INTO ?`, dest); err != nil {
		return fmt.Errorf("writing backup: %w", err)
	}
	return os.Chmod(dest, 0o600)
}

// IntegrityCheck runs PRAGMA integrity_check and foreign_key_check and returns an error that
// names the first problem.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	var res string
	if err := db.writer.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s", res)
	}
	rows, err := db.writer.QueryContext(ctx, `PRAGMA vault.foreign_key_check`)
	if err != nil {
		return fmt.Errorf("foreign key check: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		var table string
		var rowid sql.NullInt64
		var parent string
		var fkid int
		rows.Scan(&table, &rowid, &parent, &fkid)
		return fmt.Errorf("foreign key check: table %s row %d refers to a missing %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}
