package ui

import (
	"net/http"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/share"
)

// TestShareAutoSync: with the loop main.go starts, an employee and number A's 担当者 registers
// reach B while B's 責任者 is logged in, without anyone pressing 「今すぐ同期」; a user with no role
// in the shared company syncs nothing; a sync that fails is shown on M-6's row until one goes
// through.
func TestShareAutoSync(t *testing.T) {
	p := newSharedPair(t)
	a, b := p.a, p.b
	defer func(d time.Duration) { shareTick = d }(shareTick)
	shareTick = 10 * time.Millisecond

	a.as("other") // 担当者 of C002 only: the shared C001 is not theirs to sync
	if ids, err := a.app.share.Syncable(t.Context(), a.app.session().Principal); err != nil || len(ids) != 0 {
		t.Fatalf("a user with no role in the shared company may sync %v (%v)", ids, err)
	}
	a.as("tanto")
	a.clock.Add(time.Minute)
	e, err := a.app.Employees.SaveEmployee(Employee{CompanyID: p.ca, Code: "E001", Name: "山田 太郎", NameKana: "ヤマダ タロウ",
		BirthDate: "1990-01-01", Sex: "male", HiredOn: "2020-04-01"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.app.Employees.SetNumber(p.ca, e.ID, shareNumber, false); err != nil {
		t.Fatal(err)
	}
	stopA, stopB := a.app.StartShareSync(), b.app.StartShareSync()
	deadline := time.Now().Add(20 * time.Second)
	for {
		page, err := b.app.Employees.Employees(EmployeeQuery{CompanyID: p.cb, Search: "E001"})
		if err == nil && len(page.Employees) == 1 && page.Employees[0].MaskedNumber == "**** **** 9018" {
			break
		}
		if time.Now().After(deadline) {
			stopA()
			stopB()
			t.Fatalf("A's employee never reached B: %+v %v", page, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopA()
	stopB()

	// B's relay connection breaks: the next automatic sync fails, and M-6 says so.
	// (Its signing key stays: a sync with changes to send signs its envelope before sending.)
	signing := b.app.share.Transport.(*share.RelayClient).SigningKey
	b.app.SetShareTransport(&share.RelayClient{URL: "https://127.0.0.1:1", OfficeID: p.idB.Office, SigningKey: signing,
		HTTP: &http.Client{Timeout: time.Second}})
	b.app.syncShares(t.Context(), b.app.session())
	list, err := b.app.Share.List()
	if err != nil || len(list) != 1 || list[0].SyncError == nil || list[0].SyncError.JA == "" {
		t.Fatalf("M-6 after a failed automatic sync: %+v %v", list, err)
	}
}
