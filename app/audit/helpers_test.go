package audit

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/store"
)

// testKey is a fixed audit key for tests.
var testKey = bytes.Repeat([]byte{0x42}, KeySize)

// testClock returns a store.DB.Now that starts at a fixed time and advances one second per
// call. Like any DB.Now it is called from concurrent transactions.
func testClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

// openDB opens a fresh vault database in a temp dir with a stepping clock.
func openDB(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	db.Now = testClock()
	t.Cleanup(func() { db.Close() })
	return db
}

// rawDB opens a second, unrestricted connection to the database file, playing the attacker
// who edits the file behind the app's back.
func rawDB(t testing.TB, db *store.DB) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+db.Path()+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

func mustExec(t testing.TB, raw *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := raw.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// appendAll appends each entry in its own transaction and returns them as stored.
func appendAll(t testing.TB, db *store.DB, l *Log, es ...Entry) []Entry {
	t.Helper()
	out := make([]Entry, 0, len(es))
	for _, e := range es {
		err := db.Update(context.Background(), func(tx *store.Tx) error {
			got, err := l.Append(tx, e)
			out = append(out, got)
			return err
		})
		if err != nil {
			t.Fatalf("append: %v", err)
		}
	}
	return out
}

// sampleEntries returns n varied entries.
func sampleEntries(n int) []Entry {
	actions := []Action{ActionLogin, ActionView, ActionRegister, ActionExport, ActionDispose, ActionLogout}
	results := []Result{ResultOK, ResultOK, ResultDenied, ResultFailed}
	es := make([]Entry, n)
	for i := range es {
		es[i] = Entry{
			UserID:     int64(i%3 + 1),
			Login:      []string{"tanaka", "suzuki", "sato"}[i%3],
			Action:     actions[i%len(actions)],
			CompanyID:  int64(i % 4),
			TargetType: []string{"person", "company", ""}[i%3],
			TargetID:   []string{"17", "42", ""}[i%3],
			Purpose:    []string{"", "gensen", "shaho"}[i%3],
			Result:     results[i%len(results)],
			Detail:     "entry detail " + string(rune('a'+i%26)),
		}
	}
	return es
}

func mustVerify(t testing.TB, db *store.DB, key []byte) VerifyResult {
	t.Helper()
	res, err := Verify(context.Background(), db, key)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return res
}
