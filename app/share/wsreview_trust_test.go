package share

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/cloud/envelope"
)

// The review's attacks on whom a workstation trusts (wsreview_test.go has the others): writing
// in another's name, offers in a workstation's name, old lists served again, clocks.

// TestWSReviewClientImpersonatesAWorkstation: a client office C shares a company with
// workstation PC-1. C moves the group to a new epoch (it removes another member) and, before
// PC-1 has sent anything under that epoch, sends a batch in PC-1's name signed with its own
// relay key. PC-3, a workstation that joins afterwards, reads from the current epoch: it must
// not take C's batch as PC-1's, nor refuse PC-1's own batches afterwards.
func TestWSReviewClientImpersonatesAWorkstation(t *testing.T) {
	relay := startRelay(t)
	w := workstationSides(t, relay, "PC-1", "PC-3")
	w1, w3 := w[0], w[1]
	ca := wsCompany(t, w1, "A001", "E001")
	clientWritesAs(t, relay, w1, ca, w1.relay.OfficeID)
	w1.syncAs(tanaka, ca) // PC-1 adopts C's epoch and sends everything again under it

	pairUp(t, w3, w1, WorkstationRights{Reveal: true})
	w3.syncWorkstations()
	a3 := companyByCode(w3, "A001")
	w3.syncAs(tanaka, a3)
	if hasEmployeeOf(w3, a3, "E999") {
		t.Error("PC-3 imported a record C wrote in PC-1's name")
	}
	addEmployee(t, w1, ca, 20, "E020", "鈴木 一郎")
	w1.syncAs(tanaka, ca)
	w3.syncAs(tanaka, a3)
	if !hasEmployeeOf(w3, a3, "E020") {
		t.Error("PC-3 refuses PC-1's own batches after C's batch in PC-1's name")
	}
}

// TestWSReviewClientImpersonatesAnotherWorkstation: as TestWSReviewClientImpersonatesAWorkstation,
// but C writes in the name of PC-3, a workstation that did not offer the company to the
// joining PC-2: PC-2 learns PC-3's signing key from PC-3's first envelope it reads.
func TestWSReviewClientImpersonatesAnotherWorkstation(t *testing.T) {
	relay := startRelay(t)
	w := workstationSides(t, relay, "PC-1", "PC-2", "PC-3")
	w1, w2, w3 := w[0], w[1], w[2]
	ca := wsCompany(t, w1, "A001", "E001")
	a3 := joinThrough(t, w3, w1, WorkstationRights{Reveal: true}, ca, "A001")
	clientWritesAs(t, relay, w1, ca, w3.relay.OfficeID)
	w1.syncAs(tanaka, ca)

	pairUp(t, w2, w1, WorkstationRights{Reveal: true})
	w2.syncWorkstations()
	a2 := companyByCode(w2, "A001")
	w2.syncAs(tanaka, a2)
	if hasEmployeeOf(w2, a2, "E999") {
		t.Error("PC-2 imported a record C wrote in PC-3's name")
	}
	w3.syncAs(tanaka, a3)
	w3.assign(a3)
	addEmployee(t, w3, a3, 21, "E021", "鈴木 二郎")
	w3.syncAs(tanaka, a3)
	w2.syncAs(tanaka, a2)
	if !hasEmployeeOf(w2, a2, "E021") {
		t.Error("PC-2 refuses PC-3's own batches after C's batch in PC-3's name")
	}
}

// TestWSReviewOfferInAWorkstationsName: a client office that knows the office's workstations
// sends PC-2 an offer of a company of its own that names PC-1 as the offering office (sealed
// and authenticated with the client's own key, as only the named key can be checked). PC-2's
// workstation sync must not accept it: the key is not the one the pair code pinned. (Holds.)
func TestWSReviewOfferInAWorkstationsName(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	w := workstationSides(t, relay, "PC-1", "PC-2")
	w1, w2 := w[0], w[1]
	pairUp(t, w2, w1, WorkstationRights{Reveal: true})
	c := newSide(t, relay, "株式会社クライアント", t0)
	cc, err := c.roster.CreateCompany(ctx, c.admin, c.keys, roster.Company{Code: "EVIL", Name: "株式会社偽装"})
	if err != nil {
		t.Fatal(err)
	}
	w2pub, err := c.relay.PeerKey(ctx, w2.relay.OfficeID)
	if err != nil {
		t.Fatal(err)
	}
	var (
		rc  string
		sub []byte
		o   = offer{V: 1, From: w1.relay.OfficeID, To: w2.relay.OfficeID, Epoch: "e1-0badc0de"}
	)
	err = c.db.Update(ctx, func(tx *store.Tx) error {
		var err error
		if rc, _, err = c.share.relayCompanyID(tx, cc.ID); err != nil {
			return err
		}
		if o.FromKey, err = c.keys.InstallationKey(tx); err != nil {
			return err
		}
		if sub, err = submissionKeyDER(tx, cc.ID, o.FromKey); err != nil {
			return err
		}
		if err := c.keys.NewShareKey(tx, cc.ID, o.Epoch); err != nil {
			return err
		}
		ek, err := c.keys.ShareKey(tx, cc.ID, o.Epoch)
		if err != nil {
			return err
		}
		defer ek.Close()
		if o.KeyBox, err = c.keys.WrapKeyTo(ek, w2pub.PublicKey, boxAAD(rc, o.To)); err != nil {
			return err
		}
		info := mustJSON(offerInfo{Code: "EVIL", Name: "株式会社偽装", Roles: []wsRole{{Login: "tanaka", Role: "manager"}}})
		if o.InfoBox, err = vault.SealTo(rand.Reader, w2pub.PublicKey, infoAAD(rc, o.To), info); err != nil {
			return err
		}
		o.MAC, err = c.keys.PeerMAC(tx, w2pub.PublicKey, o.macInput(rc))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.relay.RegisterCompany(ctx, rc, sub); err != nil {
		t.Fatal(err)
	}
	if err := c.relay.AddMember(ctx, rc, w2.relay.OfficeID); err != nil {
		t.Fatal(err)
	}
	if err := c.relay.Send(ctx, rc, RecordOffer, func([]byte) ([]byte, error) { return mustJSON(o), nil }); err != nil {
		t.Fatal(err)
	}
	if res := w2.syncWorkstations(); res.Accepted != 0 || companyByCode(w2, "EVIL") != 0 {
		t.Fatalf("PC-2 accepted an offer in PC-1's name sealed with another key: %+v", res)
	}
	// The offer waits in M-6 with the client's fingerprint, for an administrator to refuse.
	offers, err := w2.share.Offers(ctx, w2.admin, w2.keys)
	if err != nil || len(offers) != 1 || offers[0].Fingerprint != vault.Fingerprint(o.FromKey) {
		t.Fatalf("PC-2's pending offers: %+v, %v", offers, err)
	}
}

// TestWSReviewRelayReplaysOldRights: the relay serves PC-1's earlier list of workstations
// (PC-2 allowed everything) again after the list that withdrew PC-2's rights, and a client
// office sharing the company sends the same old list as its own envelope: PC-2 keeps the later
// rights. (Holds: rights are dated and only a later setting applies.)
func TestWSReviewRelayReplaysOldRights(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	w := workstationSides(t, relay, "PC-1", "PC-2")
	w1, w2 := w[0], w[1]
	ca := wsCompany(t, w1, "A001", "E001")
	a2 := joinThrough(t, w2, w1, WorkstationRights{Reveal: true, Download: true, Dispose: true}, ca, "A001")
	if r := rightsOf(t, w2); !r.Dispose {
		t.Fatalf("PC-2's rights: %+v", r)
	}
	rc := relayCompanyOf(t, w1, ca)
	var old [][]byte
	for _, e := range relayEnvelopes(t, relay, rc) {
		if e.Record == RecordOffice {
			b, err := e.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			old = append(old, b)
		}
	}
	if len(old) == 0 {
		t.Fatal("no list of workstations at the relay")
	}
	w1.setNow(t0.Add(time.Hour))
	if err := w1.share.SetWorkstationRights(ctx, w1.admin, w2.relay.OfficeID, WorkstationRights{}); err != nil {
		t.Fatal(err)
	}
	w1.syncWorkstations()
	w2.syncAs(tanaka, a2)
	if r := rightsOf(t, w2); r.Reveal || r.Dispose {
		t.Fatalf("PC-2's rights after they were withdrawn: %+v", r)
	}
	w2.share.SetTransport(&servesExtra{RelayClient: w2.relay, extra: old})
	w2.syncAs(tanaka, a2)
	client := newSide(t, relay, "株式会社クライアント", t0)
	cc := join(t, w1, client, ca)
	client.sync(cc)
	for _, b := range old {
		e, err := envelope.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := client.relay.Send(ctx, rc, RecordOffice, func([]byte) ([]byte, error) { return e.Ciphertext, nil }); err != nil {
			t.Fatal(err)
		}
	}
	w2.share.SetTransport(w2.relay)
	w2.syncAs(tanaka, a2)
	if r := rightsOf(t, w2); r.Reveal || r.Download || r.Dispose {
		t.Fatalf("an old list served again restored PC-2's rights: %+v", r)
	}
}

// TestWSReviewRightsFromAClockAhead: an administrator sets a terminal's rights on a PC whose
// clock runs a day ahead, then, the clock corrected, limits them again. The terminal must
// take the later setting: rights are ordered by the setting PC's clock, so the first one,
// dated a day ahead, wins over every setting made in that day (the same lets a stolen
// workstation, its clock set to 2099, fix the rights it gives another before it is removed).
func TestWSReviewRightsFromAClockAhead(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	w := workstationSides(t, relay, "PC-1", "PC-2")
	w1, w2 := w[0], w[1]
	ca := wsCompany(t, w1, "A001", "E001")
	a2 := joinThrough(t, w2, w1, WorkstationRights{Reveal: true}, ca, "A001")

	w1.setNow(t0.Add(24 * time.Hour)) // PC-1's clock a day ahead
	if err := w1.share.SetWorkstationRights(ctx, w1.admin, w2.relay.OfficeID, WorkstationRights{Reveal: true, Download: true, Dispose: true}); err != nil {
		t.Fatal(err)
	}
	w1.syncWorkstations()
	w2.syncAs(tanaka, a2)
	if r := rightsOf(t, w2); !r.Dispose {
		t.Fatalf("PC-2's rights: %+v", r)
	}
	w1.setNow(t0.Add(2 * time.Hour)) // corrected; the real time is later than the first setting
	if err := w1.share.SetWorkstationRights(ctx, w1.admin, w2.relay.OfficeID, WorkstationRights{}); err != nil {
		t.Fatal(err)
	}
	w1.syncWorkstations()
	w2.syncAs(tanaka, a2)
	if r := rightsOf(t, w2); r.Reveal || r.Download || r.Dispose {
		t.Fatalf("PC-2 keeps the rights set from a clock a day ahead after they were withdrawn: %+v", r)
	}
}

// TestWSReviewStaleListReaddsARemovedWorkstation: PC-3 removes PC-2, which PC-1 (whose clock
// runs ahead) approved; before PC-1 learns of the removal, its list of workstations (sent for
// another change) reaches PC-3 with PC-2 in it, dated by PC-1's clock after the removal.
// PC-3 must not count PC-2 one of the office's again.
func TestWSReviewStaleListReaddsARemovedWorkstation(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	w := workstationSides(t, relay, "PC-1", "PC-2", "PC-3")
	w1, w2, w3 := w[0], w[1], w[2]
	ca := wsCompany(t, w1, "A001", "E001")
	a3 := joinThrough(t, w3, w1, WorkstationRights{Reveal: true}, ca, "A001")

	w1.setNow(t0.Add(2 * time.Hour)) // PC-1's clock two hours ahead
	pairUp(t, w2, w1, WorkstationRights{})
	w3.syncAs(tanaka, a3) // PC-3 learns of PC-2 from PC-1's list
	if w3.count(`SELECT count(*) FROM workstations WHERE office = ? AND removed_at = ''`, w2.relay.OfficeID) != 1 {
		t.Fatal("PC-3 did not learn of PC-2")
	}
	w3.setNow(t0.Add(30 * time.Minute))
	if _, err := w3.share.RemoveWorkstation(ctx, w3.admin, w3.keys, w2.relay.OfficeID); err != nil {
		t.Fatal(err)
	}
	// PC-1 changes PC-3's rights before it has synced the company: its list still has PC-2.
	if err := w1.share.SetWorkstationRights(ctx, w1.admin, w3.relay.OfficeID, WorkstationRights{Reveal: true, Download: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := w1.share.SyncWorkstations(ctx, w1.admin, w1.keys); err != nil {
		t.Log(err)
	}
	w3.syncAs(tanaka, a3)
	if w3.count(`SELECT count(*) FROM workstations WHERE office = ? AND removed_at = ''`, w2.relay.OfficeID) != 0 {
		t.Fatal("PC-1's stale list made PC-3 count the removed PC-2 one of the office's again")
	}
}

// clientWritesAs: a client office (C) and a 税理士 office (D) join company ca through w1; C
// removes D (moving the group to a new epoch) and, before anyone else sends under it, posts a
// batch naming victim as its origin with an employee E999 that victim never wrote.
func clientWritesAs(t *testing.T, relay *testRelay, w1 *side, ca int64, victim string) {
	t.Helper()
	ctx := context.Background()
	c := newSide(t, relay, "株式会社クライアント", t0)
	d := newSide(t, relay, "さくら税理士事務所", t0)
	cc := join(t, w1, c, ca)
	cd := join(t, w1, d, ca)
	w1.syncAs(tanaka, ca)
	d.sync(cd)
	c.sync(cc)
	if err := c.share.RemoveMember(ctx, c.admin, c.keys, cc, d.relay.OfficeID); err != nil {
		t.Fatal(err)
	}
	c.sync(cc)
	rc := relayCompanyOf(t, c, cc)
	forged := forgeBatch(t, c, c, victim, cc, rc, uint64(time.Now().Add(time.Hour).UnixMicro()),
		record{Kind: KindPerson, ID: victim + ".999", Clock: 1 << 60, Origin: victim,
			Person: &personData{Kind: "employee", Code: "E999", Name: "偽造 太郎", NameKana: "ギゾウ タロウ", BirthDate: "1991-02-03", Sex: "male"}})
	if err := c.relay.PostEnvelope(ctx, forged); err != nil {
		t.Fatalf("the relay refused C's envelope: %v", err)
	}
}
