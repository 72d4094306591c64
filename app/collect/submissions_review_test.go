package collect

import (
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/internal/sealbox"
)

// publish gives company A a relay id and a submission key, as SyncService.PublishCompany does.
func (f *fixture) publish(rc string) *ecdh.PublicKey {
	f.t.Helper()
	var pub []byte
	err := f.db.Update(context.Background(), func(tx *store.Tx) error {
		ck, err := f.keys.Company(tx, f.a)
		if err != nil {
			return err
		}
		defer ck.Close()
		if err := tx.SetMeta(RelayCompanyMeta(f.a), rc); err != nil {
			return err
		}
		pub, _, err = SubmissionKeyTx(tx, ck, nil, true)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	k, err := ecdh.P256().NewPublicKey(pub)
	if err != nil {
		f.t.Fatal(err)
	}
	return k
}

// submit seals a submission of code (self number self, the first dependent dep) as the phone
// does and imports it; it returns the submission id.
func (f *fixture) submit(to *ecdh.PublicKey, rc, code, depName, self, dep string) int64 {
	f.t.Helper()
	plain := payloadJSON(func(m map[string]any) {
		m["company"], m["employee"] = rc, code
		m["self"] = map[string]any{"number": self}
		m["dependents"] = []any{map[string]any{"name": depName, "relation": "子", "number": dep}}
		m["images"] = []any{map[string]any{"name": "card.png", "contentType": "image/png",
			"data": base64.StdEncoding.EncodeToString([]byte(tinyPNG + "\x00\x00\x00\x00IEND\xaeB`\x82"))}}
	})
	box, err := sealbox.Seal(nil, to, SubmissionAAD(rc, code), plain)
	if err != nil {
		f.t.Fatal(err)
	}
	res, err := f.svc.ImportSubmission(context.Background(), f.handler, f.keys, f.a, Inbound{RelayID: 1, Employee: code, Box: box})
	if err != nil || res.Outcome != Imported {
		f.t.Fatalf("import: %+v %v", res, err)
	}
	return res.SubmissionID
}

// TestSendBackTellsRelay: every 差戻し path (the board's, a check sent back, the online
// submission's) queues the relay's send-back when the employee submitted online, and only then.
func TestSendBackTellsRelay(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	const rc = "c-test"
	to := f.publish(rc)
	e1 := f.employee("E001", "山田", 1)
	e2 := f.employee("E002", "鈴木", 0)
	e3 := f.employee("E003", "佐藤", 1)
	f.request(e1[0], e2[0], e3[0])
	sub1 := f.submit(to, rc, "E001", "山田 家族1", testNumber(1), testNumber(2))
	sub3 := f.submit(to, rc, "E003", "佐藤 家族1", testNumber(3), testNumber(4))
	sendbacks := func(code string) int {
		return f.count(`SELECT count(*) FROM sync_outbox WHERE method = 'POST' AND path = ?`,
			"/v1/bridge/companies/"+rc+"/employees/"+code+"/sendback")
	}

	// The board's 差戻し of an online submitter: submission returned, relay told with the reason.
	if st, err := f.svc.SendBack(ctx, f.handler, f.a, e1[0], "写真が不鮮明です"); err != nil || st != Returned {
		t.Fatalf("send back: %v %v", st, err)
	}
	if n := sendbacks("E001"); n != 1 {
		t.Fatalf("E001: %d relay send-backs queued, want 1", n)
	}
	if f.count(`SELECT count(*) FROM sync_outbox WHERE path LIKE '%/E001/sendback' AND body LIKE '%写真が不鮮明です%'`) != 1 {
		t.Fatal("the reason is not in the queued send-back")
	}
	if f.count(`SELECT count(*) FROM sync_submissions WHERE id = ? AND state = 'returned'`, sub1) != 1 {
		t.Fatal("the online submission is not marked returned")
	}
	// A paper (non-online) employee: nothing for the relay.
	if _, err := f.svc.SendBack(ctx, f.handler, f.a, e2[0], "住所が違います"); err != nil {
		t.Fatal(err)
	}
	if n := sendbacks("E002"); n != 0 {
		t.Fatalf("E002 never submitted online, yet %d send-backs were queued", n)
	}
	// A check sent back (STEP2's 差戻し button) goes the same way.
	c := Check{Submission: Submission{Channel: Online}, SendBack: true, Reason: "裏面も撮影してください"}
	if res, err := f.svc.RecordCheck(ctx, f.handler, f.keys, f.a, e3[0], c, nil); err != nil || res.Status != Returned {
		t.Fatalf("check sent back: %+v %v", res, err)
	}
	if n := sendbacks("E003"); n != 1 {
		t.Fatalf("E003: %d relay send-backs queued, want 1", n)
	}
	if f.count(`SELECT count(*) FROM sync_submissions WHERE id = ? AND state = 'returned'`, sub3) != 1 {
		t.Fatal("E003's online submission is not marked returned")
	}
	// The submission's own 差戻し is refused once returned, and queued nothing more.
	if _, err := f.svc.SendBackSubmission(ctx, f.handler, f.a, sub1, "もう一度"); err == nil {
		t.Fatal("a returned submission was sent back again")
	}
	if n := sendbacks("E001"); n != 1 {
		t.Fatalf("E001: %d send-backs after the refused one", n)
	}
	// A reason holding a number is refused before anything is written.
	if _, err := f.svc.SendBack(ctx, f.handler, f.a, e1[0], "番号 "+testNumber(1)+" が違います"); err == nil {
		t.Fatal("a reason with a number was accepted")
	}
}

// TestAcceptSubmissionAllOrNothing: 受付 whose registration is refused (the dependent's number
// is the employee's) writes nothing — no check, no document, the submission still pending —
// and, confirmed, records everything at once.
func TestAcceptSubmissionAllOrNothing(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	const rc = "c-test"
	to := f.publish(rc)
	e := f.employee("E001", "山田", 1)
	f.request(e[0])
	sub := f.submit(to, rc, "E001", "山田 家族1", testNumber(7), testNumber(7))
	a := Accept{NumberDoc: "mynumber_card", IdentityDocs: []DocKind{"mynumber_card"}, ImageKinds: []DocKind{"mynumber_card"}}
	_, err := f.svc.AcceptSubmission(ctx, f.handler, f.keys, f.a, sub, a)
	var dup *DuplicateError
	if !errors.As(err, &dup) || dup.PersonID != e[1] {
		t.Fatalf("want a duplicate on the dependent, got %v", err)
	}
	if strings.Contains(err.Error(), testNumber(7)) {
		t.Fatal("the error holds the number")
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM identity_checks`:                               0,
		`SELECT count(*) FROM person_documents`:                              0,
		`SELECT count(*) FROM sync_submissions WHERE state = 'pending'`:      1,
		`SELECT count(*) FROM collection_targets WHERE status = 'submitted'`: 1,
		`SELECT count(*) FROM person_numbers`:                                0,
	} {
		if n := f.count(q); n != want {
			t.Errorf("after the refused accept %s = %d, want %d", q, n, want)
		}
	}
	a.AcceptDuplicates = []int64{e[1]}
	res, err := f.svc.AcceptSubmission(ctx, f.handler, f.keys, f.a, sub, a)
	if err != nil || res.Register.Status != Registered || res.Check.CheckID == 0 || len(res.Check.DocumentIDs) != 1 {
		t.Fatalf("accept: %+v %v", res, err)
	}
	if f.count(`SELECT count(*) FROM sync_submissions WHERE state = 'accepted'`) != 1 {
		t.Fatal("the submission is not marked accepted")
	}
}

// The front-desk card read cross-checks the employee's online submission: a card whose number
// differs from the submitted one is refused and nothing is recorded; the same number registers.
func TestCardReadChecksSubmittedNumber(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	const rc = "c-card"
	to := f.publish(rc)
	e := f.employee("E001", "山田", 0)
	f.request(e[0])
	f.submit(to, rc, "E001", "山田 家族1", testNumber(3), testNumber(4))
	_, err := f.svc.RecordCardCheck(ctx, f.handler, f.keys, f.a, e[0], testNumber(5))
	if !errors.Is(err, ErrSubmittedMismatch) {
		t.Fatalf("a card with another number: %v", err)
	}
	if strings.Contains(err.Error(), testNumber(5)) || strings.Contains(err.Error(), testNumber(3)) {
		t.Fatal("the error holds a number")
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM identity_checks`: 0,
		`SELECT count(*) FROM person_numbers`:  0,
	} {
		if n := f.count(q); n != want {
			t.Errorf("after the refused card read %s = %d, want %d", q, n, want)
		}
	}
	res, err := f.svc.RecordCardCheck(ctx, f.handler, f.keys, f.a, e[0], testNumber(3))
	if err != nil || res.CheckID == 0 {
		t.Fatalf("the matching card: %+v %v", res, err)
	}
	if f.count(`SELECT count(*) FROM person_numbers`) != 1 {
		t.Fatal("the matching card did not register the number")
	}
}
