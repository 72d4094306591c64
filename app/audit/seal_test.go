package audit

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
)

// sealKey is a fixed seal key for tests (the app derives it from the root key).
var sealKey = bytes.Repeat([]byte{0x5e}, KeySize)

// sealedLog writes the history of a day: two failed logins before anyone is logged in, a
// session's entries (sealed), and a failed login after its logout. It returns the entries.
func sealedLog(t *testing.T, db *store.DB) (*Log, []Entry) {
	t.Helper()
	l := &Log{Key: testKey, Workstation: "desk-1"}
	failed := Entry{Login: "tanaka", Action: ActionLoginFailed, Result: ResultDenied, Detail: "wrong password"}
	es := appendAll(t, db, l, failed, failed)
	owner := new(int)
	l.Seal(owner, sealKey)
	session := sampleEntries(6)
	session[5].Action = ActionLogout
	es = append(es, appendAll(t, db, l, session...)...)
	l.Unseal(owner)
	es = append(es, appendAll(t, db, l, failed)...)
	return l, es
}

// rechain recomputes every MAC and the head with key, as someone holding the keychain's audit
// key does after editing rows; the seal column is left as it is.
func rechain(t *testing.T, db *store.DB, raw *sql.DB) {
	t.Helper()
	c := newChain(testKey)
	prev := c.genesis()
	var last int64
	err := db.View(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT ` + entryColumns + ` FROM audit_log ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		type fix struct {
			id  int64
			mac []byte
		}
		var fixes []fix
		for rows.Next() {
			var e record[string]
			var mac, seal []byte
			if err := rows.Scan(&e.id, &e.at, &e.userID, &e.login, &e.workstation, &e.action, &e.companyID,
				&e.targetType, &e.targetID, &e.purpose, &e.result, &e.detail, &mac, &seal); err != nil {
				return err
			}
			prev = c.next(nil, prev, e.appendCanonical(nil))
			fixes = append(fixes, fix{e.id, prev})
			last = e.id
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for _, f := range fixes {
			mustExec(t, raw, `UPDATE audit_log SET mac = ? WHERE id = ?`, f.mac, f.id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, raw, `UPDATE meta SET value = ? WHERE key = ?`, formatHead(last, prev), headKey)
}

func mustVerifySealed(t *testing.T, db *store.DB, since int64) VerifyResult {
	t.Helper()
	res, err := VerifySealed(context.Background(), db, testKey, sealKey, since)
	if err != nil {
		t.Fatalf("verify sealed: %v", err)
	}
	return res
}

// TestSealsCoverTheSession: the entries written while a session's seal key is set carry a
// seal, the others not; the seals check out, and the count after the last seal is the
// failed login written after the logout.
func TestSealsCoverTheSession(t *testing.T) {
	db := openDB(t)
	_, es := sealedLog(t, db)
	for _, e := range es {
		if want := e.ID >= 3 && e.ID <= 8; e.Sealed != want {
			t.Errorf("entry %d (%s): sealed %v, want %v", e.ID, e.Action, e.Sealed, want)
		}
	}
	res := mustVerifySealed(t, db, 3)
	if !res.OK || !res.SealChecked || res.Sealed != 6 || res.LastSealed != 8 || res.Unsealed() != 1 {
		t.Fatalf("untouched sealed history: %+v", res)
	}
	// The page reader says which entries are sealed too.
	err := db.View(context.Background(), func(tx *store.Tx) error {
		page, err := Query(tx, Filter{Limit: 20})
		for _, e := range page {
			if e.Sealed != (e.ID >= 3 && e.ID <= 8) {
				t.Errorf("Query: entry %d sealed %v", e.ID, e.Sealed)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The wrong seal key breaks at the first sealed entry.
	if res, err := VerifySealed(context.Background(), db, testKey, testKey, 3); err != nil || res.OK || res.FirstBroken != 3 || res.Kind != BreakSeal {
		t.Fatalf("wrong seal key: %+v %v", res, err)
	}
}

// TestSealsCatchARewriteWithTheAuditKey is the thief on the same login: with the audit key
// from the keychain they edit an entry of the session and re-chain the whole history, which
// then passes the chain check; the seal of the first sealed entry at or after the edit no
// longer matches.
func TestSealsCatchARewriteWithTheAuditKey(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   int64 // the entry rewritten
		broken int64 // where VerifySealed must break
	}{
		{"a session's entry", 5, 5},
		{"a failed login before the session", 1, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t)
			sealedLog(t, db)
			raw := rawDB(t, db)
			mustExec(t, raw, `UPDATE audit_log SET detail = 'nothing happened' WHERE id = ?`, tc.edit)
			rechain(t, db, raw)
			if res := mustVerify(t, db, testKey); !res.OK {
				t.Fatalf("the re-chained history should pass the chain check alone: %+v", res)
			}
			res := mustVerifySealed(t, db, 3)
			if res.OK || res.FirstBroken != tc.broken || res.Kind != BreakSeal {
				t.Fatalf("rewrite of entry %d: %+v", tc.edit, res)
			}
			// The user's next session seals on top of the rewritten history: its seal is
			// genuine, and the older seals still give the rewrite away.
			l := &Log{Key: testKey, Workstation: "desk-1"}
			l.Seal(l, sealKey)
			appendAll(t, db, l, sampleEntries(2)...)
			res = mustVerifySealed(t, db, 3)
			if res.OK || res.FirstBroken != tc.broken || res.Kind != BreakSeal || res.LastSealed != 11 {
				t.Fatalf("rewrite of entry %d, then a new session: %+v", tc.edit, res)
			}
		})
	}
}

// TestSealsCatchAStrippedSeal: removing the seals so that the session's entries can be
// rewritten breaks at the first entry that only a session writes; without the record of
// where sealing began (an older vault) the strip is not seen.
func TestSealsCatchAStrippedSeal(t *testing.T) {
	db := openDB(t)
	sealedLog(t, db)
	raw := rawDB(t, db)
	mustExec(t, raw, `UPDATE audit_log SET seal = NULL, detail = 'nothing happened' WHERE id >= 4`)
	rechain(t, db, raw)
	res := mustVerifySealed(t, db, 3)
	if res.OK || res.FirstBroken != 4 || res.Kind != BreakUnsealed {
		t.Fatalf("stripped seals: %+v", res)
	}
	// The logout (entry 8) and the failed login (9) may be unsealed; entries 4 to 7 may not.
	if res.Broken != 4 {
		t.Fatalf("stripped seals: %d entries broken, want 4: %+v", res.Broken, res)
	}
	if res := mustVerifySealed(t, db, 0); !res.OK || res.LastSealed != 3 {
		t.Fatalf("no record of where sealing began: %+v", res)
	}
}

// TestSealsLimit is the documented limit: the entries after the last seal (written with
// nobody logged in) can be rewritten with the audit key alone. The verification says how
// many there are.
func TestSealsLimit(t *testing.T) {
	db := openDB(t)
	sealedLog(t, db)
	raw := rawDB(t, db)
	mustExec(t, raw, `UPDATE audit_log SET detail = 'rewritten' WHERE id = 9`)
	rechain(t, db, raw)
	res := mustVerifySealed(t, db, 3)
	if !res.OK || res.LastSealed != 8 || res.Unsealed() != 1 {
		t.Fatalf("tail after the last seal: %+v", res)
	}
}

// TestUnsealBelongsToItsOwner: a session that ends stops only its own seals; the seals of a
// session still open go on (the newest one's key), and the Log forgets the keys.
func TestUnsealBelongsToItsOwner(t *testing.T) {
	db := openDB(t)
	l := &Log{Key: testKey, Workstation: "desk-1"}
	other := bytes.Repeat([]byte{0x77}, KeySize)
	first, second := new(int), new(int)
	sealedWith := func(key []byte) bool {
		t.Helper()
		e := appendAll(t, db, l, sampleEntries(1)...)[0]
		if !e.Sealed {
			return false
		}
		var seal []byte
		if err := db.View(context.Background(), func(tx *store.Tx) error {
			return tx.QueryRow(`SELECT seal FROM audit_log WHERE id = ?`, e.ID).Scan(&seal)
		}); err != nil {
			t.Fatal(err)
		}
		return bytes.Equal(seal, sealOf(nil, hmac.New(sha256.New, key), e.MAC))
	}
	l.Seal(first, sealKey)
	l.Seal(second, other)
	if !sealedWith(other) {
		t.Fatal("the newest session's key is not the one sealing")
	}
	l.Unseal(second)
	if !sealedWith(sealKey) {
		t.Fatal("the first session's seals stopped when the second ended")
	}
	l.Seal(second, other)
	l.Unseal(first)
	if !sealedWith(other) {
		t.Fatal("an earlier owner's Unseal stopped the later owner's seals")
	}
	l.Unseal(second)
	if e := appendAll(t, db, l, sampleEntries(1)...); e[0].Sealed {
		t.Fatal("entry sealed after every owner unsealed")
	}
	if len(l.seals) != 0 {
		t.Fatal("the Log kept a seal key")
	}
	l.Seal(first, sealKey[:5])
	if e := appendAll(t, db, l, sampleEntries(1)...); e[0].Sealed {
		t.Fatal("a short seal key was used")
	}
}
