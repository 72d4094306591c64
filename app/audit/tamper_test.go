package audit

import (
	"bytes"
	"context"
	"database/sql"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
)

const tamperEntries = 10

// verifySplits are the ways the tests cut the log for parallel verification: one pass, then
// ranges starting at ids 1, 4, 7 and at 1, 3, 6, 8.
var verifySplits = []struct {
	workers  int
	minRange int64
}{{1, verifyMinRange}, {3, 1}, {4, 2}}

// tamperedLog returns a database with tamperEntries entries and a raw connection to edit it.
func tamperedLog(t *testing.T) (*store.DB, *sql.DB, []Entry) {
	t.Helper()
	db := openDB(t)
	es := appendAll(t, db, &Log{Key: testKey, Workstation: "desk-1"}, sampleEntries(tamperEntries)...)
	if res := mustVerify(t, db, testKey); !res.OK || res.Entries != tamperEntries {
		t.Fatalf("fresh log: %+v", res)
	}
	return db, rawDB(t, db), es
}

func TestVerifyDetectsTampering(t *testing.T) {
	const k = 4
	otherMAC := bytes.Repeat([]byte{0x13}, 32)
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, raw *sql.DB)
		want   int64
		kind   Break
	}{
		{"edit time", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE audit_log SET at = '2025-04-01T08:00:00.000Z' WHERE id = ?`, k)
		}, k, BreakMAC},
		{"edit user", func(t *testing.T, raw *sql.DB) { mustExec(t, raw, `UPDATE audit_log SET user_id = 99 WHERE id = ?`, k) }, k, BreakMAC},
		{"edit login", func(t *testing.T, raw *sql.DB) { mustExec(t, raw, `UPDATE audit_log SET login = 'x' WHERE id = ?`, k) }, k, BreakMAC},
		{"edit workstation", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE audit_log SET workstation = 'desk-2' WHERE id = ?`, k)
		}, k, BreakMAC},
		{"edit action", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE audit_log SET action = 'login' WHERE id = ?`, k)
		}, k, BreakMAC},
		{"edit company", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE audit_log SET company_id = 77 WHERE id = ?`, k)
		}, k, BreakMAC},
		{"edit target type", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE audit_log SET target_type = 'user' WHERE id = ?`, k)
		}, k, BreakMAC},
		{"edit target id", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE audit_log SET target_id = '99' WHERE id = ?`, k)
		}, k, BreakMAC},
		{"edit purpose", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE audit_log SET purpose = 'other' WHERE id = ?`, k)
		}, k, BreakMAC},
		{"edit result", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE audit_log SET result = 'ok' WHERE id = ? AND result != 'ok'`, 3) // entry 3 is denied
		}, 3, BreakMAC},
		{"edit detail", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE audit_log SET detail = detail || ' ' WHERE id = ?`, k)
		}, k, BreakMAC},
		{"edit mac", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE audit_log SET mac = ? WHERE id = ?`, otherMAC, k)
		}, k, BreakMAC},
		{"delete entry", func(t *testing.T, raw *sql.DB) { mustExec(t, raw, `DELETE FROM audit_log WHERE id = ?`, k) }, k + 1, BreakGap},
		{"delete first entry", func(t *testing.T, raw *sql.DB) { mustExec(t, raw, `DELETE FROM audit_log WHERE id = 1`) }, 2, BreakGap},
		{"delete two entries", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `DELETE FROM audit_log WHERE id IN (?, ?)`, k, k+1)
		}, k + 2, BreakGap},
		{"swap rows", func(t *testing.T, raw *sql.DB) {
			// Exchange every column but the id between entries k and k+3.
			mustExec(t, raw, `UPDATE audit_log SET id = -1 WHERE id = ?`, k)
			mustExec(t, raw, `UPDATE audit_log SET id = ? WHERE id = ?`, k, k+3)
			mustExec(t, raw, `UPDATE audit_log SET id = ? WHERE id = -1`, k+3)
		}, k, BreakMAC},
		{"renumber after delete", func(t *testing.T, raw *sql.DB) {
			// Close the gap a deletion leaves by moving every later row down by one.
			mustExec(t, raw, `DELETE FROM audit_log WHERE id = ?`, k)
			for id := k + 1; id <= tamperEntries; id++ {
				mustExec(t, raw, `UPDATE audit_log SET id = ? WHERE id = ?`, id-1, id)
			}
		}, k, BreakMAC},
		{"insert forged entry at end", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `INSERT INTO audit_log(id, at, action, result, mac) VALUES(?, '2025-04-02T00:00:00.000Z', 'view', 'ok', ?)`,
				tamperEntries+1, otherMAC)
		}, tamperEntries + 1, BreakMAC},
		{"insert forged entry before the first", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `INSERT INTO audit_log(id, at, action, result, mac) VALUES(0, '2025-03-01T00:00:00.000Z', 'view', 'ok', ?)`, otherMAC)
		}, 0, BreakGap},
		{"insert forged entry and move the head", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `INSERT INTO audit_log(id, at, action, result, mac) VALUES(?, '2025-04-02T00:00:00.000Z', 'view', 'ok', ?)`,
				tamperEntries+1, otherMAC)
			mustExec(t, raw, `UPDATE meta SET value = ? WHERE key = 'audit_head'`, formatHead(tamperEntries+1, otherMAC))
		}, tamperEntries + 1, BreakMAC},
		{"delete last entry", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `DELETE FROM audit_log WHERE id = ?`, tamperEntries)
		}, tamperEntries, BreakHead},
		{"delete last three entries", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `DELETE FROM audit_log WHERE id > ?`, tamperEntries-3)
		}, tamperEntries - 2, BreakHead},
		{"delete all entries", func(t *testing.T, raw *sql.DB) { mustExec(t, raw, `DELETE FROM audit_log`) }, 1, BreakHead},
		{"delete head", func(t *testing.T, raw *sql.DB) { mustExec(t, raw, `DELETE FROM meta WHERE key = 'audit_head'`) }, 1, BreakHead},
		{"malformed head", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE meta SET value = 'ten:zz' WHERE key = 'audit_head'`)
		}, 1, BreakHead},
		{"head moved back", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE meta SET value = (SELECT ? || ':' || hex(mac) FROM audit_log WHERE id = ?) WHERE key = 'audit_head'`, tamperEntries-1, tamperEntries-1)
		}, tamperEntries, BreakHead},
		{"head mac altered", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE meta SET value = ? WHERE key = 'audit_head'`, formatHead(tamperEntries, otherMAC))
		}, tamperEntries, BreakHead},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, raw, _ := tamperedLog(t)
			tc.tamper(t, raw)
			// One pass, and the log cut into parallel ranges at different places.
			for _, p := range verifySplits {
				res, err := verify(context.Background(), db, testKey, nil, p.workers, p.minRange)
				if err != nil {
					t.Fatal(err)
				}
				if res.OK || res.FirstBroken != tc.want || res.Kind != tc.kind || res.Reason == "" || res.Broken == 0 {
					t.Errorf("%d ranges: Verify = %+v, want first broken %d (%s)", p.workers, res, tc.want, tc.kind)
				}
			}
		})
	}
}

func TestVerifyWrongKey(t *testing.T) {
	db, _, _ := tamperedLog(t)
	res := mustVerify(t, db, bytes.Repeat([]byte{0x43}, KeySize))
	if res.OK || res.FirstBroken != 1 || res.Kind != BreakMAC {
		t.Errorf("Verify with the wrong key = %+v, want broken at 1", res)
	}
}

func TestVerifyEmptyLog(t *testing.T) {
	db := openDB(t)
	res := mustVerify(t, db, testKey)
	if !res.OK || res.Entries != 0 || res.FirstBroken != 0 || res.Kind != BreakNone {
		t.Errorf("Verify on an empty log = %+v, want OK", res)
	}
}

// TestVerifyCannotSeeRewrittenHead pins the documented limit: deleting the tail and moving the
// head back to the new last entry needs no key, and the chain alone cannot tell.
func TestVerifyCannotSeeRewrittenHead(t *testing.T) {
	db, raw, es := tamperedLog(t)
	mustExec(t, raw, `DELETE FROM audit_log WHERE id = ?`, tamperEntries)
	mustExec(t, raw, `UPDATE meta SET value = ? WHERE key = 'audit_head'`, formatHead(tamperEntries-1, es[tamperEntries-2].MAC))
	if res := mustVerify(t, db, testKey); !res.OK || res.Entries != tamperEntries-1 {
		t.Errorf("Verify = %+v; the documented limit changed, update the package doc", res)
	}
	// Deleting every row and the head is the same truncation, taken to the end.
	mustExec(t, raw, `DELETE FROM audit_log`)
	mustExec(t, raw, `DELETE FROM meta WHERE key = 'audit_head'`)
	if res := mustVerify(t, db, testKey); !res.OK || res.Entries != 0 {
		t.Errorf("Verify = %+v; the documented limit changed, update the package doc", res)
	}
}

// TestAppendKeepsEvidence checks that writing after tampering does not hide it.
func TestAppendKeepsEvidence(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, raw *sql.DB)
		wantID int64 // id of the next entry
		broken int64
	}{
		// The tail was deleted: the next entry continues from the head, leaving a gap.
		{"after tail deletion", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `DELETE FROM audit_log WHERE id = ?`, tamperEntries)
		}, tamperEntries + 1, tamperEntries + 1},
		// The head's MAC was altered: the next entry chains from the head, so it breaks.
		{"after head edit", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE meta SET value = ? WHERE key = 'audit_head'`, formatHead(tamperEntries, bytes.Repeat([]byte{1}, 32)))
		}, tamperEntries + 1, tamperEntries + 1},
		// The last row was edited: it stays broken.
		{"after last row edit", func(t *testing.T, raw *sql.DB) {
			mustExec(t, raw, `UPDATE audit_log SET detail = 'x' WHERE id = ?`, tamperEntries)
		}, tamperEntries + 1, tamperEntries},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, raw, _ := tamperedLog(t)
			tc.tamper(t, raw)
			got := appendAll(t, db, &Log{Key: testKey, Workstation: "desk-1"}, Entry{Action: ActionLogin, Result: ResultOK})
			if got[0].ID != tc.wantID {
				t.Errorf("next ID = %d, want %d", got[0].ID, tc.wantID)
			}
			res := mustVerify(t, db, testKey)
			if res.OK || res.FirstBroken != tc.broken {
				t.Errorf("Verify = %+v, want first broken %d", res, tc.broken)
			}
		})
	}
}

func TestVerifyContextCancelled(t *testing.T) {
	db := openDB(t)
	fillLog(t, db, testKey, verifyCheckEvery+10)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Verify(ctx, db, testKey); err == nil {
		t.Error("Verify with a cancelled context returned no error")
	}
}

func TestFillLogVerifies(t *testing.T) {
	db := openDB(t)
	fillLog(t, db, testKey, 1000)
	res := mustVerify(t, db, testKey)
	if !res.OK || res.Entries != 1000 {
		t.Fatalf("Verify = %+v", res)
	}
	// Append continues the bulk-built chain.
	got := appendAll(t, db, &Log{Key: testKey}, Entry{Action: ActionLogout, Result: ResultOK})
	if got[0].ID != 1001 {
		t.Errorf("ID = %d", got[0].ID)
	}
	if res := mustVerify(t, db, testKey); !res.OK {
		t.Errorf("Verify after append = %+v", res)
	}
	var head string
	db.View(context.Background(), func(tx *store.Tx) error { head, _, _ = tx.Meta(headKey); return nil })
	if head != formatHead(1001, got[0].MAC) {
		t.Errorf("head = %q", head)
	}
}

// TestVerifyRangesAgree checks that cutting an intact log into ranges counts every entry once.
func TestVerifyRangesAgree(t *testing.T) {
	db := openDB(t)
	fillLog(t, db, testKey, 1000)
	for _, p := range append(verifySplits, struct {
		workers  int
		minRange int64
	}{4, 100}) {
		res, err := verify(context.Background(), db, testKey, nil, p.workers, p.minRange)
		if err != nil {
			t.Fatal(err)
		}
		if !res.OK || res.Entries != 1000 {
			t.Errorf("%d ranges of ≥ %d: Verify = %+v", p.workers, p.minRange, res)
		}
	}
	// A break in the middle of a range is found whatever the cut.
	mustExec(t, rawDB(t, db), `UPDATE audit_log SET detail = 'x' WHERE id = 777`)
	for _, p := range verifySplits {
		res, err := verify(context.Background(), db, testKey, nil, p.workers, p.minRange)
		if err != nil || res.FirstBroken != 777 || res.Broken != 1 || res.Entries != 1000 {
			t.Errorf("%d ranges: Verify = %+v, %v", p.workers, res, err)
		}
	}
}

// TestVerifyExtremeIDs: forged rows with ids far apart must not confuse the range split.
func TestVerifyExtremeIDs(t *testing.T) {
	db, raw, _ := tamperedLog(t)
	otherMAC := bytes.Repeat([]byte{0x13}, 32)
	mustExec(t, raw, `INSERT INTO audit_log(id, at, action, result, mac) VALUES(-9223372036854775807, '2025-01-01T00:00:00.000Z', 'view', 'ok', ?)`, otherMAC)
	mustExec(t, raw, `INSERT INTO audit_log(id, at, action, result, mac) VALUES(9223372036854775807, '2025-01-01T00:00:00.000Z', 'view', 'ok', ?)`, otherMAC)
	for _, p := range verifySplits {
		res, err := verify(context.Background(), db, testKey, nil, p.workers, p.minRange)
		if err != nil {
			t.Fatal(err)
		}
		if res.OK || res.FirstBroken != -9223372036854775807 || res.Entries != tamperEntries+2 {
			t.Errorf("%d ranges: Verify = %+v", p.workers, res)
		}
	}
}
