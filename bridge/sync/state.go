package relaysync

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// DBName is the sync state file in [Syncer.Dir].
const DBName = "sync.db"

// schema is the state database. No column holds a readable number, a key or a token: the
// inbox boxes are sealed to the company's submission key, outbox bodies carry verifiers,
// public keys, names and reasons (which the app refuses to let hold a number).
const schema = `
CREATE TABLE IF NOT EXISTS outbox (
	seq       INTEGER PRIMARY KEY AUTOINCREMENT,
	key       TEXT NOT NULL UNIQUE,
	method    TEXT NOT NULL,
	path      TEXT NOT NULL,
	body      BLOB,
	kind      TEXT NOT NULL DEFAULT 'json',
	state     TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
	attempts  INTEGER NOT NULL DEFAULT 0,
	last_code INTEGER NOT NULL DEFAULT 0,
	queued_at TEXT NOT NULL,
	done_at   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(state, seq);
CREATE TABLE IF NOT EXISTS companies (
	company TEXT PRIMARY KEY,
	cursor  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS inbox (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	company  TEXT NOT NULL,
	relay_id INTEGER NOT NULL,
	employee TEXT NOT NULL DEFAULT '',
	box      BLOB NOT NULL,
	received TEXT NOT NULL,
	UNIQUE (company, relay_id)
);
CREATE TABLE IF NOT EXISTS meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
`

// openState opens (creating 0600) dir/sync.db with WAL and full fsync.
func openState(ctx context.Context, dir string) (*sql.DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating sync state directory: %w", err)
	}
	path := filepath.Join(dir, DBName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening sync state: %w", err)
	}
	f.Close()
	v := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "synchronous(FULL)", "secure_delete(1)"} {
		v.Add("_pragma", p)
	}
	v.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+v.Encode())
	if err != nil {
		return nil, fmt.Errorf("opening sync state: %w", err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("creating sync state: %w", err)
	}
	return db, nil
}
