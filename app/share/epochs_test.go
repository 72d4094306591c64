package share

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/cloud/envelope"
)

// openNumbers opens every shared number in envs with the keys s holds today for companyID (its
// company key and every epoch key), as someone holding s's keys and a copy of the relay's
// database would.
func openNumbers(t *testing.T, s *side, companyID int64, envs []envelope.Envelope) []string {
	t.Helper()
	var out []string
	err := s.db.View(context.Background(), func(tx *store.Tx) error {
		keys, err := heldKeys(tx, s, companyID)
		if err != nil {
			return err
		}
		defer func() {
			for _, k := range keys {
				k.Close()
			}
		}()
		for _, e := range envs {
			aad, _ := e.AAD()
			for _, k := range keys {
				pt, err := k.Open(envelopeAAD(aad), e.Ciphertext)
				if err != nil {
					continue
				}
				var b batch
				if json.Unmarshal(pt, &b) == nil {
					for _, r := range b.Records {
						if n, err := k.Open(numberAAD(r.ID), r.Number); err == nil {
							out = append(out, string(n))
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func holds(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// TestShareDisposalShredsTheRelayCopies: the client (B) disposes of an employee's number. The
// number stays in the relay's envelopes (and in any copy of the relay's database), but after
// both members have synced, no key either member holds opens it there any more; the other
// numbers still open, from the copies sent again under the new epoch, and the members keep
// exchanging edits.
func TestShareDisposalShredsTheRelayCopies(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト")
	a, b := sides[0], sides[1]
	e2, err := a.roster.SaveEmployee(ctx, a.admin, a.keys, roster.Employee{CompanyID: ids[0], Code: "E002", Name: "佐藤 花子",
		NameKana: "サトウ ハナコ", BirthDate: "1992-02-02", Sex: roster.SexFemale})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.roster.SetNumber(ctx, a.admin, a.keys, ids[0], e2.ID, testNumber2, false); err != nil {
		t.Fatal(err)
	}
	a.sync(ids[0])
	b.sync(ids[1])
	rc := relayCompanyOf(t, a, ids[0])
	if got := openNumbers(t, a, ids[0], relayEnvelopes(t, relay, rc)); !holds(got, testNumber) || !holds(got, testNumber2) {
		t.Fatalf("before the disposal A's keys open %d numbers of the relay's copies, want both: the check would prove nothing", len(got))
	}

	disposeOnB(t, b, ids[1], b.employeeByCode(ids[1], "E001").ID)
	b.sync(ids[1])
	a.sync(ids[0])
	b.sync(ids[1])
	envs := relayEnvelopes(t, relay, rc)
	for name, s := range map[string]*side{"A": a, "B": b} {
		id := ids[0]
		if s == b {
			id = ids[1]
		}
		got := openNumbers(t, s, id, envs)
		if holds(got, testNumber) {
			t.Errorf("%s's keys still open the disposed number in the relay's copies", name)
		}
		if !holds(got, testNumber2) {
			t.Errorf("%s's keys open no copy of the number that was not disposed of", name)
		}
		if n := s.count(`SELECT count(*) FROM share_keys`); n != 1 {
			t.Errorf("%s holds %d epoch keys, want only the current one", name, n)
		}
	}
	// One disposal, one rotation: the member that applied the disposal does not rotate again.
	if ea, eb := epochOf(t, a, ids[0]), epochOf(t, b, ids[1]); ea != eb || epochNumber(ea) != 2 {
		t.Errorf("after one disposal A is on epoch %q, B on %q; want both on the second", ea, eb)
	}
	addEmployee(t, a, ids[0], 5, "E003", "鈴木 一郎")
	a.sync(ids[0])
	b.sync(ids[1])
	if !hasEmployee(b, ids[1], "E003") {
		t.Fatal("B does not receive A's edits after the rotation")
	}
}

// TestShareFromBeforeEpochs: a share made by an earlier version, where both members hold one
// company key and envelopes are sealed under it (epoch ""), keeps working after the upgrade:
// edits flow both ways, and a disposal moves it to a new epoch that both adopt. What stays is the
// limit the README states: the shared company key still opens the envelopes of epoch "".
func TestShareFromBeforeEpochs(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	a := newSide(t, relay, "ひまわり社労士事務所", t0)
	b := newSide(t, relay, "株式会社テスト", t0)
	ca, err := a.roster.CreateCompany(ctx, a.admin, a.keys, roster.Company{Code: "C001", Name: "株式会社テスト"})
	if err != nil {
		t.Fatal(err)
	}
	a.assign(ca.ID)
	e1, err := a.roster.SaveEmployee(ctx, a.admin, a.keys, roster.Employee{CompanyID: ca.ID, Code: "E001", Name: "山田 太郎",
		NameKana: "ヤマダ タロウ", BirthDate: "1990-01-01", Sex: roster.SexMale})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.roster.SetNumber(ctx, a.admin, a.keys, ca.ID, e1.ID, testNumber, false); err != nil {
		t.Fatal(err)
	}
	cb := join(t, a, b, ca.ID)
	// Turn the share into one of the earlier version before anything is synced: no epochs, and
	// B holds A's company key as its own.
	var pubB []byte
	b.db.View(ctx, func(tx *store.Tx) (err error) { pubB, err = b.keys.InstallationKey(tx); return err })
	var box []byte
	a.db.View(ctx, func(tx *store.Tx) (err error) {
		box, err = a.keys.WrapCompanyTo(tx, ca.ID, pubB, []byte("legacy"))
		return err
	})
	for _, s := range []*side{a, b} {
		s.exec(`UPDATE shares SET epoch = '', base_epoch = ''`)
		s.exec(`DELETE FROM share_keys`)
	}
	b.exec(`DELETE FROM company_keys WHERE company_id = ?`, cb)
	if err := b.db.Update(ctx, func(tx *store.Tx) error { return b.keys.ImportCompany(tx, cb, []byte("legacy"), box) }); err != nil {
		t.Fatal(err)
	}
	a.sync(ca.ID)
	b.sync(cb)
	if got := b.employeeByCode(cb, "E001"); revealNumber(t, b, cb, got.ID) != testNumber {
		t.Fatalf("B after the upgrade: %+v", got)
	}
	addEmployee(t, b, cb, 1, "E002", "佐藤 花子")
	b.sync(cb)
	a.sync(ca.ID)
	if !hasEmployee(a, ca.ID, "E002") {
		t.Fatal("A does not receive B's edit on a share from before epochs")
	}

	disposeOnB(t, b, cb, b.employeeByCode(cb, "E001").ID)
	b.sync(cb)
	a.sync(ca.ID)
	b.sync(cb)
	addEmployee(t, a, ca.ID, 2, "E003", "鈴木 一郎")
	a.sync(ca.ID)
	b.sync(cb)
	if !hasEmployee(b, cb, "E003") {
		t.Fatal("B does not receive A's edit after the first rotation")
	}
	var ea, eb string
	a.db.View(ctx, func(tx *store.Tx) error { return tx.QueryRow(`SELECT epoch FROM shares`).Scan(&ea) })
	b.db.View(ctx, func(tx *store.Tx) error { return tx.QueryRow(`SELECT epoch FROM shares`).Scan(&eb) })
	if ea != eb || epochNumber(ea) != 2 {
		t.Fatalf("after the disposal A is on epoch %q, B on %q", ea, eb)
	}
}
