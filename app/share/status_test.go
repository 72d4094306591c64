package share

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/collect"
	"github.com/mynumber-shelter/shelter/app/roster"
)

// sharePair makes two installations on relay sharing one company offered by A and accepted by
// B, with each administrator assigned as its handler. It returns the sides, the company id on
// each side and the office ids.
func sharePair(t *testing.T) (a, b *side, ca, cb int64, officeA, officeB string) {
	t.Helper()
	ctx := context.Background()
	relay := startRelay(t)
	a = newSide(t, relay, "ひまわり社労士事務所", t0)
	b = newSide(t, relay, "株式会社テスト", t0)
	c, err := a.roster.CreateCompany(ctx, a.admin, a.keys, roster.Company{Code: "C001", Name: "株式会社テスト"})
	if err != nil {
		t.Fatal(err)
	}
	a.assign(c.ID)
	idA, err := a.share.Publish(ctx, a.admin, a.keys)
	if err != nil {
		t.Fatal(err)
	}
	idB, err := b.share.Publish(ctx, b.admin, b.keys)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.share.Offer(ctx, a.admin, a.keys, c.ID, idB.Office, idB.Fingerprint); err != nil {
		t.Fatal(err)
	}
	offers, err := b.share.Offers(ctx, b.admin, b.keys)
	if err != nil || len(offers) != 1 {
		t.Fatalf("offers = %+v, %v", offers, err)
	}
	c2, err := b.share.Accept(ctx, b.admin, b.keys, offers[0].RelayCompany, idA.Fingerprint)
	if err != nil {
		t.Fatal(err)
	}
	b.assign(c2.ID)
	return a, b, c.ID, c2.ID, idA.Office, idB.Office
}

// boardStatus returns an employee's row on s's 1-3 status board.
func boardStatus(t *testing.T, svc *collect.Service, s *side, companyID int64, code string) collect.BoardRow {
	t.Helper()
	board, err := svc.StatusBoard(context.Background(), s.admin, collect.BoardFilter{CompanyID: companyID, Search: code})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range board.Rows {
		if r.Code == code {
			return r
		}
	}
	t.Fatalf("no %s on the status board", code)
	return collect.BoardRow{}
}

func createRequest(t *testing.T, svc *collect.Service, s *side, companyID int64, employees ...int64) {
	t.Helper()
	_, err := svc.CreateRequest(context.Background(), s.admin, s.keys, collect.Request{CompanyID: companyID, EmployeeIDs: employees,
		Purposes: []string{"TAX-WH"}, Notice: collect.NoticeSettings{InPerson: "人事部の窓口へ"}}, collect.NoticeOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

// TestShareCollectionStatus shares collection statuses: A's 差戻し reaches B (which has no
// collection target for the employee, so it is kept as the peer's status), A's 提供拒否 and B's
// later 差戻し of the same employee made before either synced end with B's on both sides
// (written onto A's own target) and a conflict row on A only, and nothing is echoed back.
func TestShareCollectionStatus(t *testing.T) {
	ctx := context.Background()
	a, b, ca, cb, officeA, officeB := sharePair(t)
	colA := &collect.Service{DB: a.db, Audit: a.log}
	colB := &collect.Service{DB: b.db, Audit: b.log}

	a.setNow(t0.Add(time.Minute))
	var ids []int64
	for _, e := range []roster.Employee{
		{CompanyID: ca, Code: "E001", Name: "山田 太郎", NameKana: "ヤマダ タロウ", BirthDate: "1990-01-01", Sex: roster.SexMale},
		{CompanyID: ca, Code: "E002", Name: "佐藤 花子", NameKana: "サトウ ハナコ", BirthDate: "1992-02-02", Sex: roster.SexFemale},
	} {
		saved, err := a.roster.SaveEmployee(ctx, a.admin, a.keys, e)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, saved.ID)
	}
	a.sync(ca)
	b.sync(cb)

	// A asks both employees and sends E001 back; B, which never asked, shows A's status.
	a.setNow(t0.Add(2 * time.Minute))
	createRequest(t, colA, a, ca, ids...)
	const reason = "通知カードの住所が変更されています"
	if _, err := colA.SendBack(ctx, a.admin, ca, ids[0], reason); err != nil {
		t.Fatal(err)
	}
	// The request notified its purposes to both: the persons go again with them.
	if res := a.sync(ca); res.Sent != 4 {
		t.Fatalf("A sent %d records, want 2 statuses and 2 persons with their notified purposes", res.Sent)
	}
	if res := b.sync(cb); res.Received != 4 || res.Sent != 0 {
		t.Fatalf("B's sync = %+v, want 2 statuses and 2 persons received and nothing echoed", res)
	}
	if n := b.count(`SELECT count(*) FROM person_purposes`); n == 0 {
		t.Fatal("the purposes A's request notified did not reach B")
	}
	remote, err := b.share.RemoteStatuses(ctx, b.admin, cb)
	if err != nil {
		t.Fatal(err)
	}
	if len(remote) != 2 || remote[0].EmployeeCode != "E001" || remote[0].Status != "returned" || remote[0].Label != "差戻し" ||
		remote[0].Reason != reason || remote[0].Office != officeA || remote[1].Status != "requested" || remote[1].Reason != "" {
		t.Fatalf("B's statuses from A = %+v", remote)
	}
	if n := b.count(`SELECT count(*) FROM collection_targets`); n != 0 {
		t.Fatalf("B made up %d collection targets", n)
	}
	// B's 1-3 board shows A's status for the employees B never asked.
	if r := boardStatus(t, colB, b, cb, "E001"); r.Status != collect.Returned || r.ReturnedReason != reason || r.SharedFrom != officeA || r.RequestID != 0 {
		t.Fatalf("B's board for E001 = %+v", r)
	}
	if res := a.sync(ca); res.Sent != 0 || res.Received != 0 {
		t.Fatalf("A after quiet sync: %+v", res)
	}

	// B asks E002 itself (its own target takes over from the peer's status), then A refuses and
	// B sends back E002 before either syncs; B's change is later and wins on both sides.
	b.setNow(t0.Add(3 * time.Minute))
	e2b := b.employeeByCode(cb, "E002")
	createRequest(t, colB, b, cb, e2b.ID)
	if res := b.sync(cb); res.Sent != 0 {
		t.Fatalf("B sent %d records for a status it already shares (依頼済)", res.Sent)
	}
	a.setNow(t0.Add(4 * time.Minute))
	if _, err := colA.Refuse(ctx, a.admin, ca, ids[1], "本人が提供を拒否"); err != nil {
		t.Fatal(err)
	}
	b.setNow(t0.Add(5 * time.Minute))
	const reasonB = "写真が不鮮明です"
	if _, err := colB.SendBack(ctx, b.admin, cb, e2b.ID, reasonB); err != nil {
		t.Fatal(err)
	}
	a.sync(ca)
	b.sync(cb)
	a.sync(ca)
	ra, rb := boardStatus(t, colA, a, ca, "E002"), boardStatus(t, colB, b, cb, "E002")
	if ra.Status != collect.Returned || rb.Status != collect.Returned || ra.ReturnedReason != reasonB || rb.ReturnedReason != reasonB {
		t.Fatalf("after the concurrent change A has %s %q, B has %s %q; want B's 差戻し on both",
			ra.Status, ra.ReturnedReason, rb.Status, rb.ReturnedReason)
	}
	ka, err := a.share.Conflicts(ctx, a.admin, ca)
	if err != nil || len(ka) != 1 || ka[0].Kind != KindStatus || ka[0].LocalID != ids[1] ||
		ka[0].LoserValue != "提供拒否: 本人が提供を拒否" || ka[0].WinnerValue != "差戻し: "+reasonB ||
		ka[0].WinnerOffice != officeB || ka[0].LoserOffice != officeA {
		t.Fatalf("A's conflicts = %+v, %v", ka, err)
	}
	if kb, _ := b.share.Conflicts(ctx, b.admin, cb); len(kb) != 0 {
		t.Fatalf("B's version won but B has conflicts %+v", kb)
	}
	// E001 keeps A's status on A; nothing is sent back and forth any more.
	if r := boardStatus(t, colA, a, ca, "E001"); r.Status != collect.Returned || r.ReturnedReason != reason {
		t.Fatalf("A's E001 = %s %q", r.Status, r.ReturnedReason)
	}
	if res := b.sync(cb); res.Sent != 0 || res.Received != 0 {
		t.Fatalf("B after quiet sync: %+v", res)
	}
	if res := a.sync(ca); res.Sent != 0 || res.Received != 0 {
		t.Fatalf("A after quiet sync: %+v", res)
	}
	// B's own target now shows on its board; only E001 remains a peer status.
	remote, _ = b.share.RemoteStatuses(ctx, b.admin, cb)
	if len(remote) != 1 || remote[0].EmployeeCode != "E001" {
		t.Fatalf("B's peer statuses = %+v", remote)
	}
	for _, k := range ka {
		if strings.ContainsAny(k.LoserValue+k.WinnerValue, "0123456789") {
			t.Fatalf("conflict value holds digits: %+v", k)
		}
	}
}
