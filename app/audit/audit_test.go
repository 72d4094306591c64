package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
)

func TestAppendChains(t *testing.T) {
	db := openDB(t)
	l := &Log{Key: testKey, Workstation: "desk-1"}
	got := appendAll(t, db, l, sampleEntries(3)...)

	prev := newChain(testKey).genesis()
	for i, e := range got {
		if e.ID != int64(i+1) {
			t.Errorf("entry %d: ID = %d", i, e.ID)
		}
		if e.Workstation != "desk-1" {
			t.Errorf("entry %d: Workstation = %q", i, e.Workstation)
		}
		// The clock steps one second per transaction, starting at 09:00:01.
		if want := "2025-04-01T09:00:0" + strconv.Itoa(i+1) + ".000Z"; store.FormatTime(e.Time) != want {
			t.Errorf("entry %d: Time = %s, want %s", i, store.FormatTime(e.Time), want)
		}
		r := record[string]{id: e.ID, at: store.FormatTime(e.Time), userID: e.UserID, login: e.Login,
			workstation: e.Workstation, action: string(e.Action), companyID: e.CompanyID,
			targetType: e.TargetType, targetID: e.TargetID, purpose: e.Purpose,
			result: string(e.Result), detail: e.Detail}
		want := newChain(testKey).next(nil, prev, r.appendCanonical(nil))
		if !bytes.Equal(e.MAC, want) {
			t.Errorf("entry %d: MAC is not HMAC(prev ‖ canonical)", i)
		}
		prev = e.MAC
	}

	var head string
	db.View(context.Background(), func(tx *store.Tx) error {
		head, _, _ = tx.Meta(headKey)
		return nil
	})
	if want := formatHead(3, got[2].MAC); head != want || strings.ContainsAny(head[2:], "=+/") {
		t.Errorf("head = %q, want %q", head, want)
	}

	// What Query returns is exactly what Append returned.
	var stored []Entry
	db.View(context.Background(), func(tx *store.Tx) (err error) {
		stored, err = Query(tx, Filter{})
		return err
	})
	if len(stored) != 3 {
		t.Fatalf("Query returned %d entries", len(stored))
	}
	for i, e := range stored {
		w := got[2-i]
		if e.ID != w.ID || !e.Time.Equal(w.Time) || e.Login != w.Login || e.Action != w.Action ||
			e.Detail != w.Detail || e.Result != w.Result || !bytes.Equal(e.MAC, w.MAC) {
			t.Errorf("stored entry %d = %+v, want %+v", e.ID, e, w)
		}
	}

	if res := mustVerify(t, db, testKey); !res.OK || res.Entries != 3 {
		t.Errorf("Verify = %+v, want OK with 3 entries", res)
	}
}

func TestAppendDefaultWorkstation(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Skip("no host name:", err)
	}
	db := openDB(t)
	got := appendAll(t, db, &Log{Key: testKey}, Entry{Action: ActionLogin, Result: ResultOK, Workstation: "ignored"})
	if got[0].Workstation != host {
		t.Errorf("Workstation = %q, want the host name %q", got[0].Workstation, host)
	}
}

func TestAppendWithoutKeyIsUnavailable(t *testing.T) {
	db := openDB(t)
	for name, l := range map[string]*Log{
		"nil log":   nil,
		"no key":    {},
		"short key": {Key: testKey[:16]},
		"long key":  {Key: append(bytes.Clone(testKey), 0)},
	} {
		err := db.Update(context.Background(), func(tx *store.Tx) error {
			_, err := l.Append(tx, Entry{Action: ActionLogin, Result: ResultOK})
			return err
		})
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: err = %v, want ErrUnavailable", name, err)
		}
	}
	if _, err := Verify(context.Background(), db, nil); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Verify without key: err = %v, want ErrUnavailable", err)
	}
}

// TestFailClosed proves the contract callers rely on: when the entry cannot be written, the
// action in the same transaction does not happen.
func TestFailClosed(t *testing.T) {
	insertOffice := func(tx *store.Tx) error {
		_, err := tx.Exec(`INSERT INTO office(id, name, kind, updated_at) VALUES(1, 'テスト社労士事務所', 'sharoushi', ?)`, tx.NowText())
		return err
	}
	officeRows := func(t *testing.T, db *store.DB) int {
		var n int
		db.View(context.Background(), func(tx *store.Tx) error {
			return tx.QueryRow(`SELECT count(*) FROM office`).Scan(&n)
		})
		return n
	}
	for _, tc := range []struct {
		name  string
		log   *Log
		setup func(t *testing.T, db *store.DB)
	}{
		{name: "key missing", log: &Log{Workstation: "desk-1"}},
		{name: "insert fails", log: &Log{Key: testKey, Workstation: "desk-1"}, setup: func(t *testing.T, db *store.DB) {
			mustExec(t, rawDB(t, db), `CREATE TRIGGER audit_full BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END`)
		}},
		{name: "head write fails", log: &Log{Key: testKey, Workstation: "desk-1"}, setup: func(t *testing.T, db *store.DB) {
			mustExec(t, rawDB(t, db), `CREATE TRIGGER meta_full BEFORE INSERT ON meta BEGIN SELECT RAISE(ABORT, 'disk full'); END`)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t)
			if tc.setup != nil {
				tc.setup(t, db)
			}
			err := db.Update(context.Background(), func(tx *store.Tx) error {
				if err := insertOffice(tx); err != nil {
					return err
				}
				_, err := tc.log.Append(tx, Entry{Action: ActionOfficeUpdate, Result: ResultOK})
				return err
			})
			if !errors.Is(err, ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
			if n := officeRows(t, db); n != 0 {
				t.Errorf("office has %d rows after a failed audit write; want the action rolled back", n)
			}
			var entries int64
			db.View(context.Background(), func(tx *store.Tx) (err error) {
				entries, err = Count(tx, Filter{})
				return err
			})
			if entries != 0 {
				t.Errorf("audit_log has %d entries", entries)
			}
		})
	}
}

// TestFailClosedControl shows the action of TestFailClosed does happen when the audit works.
func TestFailClosedControl(t *testing.T) {
	db := openDB(t)
	err := db.Update(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.Exec(`INSERT INTO office(id, name, kind, updated_at) VALUES(1, 'テスト社労士事務所', 'sharoushi', ?)`, tx.NowText()); err != nil {
			return err
		}
		_, err := (&Log{Key: testKey, Workstation: "desk-1"}).Append(tx, Entry{Action: ActionOfficeUpdate, Result: ResultOK})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	db.View(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT count(*) FROM office`).Scan(&n)
	})
	if n != 1 {
		t.Errorf("office rows = %d, want 1", n)
	}
}

func TestAppendRejectsInvalidEntries(t *testing.T) {
	const myNumber = "123456789018" // obviously fake, valid check digit
	ok := Entry{Action: ActionView, Result: ResultOK}
	with := func(f func(*Entry)) Entry { e := ok; f(&e); return e }
	for _, tc := range []struct {
		name  string
		entry Entry
		log   *Log
	}{
		{"unknown action", with(func(e *Entry) { e.Action = "peek" }), nil},
		{"empty action", with(func(e *Entry) { e.Action = "" }), nil},
		{"unknown result", with(func(e *Entry) { e.Result = "maybe" }), nil},
		{"empty result", with(func(e *Entry) { e.Result = "" }), nil},
		{"number in detail", with(func(e *Entry) { e.Detail = "revealed " + myNumber }), nil},
		{"number in target id", with(func(e *Entry) { e.TargetID = myNumber }), nil},
		{"number in purpose", with(func(e *Entry) { e.Purpose = "x" + myNumber }), nil},
		{"number in login", with(func(e *Entry) { e.Login = myNumber }), nil},
		{"number in target type", with(func(e *Entry) { e.TargetType = myNumber }), nil},
		{"corporate number in detail", with(func(e *Entry) { e.Detail = "法人番号 1234567890123" }), nil},
		{"full-width number", with(func(e *Entry) { e.Detail = "１２３４５６７８９０１８" }), nil},
		{"grouped number", with(func(e *Entry) { e.Detail = "番号 1234 5678 9018 を照会" }), nil},
		{"detail too long", with(func(e *Entry) { e.Detail = strings.Repeat("a", MaxTextLen+1) }), nil},
		{"detail not utf-8", with(func(e *Entry) { e.Detail = "\xff\xfe" }), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t)
			l := tc.log
			if l == nil {
				l = &Log{Key: testKey, Workstation: "desk-1"}
			}
			err := db.Update(context.Background(), func(tx *store.Tx) error {
				_, err := l.Append(tx, tc.entry)
				return err
			})
			if !errors.Is(err, ErrInvalidEntry) {
				t.Fatalf("err = %v, want ErrInvalidEntry", err)
			}
			if strings.Contains(err.Error(), "5678") || strings.Contains(err.Error(), "６７８") {
				t.Errorf("error quotes the rejected text")
			}
			if res := mustVerify(t, db, testKey); res.Entries != 0 {
				t.Errorf("a rejected entry was written")
			}
		})
	}
}

func TestLooksLikeNumber(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"", false},
		{"person 17 viewed for gensen", false},
		{"12345678901", false},           // 11 digits
		{"123456789012", true},           // 12
		{"1234567890123", true},          // 13
		{"id=123456789012345", true},     // longer runs too
		{"１２３４５６７８９０１８", true},           // full-width
		{"１２３４５６7890１８", true},           // mixed widths
		{"٠١٢٣٤٥٦٧٨٩٠١", true},           // other Unicode decimal digits
		{"1234 5678 9018", true},         // grouped
		{"1234-5678-9018", true},         // hyphens
		{"no. 1234－5678－9018.", true},    // full-width hyphens
		{"1234　5678　9018", true},         // ideographic spaces
		{"1234-5678-9018-", true},        // trailing separator
		{"1234 5678 9018 7777", false},   // four groups: not a My Number shape
		{"1234  5678 9018", false},       // double space breaks the chain
		{"12345 5678 9018", false},       // first group of five
		{"2025-04-01 2026-04-01", false}, // two dates
		{"090-1234-5678", false},         // phone number
		{"**** **** 9018", false},        // masked
		{"period 2025-04-01 to 2032-03-31", false},
		{"1234 5678 901", false},
		{"a1234-5678-9018b", true},
	} {
		if got := looksLikeNumber(tc.s); got != tc.want {
			t.Errorf("looksLikeNumber(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestCanonicalIsUnambiguous(t *testing.T) {
	base := record[string]{id: 7, at: "2025-04-01T09:00:00.000Z", userID: 3, login: "ab", workstation: "c",
		action: "view", companyID: 5, targetType: "person", targetID: "17", purpose: "gensen", result: "ok", detail: "d"}
	variants := []func(r *record[string]){
		func(r *record[string]) { r.login, r.workstation = "a", "bc" }, // bytes moved between fields
		func(r *record[string]) { r.id = 8 },
		func(r *record[string]) { r.at = "2025-04-01T09:00:00.001Z" },
		func(r *record[string]) { r.userID = 4 },
		func(r *record[string]) { r.action = "export" },
		func(r *record[string]) { r.companyID = 6 },
		func(r *record[string]) { r.targetType = "user" },
		func(r *record[string]) { r.targetID = "18" },
		func(r *record[string]) { r.purpose = "" },
		func(r *record[string]) { r.result = "denied" },
		func(r *record[string]) { r.detail = "" },
		func(r *record[string]) { r.targetID, r.purpose = "17g", "ensen" },
	}
	enc := base.appendCanonical(nil)
	for i, v := range variants {
		r := base
		v(&r)
		if bytes.Equal(r.appendCanonical(nil), enc) {
			t.Errorf("variant %d encodes like the base record", i)
		}
	}
	// Raw columns encode exactly like strings, so Append and Verify agree.
	rb := record[[]byte]{id: 7, at: []byte(base.at), userID: 3, login: []byte("ab"), workstation: []byte("c"),
		action: []byte("view"), companyID: 5, targetType: []byte("person"), targetID: []byte("17"),
		purpose: []byte("gensen"), result: []byte("ok"), detail: []byte("d")}
	if !bytes.Equal(rb.appendCanonical(nil), enc) {
		t.Error("[]byte record encodes differently from string record")
	}
}

func TestLabels(t *testing.T) {
	seen := map[Action]bool{}
	for _, a := range Actions() {
		if seen[a] {
			t.Errorf("action %q listed twice", a)
		}
		seen[a] = true
		ja, en := a.Label("ja"), a.Label("en")
		if ja == string(a) || en == string(a) || ja == en || ja == "" || en == "" {
			t.Errorf("action %q: labels ja=%q en=%q", a, ja, en)
		}
		if a.Label("en-US") != en || a.Label("") != ja {
			t.Errorf("action %q: language fallback wrong", a)
		}
	}
	if len(seen) != 30 {
		t.Errorf("%d actions, want 30", len(seen))
	}
	if ActionExport.Label("ja") != "持出し" || ActionView.Label("en") != "View" {
		t.Errorf("unexpected labels %q %q", ActionExport.Label("ja"), ActionView.Label("en"))
	}
	if Action("peek").Label("ja") != "peek" || Action("peek").Valid() {
		t.Error("unknown action")
	}
	for _, r := range []Result{ResultOK, ResultDenied, ResultFailed} {
		if !r.Valid() || r.Label("ja") == r.Label("en") {
			t.Errorf("result %q", r)
		}
	}
	for _, b := range []Break{BreakNone, BreakMAC, BreakGap, BreakHead} {
		if b.Label("ja") == b.Label("en") || b.Label("en") == "" {
			t.Errorf("break %q", b)
		}
	}
}

// TestWorkstationIsRedacted: a host name with a number-shaped run (a container id can be all
// digits) is recorded with its digits masked instead of making every action fail.
func TestWorkstationIsRedacted(t *testing.T) {
	db := openDB(t)
	l := &Log{Key: testKey, Workstation: "pc123456789018"}
	var got Entry
	err := db.Update(context.Background(), func(tx *store.Tx) error {
		var err error
		got, err = l.Append(tx, Entry{Action: ActionLogin, Result: ResultOK, Login: "u"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Workstation != "pc############" {
		t.Fatalf("workstation %q", got.Workstation)
	}
	if res := mustVerify(t, db, testKey); !res.OK || res.Entries != 1 {
		t.Fatalf("verify: %+v", res)
	}
}

// TestHeadFormats: heads written in hex by earlier versions still parse, and the current base64
// form round-trips.
func TestHeadFormats(t *testing.T) {
	mac := make([]byte, 32)
	for i := range mac {
		mac[i] = byte(i * 7)
	}
	for _, v := range []string{formatHead(42, mac), "42:" + hex.EncodeToString(mac)} {
		id, got, err := parseHead(v)
		if err != nil || id != 42 || !bytes.Equal(got, mac) {
			t.Errorf("parseHead(%q) = %d, %x, %v", v, id, got, err)
		}
	}
}
