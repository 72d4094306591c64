package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/store"
)

// Bulk fixture shape: entries spread over fixtureCompanies client companies and fixtureUsers
// users, one second apart.
const (
	fixtureCompanies = 200
	fixtureUsers     = 50
)

var fixtureActions = []Action{ActionView, ActionRegister, ActionModify, ActionExport, ActionLogin, ActionLogout, ActionPrint, ActionDispose}

// fixtureResult makes about one entry in a hundred a refusal.
func fixtureResult(i int) Result {
	if i%97 == 0 {
		return ResultDenied
	}
	return ResultOK
}

// fillLog appends n entries to an empty log in one transaction, computing the chain directly
// instead of calling Append (which reads the tail and writes the head per entry). Entries of a
// session are sealed with sealKey, as the app seals them.
func fillLog(t testing.TB, db *store.DB, key []byte, n int) {
	t.Helper()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	err := db.Update(context.Background(), func(tx *store.Tx) error {
		stmt, err := tx.Prepare(`INSERT INTO audit_log(id, at, user_id, login, workstation, action, company_id,
			target_type, target_id, purpose, result, detail, mac, seal) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		c := newChain(key)
		prev := c.genesis()
		sealer := hmac.New(sha256.New, sealKey)
		var canonical, mac []byte
		for i := 1; i <= n; i++ {
			u := i % fixtureUsers
			r := record[string]{
				id:          int64(i),
				at:          store.FormatTime(start.Add(time.Duration(i) * time.Second)),
				userID:      int64(u + 1),
				login:       "user" + strconv.Itoa(u+1),
				workstation: "desk-" + strconv.Itoa(i%7),
				action:      string(fixtureActions[(i/3)%len(fixtureActions)]),
				companyID:   int64(i%fixtureCompanies + 1),
				targetType:  "person",
				targetID:    strconv.Itoa(i % 100_000),
				purpose:     "gensen",
				result:      string(fixtureResult(i)),
				detail:      "源泉徴収票の作成のため照会",
			}
			canonical = r.appendCanonical(canonical[:0])
			mac = c.next(mac[:0], prev, canonical)
			var seal []byte
			if !Action(r.action).Sessionless() {
				seal = sealOf(nil, sealer, mac)
			}
			if _, err := stmt.Exec(r.id, r.at, r.userID, r.login, r.workstation, r.action, r.companyID,
				r.targetType, r.targetID, r.purpose, r.result, r.detail, mac, seal); err != nil {
				return err
			}
			prev = append(prev[:0], mac...)
		}
		return tx.SetMeta(headKey, formatHead(int64(n), prev))
	})
	if err != nil {
		t.Fatalf("filling audit log: %v", err)
	}
}

// The 1M-entry database is built once per test binary run and shared by the benchmarks.
var (
	bigOnce sync.Once
	bigPath string
	bigErr  error
	bigDir  string
)

const bigEntries = 1_000_000

// bigLog opens the cached 1M-entry database, building it on first use.
func bigLog(b *testing.B) *store.DB {
	b.Helper()
	bigOnce.Do(func() {
		bigDir, bigErr = os.MkdirTemp("", "audit-bench-")
		if bigErr != nil {
			return
		}
		bigPath = filepath.Join(bigDir, store.FileName)
		db, err := store.Open(context.Background(), bigPath)
		if err != nil {
			bigErr = err
			return
		}
		defer db.Close()
		began := time.Now()
		fillLog(b, db, testKey, bigEntries)
		b.Logf("built %d-entry fixture in %v", bigEntries, time.Since(began).Round(time.Millisecond))
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	db, err := store.Open(context.Background(), bigPath)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bigDir != "" {
		if err := os.RemoveAll(bigDir); err != nil {
			fmt.Fprintln(os.Stderr, "removing benchmark fixture:", err)
		}
	}
	os.Exit(code)
}
