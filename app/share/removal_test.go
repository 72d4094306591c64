package share

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/cloud/envelope"
	"github.com/mynumber-shelter/shelter/cloud/store/storetest"
)

const testNumber2 = "111122223333" // passes the check digit; obviously fake

// relayEnvelopes is every envelope the relay's database holds for relayCompany: what a relay
// operator, or a removed member with a copy of the relay's database, has.
func relayEnvelopes(t *testing.T, r *testRelay, relayCompany string) []envelope.Envelope {
	t.Helper()
	var out []envelope.Envelope
	for after := int64(0); ; {
		list, err := r.store.ListEnvelopes(context.Background(), relayCompany, after, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) == 0 {
			return out
		}
		for _, it := range list {
			e, err := envelope.Parse(it.Body)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, *e)
			after = it.ID
		}
	}
}

// heldKeys is every key s holds for companyID: its company key and each epoch key. The caller
// closes them.
func heldKeys(tx *store.Tx, s *side, companyID int64) ([]*vault.CompanyKey, error) {
	ck, err := s.keys.Company(tx, companyID)
	if err != nil {
		return nil, err
	}
	keys := []*vault.CompanyKey{ck}
	rows, err := tx.Query(`SELECT epoch FROM share_keys WHERE company_id = ?`, companyID)
	if err != nil {
		return nil, err
	}
	var epochs []string
	for rows.Next() {
		var e string
		rows.Scan(&e)
		epochs = append(epochs, e)
	}
	rows.Close()
	for _, e := range epochs {
		k, err := s.keys.ShareKey(tx, companyID, e)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// relayCompanyOf is the relay's id of s's shared company companyID.
func relayCompanyOf(t *testing.T, s *side, companyID int64) string {
	t.Helper()
	var rc string
	if err := s.db.View(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT relay_company FROM shares WHERE company_id = ?`, companyID).Scan(&rc)
	}); err != nil {
		t.Fatal(err)
	}
	return rc
}

// readable opens every envelope of the relay's database that s's keys for its company
// companyID can open (the company key and every epoch key s holds) and returns the
// plaintexts joined, with the number of envelopes opened.
func readable(t *testing.T, s *side, companyID int64, envs []envelope.Envelope) (string, int) {
	t.Helper()
	var b strings.Builder
	n := 0
	err := s.db.View(context.Background(), func(tx *store.Tx) error {
		keys, err := heldKeys(tx, s, companyID)
		if err != nil {
			return err
		}
		for _, e := range envs {
			aad, _ := e.AAD()
			for _, k := range keys {
				if pt, err := k.Open(envelopeAAD(aad), e.Ciphertext); err == nil {
					b.Write(pt)
					n++
					break
				}
			}
		}
		for _, k := range keys {
			k.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String(), n
}

// TestShareMemberRemoval: the 社労士 office (A) shares a company with the client (B) and a 税理士
// office (C), then removes C. The relay stops serving C; the remaining members move to a new key
// epoch, so that nothing recorded afterwards opens with any key C holds, even from a copy of
// the relay's whole database; A and B keep exchanging edits; a 税理士 office joining afterwards
// (D) receives the new epoch only and still gets the whole company, numbers included.
func TestShareMemberRemoval(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { r := startRelay(t); shareMemberRemoval(t, r, r) })
	t.Run("PostgreSQL", func(t *testing.T) { r := startRelayOn(t, storetest.OpenPostgres(t)); shareMemberRemoval(t, r, r) })
	// Two relay processes on one PostgreSQL, as behind a load balancer: A and C talk to one, B
	// and D to the other.
	t.Run("TwoRelaysOnePostgreSQL", func(t *testing.T) {
		sts := storetest.OpenPostgresPair(t, 2)
		r1, r2 := startRelayPair(t, sts[0], sts[1])
		shareMemberRemoval(t, r1, r2)
	})
}

func shareMemberRemoval(t *testing.T, relay, relay2 *testRelay) {
	ctx := context.Background()
	a := newSide(t, relay, "ひまわり社労士事務所", t0)
	b := newSide(t, relay2, "株式会社テスト", t0)
	c := newSide(t, relay, "さくら税理士事務所", t0)
	d := newSide(t, relay2, "つばき税理士事務所", t0)

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
	cc := join(t, a, c, ca.ID)
	a.sync(ca.ID)
	b.sync(cb)
	c.sync(cc)
	if c.employeeByCode(cc, "E001").Name != "山田 太郎" {
		t.Fatal("C did not receive the company before its removal")
	}
	// B's first batch states its key to A under the company key.
	b.setNow(t0.Add(time.Minute))
	if _, err := b.roster.SaveEmployee(ctx, b.admin, b.keys, roster.Employee{CompanyID: cb, Code: "E002", Name: "佐藤 花子",
		NameKana: "サトウ ハナコ", BirthDate: "1992-02-02", Sex: roster.SexFemale}); err != nil {
		t.Fatal(err)
	}
	b.sync(cb)
	a.sync(ca.ID)

	idC, _ := c.share.Publish(ctx, c.admin, c.keys)
	notAdmin := a.admin
	notAdmin.IsAdmin = false
	if err := a.share.RemoveMember(ctx, notAdmin, a.keys, ca.ID, idC.Office); err == nil {
		t.Fatal("a non-administrator removed a member")
	}
	if err := a.share.RemoveMember(ctx, a.admin, a.keys, ca.ID, "no-such-office"); !errors.Is(err, errNotMember) {
		t.Fatalf("removing a stranger: %v, want errNotMember", err)
	}
	if err := a.share.RemoveMember(ctx, a.admin, a.keys, ca.ID, idC.Office); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if n := a.count(`SELECT count(*) FROM audit_log WHERE detail LIKE 'share member removed: office ` + idC.Office + `%'`); n != 1 {
		t.Errorf("A's history has %d removal entries, want 1", n)
	}

	// After the removal: A records a new employee with a number, and B edits E001.
	a.setNow(t0.Add(2 * time.Minute))
	e3, err := a.roster.SaveEmployee(ctx, a.admin, a.keys, roster.Employee{CompanyID: ca.ID, Code: "E003", Name: "鈴木 一郎",
		NameKana: "スズキ イチロウ", BirthDate: "1985-03-03", Sex: roster.SexMale})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.roster.SetNumber(ctx, a.admin, a.keys, ca.ID, e3.ID, testNumber2, false); err != nil {
		t.Fatal(err)
	}
	a.sync(ca.ID)
	b.sync(cb)
	if got := b.employeeByCode(cb, "E003"); got.Name != "鈴木 一郎" || revealNumber(t, b, cb, got.ID) != testNumber2 {
		t.Fatalf("B after the rotation: E003 = %+v", got)
	}
	b.setNow(t0.Add(3 * time.Minute))
	x := b.employeeByCode(cb, "E001")
	x.Name = "山田 太郎（変更）"
	if _, err := b.roster.SaveEmployee(ctx, b.admin, b.keys, x); err != nil {
		t.Fatal(err)
	}
	b.sync(cb)
	a.sync(ca.ID)
	if got := a.employeeByCode(ca.ID, "E001").Name; got != "山田 太郎（変更）" {
		t.Fatalf("A did not receive B's edit after the rotation: %q", got)
	}
	for name, s := range map[string]*side{"A": a, "B": b} {
		list, err := s.share.Shares(ctx, s.admin)
		if err != nil || len(list) != 1 {
			t.Fatalf("%s: shares %+v %v", name, list, err)
		}
		for _, m := range list[0].Members {
			if m.Office == idC.Office {
				t.Errorf("%s still lists the removed member", name)
			}
		}
	}

	// The relay refuses C.
	if _, err := c.share.Sync(ctx, c.admin, c.keys, cc); !errors.Is(err, ErrNotMember) {
		t.Errorf("the removed member's sync: %v, want ErrNotMember (the relay refuses it)", err)
	}
	// With the relay's whole database, C's keys open nothing written after its removal.
	rc := relayCompanyOf(t, a, ca.ID)
	envs := relayEnvelopes(t, relay, rc)
	pt, opened := readable(t, c, cc, envs)
	if opened == 0 {
		t.Fatal("C opens nothing at all: the check would prove nothing")
	}
	for _, secret := range []string{"鈴木 一郎", "山田 太郎（変更）"} {
		if strings.Contains(pt, secret) {
			t.Errorf("the removed member reads %q, written after its removal", secret)
		}
	}
	if ptB, _ := readable(t, b, cb, envs); !strings.Contains(ptB, "鈴木 一郎") {
		t.Error("B's keys do not open the new epoch's envelopes: the check above proves nothing")
	}

	// D joins after the removal, invited by B: it holds the new epoch only, and receives the
	// whole company from the resend, numbers included.
	cd := join(t, b, d, cb)
	d.sync(cd)
	if got := d.employeeByCode(cd, "E001"); got.Name != "山田 太郎（変更）" || revealNumber(t, d, cd, got.ID) != testNumber {
		t.Errorf("D's E001 = %+v", got)
	}
	if got := d.employeeByCode(cd, "E003"); revealNumber(t, d, cd, got.ID) != testNumber2 {
		t.Errorf("D's E003 = %+v", got)
	}
	if d.employeeByCode(cd, "E002").Name != "佐藤 花子" {
		t.Error("D lacks B's employee")
	}
	var first []envelope.Envelope
	for _, e := range envs {
		if kind, epoch, _ := parseRecord(e.Record); kind == RecordBatch && epochNumber(epoch) == 1 {
			first = append(first, e)
		}
	}
	if _, n := readable(t, c, cc, first); n == 0 || n != len(first) {
		t.Fatalf("C opens %d of the first epoch's %d batches", n, len(first))
	}
	if _, n := readable(t, d, cd, first); n != 0 {
		t.Errorf("D opens %d of the first epoch's batches: it received the old key", n)
	}
}

// shareWorld is one company shared by a (the creator) with the others, every member synced,
// with one employee and number recorded by a.
func shareWorld(t *testing.T, relay *testRelay, names ...string) (sides []*side, ids []int64) {
	t.Helper()
	ctx := context.Background()
	for _, n := range names {
		sides = append(sides, newSide(t, relay, n, t0))
	}
	a := sides[0]
	c, err := a.roster.CreateCompany(ctx, a.admin, a.keys, roster.Company{Code: "C001", Name: "株式会社テスト"})
	if err != nil {
		t.Fatal(err)
	}
	a.assign(c.ID)
	e1, err := a.roster.SaveEmployee(ctx, a.admin, a.keys, roster.Employee{CompanyID: c.ID, Code: "E001", Name: "山田 太郎",
		NameKana: "ヤマダ タロウ", BirthDate: "1990-01-01", Sex: roster.SexMale})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.roster.SetNumber(ctx, a.admin, a.keys, c.ID, e1.ID, testNumber, false); err != nil {
		t.Fatal(err)
	}
	ids = append(ids, c.ID)
	for _, s := range sides[1:] {
		ids = append(ids, join(t, a, s, c.ID))
	}
	for i, s := range sides {
		s.sync(ids[i])
	}
	return sides, ids
}

// addEmployee records an employee with code and name on s at minute m after t0.
func addEmployee(t *testing.T, s *side, companyID int64, m int, code, name string) {
	t.Helper()
	s.setNow(t0.Add(time.Duration(m) * time.Minute))
	if _, err := s.roster.SaveEmployee(context.Background(), s.admin, s.keys, roster.Employee{CompanyID: companyID, Code: code, Name: name,
		NameKana: "テスト", BirthDate: "1990-01-01", Sex: roster.SexMale}); err != nil {
		t.Fatal(err)
	}
}

func hasEmployee(s *side, companyID int64, code string) bool {
	page, err := s.roster.Employees(context.Background(), s.admin, s.keys, roster.EmployeeQuery{CompanyID: companyID, Search: code})
	if err != nil {
		s.t.Fatal(err)
	}
	for _, e := range page.Employees {
		if e.Code == code {
			return true
		}
	}
	return false
}

// TestShareRemovalIgnoresASubstitutedKey: the relay replaces a member's key in its directory
// (with a key whose holder it controls) after the member stated its own key in a sealed batch.
// The rotation goes to the stated key: the member reads the new epoch, the substitute's holder
// cannot.
func TestShareRemovalIgnoresASubstitutedKey(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト", "さくら税理士事務所")
	a, b, c := sides[0], sides[1], sides[2]
	addEmployee(t, b, ids[1], 1, "E002", "佐藤 花子") // B's batch states B's key
	b.sync(ids[1])
	a.sync(ids[0])
	// The relay's directory now gives the key of an installation the relay controls for B.
	mallory := newSide(t, relay, "中継サーバー運営者", t0)
	mk, err := mallory.share.Publish(ctx, mallory.admin, mallory.keys)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := relay.store.OfficeKey(ctx, mk.Office)
	if err != nil {
		t.Fatal(err)
	}
	if err := relay.store.SetOfficeKey(ctx, b.relay.Office(), pk.PublicKey, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := a.share.RemoveMember(ctx, a.admin, a.keys, ids[0], c.relay.Office()); err != nil {
		t.Fatal(err)
	}
	addEmployee(t, a, ids[0], 2, "E003", "鈴木 一郎")
	a.sync(ids[0])
	b.sync(ids[1])
	if !hasEmployee(b, ids[1], "E003") {
		t.Fatal("B did not receive the new epoch: the rotation was sealed to the directory's key")
	}
}

// TestShareRemovalSentLater: the relay is unreachable when the rotation's key is to be sent; the
// removal is recorded, and the next sync sends the key before anything else.
func TestShareRemovalSentLater(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト", "さくら税理士事務所")
	a, b, c := sides[0], sides[1], sides[2]
	down := &failingSend{RelayClient: a.relay, fail: true}
	a.share.SetTransport(down)
	if err := a.share.RemoveMember(ctx, a.admin, a.keys, ids[0], c.relay.Office()); err == nil {
		t.Fatal("the removal reported success with the rotation unsent")
	}
	if n := a.count(`SELECT count(*) FROM share_members WHERE removed_at <> ''`); n != 1 {
		t.Fatalf("%d removed members recorded, want 1", n)
	}
	down.fail = false
	addEmployee(t, a, ids[0], 2, "E003", "鈴木 一郎")
	a.sync(ids[0])
	b.sync(ids[1])
	if !hasEmployee(b, ids[1], "E003") {
		t.Fatal("B did not receive the new epoch after the relay came back")
	}
	if n := a.count(`SELECT count(*) FROM shares WHERE rekey_from IS NOT NULL`); n != 0 {
		t.Errorf("the rotation is still pending after it was sent")
	}
}

type failingSend struct {
	*RelayClient
	fail bool
}

func (f *failingSend) Send(ctx context.Context, company, record string, seal func(aad []byte) ([]byte, error)) error {
	if f.fail {
		return errors.New("relay unreachable")
	}
	return f.RelayClient.Send(ctx, company, record, seal)
}

// TestShareConcurrentRemovals: two administrators each remove a different member before either
// has synced. Both rotations reach both, both sides settle on the same epoch, and they keep
// exchanging edits.
func TestShareConcurrentRemovals(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト", "さくら税理士事務所", "つばき税理士事務所")
	a, b, c, d := sides[0], sides[1], sides[2], sides[3]
	addEmployee(t, b, ids[1], 1, "E002", "佐藤 花子")
	b.sync(ids[1])
	a.sync(ids[0])
	if err := a.share.RemoveMember(ctx, a.admin, a.keys, ids[0], c.relay.Office()); err != nil {
		t.Fatal(err)
	}
	if err := b.share.RemoveMember(ctx, b.admin, b.keys, ids[1], d.relay.Office()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		a.sync(ids[0])
		b.sync(ids[1])
	}
	epochOf := func(s *side, id int64) string {
		var e string
		s.db.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(`SELECT epoch FROM shares WHERE company_id = ?`, id).Scan(&e)
		})
		return e
	}
	ea, eb := epochOf(a, ids[0]), epochOf(b, ids[1])
	if ea != eb || epochNumber(ea) < 2 {
		t.Fatalf("A is on epoch %q, B on %q", ea, eb)
	}
	// Each removed member received the other rotation (made by a member that did not know of
	// its removal yet): the group moved on once more, to an epoch neither holds.
	for name, s := range map[string]*side{"C": c, "D": d} {
		if n := s.count(`SELECT count(*) FROM share_keys WHERE epoch = ?`, ea); n != 0 {
			t.Errorf("removed member %s holds the key of the epoch A and B settled on (%s)", name, ea)
		}
	}
	addEmployee(t, a, ids[0], 3, "E003", "鈴木 一郎")
	addEmployee(t, b, ids[1], 4, "E004", "高橋 次郎")
	a.sync(ids[0])
	b.sync(ids[1])
	a.sync(ids[0])
	if !hasEmployee(b, ids[1], "E003") || !hasEmployee(a, ids[0], "E004") {
		t.Fatal("A and B do not exchange edits after two concurrent removals")
	}
	for name, s := range map[string]*side{"A": a, "B": b} {
		if n := s.count(`SELECT count(*) FROM share_members WHERE removed_at = ''`); n != 1 {
			t.Errorf("%s lists %d members, want the other one only", name, n)
		}
	}
}

// TestShareRemovalReachesMembersTheRemoverDoesNotKnow: D was invited by B and has sent
// nothing, so A, removing C, does not know D. B completes the rotation for D when it imports it,
// and D reads what A records afterwards.
func TestShareRemovalReachesMembersTheRemoverDoesNotKnow(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト", "さくら税理士事務所")
	a, b, c := sides[0], sides[1], sides[2]
	d := newSide(t, relay, "つばき税理士事務所", t0)
	cd := join(t, b, d, ids[1])
	d.sync(cd)
	if err := a.share.RemoveMember(ctx, a.admin, a.keys, ids[0], c.relay.Office()); err != nil {
		t.Fatal(err)
	}
	addEmployee(t, a, ids[0], 2, "E003", "鈴木 一郎")
	a.sync(ids[0])
	d.sync(cd) // the rotation reached D without a key for it
	b.sync(ids[1])
	d.sync(cd)
	if !hasEmployee(d, cd, "E003") {
		t.Fatal("D, unknown to the member that removed C, never received the new epoch")
	}
}

// TestShareRemovalUnopenableBox: the remover holds a wrong key for a member (here: written
// into its member list; in life, a relay directory key substituted before the member ever sent
// a batch). The member's box does not open; it records that in its history and its syncs go on
// instead of stopping at that envelope for ever.
func TestShareRemovalUnopenableBox(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト", "さくら税理士事務所")
	a, b, c := sides[0], sides[1], sides[2]
	mallory := newSide(t, relay, "中継サーバー運営者", t0)
	var wrong []byte
	mallory.db.View(ctx, func(tx *store.Tx) (err error) { wrong, err = mallory.keys.InstallationKey(tx); return err })
	a.exec(`UPDATE share_members SET public_key = ? WHERE office = ?`, wrong, b.relay.Office())
	if err := a.share.RemoveMember(ctx, a.admin, a.keys, ids[0], c.relay.Office()); err != nil {
		t.Fatal(err)
	}
	b.sync(ids[1])
	b.sync(ids[1])
	if n := b.count(`SELECT count(*) FROM audit_log WHERE result = 'failed' AND detail LIKE 'share key epoch % does not open%'`); n != 1 {
		t.Fatalf("B's history has %d entries about the unopenable box, want 1", n)
	}
}

// lostAnswer posts envelopes and then fails the first time, as a connection that drops after
// the relay committed: the sender rolls its sync back and sends the same changes again.
type lostAnswer struct {
	*RelayClient
	lose bool
}

func (l *lostAnswer) Send(ctx context.Context, company, record string, seal func(aad []byte) ([]byte, error)) error {
	err := l.RelayClient.Send(ctx, company, record, seal)
	if err == nil && l.lose {
		l.lose = false
		return errors.New("connection reset after the relay took the envelope")
	}
	return err
}

// TestShareSendAnswerLost: the relay takes A's batch but A never hears so; A's clerk corrects
// the record, and A sends it again as a new version that names no base. B holds each record once, with A's latest version, and no
// conflict: a member's later version of its own record replaces its earlier one.
func TestShareSendAnswerLost(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト")
	a, b := sides[0], sides[1]
	a.share.SetTransport(&lostAnswer{RelayClient: a.relay, lose: true})
	addEmployee(t, a, ids[0], 1, "E002", "佐藤 花子")
	if _, err := a.share.Sync(ctx, a.admin, a.keys, ids[0]); err == nil {
		t.Fatal("the lost answer was not reported")
	}
	// Before the next sync, A's clerk corrects the name.
	a.setNow(t0.Add(2 * time.Minute))
	x := a.employeeByCode(ids[0], "E002")
	x.Name = "佐藤 花子（訂正）"
	if _, err := a.roster.SaveEmployee(ctx, a.admin, a.keys, x); err != nil {
		t.Fatal(err)
	}
	a.sync(ids[0])
	b.sync(ids[1])
	if n := b.count(`SELECT count(*) FROM persons WHERE employee_code = 'E002'`); n != 1 {
		t.Fatalf("B holds E002 %d times", n)
	}
	if got := b.employeeByCode(ids[1], "E002").Name; got != "佐藤 花子（訂正）" {
		t.Errorf("B holds %q, want A's latest version", got)
	}
	if n := b.count(`SELECT count(*) FROM share_conflicts`); n != 0 {
		t.Errorf("B lists %d conflicts between two copies of A's own change", n)
	}
}

// TestShareMemberCannotWriteAsAnother: C, a member holding the epoch's key, writes a batch that
// names B as its origin (a new employee and an entry of B's handling history) and signs it with
// its own relay key, which the relay accepts from a member. A, which has B's envelopes from
// B's own key, imports neither.
func TestShareMemberCannotWriteAsAnother(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト", "さくら税理士事務所")
	a, b, c := sides[0], sides[1], sides[2]
	addEmployee(t, b, ids[1], 1, "E002", "佐藤 花子")
	b.sync(ids[1])
	a.sync(ids[0])
	rc := relayCompanyOf(t, a, ids[0])
	forged := forgeBatch(t, c, c, b.relay.Office(), ids[2], rc, uint64(time.Now().Add(time.Hour).UnixMicro()),
		record{Kind: KindPerson, ID: b.relay.Office() + ".999", Clock: 1 << 60, Origin: b.relay.Office(),
			Person: &personData{Kind: "employee", Code: "E999", Name: "偽造 太郎", NameKana: "ギゾウ タロウ", BirthDate: "1991-02-03", Sex: "male"}})
	if err := c.relay.PostEnvelope(ctx, forged); err != nil {
		t.Fatalf("the relay refused C's envelope: %v", err)
	}
	a.sync(ids[0])
	if n := a.count(`SELECT count(*) FROM persons WHERE employee_code = 'E999'`); n != 0 {
		t.Error("A imported a record C wrote in B's name")
	}
	if n := a.count(`SELECT count(*) FROM share_peer_audit WHERE login = 'forger'`); n != 0 {
		t.Error("A's 2-1 shows a history entry C wrote in B's name")
	}
	// The same batch in C's own name is imported: the check above is not blind.
	own := forgeBatch(t, c, c, c.relay.Office(), ids[2], rc, uint64(time.Now().Add(2*time.Hour).UnixMicro()),
		record{Kind: KindPerson, ID: c.relay.Office() + ".999", Clock: 1 << 60, Origin: c.relay.Office(),
			Person: &personData{Kind: "employee", Code: "E998", Name: "本人 太郎", NameKana: "ホンニン タロウ", BirthDate: "1991-02-03", Sex: "male"}})
	if err := c.relay.PostEnvelope(ctx, own); err != nil {
		t.Fatal(err)
	}
	a.sync(ids[0])
	if n := a.count(`SELECT count(*) FROM persons WHERE employee_code = 'E998'`); n != 1 {
		t.Error("A did not import C's own batch")
	}
}

// TestShareRemovalAfterACrash: the app stopped between the relay's part of a removal and its
// own. The administrator removes the member again: the relay has done its part already, and
// the removal completes here.
func TestShareRemovalAfterACrash(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト", "さくら税理士事務所")
	a, b, c := sides[0], sides[1], sides[2]
	rc := relayCompanyOf(t, a, ids[0])
	if err := a.relay.RemoveMember(ctx, rc, c.relay.Office()); err != nil { // the relay's part, then the crash
		t.Fatal(err)
	}
	if err := a.share.RemoveMember(ctx, a.admin, a.keys, ids[0], c.relay.Office()); err != nil {
		t.Fatalf("removing again after the crash: %v", err)
	}
	addEmployee(t, a, ids[0], 2, "E003", "鈴木 一郎")
	a.sync(ids[0])
	b.sync(ids[1])
	if !hasEmployee(b, ids[1], "E003") {
		t.Fatal("B did not move to the new epoch")
	}
}

// TestShareRemovedMemberInvitedAgain: A removes C by mistake and offers the company to C again.
// C's administrator sees the offer (C's syncs had been refused), accepts it with A's
// fingerprint, and C is back in the share with its company as it was: it reads what A recorded
// meanwhile, and A reads C's edits again.
func TestShareRemovedMemberInvitedAgain(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト", "さくら税理士事務所")
	a, c := sides[0], sides[2]
	idA, _ := a.share.Publish(ctx, a.admin, a.keys)
	idC, _ := c.share.Publish(ctx, c.admin, c.keys)
	if err := a.share.RemoveMember(ctx, a.admin, a.keys, ids[0], idC.Office); err != nil {
		t.Fatal(err)
	}
	if _, err := c.share.Sync(ctx, c.admin, c.keys, ids[2]); !errors.Is(err, ErrNotMember) {
		t.Fatalf("C's sync after its removal: %v", err)
	}
	addEmployee(t, a, ids[0], 2, "E003", "鈴木 一郎")
	a.sync(ids[0])

	if err := a.share.Offer(ctx, a.admin, a.keys, ids[0], idC.Office, idC.Fingerprint); err != nil {
		t.Fatalf("offering the company to C again: %v", err)
	}
	offers, err := c.share.Offers(ctx, c.admin, c.keys)
	if err != nil || len(offers) != 1 || offers[0].FromOffice != idA.Office {
		t.Fatalf("C's offers after the new offer: %+v %v", offers, err)
	}
	back, err := c.share.Accept(ctx, c.admin, c.keys, offers[0].RelayCompany, idA.Fingerprint)
	if err != nil || back.ID != ids[2] {
		t.Fatalf("C accepts again: %+v %v, want its company %d", back, err, ids[2])
	}
	c.sync(ids[2])
	if !hasEmployee(c, ids[2], "E003") {
		t.Fatal("C, back in the share, lacks what A recorded while it was out")
	}
	addEmployee(t, c, ids[2], 3, "E004", "高橋 次郎")
	c.sync(ids[2])
	a.sync(ids[0])
	if !hasEmployee(a, ids[0], "E004") {
		t.Fatal("A does not receive C's edit after C rejoined")
	}
	if n := c.count(`SELECT count(*) FROM companies`); n != 1 {
		t.Errorf("C has %d companies after rejoining, want its one", n)
	}
}

// TestShareNumberShapedOfficeDoesNotStopSyncs: a member names its batch's origin with twelve
// digits, which the history refuses to record as they are. The others record the sync with the
// digits masked and go on syncing.
func TestShareNumberShapedOfficeDoesNotStopSyncs(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト", "さくら税理士事務所")
	a, b, c := sides[0], sides[1], sides[2]
	rc := relayCompanyOf(t, a, ids[0])
	odd := forgeBatch(t, c, c, "123456789012", ids[2], rc, uint64(time.Now().Add(time.Hour).UnixMicro()),
		record{Kind: KindPerson, ID: "123456789012.1", Clock: 1 << 60, Origin: "123456789012",
			Person: &personData{Kind: "employee", Code: "E997", Name: "数字 太郎", NameKana: "スウジ タロウ", BirthDate: "1991-02-03", Sex: "male"}})
	if err := c.relay.PostEnvelope(ctx, odd); err != nil {
		t.Fatal(err)
	}
	a.sync(ids[0])
	addEmployee(t, b, ids[1], 1, "E002", "佐藤 花子")
	b.sync(ids[1])
	a.sync(ids[0])
	if !hasEmployee(a, ids[0], "E002") {
		t.Fatal("A's syncs stopped at the envelope with the number-shaped office id")
	}
	// A's administrator removes that member: the history records it masked.
	if err := a.share.RemoveMember(ctx, a.admin, a.keys, ids[0], "123456789012"); err != nil {
		t.Fatalf("removing the member with the number-shaped id: %v", err)
	}
}

// hookSend runs before once, just before the first offer goes to the relay.
type hookSend struct {
	*RelayClient
	before func()
}

func (h *hookSend) Send(ctx context.Context, company, record string, seal func(aad []byte) ([]byte, error)) error {
	if record == RecordOffer && h.before != nil {
		f := h.before
		h.before = nil
		f()
	}
	return h.RelayClient.Send(ctx, company, record, seal)
}

// TestShareOfferCrossesARotation: while A's offer to D is on its way, B disposes of a number
// and A imports B's rotation; D received the epoch before it in the offer. A passes the current epoch on, and
// D reads what A records afterwards.
func TestShareOfferCrossesARotation(t *testing.T) {
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "ひまわり社労士事務所", "株式会社テスト", "さくら税理士事務所")
	a, b := sides[0], sides[1]
	d := newSide(t, relay, "つばき税理士事務所", t0)
	e1 := b.employeeByCode(ids[1], "E001").ID
	a.share.SetTransport(&hookSend{RelayClient: a.relay, before: func() {
		disposeOnB(t, b, ids[1], e1) // B's rotation
		b.sync(ids[1])
		a.sync(ids[0])
	}})
	cd := join(t, a, d, ids[0])
	a.share.SetTransport(a.relay)
	d.sync(cd)
	addEmployee(t, a, ids[0], 2, "E003", "鈴木 一郎")
	a.sync(ids[0])
	d.sync(cd)
	if !hasEmployee(d, cd, "E003") {
		t.Fatalf("D, offered the epoch before a rotation, never got the current one (A on %q, D on %q)", epochOf(t, a, ids[0]), epochOf(t, d, cd))
	}
}
