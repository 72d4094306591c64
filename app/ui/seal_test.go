package ui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
)

// rewriteHistory is the thief on the same login, with the audit key the keychain gives any
// process of the user but without the root key: every entry is read, entry id's detail
// replaced, and the history written again with the key (a chain that verifies by itself).
// With keepSeals the old seal column is put back on each entry; without, the entries stay
// unsealed.
func rewriteHistory(t *testing.T, f *fixture, id int64, keepSeals bool) {
	t.Helper()
	ctx := context.Background()
	key := f.app.Audit.CurrentKey()
	err := f.app.DB.Update(ctx, func(tx *store.Tx) error {
		var es []audit.Entry
		for before := int64(0); ; {
			page, err := audit.Query(tx, audit.Filter{Limit: audit.MaxLimit, BeforeID: before})
			if err != nil {
				return err
			}
			es = append(es, page...)
			if len(page) < audit.MaxLimit {
				break
			}
			before = page[len(page)-1].ID
		}
		slices.Reverse(es)
		seals := map[int64][]byte{}
		rows, err := tx.Query(`SELECT id, seal FROM audit_log WHERE seal IS NOT NULL`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var n int64
			var s []byte
			if err := rows.Scan(&n, &s); err != nil {
				return err
			}
			seals[n] = s
		}
		rows.Close()
		if _, err := tx.Exec(`DELETE FROM audit_log`); err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM ` + tx.VaultTable("meta") + ` WHERE key = 'audit_head'`); err != nil {
			return err
		}
		thief := &audit.Log{Key: key, Workstation: es[0].Workstation}
		for _, e := range es {
			if e.ID == id {
				e.Detail = "nothing happened"
			}
			if _, err := thief.Append(tx, e); err != nil {
				return err
			}
			if keepSeals && seals[e.ID] != nil {
				if _, err := tx.Exec(`UPDATE audit_log SET seal = ? WHERE id = ?`, seals[e.ID], e.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// companyEntry returns the id of the history's company_create entry.
func companyEntry(t *testing.T, f *fixture) int64 {
	t.Helper()
	page, err := f.app.History.Query(HistoryFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range page.Entries {
		if e.Action == string(audit.ActionCompanyCreate) {
			return e.ID
		}
	}
	t.Fatal("no company_create entry")
	return 0
}

// TestHistorySealsCatchAKeychainThief: what a logged-in user does is sealed under the root
// key, so a history rewritten with the keychain's audit key alone — which passes the chain
// check — fails 2-1's verification, with or without the old seals put back; what was written
// with nobody logged in is counted and said.
func TestHistorySealsCatchAKeychainThief(t *testing.T) {
	for _, keepSeals := range []bool{true, false} {
		name := "seals removed"
		if keepSeals {
			name = "seals kept"
		}
		t.Run(name, func(t *testing.T) {
			f := setup(t)
			if _, err := f.app.Company.Create(Company{Code: "A01", Name: "株式会社テスト"}); err != nil {
				t.Fatal(err)
			}
			if err := f.app.Session.Logout(); err != nil {
				t.Fatal(err)
			}
			if _, err := f.app.Session.Login("admin", "not the password at all"); code(t, err) != "bad_credentials" {
				t.Fatalf("wrong password: %v", err)
			}
			if _, err := f.app.Session.Login("admin", adminPW); err != nil {
				t.Fatal(err)
			}
			v, err := f.app.History.Verify()
			if err != nil || !v.OK || !strings.Contains(v.ReasonJA, "封印") || !strings.Contains(v.ReasonEN, "seals") {
				t.Fatalf("untouched history: %+v %v", v, err)
			}
			target := companyEntry(t, f)
			if err := f.app.Session.Logout(); err != nil {
				t.Fatal(err)
			}

			rewriteHistory(t, f, target, keepSeals)
			if res, err := audit.Verify(context.Background(), f.app.DB, f.app.Audit.CurrentKey()); err != nil || !res.OK {
				t.Fatalf("the rewritten chain should pass the chain check alone: %+v %v", res, err)
			}
			if _, err := f.app.Session.Login("admin", adminPW); err != nil {
				t.Fatal(err)
			}
			v, err = f.app.History.Verify()
			if err != nil || v.OK || !strings.Contains(v.ReasonJA, "封印") {
				t.Fatalf("rewritten history passed 2-1's verification: %+v %v", v, err)
			}
		})
	}
}

// TestHistorySealsRecordRemoved: removing the record of where sealing began (the audit key's
// record under the root key) to hide seals stripped from a rewritten history is itself seen —
// in the session that follows, and after further logins, which do not make the record anew.
func TestHistorySealsRecordRemoved(t *testing.T) {
	f := setup(t)
	if _, err := f.app.Company.Create(Company{Code: "A01", Name: "株式会社テスト"}); err != nil {
		t.Fatal(err)
	}
	target := companyEntry(t, f)
	if err := f.app.Session.Logout(); err != nil {
		t.Fatal(err)
	}
	rewriteHistory(t, f, target, false)
	err := f.app.DB.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Exec(`DELETE FROM vault_keys WHERE name = 'audit'`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := f.app.Session.Login("admin", adminPW); err != nil {
			t.Fatal(err)
		}
		v, err := f.app.History.Verify()
		if err != nil || v.OK || v.FirstBroken != 1 || !strings.Contains(v.ReasonEN, "removed") {
			t.Fatalf("history without the record of where sealing began: %+v %v", v, err)
		}
		if err := f.app.Session.Logout(); err != nil {
			t.Fatal(err)
		}
	}
}
