package share

import (
	"context"
	"errors"
	"testing"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
)

// sharedCompany makes company C001 on a, shares it with b and accepts it; both administrators
// are assigned as its handler. It returns the company's id on each side.
func sharedCompany(t *testing.T, a, b *side) (ca, cb int64) {
	t.Helper()
	ctx := context.Background()
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
	got, err := b.share.Accept(ctx, b.admin, b.keys, offers[0].RelayCompany, idA.Fingerprint)
	if err != nil {
		t.Fatal(err)
	}
	b.assign(got.ID)
	return c.ID, got.ID
}

// TestShareRoles: Publish, LookupPeer, Offer, Offers, Accept, Reject and Shares are for
// administrators; Sync and Conflicts for the company's 責任者 / 担当者 only — an administrator
// who is not assigned to the company and a 担当者 of another company are refused.
func TestShareRoles(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	a := newSide(t, relay, "ひまわり社労士事務所", t0)
	b := newSide(t, relay, "株式会社テスト", t0)
	ca, _ := sharedCompany(t, a, b)
	other, err := a.roster.CreateCompany(ctx, a.admin, a.keys, roster.Company{Code: "C002", Name: "株式会社ほか"})
	if err != nil {
		t.Fatal(err)
	}
	// User 2 is C001's 担当者, user 3 an administrator assigned nowhere, user 4 C002's 担当者.
	for _, u := range []struct {
		id    int64
		login string
		admin int
	}{{2, "tanto", 0}, {3, "admin2", 1}, {4, "other", 0}} {
		a.exec(`INSERT INTO users(id, login, display_name, is_admin, created_at, updated_at) VALUES(?, ?, ?, ?, 'x', 'x')`, u.id, u.login, u.login, u.admin)
	}
	a.exec(`INSERT INTO assignments(company_id, user_id, role, assigned_at) VALUES(?, 2, 'handler', 'x')`, ca)
	a.exec(`INSERT INTO assignments(company_id, user_id, role, assigned_at) VALUES(?, 4, 'handler', 'x')`, other.ID)
	tanto := auth.Principal{UserID: 2, Login: "tanto"}
	admin2 := auth.Principal{UserID: 3, Login: "admin2", IsAdmin: true}
	otherHandler := auth.Principal{UserID: 4, Login: "other"}

	var relayCompany string
	if sh, err := a.share.Shares(ctx, a.admin); err != nil || len(sh) != 1 {
		t.Fatalf("Shares = %+v, %v", sh, err)
	} else {
		relayCompany = sh[0].RelayCompany
	}
	peer := b.relay.Office()
	adminOnly := map[string]func(p auth.Principal) error{
		"Publish":    func(p auth.Principal) error { _, err := a.share.Publish(ctx, p, a.keys); return err },
		"LookupPeer": func(p auth.Principal) error { _, err := a.share.LookupPeer(ctx, p, peer); return err },
		"Offer":      func(p auth.Principal) error { return a.share.Offer(ctx, p, a.keys, other.ID, peer, "x") },
		"Offers":     func(p auth.Principal) error { _, err := a.share.Offers(ctx, p, a.keys); return err },
		"Accept":     func(p auth.Principal) error { _, err := a.share.Accept(ctx, p, a.keys, relayCompany, "x"); return err },
		"Reject":     func(p auth.Principal) error { return a.share.Reject(ctx, p, relayCompany) },
		"Shares":     func(p auth.Principal) error { _, err := a.share.Shares(ctx, p); return err },
	}
	handlerOnly := map[string]func(p auth.Principal) error{
		"Sync":      func(p auth.Principal) error { _, err := a.share.Sync(ctx, p, a.keys, ca); return err },
		"Conflicts": func(p auth.Principal) error { _, err := a.share.Conflicts(ctx, p, ca); return err },
	}
	for name, call := range adminOnly {
		for _, p := range []auth.Principal{tanto, otherHandler} {
			if err := call(p); !apperr.HasCode(err, apperr.CodeForbidden) {
				t.Errorf("%s as %s: %v, want forbidden", name, p.Login, err)
			}
		}
	}
	for name, call := range handlerOnly {
		for _, p := range []auth.Principal{admin2, otherHandler} {
			if err := call(p); !apperr.HasCode(err, apperr.CodeForbidden) {
				t.Errorf("%s as %s: %v, want forbidden", name, p.Login, err)
			}
		}
		if err := call(tanto); err != nil {
			t.Errorf("%s as the company's 担当者: %v", name, err)
		}
	}
	if n := a.count(`SELECT count(*) FROM shares`); n != 1 {
		t.Fatalf("%d shares after the refused calls", n)
	}

	// Without a transport every relay action says so.
	offline := &Service{DB: a.db, Audit: a.log}
	for name, err := range map[string]error{
		"Publish": func() error { _, err := offline.Publish(ctx, a.admin, a.keys); return err }(),
		"Offer":   offline.Offer(ctx, a.admin, a.keys, other.ID, peer, "x"),
		"Accept":  func() error { _, err := offline.Accept(ctx, a.admin, a.keys, relayCompany, "x"); return err }(),
		"Sync":    func() error { _, err := offline.Sync(ctx, a.admin, a.keys, ca); return err }(),
	} {
		if !errors.Is(err, ErrNoRelay) {
			t.Errorf("%s without a relay: %v, want ErrNoRelay", name, err)
		}
	}
}

// TestForgedOffers: an offer whose MAC does not verify is dropped; an offer a third office
// sends in another office's name (with its own key, as a relay that substitutes keys would) is
// listed with the third office's fingerprint, and accepting it with the real sender's
// fingerprint is refused.
func TestForgedOffers(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	a := newSide(t, relay, "ひまわり社労士事務所", t0)
	b := newSide(t, relay, "株式会社テスト", t0)
	m := newSide(t, relay, "なりすまし事務所", t0)
	idA, err := a.share.Publish(ctx, a.admin, a.keys)
	if err != nil {
		t.Fatal(err)
	}
	idB, err := b.share.Publish(ctx, b.admin, b.keys)
	if err != nil {
		t.Fatal(err)
	}
	idM, err := m.share.Publish(ctx, m.admin, m.keys)
	if err != nil {
		t.Fatal(err)
	}

	// send posts an offer from m's relay connection in a new relay company with b as member;
	// mac makes its MAC.
	send := func(company string, mac func(tx *store.Tx, o *offer) ([]byte, error)) {
		t.Helper()
		if err := m.relay.RegisterCompany(ctx, company, mustSubmissionKey(t, m)); err != nil {
			t.Fatal(err)
		}
		if err := m.relay.AddMember(ctx, company, idB.Office); err != nil {
			t.Fatal(err)
		}
		o := offer{V: 1, From: idA.Office, To: idB.Office, FromKey: idM.PublicKey, KeyBox: []byte("box"), InfoBox: []byte("info")}
		err := m.db.View(ctx, func(tx *store.Tx) (err error) {
			o.MAC, err = mac(tx, &o)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		pt := mustJSON(o)
		if err := m.relay.Send(ctx, company, RecordOffer, func([]byte) ([]byte, error) { return pt, nil }); err != nil {
			t.Fatal(err)
		}
	}
	// A MAC made with the right key but over another company is not this offer's.
	send("c-tamperedmacaaaaaaaaaa", func(tx *store.Tx, o *offer) ([]byte, error) {
		return m.keys.PeerMAC(tx, idB.PublicKey, o.macInput("c-othercompanyaaaaaaaa"))
	})
	if offers, err := b.share.Offers(ctx, b.admin, b.keys); err != nil || len(offers) != 0 {
		t.Fatalf("an offer with a wrong MAC is listed: %+v, %v", offers, err)
	}

	// In A's name with M's key: listed, but with M's fingerprint.
	const forged = "c-forgedofferaaaaaaaaa"
	send(forged, func(tx *store.Tx, o *offer) ([]byte, error) {
		return m.keys.PeerMAC(tx, idB.PublicKey, o.macInput(forged))
	})
	offers, err := b.share.Offers(ctx, b.admin, b.keys)
	if err != nil || len(offers) != 1 || offers[0].FromOffice != idA.Office || offers[0].Fingerprint != idM.Fingerprint {
		t.Fatalf("forged offer = %+v, %v; want it listed with the forger's fingerprint", offers, err)
	}
	if _, err := b.share.Accept(ctx, b.admin, b.keys, forged, idA.Fingerprint); !errors.Is(err, ErrFingerprint) {
		t.Fatalf("accepting the forged offer with A's fingerprint: %v, want ErrFingerprint", err)
	}
	if n := b.count(`SELECT count(*) FROM companies`); n != 0 {
		t.Fatalf("B created %d companies from a forged offer", n)
	}
	if err := b.share.Reject(ctx, b.admin, forged); err != nil {
		t.Fatal(err)
	}
}

func mustSubmissionKey(t *testing.T, s *side) []byte {
	t.Helper()
	var der []byte
	err := s.db.View(context.Background(), func(tx *store.Tx) error {
		pub, err := s.keys.InstallationKey(tx)
		if err != nil {
			return err
		}
		der, err = submissionKeyDER(tx, 0, pub)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return der
}
