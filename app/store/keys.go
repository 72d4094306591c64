package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"

	"modernc.org/sqlite"
)

// KeysFileName is the name of the key store inside a vault directory: a second SQLite file next
// to vault.db that holds the person keys (wrapped under their company keys) and the shred list.
// [DB.Backup] never copies it; [DB.BackupKeys] copies it on its own.
const KeysFileName = "keys.db"

// KeysSchema is the schema name under which the key store is attached on every connection.
// Queries name its tables with it ("keys.person_keys").
const KeysSchema = "keys"

// MetaVaultID is the meta key (in vault.db and in the key store) that holds the vault id. It
// binds a key store to its vault.
const MetaVaultID = "vault_id"

var (
	// ErrKeyStoreMismatch is returned by Open when the key store next to the database belongs
	// to another vault (its vault id differs).
	ErrKeyStoreMismatch = errors.New("the key store (keys.db) in the vault directory belongs to another vault")

	// ErrKeyStoreMissing is returned by Open when vault.db holds a vault but the key store next
	// to it is gone. A new, empty one is never made in its place: every number would read as
	// destroyed. Put back keys.db (restore the latest key backup: shelterctl keys restore).
	ErrKeyStoreMissing = errors.New("the key store (keys.db) is missing from the vault directory")

	// ErrKeysMissing is returned by Open when vault.db holds numbers or documents of people
	// whose keys are not in the key store and were never destroyed: the key store is older than
	// the data (an old copy put back) or damaged. Restore the latest key backup.
	ErrKeysMissing = errors.New("the key store (keys.db) lacks the keys of stored numbers")

	// ErrCheckpointBusy is returned by [DB.Checkpoint] when a reader kept the write-ahead logs
	// from being emptied; they are emptied at the next checkpoint or when the database closes.
	ErrCheckpointBusy = errors.New("checkpoint could not finish: a reader is still using the write-ahead log")
)

// keysVersion is the schema version of the key store this program writes (PRAGMA
// keys.user_version). Version 2 adds retired_keys.
const keysVersion = 2

// keysSchemaSQL creates the key store's tables.
//
// person_keys: one key per person (employee or dependent), wrapped under the company key by
// app/vault with AAD (person_keys, person id, wrapped). key_id names this key (random, hex); a
// rotation replaces the row with a new key id.
//
// retired_keys: a key replaced by a rotation, kept until the rotation's transaction has
// committed in vault.db too (the key store commits first): until then the data under the old
// key must stay readable. Its id is on vault.db's shred list once that commit is made; the
// store then destroys it.
//
// shredded_keys: the shred list, the same table in vault.db. Every destroyed key id, with
// whole = 1 when the person was disposed of (no key may exist for them again) and 0 for a key
// replaced by a rotation. A key whose id is on the list, or any key of a person with a whole
// entry, is deleted wherever it appears: at every Open, and when a key backup is restored.
const keysSchemaSQL = `
CREATE TABLE IF NOT EXISTS keys.meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS keys.person_keys (
    person_id  INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL,
    key_id     TEXT NOT NULL UNIQUE,
    wrapped    BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS keys.person_keys_by_company ON person_keys(company_id);
CREATE TABLE IF NOT EXISTS keys.shredded_keys (
    key_id      TEXT PRIMARY KEY,
    person_id   INTEGER NOT NULL,
    company_id  INTEGER NOT NULL,
    whole       INTEGER NOT NULL CHECK (whole IN (0, 1)),
    shredded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS keys.shredded_keys_by_person ON shredded_keys(person_id);
CREATE TABLE IF NOT EXISTS keys.retired_keys (
    key_id     TEXT PRIMARY KEY,
    person_id  INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    wrapped    BLOB NOT NULL,
    retired_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS keys.retired_keys_by_person ON retired_keys(person_id);
`

// poolKind is the layout of a pool's connections.
type poolKind int

const (
	// poolMaintenance: vault.db is main and the key store attached as "keys". Migrations
	// (written against vault.db as main) and the recovery pass of Open use it.
	poolMaintenance poolKind = iota
	// poolWriter and poolReader: main is a private in-memory database, the key store is
	// attached first as "keys" and vault.db second as "vault". SQLite commits the files of a
	// transaction in the order they are attached, so the key store's commit is durable before
	// vault.db is written (see "Two files"). Unqualified names resolve in the same order: the
	// two tables both files have (meta, shredded_keys) are named with [Tx.VaultTable].
	poolWriter
	poolReader
)

// connector opens connections of one pool in its layout. A connection that cannot attach the
// files is refused, so no query ever runs without them.
type connector struct {
	drv      *sqlite.Driver
	dsn      string
	path     string
	keysPath string
	kind     poolKind
}

func (c *connector) Driver() driver.Driver { return c.drv }

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	ex, ok := conn.(driver.ExecerContext)
	if !ok {
		conn.Close()
		return nil, errors.New("sqlite connection cannot execute statements")
	}
	type stmt struct {
		q   string
		arg string
	}
	stmts := []stmt{{`ATTACH DATABASE ? AS ` + KeysSchema, c.keysPath}}
	files := []string{KeysSchema}
	if c.kind != poolMaintenance {
		stmts = append(stmts, stmt{`ATTACH DATABASE ? AS vault`, c.path})
		files = append(files, "vault")
	}
	if c.kind != poolReader {
		// FULL: each file's commit is on disk before the next file is written and before
		// Update returns.
		for _, f := range files {
			stmts = append(stmts, stmt{q: `PRAGMA ` + f + `.journal_mode = WAL`}, stmt{q: `PRAGMA ` + f + `.synchronous = FULL`},
				stmt{q: `PRAGMA ` + f + `.secure_delete = ON`})
		}
	}
	for _, st := range stmts {
		var args []driver.NamedValue
		if st.arg != "" {
			args = []driver.NamedValue{{Ordinal: 1, Value: st.arg}}
		}
		if _, err := ex.ExecContext(ctx, st.q, args); err != nil {
			conn.Close()
			return nil, fmt.Errorf("attaching the vault files: %w", err)
		}
	}
	return conn, nil
}

// openPool opens a pool of the kind on the vault at path and the key store at keysPath.
func openPool(path, keysPath string, kind poolKind) *sql.DB {
	dsn := fileURI(path, connPragmas(kind == poolReader))
	if kind != poolMaintenance {
		dsn = "file::memory:?" + connPragmas(kind == poolReader)
	}
	return sql.OpenDB(&connector{drv: newDriver(), dsn: dsn, path: path, keysPath: keysPath, kind: kind})
}

// createFile creates path with mode 0600 if it does not exist.
func createFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// initKeys creates or checks the key store's schema.
func (db *DB) initKeys(ctx context.Context) error {
	var v int
	if err := db.maint.QueryRowContext(ctx, `PRAGMA keys.user_version`).Scan(&v); err != nil {
		return fmt.Errorf("reading key store version: %w", err)
	}
	if v > keysVersion {
		return fmt.Errorf("%w (key store schema %d, this program knows %d)", ErrTooNew, v, keysVersion)
	}
	if v == keysVersion {
		return nil
	}
	return db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(keysSchemaSQL); err != nil {
			return fmt.Errorf("creating key store: %w", err)
		}
		_, err := tx.Exec(fmt.Sprintf(`PRAGMA keys.user_version = %d`, keysVersion))
		return err
	})
}

// reconcile binds the key store to the vault and makes the two shred lists one: each file gets
// the other's entries, every listed key is deleted from the key store, and the ciphertext of
// every person disposed of as a whole is deleted from vault.db. After a restored data backup
// this removes what the disposals made since the backup destroyed; after a crash between the
// two files' commits it finishes a shred. It writes only when there is something to do.
func (db *DB) reconcile(ctx context.Context) error {
	return db.Update(ctx, func(tx *Tx) error {
		mainID, _, err := tx.Meta(MetaVaultID)
		if err != nil {
			return err
		}
		keysID, ok, err := tx.KeysMeta(MetaVaultID)
		if err != nil {
			return err
		}
		switch {
		case mainID != "" && ok && keysID != mainID:
			return fmt.Errorf("%w (key store of vault %s, database of vault %s)", ErrKeyStoreMismatch, keysID, mainID)
		case mainID != "" && !ok:
			if err := tx.SetKeysMeta(MetaVaultID, mainID); err != nil {
				return err
			}
		}
		for _, q := range []string{
			`INSERT OR IGNORE INTO main.shredded_keys(key_id, person_id, company_id, whole, shredded_at)
				SELECT key_id, person_id, company_id, whole, shredded_at FROM keys.shredded_keys`,
			`INSERT OR IGNORE INTO keys.shredded_keys(key_id, person_id, company_id, whole, shredded_at)
				SELECT key_id, person_id, company_id, whole, shredded_at FROM main.shredded_keys`,
			`DELETE FROM keys.person_keys WHERE key_id IN (SELECT key_id FROM keys.shredded_keys)
				OR person_id IN (SELECT person_id FROM keys.shredded_keys WHERE whole = 1)`,
			`DELETE FROM main.person_numbers WHERE person_id IN (SELECT person_id FROM main.shredded_keys WHERE whole = 1)`,
			`DELETE FROM main.person_documents WHERE person_id IN (SELECT person_id FROM main.shredded_keys WHERE whole = 1)`,
			// What a crash left: keys of a transaction whose vault.db commit did not happen, and
			// replaced keys whose rotation did commit there.
			fmt.Sprintf(orphanKeys, "main"),
			fmt.Sprintf(destroyRetired, "main"),
		} {
			if _, err := tx.Exec(q); err != nil {
				return fmt.Errorf("applying the shred list: %w", err)
			}
		}
		return nil
	})
}

// KeysPath is the key store's path.
func (db *DB) KeysPath() string { return db.keysPath }

// KeysMeta reads a value from the key store's meta table; ok is false when the key is absent.
func (tx *Tx) KeysMeta(key string) (value string, ok bool, err error) {
	err = tx.QueryRow(`SELECT value FROM keys.meta WHERE key = ?`, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("reading key store meta %q: %w", key, err)
	}
	return value, true, nil
}

// SetKeysMeta writes a value to the key store's meta table.
func (tx *Tx) SetKeysMeta(key, value string) error {
	_, err := tx.Exec(`INSERT INTO keys.meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("writing key store meta %q: %w", key, err)
	}
	return nil
}

// BackupKeys writes a consistent copy of the key store alone to dest (VACUUM INTO), which must
// not exist. The copy holds wrapped person keys and the shred list; it opens nothing without
// vault.db and a user's password (or the Recovery Kit).
func (db *DB) BackupKeys(ctx context.Context, dest string) error {
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup target %s already exists", dest)
	}
	if err := quickCheck(ctx, db.writer, []string{KeysSchema}, 0); err != nil {
		return err
	}
	if _, err := db.writer.ExecContext(ctx, `VACUUM keys INTO ?`, dest); err != nil {
		return fmt.Errorf("writing key store backup: %w", err)
	}
	return os.Chmod(dest, 0o600)
}

// Checkpoint copies every committed page of both write-ahead logs into their database files and
// truncates the logs to zero bytes (PRAGMA wal_checkpoint(TRUNCATE)), so that no older version of
// a page, such as one that held a destroyed key, stays in a -wal file. It waits for readers up to
// the busy timeout and returns [ErrCheckpointBusy] if one still holds the log.
func (db *DB) Checkpoint(ctx context.Context) error {
	var busy, logFrames, done int
	if err := db.writer.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if busy != 0 {
		return ErrCheckpointBusy
	}
	return nil
}

// MergeShredLists prepares a key store file that is about to replace the live one (a key
// backup being restored): it copies into keysFile the shred lists of every file in sources that
// exists (the live vault.db and the live keys.db; both hold a shredded_keys table), deletes from
// keysFile every key on the merged list, and rewrites the file so that no deleted key stays in a
// free page. So restoring a key backup never brings back a key destroyed after the backup was
// made. keysFile must be closed and not in use; when wantVaultID is not empty the file's vault
// id must equal it. It returns the number of keys kept and removed.
func MergeShredLists(ctx context.Context, keysFile, wantVaultID string, sources ...string) (kept, removed int, err error) {
	kdb, err := sql.Open("sqlite", fileURI(keysFile, "_pragma=secure_delete(1)&_pragma=foreign_keys(0)"))
	if err != nil {
		return 0, 0, fmt.Errorf("opening key store: %w", err)
	}
	defer kdb.Close()
	kdb.SetMaxOpenConns(1)
	var v int
	if err := kdb.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return 0, 0, fmt.Errorf("reading key store: %w", err)
	}
	if v < 1 || v > keysVersion {
		return 0, 0, fmt.Errorf("not a key store of this program (schema %d)", v)
	}
	var id string
	err = kdb.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, MetaVaultID).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("reading key store: %w", err)
	}
	if wantVaultID != "" && id != "" && id != wantVaultID {
		return 0, 0, fmt.Errorf("%w (key store of vault %s, this vault is %s)", ErrKeyStoreMismatch, id, wantVaultID)
	}
	conn, err := kdb.Conn(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	for _, src := range sources {
		if _, err := os.Stat(src); err != nil {
			continue
		}
		if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS src`, src); err != nil {
			return 0, 0, fmt.Errorf("reading shred list: %w", err)
		}
		var has int
		err := conn.QueryRowContext(ctx, `SELECT count(*) FROM src.sqlite_master WHERE type = 'table' AND name = 'shredded_keys'`).Scan(&has)
		if err == nil && has > 0 {
			_, err = conn.ExecContext(ctx, `INSERT OR IGNORE INTO main.shredded_keys(key_id, person_id, company_id, whole, shredded_at)
				SELECT key_id, person_id, company_id, whole, shredded_at FROM src.shredded_keys`)
		}
		if _, derr := conn.ExecContext(ctx, `DETACH DATABASE src`); err == nil && derr != nil {
			err = derr
		}
		if err != nil {
			return 0, 0, fmt.Errorf("merging shred list: %w", err)
		}
	}
	res, err := conn.ExecContext(ctx, `DELETE FROM person_keys WHERE key_id IN (SELECT key_id FROM shredded_keys)
		OR person_id IN (SELECT person_id FROM shredded_keys WHERE whole = 1)`)
	if err != nil {
		return 0, 0, fmt.Errorf("applying shred list: %w", err)
	}
	n, _ := res.RowsAffected()
	if _, err := conn.ExecContext(ctx, `VACUUM`); err != nil {
		return 0, 0, fmt.Errorf("rewriting key store: %w", err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM person_keys`).Scan(&kept); err != nil {
		return 0, 0, err
	}
	return kept, int(n), nil
}
