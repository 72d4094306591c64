package share

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/cloud/envelope"
	cstore "github.com/mynumber-shelter/shelter/cloud/store"
)

// epochOf is the key epoch s sends under for its company companyID.
func epochOf(t *testing.T, s *side, companyID int64) string {
	t.Helper()
	var e string
	if err := s.db.View(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT epoch FROM shares WHERE company_id = ?`, companyID).Scan(&e)
	}); err != nil {
		t.Fatal(err)
	}
	return e
}

// craftRekey is a rotation to epoch made by from (a member, with its own vault and
// installation key) whose key from keeps, boxed and authenticated to the members to only, as
// the seal function of Send.
func craftRekey(t *testing.T, from *side, companyID int64, epoch string, to ...*side) func(header []byte) ([]byte, error) {
	t.Helper()
	ctx := context.Background()
	rc := relayCompanyOf(t, from, companyID)
	msg := rekey{V: 1, From: from.relay.Office(), Epoch: epoch, Boxes: map[string][]byte{}, MACs: map[string][]byte{}}
	pubs := map[string][]byte{}
	err := from.db.Update(ctx, func(tx *store.Tx) error {
		if err := from.keys.NewShareKey(tx, companyID, epoch); err != nil {
			return err
		}
		ek, err := from.keys.ShareKey(tx, companyID, epoch)
		if err != nil {
			return err
		}
		defer ek.Close()
		for _, s := range to {
			var pub []byte
			if err := s.db.View(ctx, func(tx *store.Tx) (err error) { pub, err = s.keys.InstallationKey(tx); return err }); err != nil {
				return err
			}
			o := s.relay.Office()
			if msg.Boxes[o], err = from.keys.WrapKeyTo(ek, pub, epochBoxAAD(rc, epoch, o)); err != nil {
				return err
			}
			pubs[o] = pub
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return func(header []byte) ([]byte, error) {
		err := from.db.View(ctx, func(tx *store.Tx) (err error) {
			for o, pub := range pubs {
				if msg.MACs[o], err = from.keys.PeerMAC(tx, pub, msg.macInput(rc, o, header)); err != nil {
					return err
				}
			}
			return nil
		})
		return mustJSON(msg), err
	}
}

// TestShareRemovedMemberKeepsTheGroupOnItsEpoch: a member about to be removed (R) sends a
// rotation of its own (a disposal does; a modified installation can name any epoch) that the
// remover (A) has not imported when it removes R. A's removal makes epoch 2; B imports R's
// rotation first (it is earlier on the relay), adopts it as the later epoch, keeps it when A's
// removal arrives, and passes R's key on to A, which adopts it too. Everything the group
// records after the removal is sealed under a key R made, and R opens it from a copy of the
// relay's database (promise 2 of doc.go, "Key epochs").
func TestShareRemovedMemberKeepsTheGroupOnItsEpoch(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト", "さくら税理士事務所")
	a, b, r := sides[0], sides[1], sides[2]
	// Every member states its key in a batch the others import.
	addEmployee(t, b, ids[1], 1, "E002", "佐藤 花子")
	addEmployee(t, r, ids[2], 1, "E005", "伊藤 五郎")
	b.sync(ids[1])
	r.sync(ids[2])
	a.sync(ids[0])
	b.sync(ids[1])

	// R, still a member, sends a rotation boxed to B only; A removes R before syncing.
	seal := craftRekey(t, r, ids[2], "e1000000-ffffffff", b)
	if err := r.relay.Send(ctx, relayCompanyOf(t, r, ids[2]), RecordRekey, seal); err != nil {
		t.Fatal(err)
	}
	if err := a.share.RemoveMember(ctx, a.admin, a.keys, ids[0], r.relay.Office()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		b.sync(ids[1])
		a.sync(ids[0])
	}
	lockedOut(t, relay, a, b, r, ids)
}

// TestShareRelayRewritesARotationsSequence: a rotation's envelope is not sealed, and its MAC
// does not cover the envelope's sequence, which members do not check against the sender's
// signature. The relay serves B one of A's rotations again with the greatest sequence; B
// takes it as A's newest envelope and ignores every later batch of A's for good (promise 4:
// the relay may withhold envelopes, but not make a member refuse what it serves later).
func TestShareRelayRewritesARotationsSequence(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト", "さくら税理士事務所")
	a, b, c := sides[0], sides[1], sides[2]
	if err := a.share.RemoveMember(ctx, a.admin, a.keys, ids[0], c.relay.Office()); err != nil {
		t.Fatal(err)
	}
	a.sync(ids[0])
	b.sync(ids[1])
	// The relay serves B, besides the envelopes stored, A's rotation with another sequence
	// (its store keeps the real one: A's own later envelopes are taken as usual).
	mitm := &servesExtra{RelayClient: b.relay}
	for _, e := range relayEnvelopes(t, relay, relayCompanyOf(t, a, ids[0])) {
		if e.Record != RecordRekey {
			continue
		}
		e.Seq = math.MaxInt64
		wire, err := e.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		mitm.extra = append(mitm.extra, wire)
	}
	if len(mitm.extra) == 0 {
		t.Fatal("no rotation on the relay")
	}
	b.share.SetTransport(mitm)
	b.sync(ids[1])
	addEmployee(t, a, ids[0], 3, "E003", "鈴木 一郎")
	a.sync(ids[0])
	b.sync(ids[1])
	if !hasEmployee(b, ids[1], "E003") {
		t.Error("B ignores A's batches after the relay served A's rotation again with another sequence")
	}
}

// servesExtra is a relay that lists, after the envelopes it stores, extra ones of its own
// making, once.
type servesExtra struct {
	*RelayClient
	extra [][]byte
}

func (m *servesExtra) Receive(ctx context.Context, company string, after int64) ([]Received, error) {
	list, err := m.RelayClient.Receive(ctx, company, after)
	if err != nil {
		return nil, err
	}
	for _, b := range m.extra {
		list = append(list, Received{ID: after, Body: b})
	}
	m.extra = nil
	return list, nil
}

// TestShareRotationToADirectoryKey: B knows member C without a key C stated (what migration
// 0013 leaves for every member of a share from before epochs but the direct peer, until that
// member's first batch after the upgrade). A disposal on B moves the group to a new epoch, and
// B seals C's box to the key the relay's directory gives for C, which the relay has replaced
// with one of its own: the relay opens the box and holds the new epoch's key (promise 1; doc.go
// says a substituted key "gives a box it cannot open", but the substitute's holder opens it).
func TestShareRotationToADirectoryKey(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト", "さくら税理士事務所")
	a, b, c := sides[0], sides[1], sides[2]
	addEmployee(t, c, ids[2], 1, "E005", "伊藤 五郎") // B learns of C from a batch of C's
	c.sync(ids[2])
	b.sync(ids[1])
	b.exec(`UPDATE share_members SET public_key = NULL WHERE office = ?`, c.relay.Office())
	// The relay's directory now gives an installation key of the relay operator's for C.
	mallory := newSide(t, relay, "中継サーバー運営者", t0)
	mk, err := mallory.share.Publish(ctx, mallory.admin, mallory.keys)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := relay.store.OfficeKey(ctx, mk.Office)
	if err != nil {
		t.Fatal(err)
	}
	if err := relay.store.SetOfficeKey(ctx, c.relay.Office(), pk.PublicKey, t0); err != nil {
		t.Fatal(err)
	}
	disposeOnB(t, b, ids[1], b.employeeByCode(ids[1], "E001").ID)
	b.sync(ids[1])
	a.sync(ids[0])
	rc := relayCompanyOf(t, b, ids[1])
	for _, e := range relayEnvelopes(t, relay, rc) {
		if e.Record != RecordRekey {
			continue
		}
		var r rekey
		if err := json.Unmarshal(e.Ciphertext, &r); err != nil {
			t.Fatal(err)
		}
		box := r.Boxes[c.relay.Office()]
		if box == nil {
			continue
		}
		err := mallory.db.View(ctx, func(tx *store.Tx) error {
			_, err := mallory.keys.OpenSealed(tx, epochBoxAAD(rc, r.Epoch, c.relay.Office()), box)
			return err
		})
		if err == nil {
			t.Errorf("the relay operator opens C's box of epoch %s from office %s: it holds the group's key", r.Epoch, r.From)
		}
	}
}

// TestShareRemovedMemberOfferedAgain: the words of ErrNotMember tell a removed office to ask
// an administrator to offer the company again, and an Offer makes a removed office a member
// again on the offering side. The removed office never sees that offer (it holds the relay
// company's share already), and B, which learnt of the removal from A's rotation, would keep
// ignoring its envelopes.
func TestShareRemovedMemberOfferedAgain(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト", "さくら税理士事務所")
	a, b, r := sides[0], sides[1], sides[2]
	if err := a.share.RemoveMember(ctx, a.admin, a.keys, ids[0], r.relay.Office()); err != nil {
		t.Fatal(err)
	}
	a.sync(ids[0])
	b.sync(ids[1])
	if _, err := r.share.Sync(ctx, r.admin, r.keys, ids[2]); !errors.Is(err, ErrNotMember) {
		t.Fatalf("the removed member's sync: %v, want ErrNotMember", err)
	}
	idR, err := r.share.Publish(ctx, r.admin, r.keys)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.share.Offer(ctx, a.admin, a.keys, ids[0], idR.Office, idR.Fingerprint); err != nil {
		t.Fatalf("offering the company again: %v", err)
	}
	offers, err := r.share.Offers(ctx, r.admin, r.keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(offers) != 1 {
		t.Errorf("the office offered the company again sees %d offers", len(offers))
	}
	b.sync(ids[1]) // B learns of the new offer from A's rotation
	if n := b.count(`SELECT count(*) FROM share_members WHERE office = ? AND removed_at = ''`, r.relay.Office()); n != 1 {
		t.Errorf("B does not count the office offered again as a member: its envelopes are not imported")
	}
}

// TestShareRotationNamesTheLastEpochNumber: a member (R, removed later) sends a rotation named
// with the greatest epoch number; every member adopts it as the later epoch. The removal's
// rotation then has no later name to take (the number overflows into a name no member
// accepts), so A and B stay apart and B keeps sealing under R's key. (Today the members' syncs
// stop earlier: the epoch's name has a digit run the audit log refuses, see
// TestShareRelayRotationStopsEverySync.)
func TestShareRotationNamesTheLastEpochNumber(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト", "さくら税理士事務所")
	a, b, r := sides[0], sides[1], sides[2]
	addEmployee(t, b, ids[1], 1, "E002", "佐藤 花子")
	addEmployee(t, r, ids[2], 1, "E005", "伊藤 五郎")
	b.sync(ids[1])
	r.sync(ids[2])
	a.sync(ids[0])
	b.sync(ids[1])
	seal := craftRekey(t, r, ids[2], "e9223372036854775807-ffffffff", a, b)
	if err := r.relay.Send(ctx, relayCompanyOf(t, r, ids[2]), RecordRekey, seal); err != nil {
		t.Fatal(err)
	}
	a.sync(ids[0])
	b.sync(ids[1])
	if err := a.share.RemoveMember(ctx, a.admin, a.keys, ids[0], r.relay.Office()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		a.sync(ids[0])
		b.sync(ids[1])
	}
	lockedOut(t, relay, a, b, r, ids)
}

// TestShareRelayRotationStopsEverySync: the relay alone (no member's key) lists a rotation
// that names member A as its sender, an epoch whose number has twelve digits, and a box and
// MAC for B that do not verify. B records the refused rotation in its history with the epoch's
// name, which the audit log refuses (it is shaped like a My Number); the import fails, its
// transaction and cursor roll back, and every later sync of B's stops at that envelope.
func TestShareRelayRotationStopsEverySync(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト")
	a, b := sides[0], sides[1]
	addEmployee(t, b, ids[1], 1, "E002", "佐藤 花子") // B states its key to A, A to B
	b.sync(ids[1])
	a.sync(ids[0])
	b.sync(ids[1])
	rc := relayCompanyOf(t, a, ids[0])
	forged := rekey{V: 1, From: a.relay.Office(), Epoch: "e123456789012-ffffffff",
		Boxes: map[string][]byte{b.relay.Office(): []byte("junk")}, MACs: map[string][]byte{b.relay.Office(): []byte("junk")}}
	e := envelope.Envelope{Company: rc, Record: RecordRekey, Seq: 1, Ciphertext: mustJSON(forged)}
	wire, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := relay.store.PutEnvelope(ctx, cstore.Envelope{Company: rc, Record: e.Record, Sender: e.Sender, Seq: e.Seq, Body: wire}); err != nil {
		t.Fatal(err)
	}
	addEmployee(t, a, ids[0], 3, "E003", "鈴木 一郎")
	a.sync(ids[0])
	for range 2 {
		if _, err := b.share.Sync(ctx, b.admin, b.keys, ids[1]); err != nil {
			t.Fatalf("B's sync stops at the relay's envelope: %v", err)
		}
	}
	if !hasEmployee(b, ids[1], "E003") {
		t.Error("B did not receive A's edit after the relay's envelope")
	}
}

// rotationsFirst is a relay that lists, the first time, only the rotations stored after the
// cursor (as if they came before the batches around them), without moving the cursor on.
type rotationsFirst struct {
	*RelayClient
	done bool
}

func (m *rotationsFirst) Receive(ctx context.Context, company string, after int64) ([]Received, error) {
	list, err := m.RelayClient.Receive(ctx, company, after)
	if err != nil || m.done {
		return list, err
	}
	m.done = true
	var out []Received
	for _, it := range list {
		if e, err := envelope.Parse(it.Body); err == nil && e.Record == RecordRekey {
			out = append(out, Received{ID: after, Body: it.Body})
		}
	}
	return out, nil
}

// TestShareDisposalReorderedByTheRelay: B disposes of E001's number and syncs (the deletion
// under the old epoch, the rotation, B's records again under the new one). The relay lists
// A the rotation before the batches. A adopts the new epoch, destroys the old key (so the
// deletion it receives afterwards under the old epoch does not open) and sends every record
// again under the new epoch, the disposed number included: the key every member holds opens
// the disposed number in the relay's copies (promise 3).
func TestShareDisposalReorderedByTheRelay(t *testing.T) {
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト")
	a, b := sides[0], sides[1]
	disposeOnB(t, b, ids[1], b.employeeByCode(ids[1], "E001").ID)
	b.sync(ids[1])
	a.share.SetTransport(&rotationsFirst{RelayClient: a.relay})
	a.sync(ids[0])
	a.sync(ids[0])
	b.sync(ids[1])
	a.sync(ids[0])
	envs := relayEnvelopes(t, relay, relayCompanyOf(t, a, ids[0]))
	for name, s := range map[string]*side{"A": a, "B": b} {
		id := ids[0]
		if s == b {
			id = ids[1]
		}
		if holds(openNumbers(t, s, id, envs), testNumber) {
			t.Errorf("%s's keys open the disposed number in the relay's copies (A on %q, B on %q)", name,
				epochOf(t, a, ids[0]), epochOf(t, b, ids[1]))
		}
	}
	if n := a.count(`SELECT count(*) FROM person_numbers`); n != 0 {
		t.Errorf("A still holds %d numbers after B's disposal", n)
	}
}

// TestShareDisposalWhileAnotherMemberRotates: no relay misbehaviour. A disposes of two other
// employees, syncing after each (two rotations, e2 and e3; each time A sends every record again
// under the new epoch, E001's number included, since B has not synced). B, offline meanwhile,
// disposes of E001 and syncs: its deletion goes under epoch 1, whose key A destroyed long ago,
// and its own rotation (number 2) loses to A's e3, which B adopts. e3 is the epoch both keep,
// and A's copy of E001's number sealed under it stays on the relay (promise 3).
func TestShareDisposalWhileAnotherMemberRotates(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト")
	a, b := sides[0], sides[1]
	for i, code := range []string{"E002", "E003"} {
		addEmployee(t, a, ids[0], 1+i, code, "退職 予定")
		if err := a.roster.SetNumber(ctx, a.admin, a.keys, ids[0], a.employeeByCode(ids[0], code).ID, testNumber2, true); err != nil {
			t.Fatal(err)
		}
	}
	a.sync(ids[0])
	b.sync(ids[1])
	disposeOnB(t, b, ids[1], b.employeeByCode(ids[1], "E001").ID) // B, offline from here
	for _, code := range []string{"E002", "E003"} {
		a.exec(`UPDATE disposals SET certificate_no = 'MNS-2026-1' || id`) // disposeOnB numbers every one alike
		disposeOnB(t, a, ids[0], a.employeeByCode(ids[0], code).ID)
		a.sync(ids[0])
	}
	for range 2 {
		b.sync(ids[1])
		a.sync(ids[0])
	}
	envs := relayEnvelopes(t, relay, relayCompanyOf(t, a, ids[0]))
	for name, s := range map[string]*side{"A": a, "B": b} {
		id := ids[0]
		if s == b {
			id = ids[1]
		}
		if holds(openNumbers(t, s, id, envs), testNumber) {
			t.Errorf("%s's keys open E001's disposed number in the relay's copies (A on %q, B on %q)", name,
				epochOf(t, a, ids[0]), epochOf(t, b, ids[1]))
		}
	}
	if n := a.count(`SELECT count(*) FROM person_numbers`); n != 0 {
		t.Errorf("A still holds %d numbers after the disposals", n)
	}
}

// lockedOut checks that a and b (members 0 and 1 of ids) exchange what they record after r
// (member 2) was removed, and that r's keys open none of it in the relay's envelopes.
func lockedOut(t *testing.T, relay *testRelay, a, b, r *side, ids []int64) {
	t.Helper()
	addEmployee(t, a, ids[0], 3, "E003", "秘密 一郎")
	addEmployee(t, b, ids[1], 4, "E004", "秘密 次郎")
	for range 2 {
		a.sync(ids[0])
		b.sync(ids[1])
	}
	if !hasEmployee(b, ids[1], "E003") || !hasEmployee(a, ids[0], "E004") {
		t.Errorf("A and B do not exchange edits after the removal (A on %q, B on %q)", epochOf(t, a, ids[0]), epochOf(t, b, ids[1]))
	}
	seen, _ := readable(t, r, ids[2], relayEnvelopes(t, relay, relayCompanyOf(t, a, ids[0])))
	for _, name := range []string{"秘密 一郎", "秘密 次郎"} {
		if strings.Contains(seen, name) {
			t.Errorf("the removed member opens %q, recorded after its removal (A on %q, B on %q)", name,
				epochOf(t, a, ids[0]), epochOf(t, b, ids[1]))
		}
	}
}
