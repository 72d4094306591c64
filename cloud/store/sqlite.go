package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

// OpenSQLite opens (creating if needed) the SQLite database at path: WAL, foreign keys,
// secure_delete (deleted ciphertext is overwritten), a busy timeout so that a second process
// (shelter-cloud enrol-token) can write while the relay runs, and one connection, so writes
// never deadlock on lock upgrades.
func OpenSQLite(ctx context.Context, path string) (Store, error) {
	v := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "foreign_keys(1)", "busy_timeout(10000)", "synchronous(NORMAL)", "secure_delete(1)"} {
		v.Add("_pragma", p)
	}
	// The file is made 0600 before SQLite opens it (SQLite would make it 0644); the -wal and
	// -shm files follow the database file's mode.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, fmt.Errorf("store: create sqlite file: %w", err)
	} else {
		f.Close()
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: sqlite path: %w", err)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: v.Encode()}
	if !strings.HasPrefix(u.Path, "/") {
		u.Path = "/" + u.Path
	}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	db.SetMaxOpenConns(1)
	s := &sqlStore{db: db, d: sqliteDialect}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}
