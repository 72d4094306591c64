package ui

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/share/sharetest"
	"github.com/mynumber-shelter/shelter/app/store"
)

// shareNumber passes the check digit and is obviously fake.
const shareNumber = "123456789018"

// shareSide is one installation for the share tests: its own vault and clock, the
// administrator "admin", and users by login with their current passwords.
type shareSide struct {
	*fixture
	t      *testing.T
	office string
	pw     map[string]string
	ids    map[string]int64
}

func newShareSide(t *testing.T, office string, relay *sharetest.Relay) *shareSide {
	t.Helper()
	s := &shareSide{fixture: newApp(t), t: t, office: office, pw: map[string]string{"admin": adminPW}, ids: map[string]int64{}}
	kit, err := s.app.Session.Setup(SetupRequest{Office: Office{Name: office, Kind: "sharoushi"}, AdminLogin: "admin", AdminName: "管理 太郎", Password: adminPW})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.app.Session.ConfirmRecoveryKit(kit.Key); err != nil {
		t.Fatal(err)
	}
	st, err := s.app.Session.State()
	if err != nil {
		t.Fatal(err)
	}
	s.ids["admin"] = st.User.ID
	if relay != nil {
		s.app.SetShareTransport(relay.Enrol(t, office))
	}
	return s
}

// user creates a user who logs in once to replace the temporary password; admin is logged in
// again afterwards.
func (s *shareSide) user(login string) int64 {
	s.t.Helper()
	tp, err := s.app.Users.Create(UserInput{Login: login, DisplayName: login + " さん"})
	if err != nil {
		s.t.Fatal(err)
	}
	s.ids[login], s.pw[login] = tp.User.ID, tp.Password
	s.as(login)
	s.as("admin")
	return tp.User.ID
}

// as logs login in (changing a temporary password the first time).
func (s *shareSide) as(login string) {
	s.t.Helper()
	s.app.Session.Logout()
	st, err := s.app.Session.Login(login, s.pw[login])
	if err != nil {
		s.t.Fatalf("login %s: %v", login, err)
	}
	if st.MustChangePassword {
		next := fmt.Sprintf("a long passphrase for user number %d", len(s.ids))
		if err := s.app.Session.ChangePassword(s.pw[login], next); err != nil {
			s.t.Fatal(err)
		}
		s.pw[login] = next
	}
}

func (s *shareSide) employee(companyID int64, code string) Employee {
	s.t.Helper()
	page, err := s.app.Employees.Employees(EmployeeQuery{CompanyID: companyID, Search: code})
	if err != nil {
		s.t.Fatal(err)
	}
	for _, e := range page.Employees {
		if e.Code == code {
			return e
		}
	}
	s.t.Fatalf("%s: no employee %s in company %d", s.office, code, companyID)
	return Employee{}
}

func (s *shareSide) sync(companyID int64) ShareSyncResult {
	s.t.Helper()
	r, err := s.app.Share.Sync(companyID)
	if err != nil {
		s.t.Fatalf("%s: sync: %v", s.office, err)
	}
	return r
}

// sharedPair is office A (ひまわり社労士事務所: admin; kanri the 責任者 of C001 and C002; tanto
// the 担当者 of C001; other the 担当者 of C002) and client B (株式会社テスト: admin, also the
// 責任者 of the accepted company), with C001 shared from A to B and accepted.
type sharedPair struct {
	relay    *sharetest.Relay
	a, b     *shareSide
	idA, idB ShareIdentity
	ca, cb   int64 // the shared company on each side
	other    int64 // A's unshared company C002
}

func newSharedPair(t *testing.T) *sharedPair {
	t.Helper()
	p := &sharedPair{relay: sharetest.StartRelay(t)}
	p.a = newShareSide(t, "ひまわり社労士事務所", p.relay)
	p.b = newShareSide(t, "株式会社テスト", p.relay)
	a, b := p.a, p.b
	c1, err := a.app.Company.Create(Company{Code: "C001", Name: "株式会社テスト"})
	if err != nil {
		t.Fatal(err)
	}
	c2, err := a.app.Company.Create(Company{Code: "C002", Name: "株式会社ほか"})
	if err != nil {
		t.Fatal(err)
	}
	p.ca, p.other = c1.ID, c2.ID
	a.user("kanri")
	a.user("tanto")
	a.user("other")
	if _, err := a.app.Handlers.Set(p.ca, []int64{a.ids["kanri"]}, []int64{a.ids["tanto"]}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.app.Handlers.Set(p.other, []int64{a.ids["kanri"]}, []int64{a.ids["other"]}); err != nil {
		t.Fatal(err)
	}

	// Both administrators publish and read their fingerprints to each other.
	if p.idA, err = a.app.Share.Identity(); err != nil {
		t.Fatal(err)
	}
	if p.idB, err = b.app.Share.Identity(); err != nil {
		t.Fatal(err)
	}
	if len(p.idA.Fingerprint) < 20 || p.idA.Fingerprint == p.idB.Fingerprint || p.idA.Office == p.idB.Office {
		t.Fatalf("identities A %+v, B %+v", p.idA, p.idB)
	}
	if again, err := a.app.Share.Identity(); err != nil || again != p.idA {
		t.Fatalf("a second Identity changed the key: %+v, %v", again, err)
	}
	peer, err := a.app.Share.LookupPeer(p.idB.Office)
	if err != nil || peer.Fingerprint != p.idB.Fingerprint || peer.Name != "株式会社テスト" || peer.Office != p.idB.Office {
		t.Fatalf("LookupPeer(B) = %+v, %v", peer, err)
	}
	if err := a.app.Share.Offer(ShareOfferIn{CompanyID: p.ca, Office: p.idB.Office, Fingerprint: p.idA.Fingerprint}); code(t, err) != "invalid" || field(err) != "fingerprint" {
		t.Fatalf("offer with A's own fingerprint: %v", err)
	}
	if err := a.app.Share.Offer(ShareOfferIn{CompanyID: p.ca, Office: p.idB.Office, Fingerprint: " " + strings.ToLower(p.idB.Fingerprint)}); err != nil {
		t.Fatal(err)
	}

	offers, err := b.app.Share.Offers()
	if err != nil {
		t.Fatal(err)
	}
	if len(offers) != 1 || offers[0].Fingerprint != p.idA.Fingerprint || offers[0].FromOffice != p.idA.Office ||
		offers[0].FromName != "ひまわり社労士事務所" || offers[0].CompanyCode != "C001" || offers[0].CompanyName != "株式会社テスト" {
		t.Fatalf("B's offers = %+v", offers)
	}
	if _, err := b.app.Share.Accept(offers[0].RelayCompany, p.idB.Fingerprint); code(t, err) != "invalid" || field(err) != "fingerprint" {
		t.Fatalf("accept with B's own fingerprint: %v", err)
	}
	if p.cb, err = b.app.Share.Accept(offers[0].RelayCompany, p.idA.Fingerprint); err != nil {
		t.Fatal(err)
	}
	if _, err := b.app.Handlers.Set(p.cb, []int64{b.ids["admin"]}, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestShareServiceTwoInstallations runs M-6 through the bound methods of two apps and a real
// relay on loopback TLS: identities, a refused and an accepted offer, roster and number from A
// to B, an edit on both sides with B's later edit winning and A's listed as a conflict, and
// each side's 2-1 showing the other's entries with their source.
func TestShareServiceTwoInstallations(t *testing.T) {
	p := newSharedPair(t)
	a, b := p.a, p.b

	la, err := a.app.Share.List()
	if err != nil || len(la) != 1 || la[0].CompanyID != p.ca || la[0].Role != "origin" || la[0].PeerOffice != p.idB.Office || la[0].PeerName != "株式会社テスト" {
		t.Fatalf("A's shares = %+v, %v", la, err)
	}
	lb, err := b.app.Share.List()
	if err != nil || len(lb) != 1 || lb[0].CompanyID != p.cb || lb[0].Role != "peer" || lb[0].PeerOffice != p.idA.Office ||
		lb[0].PeerName != "ひまわり社労士事務所" || lb[0].CompanyName != "株式会社テスト" || lb[0].RelayCompany != la[0].RelayCompany {
		t.Fatalf("B's shares = %+v, %v", lb, err)
	}
	if offers, err := b.app.Share.Offers(); err != nil || len(offers) != 0 {
		t.Fatalf("B's offers after accepting = %+v, %v", offers, err)
	}
	if err := a.app.Share.Offer(ShareOfferIn{CompanyID: p.ca, Office: p.idB.Office, Fingerprint: p.idB.Fingerprint}); code(t, err) != "conflict" {
		t.Fatalf("offering a shared company again: %v", err)
	}

	// A's 担当者 registers an employee and the number; B's sees both after sync.
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
	if r := a.sync(p.ca); r.Sent != 2 {
		t.Fatalf("A sent %+v, want 2 records (person, number)", r)
	}
	if r := b.sync(p.cb); r.Received != 2 || r.Conflicts != 0 {
		t.Fatalf("B received %+v, want 2 records", r)
	}
	eb := b.employee(p.cb, "E001")
	if eb.Name != "山田 太郎" || !eb.HasNumber || eb.MaskedNumber != "**** **** 9018" {
		t.Fatalf("B's employee = %q has %v %q", eb.Name, eb.HasNumber, eb.MaskedNumber)
	}

	// Both edit the name; B's edit is a minute later and wins on both sides.
	a.clock.Add(time.Minute)
	ea := a.employee(p.ca, "E001")
	ea.Name = "山田 太郎A"
	if _, err := a.app.Employees.SaveEmployee(ea); err != nil {
		t.Fatal(err)
	}
	b.clock.Add(3 * time.Minute)
	eb.Name = "山田 太郎B"
	if _, err := b.app.Employees.SaveEmployee(eb); err != nil {
		t.Fatal(err)
	}
	a.sync(p.ca)
	if r := b.sync(p.cb); r.Conflicts != 0 {
		t.Fatalf("B's later edit lost: %+v", r)
	}
	if r := a.sync(p.ca); r.Conflicts != 1 {
		t.Fatalf("A after the concurrent edit: %+v, want 1 conflict lost", r)
	}
	if na, nb := a.employee(p.ca, "E001").Name, b.employee(p.cb, "E001").Name; na != "山田 太郎B" || nb != "山田 太郎B" {
		t.Fatalf("after the conflict A has %q, B has %q", na, nb)
	}
	ka, err := a.app.Share.Conflicts(p.ca)
	if err != nil || len(ka) != 1 || ka[0].Kind != "person" || !strings.Contains(ka[0].LoserValue, "山田 太郎A") ||
		!strings.Contains(ka[0].WinnerValue, "山田 太郎B") || ka[0].WinnerOffice != p.idB.Office || ka[0].LoserOffice != p.idA.Office ||
		ka[0].DetectedAt == "" {
		t.Fatalf("A's conflicts = %+v, %v", ka, err)
	}
	if kb, err := b.app.Share.Conflicts(p.cb); err != nil || len(kb) != 0 {
		t.Fatalf("B's conflicts = %+v, %v", kb, err)
	}
	a.as("admin")
	if la, _ := a.app.Share.List(); len(la) != 1 || la[0].Conflicts != 1 || la[0].LastSync == "" {
		t.Fatalf("A's share after the conflict = %+v", la)
	}

	// 2-1 on each side: its own entries without a source, the other's with "name (office)".
	for _, tc := range []struct {
		side    *shareSide
		company int64
		peer    ShareIdentity
		name    string
		action  string
	}{
		{b, p.cb, p.idA, "ひまわり社労士事務所", "register"},
		{a, p.ca, p.idB, "株式会社テスト", "modify"},
	} {
		page, err := tc.side.app.History.Query(HistoryFilter{CompanyID: tc.company, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		var local, peer int
		var sawAction bool
		for _, e := range page.Entries {
			switch e.Source {
			case "":
				local++
			case tc.name + " (" + tc.peer.Office + ")":
				peer++
				sawAction = sawAction || e.Action == tc.action
				if e.Workstation != tc.name {
					t.Errorf("%s: a peer entry's workstation is %q", tc.side.office, e.Workstation)
				}
			default:
				t.Errorf("%s: unexpected source %q", tc.side.office, e.Source)
			}
		}
		if local == 0 || peer == 0 || !sawAction {
			t.Errorf("%s's 2-1: %d own entries, %d of %s, %q among them: %v", tc.side.office, local, peer, tc.name, tc.action, sawAction)
		}
		for i := 1; i < len(page.Entries); i++ {
			if page.Entries[i-1].Time < page.Entries[i].Time {
				t.Fatalf("%s's 2-1 is not newest first at %d", tc.side.office, i)
			}
		}
	}

	// The relay's files hold neither the number nor a name in clear.
	p.relay.Store.Close()
	for _, name := range []string{"relay.db", "relay.db-wal"} {
		raw, err := os.ReadFile(filepath.Join(p.relay.Dir, name))
		if err != nil {
			continue
		}
		if bytes.Contains(raw, []byte(shareNumber)) || bytes.Contains(raw, []byte("山田")) {
			t.Fatalf("the relay's %s holds personal data in clear", name)
		}
	}
}

// TestShareServiceRoles: the administrator-only methods refuse a 担当者; Sync and Conflicts
// refuse a 担当者 of another company and an administrator not assigned to the company; logged
// out, everything refuses; and without a relay connection the relay actions say so.
func TestShareServiceRoles(t *testing.T) {
	p := newSharedPair(t)
	a, sh := p.a, p.a.app.Share
	relayCompany := ""
	if l, err := sh.List(); err == nil && len(l) == 1 {
		relayCompany = l[0].RelayCompany
	} else {
		t.Fatalf("List = %+v, %v", l, err)
	}
	adminOnly := map[string]func() error{
		"Identity":   func() error { _, err := sh.Identity(); return err },
		"LookupPeer": func() error { _, err := sh.LookupPeer(p.idB.Office); return err },
		"Offer": func() error {
			return sh.Offer(ShareOfferIn{CompanyID: p.other, Office: p.idB.Office, Fingerprint: p.idB.Fingerprint})
		},
		"Offers": func() error { _, err := sh.Offers(); return err },
		"Accept": func() error { _, err := sh.Accept(relayCompany, p.idB.Fingerprint); return err },
		"Reject": func() error { return sh.Reject(relayCompany) },
		"List":   func() error { _, err := sh.List(); return err },
	}
	handlerOnly := map[string]func() error{
		"Sync":      func() error { _, err := sh.Sync(p.ca); return err },
		"Conflicts": func() error { _, err := sh.Conflicts(p.ca); return err },
	}
	refused := func(who string, calls map[string]func() error, want string) {
		t.Helper()
		for name, call := range calls {
			if c := code(t, call()); c != want {
				t.Errorf("%s as %s: code %q, want %s", name, who, c, want)
			}
		}
	}
	a.as("tanto") // the shared company's 担当者: not an administrator
	refused("tanto", adminOnly, "forbidden")
	for name, call := range handlerOnly {
		if err := call(); err != nil {
			t.Errorf("%s as the company's 担当者: %v", name, err)
		}
	}
	a.as("other") // 担当者 of another company
	refused("other", adminOnly, "forbidden")
	refused("other", handlerOnly, "forbidden")
	a.as("admin") // administrator, not assigned to C001
	refused("admin", handlerOnly, "forbidden")
	if n := countShares(t, a); n != 1 {
		t.Fatalf("%d shares after the refused calls", n)
	}
	a.app.Session.Logout()
	refused("nobody", adminOnly, "unauthenticated")
	refused("nobody", handlerOnly, "unauthenticated")

	// An installation that is not connected to a relay: the administrator is told so.
	c := newShareSide(t, "未接続事務所", nil)
	co, err := c.app.Company.Create(Company{Code: "C001", Name: "株式会社テスト"})
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"Identity":   func() error { _, err := c.app.Share.Identity(); return err },
		"LookupPeer": func() error { _, err := c.app.Share.LookupPeer(p.idB.Office); return err },
		"Offer": func() error {
			return c.app.Share.Offer(ShareOfferIn{CompanyID: co.ID, Office: p.idB.Office, Fingerprint: p.idB.Fingerprint})
		},
		"Accept": func() error { _, err := c.app.Share.Accept(relayCompany, p.idB.Fingerprint); return err },
	} {
		if c := code(t, call()); c != "conflict" {
			t.Errorf("%s without a relay: code %q, want conflict (no relay)", name, c)
		}
	}
	if l, err := c.app.Share.Offers(); err != nil || len(l) != 0 {
		t.Errorf("Offers without a relay = %+v, %v", l, err)
	}
}

// TestShareServiceOffers covers the offer's refusals and a rejection: an unknown or own office,
// an office without a published key, and an offer the recipient rejects.
func TestShareServiceOffers(t *testing.T) {
	relay := sharetest.StartRelay(t)
	a := newShareSide(t, "ひまわり社労士事務所", relay)
	b := newShareSide(t, "株式会社テスト", relay)
	c1, err := a.app.Company.Create(Company{Code: "C001", Name: "株式会社テスト"})
	if err != nil {
		t.Fatal(err)
	}
	idA, err := a.app.Share.Identity()
	if err != nil {
		t.Fatal(err)
	}
	// B has enrolled but not published its key yet.
	bOffice := b.app.share.Transport.Office()
	if _, err := a.app.Share.LookupPeer(bOffice); code(t, err) != "not_found" {
		t.Fatalf("LookupPeer before B published: %v", err)
	}
	if err := a.app.Share.Offer(ShareOfferIn{CompanyID: c1.ID, Office: bOffice, Fingerprint: idA.Fingerprint}); code(t, err) != "not_found" {
		t.Fatalf("Offer before B published: %v", err)
	}
	for _, office := range []string{idA.Office, "", "../x"} {
		if err := a.app.Share.Offer(ShareOfferIn{CompanyID: c1.ID, Office: office, Fingerprint: idA.Fingerprint}); code(t, err) != "invalid" {
			t.Errorf("Offer to %q: %v", office, err)
		}
	}
	idB, err := b.app.Share.Identity()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.app.Share.Offer(ShareOfferIn{CompanyID: c1.ID, Office: idB.Office, Fingerprint: idB.Fingerprint}); err != nil {
		t.Fatal(err)
	}
	offers, err := b.app.Share.Offers()
	if err != nil || len(offers) != 1 {
		t.Fatalf("offers = %+v, %v", offers, err)
	}
	if err := b.app.Share.Reject(offers[0].RelayCompany); err != nil {
		t.Fatal(err)
	}
	if err := b.app.Share.Reject(offers[0].RelayCompany); code(t, err) != "not_found" {
		t.Fatalf("rejecting twice: %v", err)
	}
	if _, err := b.app.Share.Accept(offers[0].RelayCompany, idA.Fingerprint); code(t, err) != "not_found" {
		t.Fatalf("accepting a rejected offer: %v", err)
	}
	if offers, err := b.app.Share.Offers(); err != nil || len(offers) != 0 {
		t.Fatalf("a rejected offer is listed again: %+v, %v", offers, err)
	}
	if cs, err := b.app.Company.List(true); err != nil || len(cs) != 0 {
		t.Fatalf("B has companies after rejecting: %+v, %v", cs, err)
	}
}

func countShares(t *testing.T, s *shareSide) int {
	t.Helper()
	var n int
	if err := s.app.DB.View(t.Context(), func(tx *store.Tx) error { return tx.QueryRow(`SELECT count(*) FROM shares`).Scan(&n) }); err != nil {
		t.Fatal(err)
	}
	return n
}
