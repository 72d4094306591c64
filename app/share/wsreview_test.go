package share

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/roster"
)

// A review of the workstation layer and the peer-history chains: each test is an attack or a
// failure the rules must survive.

// wsCompany makes company code on s with tanaka as its handler and one employee.
func wsCompany(t *testing.T, s *side, code, emp string) int64 {
	t.Helper()
	c, err := s.roster.CreateCompany(context.Background(), s.admin, s.keys, roster.Company{Code: code, Name: "株式会社" + code})
	if err != nil {
		t.Fatal(err)
	}
	s.assign(c.ID)
	s.exec(`INSERT INTO assignments(company_id, user_id, role, assigned_at) VALUES(?, 2, 'handler', 'x')`, c.ID)
	addEmployee(t, s, c.ID, 1, emp, "山田 太郎")
	return c.ID
}

// joinThrough has joiner join the office through approver (rights r), the approver's company
// approverCompany offered and synced, and returns the company of that code on joiner, synced.
func joinThrough(t *testing.T, joiner, approver *side, r WorkstationRights, approverCompany int64, code string) int64 {
	t.Helper()
	pairUp(t, joiner, approver, r)
	approver.syncAs(tanaka, approverCompany)
	joiner.syncWorkstations()
	id := companyByCode(joiner, code)
	if id == 0 {
		t.Fatalf("company %s did not reach %s", code, joiner.log.Workstation)
	}
	joiner.syncAs(tanaka, id)
	return id
}

// workstationSides are n installations of one office's PCs, each with tanaka and its key
// published.
func workstationSides(t *testing.T, relay *testRelay, names ...string) []*side {
	t.Helper()
	var out []*side
	for _, n := range names {
		s := newSide(t, relay, n, t0)
		addTanaka(s)
		if _, err := s.share.Publish(context.Background(), s.admin, s.keys); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestWSReviewPeerHistoryAfterRotation: a rotation makes the rotating member send every record
// and every history entry of the company again (for members that join later). The copies are
// linked into its chain once more; a member that holds the facts already must not see a gap in
// the member's chain afterwards (a false alarm in 2-1).
func TestWSReviewPeerHistoryAfterRotation(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "A", "B", "C")
	a, b := sides[0], sides[1]
	if c := peerChains(t, b)[a.relay.OfficeID]; !c.OK() || c.Entries == 0 {
		t.Fatalf("before the rotation: %+v", c)
	}
	if err := a.share.RemoveMember(ctx, a.admin, a.keys, ids[0], sides[2].relay.OfficeID); err != nil {
		t.Fatal(err)
	}
	addEmployee(t, a, ids[0], 5, "E002", "佐藤 花子")
	a.sync(ids[0])
	b.sync(ids[1])
	addEmployee(t, a, ids[0], 6, "E003", "鈴木 一郎")
	a.sync(ids[0])
	b.sync(ids[1])
	if !hasEmployee(b, ids[1], "E003") {
		t.Fatal("B lacks A's employee")
	}
	if c := peerChains(t, b)[a.relay.OfficeID]; !c.OK() || !c.Authenticated || c.Chained != c.Entries {
		t.Fatalf("B's verification of A's history after A's rotation: %+v", c)
	}
	if b.count(`SELECT count(*) FROM audit_log WHERE result = 'failed' AND detail LIKE 'share history of office % does not verify%'`) != 0 {
		t.Fatal("B's history records a problem with A's history after A's rotation")
	}
}

// TestWSReviewPeerHistoryTwoMembers: B holds the history of two members, A and C; each
// chain verifies and is the one its member authenticated to B (2-1 must not flag whichever
// member's chain is listed first).
func TestWSReviewPeerHistoryTwoMembers(t *testing.T) {
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "A", "B", "C")
	a, b, c := sides[0], sides[1], sides[2]
	a.sync(ids[0]) // C's key, stated in its batch, is known to A and B from here on
	b.sync(ids[1])
	addEmployee(t, c, ids[2], 5, "E002", "佐藤 花子")
	c.sync(ids[2])
	addEmployee(t, a, ids[0], 6, "E003", "鈴木 一郎")
	a.sync(ids[0])
	b.sync(ids[1])
	chains := peerChains(t, b)
	for _, s := range []*side{a, c} {
		if got := chains[s.relay.OfficeID]; got.Entries == 0 || !got.OK() || !got.Authenticated {
			t.Errorf("B's verification of %s's history: %+v", s.log.Workstation, got)
		}
	}
}

// failsOnce makes the first call of one kind fail: "register" before the relay sees it, "offer"
// after the relay took the envelope (the answer lost, or the PC killed before its database
// write).
type failsOnce struct {
	*RelayClient
	what string
}

func (f *failsOnce) RegisterCompany(ctx context.Context, company string, key []byte) error {
	if f.what == "register" {
		f.what = ""
		return errors.New("relay unreachable")
	}
	return f.RelayClient.RegisterCompany(ctx, company, key)
}

func (f *failsOnce) Send(ctx context.Context, company, record string, seal func(aad []byte) ([]byte, error)) error {
	err := f.RelayClient.Send(ctx, company, record, seal)
	if err == nil && record == RecordOffer && f.what == "offer" {
		f.what = ""
		return errors.New("connection reset after the relay took the offer")
	}
	return err
}

// TestWSReviewOfferInterrupted: the automatic offer of a new company to a workstation is
// interrupted, once before the relay registered the company and once after the relay took
// the offer; the next workstation sync must finish it, and the other workstation must then
// read the company (nothing lost, nothing duplicated).
func TestWSReviewOfferInterrupted(t *testing.T) {
	for _, what := range []string{"register", "offer"} {
		t.Run(what, func(t *testing.T) {
			relay := startRelay(t)
			w := workstationSides(t, relay, "PC-1", "PC-2")
			w1, w2 := w[0], w[1]
			pairUp(t, w2, w1, WorkstationRights{Reveal: true})
			ca := wsCompany(t, w1, "A001", "E001")
			w1.share.SetTransport(&failsOnce{RelayClient: w1.relay, what: what})
			if _, err := w1.share.SyncWorkstations(context.Background(), w1.admin, w1.keys); err == nil {
				t.Fatal("the interrupted workstation sync reported no error")
			}
			if res, err := w1.share.SyncWorkstations(context.Background(), w1.admin, w1.keys); err != nil || res.Offered != 1 {
				t.Fatalf("PC-1's next workstation sync: %+v, %v; want the company offered", res, err)
			}
			w1.syncAs(tanaka, ca)
			if res := w2.syncWorkstations(); res.Accepted != 1 {
				t.Fatalf("PC-2: %+v", res)
			}
			a2 := companyByCode(w2, "A001")
			w2.syncAs(tanaka, a2)
			if !hasEmployeeOf(w2, a2, "E001") {
				t.Fatal("PC-2 does not read the company offered again after the interruption")
			}
			w2.assign(a2)
			addEmployee(t, w2, a2, 3, "E002", "佐藤 花子")
			w2.syncAs(tanaka, a2)
			w1.syncAs(tanaka, ca)
			if !hasEmployeeOf(w1, ca, "E002") {
				t.Fatal("PC-1 does not read PC-2's change")
			}
		})
	}
}

// TestWSReviewRemovedFromOneCompanyStaysOut: an administrator removes workstation PC-3 from
// one company in M-6 (a client it must not handle). A workstation that joins afterwards gets
// the company from PC-1, learns of PC-3 from PC-1's list, and must not offer the company to
// PC-3: the removal would be undone by a workstation that never heard of it.
func TestWSReviewRemovedFromOneCompanyStaysOut(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	w := workstationSides(t, relay, "PC-1", "PC-2", "PC-3")
	w1, w2, w3 := w[0], w[1], w[2]
	ca := wsCompany(t, w1, "A001", "E001")
	cb := wsCompany(t, w1, "B001", "B01") // shared with PC-3 throughout
	pairUp(t, w3, w1, WorkstationRights{Reveal: true})
	w1.syncAs(tanaka, ca)
	w1.syncAs(tanaka, cb)
	w3.syncWorkstations()
	a3, b3 := companyByCode(w3, "A001"), companyByCode(w3, "B001")
	w3.syncAs(tanaka, a3)
	if !hasEmployeeOf(w3, a3, "E001") {
		t.Fatal("PC-3 did not get the company")
	}
	if err := w1.share.RemoveMember(ctx, w1.admin, w1.keys, ca, w3.relay.OfficeID); err != nil {
		t.Fatal(err)
	}
	w1.syncAs(tanaka, ca)
	if _, err := w3.share.Sync(ctx, tanaka, w3.keys, a3); !errors.Is(err, ErrNotMember) {
		t.Fatalf("PC-3's sync after its removal from the company: %v", err)
	}

	pairUp(t, w2, w1, WorkstationRights{Reveal: true})
	w2.syncWorkstations()
	a2 := companyByCode(w2, "A001")
	w2.syncAs(tanaka, a2) // PC-1's list of workstations: PC-2 learns of PC-3
	if w2.count(`SELECT count(*) FROM workstations WHERE office = ?`, w3.relay.OfficeID) != 1 {
		t.Fatal("PC-2 did not learn of PC-3")
	}
	w2.syncWorkstations()
	w3.syncAs(tanaka, b3) // PC-1's list of workstations: PC-3 learns of PC-2
	w3.syncWorkstations()
	addEmployee(t, w1, ca, 9, "E009", "秘密 次郎")
	w1.syncAs(tanaka, ca)
	w2.syncAs(tanaka, a2)
	w3.share.Sync(ctx, tanaka, w3.keys, a3) // refused (ErrNotMember) unless readmitted
	if hasEmployeeOf(w3, a3, "E009") {
		t.Fatal("PC-3, removed from the company, reads it again after a new workstation offered it")
	}
}

// hidesCompany is a relay that leaves company out of this office's list of companies while
// hide is set (a listing taken just before the company was registered, a relay's passing
// fault), and with refuse refuses to serve it too (a relay that lies).
type hidesCompany struct {
	*RelayClient
	company      string
	hide, refuse bool
}

func (h *hidesCompany) Companies(ctx context.Context) ([]string, error) {
	list, err := h.RelayClient.Companies(ctx)
	if h.hide {
		list = slices.DeleteFunc(list, func(c string) bool { return c == h.company })
	}
	return list, err
}

func (h *hidesCompany) Receive(ctx context.Context, company string, after int64) ([]Received, error) {
	if h.hide && h.refuse && company == h.company {
		return nil, ErrNotMember
	}
	return h.RelayClient.Receive(ctx, company, after)
}

// TestWSReviewRelayHidesACompany: one listing of the relay's leaves a shared company out. The
// workstation must not count the company left for it (a share counted left is not offered to
// new workstations, and a removed workstation is not removed from it). A relay that lies (it
// also refuses the company once, then serves the old offer of it again) must not bring back
// the key of an epoch the workstation destroyed after a rotation.
func TestWSReviewRelayHidesACompany(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	w := workstationSides(t, relay, "PC-1", "PC-2")
	w1, w2 := w[0], w[1]
	ca := wsCompany(t, w1, "A001", "E001")
	a2 := joinThrough(t, w2, w1, WorkstationRights{Reveal: true}, ca, "A001")
	first := epochOf(t, w2, a2)
	// A client office joins and is removed: the group moves to a new epoch, and PC-2 destroys
	// the first one's key.
	client := newSide(t, relay, "株式会社クライアント", t0)
	join(t, w1, client, ca)
	if err := w1.share.RemoveMember(ctx, w1.admin, w1.keys, ca, client.relay.OfficeID); err != nil {
		t.Fatal(err)
	}
	w1.syncAs(tanaka, ca)
	w2.syncAs(tanaka, a2)
	if epochOf(t, w2, a2) == first || w2.count(`SELECT count(*) FROM share_keys WHERE company_id = ? AND epoch = ?`, a2, first) != 0 {
		t.Fatal("PC-2 did not move on from the first epoch")
	}

	// A passing fault: the company is left out of one listing.
	hider1 := &hidesCompany{RelayClient: w1.relay, company: relayCompanyOf(t, w1, ca), hide: true}
	w1.share.SetTransport(hider1)
	w1.syncWorkstations()
	hider1.hide = false
	if _, left, err := w1.share.Self(ctx, w1.admin, w1.keys); err != nil || left != 0 {
		t.Fatalf("PC-1 counts %d companies left (%v) after one listing without it", left, err)
	}

	// A lying relay.
	hider := &hidesCompany{RelayClient: w2.relay, company: relayCompanyOf(t, w2, a2), hide: true, refuse: true}
	w2.share.SetTransport(hider)
	w2.syncWorkstations()
	hider.hide = false
	w2.syncWorkstations()
	if w2.count(`SELECT count(*) FROM share_keys WHERE company_id = ? AND epoch = ?`, a2, first) != 0 {
		t.Fatal("the relay's old offer brought back the key of an epoch PC-2 destroyed")
	}
	w2.syncAs(tanaka, a2)
	addEmployee(t, w1, ca, 9, "E009", "高橋 次郎")
	w1.syncAs(tanaka, ca)
	w2.syncAs(tanaka, a2)
	if !hasEmployeeOf(w2, a2, "E009") {
		t.Fatal("PC-2 no longer reads the company after the relay's lie")
	}

	w1.setNow(t0.Add(time.Hour))
	if n, err := w1.share.RemoveWorkstation(ctx, w1.admin, w1.keys, w2.relay.OfficeID); err != nil || n != 1 {
		t.Fatalf("RemoveWorkstation after one listing without the company = %d, %v; want it removed from the company", n, err)
	}
}

// refusesMember is a relay that cannot add office as a member (a PC whose relay identity was
// deleted, a relay fault for that one office).
type refusesMember struct {
	*RelayClient
	office string
}

func (r *refusesMember) AddMember(ctx context.Context, company, office string) error {
	if office == r.office {
		return ErrNotFound
	}
	return r.RelayClient.AddMember(ctx, company, office)
}

// TestWSReviewOneWorkstationOutOfReach: the relay cannot add PC-3 to a new company. PC-1's
// workstation sync reports it, but the other workstation still gets the company and the
// rights an administrator set for it.
func TestWSReviewOneWorkstationOutOfReach(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	w := workstationSides(t, relay, "PC-1", "PC-2", "PC-3")
	w1, w2, w3 := w[0], w[1], w[2]
	ca := wsCompany(t, w1, "A001", "E001")
	pairUp(t, w2, w1, WorkstationRights{Reveal: true})
	pairUp(t, w3, w1, WorkstationRights{Reveal: true})
	w1.syncAs(tanaka, ca)
	w2.syncWorkstations()
	a2 := companyByCode(w2, "A001")
	w2.syncAs(tanaka, a2)

	w1.share.SetTransport(&refusesMember{RelayClient: w1.relay, office: w3.relay.OfficeID})
	// A new company on PC-1, and new rights for PC-2.
	cb := wsCompany(t, w1, "B001", "B01")
	w1.setNow(t0.Add(time.Hour))
	if err := w1.share.SetWorkstationRights(ctx, w1.admin, w2.relay.OfficeID, WorkstationRights{Reveal: true, Download: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := w1.share.SyncWorkstations(ctx, w1.admin, w1.keys); err == nil {
		t.Fatal("PC-1's workstation sync did not report the workstation it could not reach")
	}
	w1.syncAs(tanaka, cb)
	w2.syncWorkstations()
	w2.syncAs(tanaka, a2)
	if companyByCode(w2, "B001") == 0 {
		t.Error("PC-2 did not get the new company while PC-3 was out of reach")
	}
	if r := rightsOf(t, w2); !r.Download {
		t.Errorf("PC-2's new rights did not reach it while PC-3 was out of reach: %+v", r)
	}
}

// TestWSReviewWorkstationApprovedAgain: PC-1 removes PC-2 from the office (the wrong PC, or a
// laptop found again), then approves it again with the pair code. PC-2 gets the office's
// companies back and reads what was written meanwhile.
func TestWSReviewWorkstationApprovedAgain(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	w := workstationSides(t, relay, "PC-1", "PC-2")
	w1, w2 := w[0], w[1]
	ca := wsCompany(t, w1, "A001", "E001")
	a2 := joinThrough(t, w2, w1, WorkstationRights{Reveal: true}, ca, "A001")

	w1.setNow(t0.Add(time.Hour))
	if n, err := w1.share.RemoveWorkstation(ctx, w1.admin, w1.keys, w2.relay.OfficeID); err != nil || n != 1 {
		t.Fatalf("RemoveWorkstation = %d, %v", n, err)
	}
	w2.syncWorkstations()
	addEmployee(t, w1, ca, 70, "E002", "佐藤 花子")
	w1.syncAs(tanaka, ca)

	w1.setNow(t0.Add(2 * time.Hour))
	pa, err := w2.share.Pair(ctx, w2.admin, w2.keys, w1.relay.OfficeID)
	if err != nil {
		t.Fatal(err)
	}
	if err := w1.share.ApproveWorkstation(ctx, w1.admin, w1.keys, w2.relay.OfficeID, pa.Code, WorkstationRights{Reveal: true}); err != nil {
		t.Fatal(err)
	}
	w1.syncWorkstations()
	w2.syncWorkstations()
	w2.syncAs(tanaka, a2)
	if !hasEmployeeOf(w2, a2, "E002") {
		t.Fatal("PC-2, approved again, does not get the office's company back")
	}
}
