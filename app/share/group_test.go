package share

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/roster"
)

// join offers company companyID of from to to (fingerprints compared) and has to accept it; it
// returns the company's id on to's side, with to's administrator as its handler.
func join(t testing.TB, from, to *side, companyID int64) int64 {
	t.Helper()
	ctx := context.Background()
	idFrom, err := from.share.Publish(ctx, from.admin, from.keys)
	if err != nil {
		t.Fatal(err)
	}
	idTo, err := to.share.Publish(ctx, to.admin, to.keys)
	if err != nil {
		t.Fatal(err)
	}
	if err := from.share.Offer(ctx, from.admin, from.keys, companyID, idTo.Office, idTo.Fingerprint); err != nil {
		t.Fatalf("offer: %v", err)
	}
	offers, err := to.share.Offers(ctx, to.admin, to.keys)
	if err != nil || len(offers) != 1 {
		t.Fatalf("offers: %+v %v", offers, err)
	}
	c, err := to.share.Accept(ctx, to.admin, to.keys, offers[0].RelayCompany, idFrom.Fingerprint)
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	to.assign(c.ID)
	return c.ID
}

// TestShareGroup: one client company shared by three installations (the 社労士 office, the
// client's own installation, and a 税理士 office that joins later, invited by the client): the
// late member gets everything recorded before it joined, each member's edits reach the other
// two, a conflict resolves to the same value everywhere, a member whose clock is behind is not
// ignored, and inviting a member twice is refused.
func TestShareGroup(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	a := newSide(t, relay, "ひまわり社労士事務所", t0)
	b := newSide(t, relay, "株式会社テスト", t0)
	c := newSide(t, relay, "さくら税理士事務所", t0)

	ca, err := a.roster.CreateCompany(ctx, a.admin, a.keys, roster.Company{Code: "C001", Name: "株式会社テスト"})
	if err != nil {
		t.Fatal(err)
	}
	a.assign(ca.ID)
	emp, err := a.roster.SaveEmployee(ctx, a.admin, a.keys, roster.Employee{CompanyID: ca.ID, Code: "E001", Name: "山田 太郎",
		NameKana: "ヤマダ タロウ", BirthDate: "1990-01-01", Sex: roster.SexMale})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.roster.SetNumber(ctx, a.admin, a.keys, ca.ID, emp.ID, testNumber, false); err != nil {
		t.Fatal(err)
	}
	cb := join(t, a, b, ca.ID)
	a.sync(ca.ID)
	b.sync(cb)
	// B adds an employee before C is a member.
	b.setNow(t0.Add(time.Minute))
	if _, err := b.roster.SaveEmployee(ctx, b.admin, b.keys, roster.Employee{CompanyID: cb, Code: "E002", Name: "佐藤 花子",
		NameKana: "サトウ ハナコ", BirthDate: "1992-02-02", Sex: roster.SexFemale}); err != nil {
		t.Fatal(err)
	}
	b.sync(cb)

	// The client (B, not the office that created the share) invites the 税理士 office; the same
	// office twice is refused.
	cc := join(t, b, c, cb)
	idC, _ := c.share.Publish(ctx, c.admin, c.keys)
	if err := b.share.Offer(ctx, b.admin, b.keys, cb, idC.Office, idC.Fingerprint); !errors.Is(err, ErrShared) {
		t.Fatalf("inviting a member again: %v, want ErrShared", err)
	}
	// C, joining late, gets A's employee with the number and B's employee from before it joined.
	if res := c.sync(cc); res.Received < 3 {
		t.Fatalf("C received %+v, want A's person and number and B's person", res)
	}
	e1 := c.employeeByCode(cc, "E001")
	if e1.MaskedNumber != "**** **** 9018" || revealNumber(t, c, cc, e1.ID) != testNumber {
		t.Fatalf("C's E001 = %+v", e1)
	}
	if c.employeeByCode(cc, "E002").Name != "佐藤 花子" {
		t.Fatal("C lacks B's employee")
	}

	// C's clock is an hour behind the others: its envelopes carry smaller sequence numbers than
	// the ones A already imported from B, and must still be applied.
	c.relay.Now = func() time.Time { return time.Now().Add(-time.Hour) }
	c.setNow(t0.Add(2 * time.Minute))
	e2 := c.employeeByCode(cc, "E002")
	e2.Name = "佐藤 花子（税）"
	if _, err := c.roster.SaveEmployee(ctx, c.admin, c.keys, e2); err != nil {
		t.Fatal(err)
	}
	c.sync(cc)
	a.sync(ca.ID)
	b.sync(cb)
	if na, nb := a.employeeByCode(ca.ID, "E002").Name, b.employeeByCode(cb, "E002").Name; na != "佐藤 花子（税）" || nb != "佐藤 花子（税）" {
		t.Fatalf("C's edit: A has %q, B has %q", na, nb)
	}

	// A and C edit E001 at once: the later edit (C's) wins on all three; A keeps the conflict.
	a.setNow(t0.Add(3 * time.Minute))
	x := a.employeeByCode(ca.ID, "E001")
	x.Name = "山田 太郎A"
	if _, err := a.roster.SaveEmployee(ctx, a.admin, a.keys, x); err != nil {
		t.Fatal(err)
	}
	c.setNow(t0.Add(4 * time.Minute))
	y := c.employeeByCode(cc, "E001")
	y.Name = "山田 太郎C"
	if _, err := c.roster.SaveEmployee(ctx, c.admin, c.keys, y); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		a.sync(ca.ID)
		c.sync(cc)
		b.sync(cb)
	}
	for name, got := range map[string]string{"A": a.employeeByCode(ca.ID, "E001").Name, "B": b.employeeByCode(cb, "E001").Name,
		"C": c.employeeByCode(cc, "E001").Name} {
		if got != "山田 太郎C" {
			t.Errorf("%s has %q after the conflict, want C's later edit", name, got)
		}
	}
	if ka, _ := a.share.Conflicts(ctx, a.admin, ca.ID); len(ka) != 1 {
		t.Errorf("A's conflicts %+v, want its lost edit", ka)
	}

	// The share screen lists the whole group on each side.
	for name, s := range map[string]*side{"A": a, "B": b, "C": c} {
		list, err := s.share.Shares(ctx, s.admin)
		if err != nil || len(list) != 1 || len(list[0].Members) != 2 {
			t.Errorf("%s's shares %+v %v, want one share with the two other members", name, list, err)
		}
	}
}
