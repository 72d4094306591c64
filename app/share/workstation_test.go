package share

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/terminal"
	"github.com/mynumber-shelter/shelter/cloud/store/storetest"
)

// tanaka is a handler who works on every workstation of the office: enrolled on each (user 2),
// with the same login.
var tanaka = auth.Principal{UserID: 2, Login: "tanaka"}

func addTanaka(s *side) {
	s.exec(`INSERT INTO users(id, login, display_name, created_at, updated_at) VALUES(2, 'tanaka', '田中', 'x', 'x')`)
}

// companyByCode is the id of the company with code on s (0 when there is none).
func companyByCode(s *side, code string) int64 {
	s.t.Helper()
	var id int64
	for _, c := range listCompanies(s) {
		if c.Code == code {
			id = c.ID
		}
	}
	return id
}

func listCompanies(s *side) []roster.Company {
	s.t.Helper()
	cs, err := s.roster.Companies(context.Background(), s.admin, true)
	if err != nil {
		s.t.Fatal(err)
	}
	return cs
}

// employeeOf is tanaka's view of the employee with code in companyID on s (ok false: none).
func employeeOf(s *side, companyID int64, code string) (roster.Employee, bool) {
	s.t.Helper()
	page, err := s.roster.Employees(context.Background(), tanaka, s.keys, roster.EmployeeQuery{CompanyID: companyID, Search: code})
	if err != nil {
		s.t.Fatal(err)
	}
	for _, e := range page.Employees {
		if e.Code == code {
			return e, true
		}
	}
	return roster.Employee{}, false
}

func hasEmployeeOf(s *side, companyID int64, code string) bool {
	_, ok := employeeOf(s, companyID, code)
	return ok
}

func (s *side) syncAs(p auth.Principal, companyID int64) SyncResult {
	s.t.Helper()
	res, err := s.share.Sync(context.Background(), p, s.keys, companyID)
	if err != nil {
		s.t.Fatalf("%s: sync: %v", s.log.Workstation, err)
	}
	return res
}

func (s *side) syncWorkstations() WorkstationSync {
	s.t.Helper()
	res, err := s.share.SyncWorkstations(context.Background(), s.admin, s.keys)
	if err != nil {
		s.t.Fatalf("%s: workstation sync: %v", s.log.Workstation, err)
	}
	return res
}

// pairUp has an administrator of approver approve joiner, after joiner asked to join through
// it: each types the code the other screen shows.
func pairUp(t *testing.T, joiner, approver *side, r WorkstationRights) {
	t.Helper()
	ctx := context.Background()
	pj, err := joiner.share.Pair(ctx, joiner.admin, joiner.keys, approver.relay.OfficeID)
	if err != nil {
		t.Fatal(err)
	}
	pa, err := approver.share.Pair(ctx, approver.admin, approver.keys, joiner.relay.OfficeID)
	if err != nil {
		t.Fatal(err)
	}
	if pj.Code != pa.Code || len(normCode(pa.Code)) != 20 || pj.Self != joiner.relay.OfficeID || pa.Office != joiner.relay.OfficeID {
		t.Fatalf("pairing: joiner sees %+v, approver sees %+v", pj, pa)
	}
	if err := joiner.share.JoinOffice(ctx, joiner.admin, joiner.keys, approver.relay.OfficeID, strings.ToLower(normCode(pa.Code))); err != nil {
		t.Fatal(err)
	}
	if err := approver.share.ApproveWorkstation(ctx, approver.admin, approver.keys, joiner.relay.OfficeID, pj.Code, r); err != nil {
		t.Fatal(err)
	}
}

// TestWorkstations: one office, three workstations (three vaults, three relay identities) and
// one relay (or two relay processes on one PostgreSQL). PC-2 joins through PC-1 and PC-3 through PC-2; every company of each reaches the
// others with its numbers and its handlers' roles, and PC-1 learns of PC-3 from PC-2; a new
// company on PC-3 reaches PC-1 and PC-2; rights set on PC-1 reach PC-2 and PC-3; PC-1 removes
// PC-2, which the relay then refuses, which opens nothing written afterwards, and which PC-3
// stops counting one of the office's.
func TestWorkstations(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { r := startRelay(t); workstations(t, r, r) })
	t.Run("PostgreSQL", func(t *testing.T) { r := startRelayOn(t, storetest.OpenPostgres(t)); workstations(t, r, r) })
	// Two relay processes on one PostgreSQL, as behind a load balancer: PC-2 talks to the second.
	t.Run("TwoRelaysOnePostgreSQL", func(t *testing.T) {
		sts := storetest.OpenPostgresPair(t, 2)
		r1, r2 := startRelayPair(t, sts[0], sts[1])
		workstations(t, r1, r2)
	})
}

func workstations(t *testing.T, relay, relay2 *testRelay) {
	ctx := context.Background()
	w1, w2, w3 := newSide(t, relay, "PC-1", t0), newSide(t, relay2, "PC-2", t0), newSide(t, relay, "PC-3", t0)
	for _, w := range []*side{w1, w2, w3} {
		addTanaka(w)
		// Each administrator opened the workstation screen: the key is in the directory.
		if _, err := w.share.Publish(ctx, w.admin, w.keys); err != nil {
			t.Fatal(err)
		}
	}
	ca, err := w1.roster.CreateCompany(ctx, w1.admin, w1.keys, roster.Company{Code: "A001", Name: "株式会社エー"})
	if err != nil {
		t.Fatal(err)
	}
	w1.assign(ca.ID)
	w1.exec(`INSERT INTO assignments(company_id, user_id, role, assigned_at) VALUES(?, 2, 'handler', 'x')`, ca.ID)
	addEmployee(t, w1, ca.ID, 1, "E001", "山田 太郎")
	emp := w1.employeeByCode(ca.ID, "E001")
	if err := w1.roster.SetNumber(ctx, w1.admin, w1.keys, ca.ID, emp.ID, testNumber, false); err != nil {
		t.Fatal(err)
	}
	// The purpose notified to the employee: 3-1 on any workstation reveals the number for it.
	w1.exec(`INSERT INTO person_purposes(person_id, purpose_code, notified_at) VALUES(?, 'TAX-WH', 'x')`, emp.ID)

	// A wrong code is refused on both sides, and nothing is recorded.
	pj, err := w2.share.Pair(ctx, w2.admin, w2.keys, w1.relay.OfficeID)
	if err != nil {
		t.Fatal(err)
	}
	if err := w2.share.JoinOffice(ctx, w2.admin, w2.keys, w1.relay.OfficeID, "0000-0000-0000-0000-0000"); !errors.Is(err, ErrPairCode) {
		t.Fatalf("join with a wrong code: %v", err)
	}
	if err := w1.share.ApproveWorkstation(ctx, w1.admin, w1.keys, w2.relay.OfficeID, pj.Code[:20]+"0", WorkstationRights{}); !errors.Is(err, ErrPairCode) {
		t.Fatalf("approval with a wrong code: %v", err)
	}
	if n := w1.count(`SELECT count(*) FROM workstations`) + w2.count(`SELECT count(*) FROM workstations`); n != 0 {
		t.Fatalf("%d workstations recorded after wrong codes", n)
	}
	if _, err := w2.share.Workstations(ctx, tanaka); err == nil {
		t.Fatal("a handler who is not an administrator listed the workstations")
	}

	pairUp(t, w2, w1, WorkstationRights{Reveal: true})
	w1.syncAs(tanaka, ca.ID) // the automatic sync sends the company's records
	// PC-2 accepts PC-1's offer of the company by itself; tanaka is its handler there too.
	if res := w2.syncWorkstations(); res.Accepted != 1 {
		t.Fatalf("PC-2 workstation sync: %+v, want one company accepted", res)
	}
	a2 := companyByCode(w2, "A001")
	if a2 == 0 {
		t.Fatal("company A001 did not reach PC-2")
	}
	if res := w2.syncAs(tanaka, a2); res.Received < 2 {
		t.Fatalf("PC-2 received %+v, want the person and the number", res)
	}
	if got := revealNumber(t, w2, a2, must(employeeOf(w2, a2, "E001")).ID); got != testNumber {
		t.Fatal("PC-2 cannot open the number registered on PC-1")
	}
	if w2.count(`SELECT count(*) FROM person_purposes WHERE person_id = ? AND purpose_code = 'TAX-WH'`, must(employeeOf(w2, a2, "E001")).ID) != 1 {
		t.Fatal("the purpose notified to the employee did not reach PC-2")
	}
	if w2.count(`SELECT count(*) FROM assignments WHERE company_id = ? AND user_id = 2 AND role = 'handler'`, a2) != 1 {
		t.Fatal("tanaka is not the company's handler on PC-2")
	}
	if w2.count(`SELECT count(*) FROM assignments WHERE company_id = ? AND user_id = 1`, a2) != 0 {
		t.Fatal("PC-2's administrator got a role held on PC-1 by another login")
	}

	// PC-3 joins through PC-2. PC-2's offer brings the company; PC-1 learns of PC-3 from PC-2.
	pairUp(t, w3, w2, WorkstationRights{})
	if res := w3.syncWorkstations(); res.Accepted != 1 {
		t.Fatalf("PC-3 workstation sync: %+v", res)
	}
	a3 := companyByCode(w3, "A001")
	w3.syncAs(tanaka, a3)
	if !hasEmployeeOf(w3, a3, "E001") {
		t.Fatal("PC-3 does not have PC-1's employee")
	}
	w2.syncWorkstations() // its list of workstations goes to PC-1 and PC-3
	w1.syncAs(tanaka, ca.ID)
	w3.syncAs(tanaka, a3)
	list, err := w1.share.Workstations(ctx, w1.admin)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Workstation{}
	for _, w := range list {
		got[w.Office] = w
	}
	if len(list) != 2 || got[w2.relay.OfficeID].How != "approved" || !got[w2.relay.OfficeID].Rights.Reveal ||
		got[w3.relay.OfficeID].How != "via" || got[w3.relay.OfficeID].Rights.Reveal || got[w2.relay.OfficeID].Companies != 1 {
		t.Fatalf("PC-1's workstations: %+v", list)
	}

	// Rights: PC-1 set PC-2's at the approval (reveal only), PC-2 set PC-3's (nothing); each
	// terminal holds its own. PC-1, the first, was never limited.
	if r := rightsOf(t, w1); !r.Reveal || !r.Download || !r.Dispose {
		t.Fatalf("PC-1's rights: %+v", r)
	}
	if r := rightsOf(t, w2); !r.Reveal || r.Download || r.Dispose || r.SetAt.IsZero() {
		t.Fatalf("PC-2's rights: %+v, want reveal only, as PC-1 approved it", r)
	}
	if r := rightsOf(t, w3); r.Reveal || r.Download || r.Dispose || r.SetAt.IsZero() {
		t.Fatalf("PC-3's rights: %+v, want none, as PC-2 approved it", r)
	}
	// PC-1 allows PC-2 to download too: PC-2 takes it at its next sync, PC-3 learns of it.
	w1.setNow(t0.Add(5 * time.Minute))
	if err := w1.share.SetWorkstationRights(ctx, w1.admin, w2.relay.OfficeID, WorkstationRights{Reveal: true, Download: true}); err != nil {
		t.Fatal(err)
	}
	w1.syncWorkstations()
	w2.syncAs(tanaka, a2)
	w3.syncAs(tanaka, a3)
	if r := rightsOf(t, w2); !r.Reveal || !r.Download || r.Dispose {
		t.Fatalf("PC-2's rights after the change: %+v", r)
	}
	if w3.count(`SELECT count(*) FROM workstations WHERE office = ? AND reveal = 1 AND download = 1 AND dispose = 0`, w2.relay.OfficeID) != 1 {
		t.Fatal("PC-3 does not know PC-2's new rights")
	}

	// PC-1's administrator makes suzuki (enrolled on PC-1 and PC-2, not on PC-3) the company's
	// 責任者 in 1-1: PC-2 gives suzuki the same role; PC-3, where suzuki has no user, keeps its own.
	for _, w := range []*side{w1, w2} {
		w.exec(`INSERT INTO users(id, login, display_name, created_at, updated_at) VALUES(3, 'suzuki', '鈴木', 'x', 'x')`)
	}
	w1.setNow(t0.Add(6 * time.Minute))
	if err := w1.db.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(`INSERT INTO assignments(company_id, user_id, role, assigned_at) VALUES(?, 3, 'manager', ?)`, ca.ID, tx.NowText()); err != nil {
			return err
		}
		e := w1.admin.Entry(audit.ActionAssignmentChange, audit.ResultOK)
		e.CompanyID, e.Detail = ca.ID, "managers: - → suzuki"
		if _, err := w1.log.Append(tx, e); err != nil {
			return err
		}
		// And a download format for the company (3-1), saved as app/use saves one.
		if _, err := tx.Exec(`INSERT INTO download_formats(company_id, name, spec, updated_at) VALUES(?, '弥生給与用', '{"columns":[]}', ?)`,
			ca.ID, tx.NowText()); err != nil {
			return err
		}
		e = w1.admin.Entry(audit.ActionSettingChange, audit.ResultOK)
		e.CompanyID, e.TargetType, e.Detail = ca.ID, "download_format", "download format saved: 弥生給与用"
		_, err := w1.log.Append(tx, e)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	w1.syncWorkstations()
	w2.syncAs(tanaka, a2)
	w3.syncAs(tanaka, a3)
	if w2.count(`SELECT count(*) FROM assignments WHERE company_id = ? AND user_id = 3 AND role = 'manager'`, a2) != 1 ||
		w2.count(`SELECT count(*) FROM assignments WHERE company_id = ? AND user_id = 2 AND role = 'handler'`, a2) != 1 {
		t.Fatal("PC-2 does not hold the company's roles as PC-1 changed them")
	}
	if w3.count(`SELECT count(*) FROM assignments WHERE company_id = ? AND user_id = 2 AND role = 'handler'`, a3) != 1 {
		t.Fatal("PC-3 lost tanaka's role")
	}
	if w2.count(`SELECT count(*) FROM download_formats WHERE company_id = ? AND name = '弥生給与用'`, a2) != 1 {
		t.Fatal("the download format saved on PC-1 did not reach PC-2")
	}
	// Nothing changed since: the next rounds send no list again, and take nothing.
	for _, w := range []*side{w1, w2} {
		w.syncWorkstations()
	}
	const taken = `SELECT count(*) FROM audit_log WHERE action = 'assignment_change' OR detail LIKE 'download formats as on workstation %'`
	before := w2.count(taken)
	w2.syncAs(tanaka, a2)
	if w2.count(taken) != before {
		t.Fatal("PC-2 took the same roles or formats again")
	}

	// A company made on PC-3 reaches PC-1 and PC-2.
	w3.setNow(t0.Add(10 * time.Minute))
	cb, err := w3.roster.CreateCompany(ctx, w3.admin, w3.keys, roster.Company{Code: "B001", Name: "株式会社ビー"})
	if err != nil {
		t.Fatal(err)
	}
	w3.exec(`INSERT INTO assignments(company_id, user_id, role, assigned_at) VALUES(?, 2, 'handler', 'x')`, cb.ID)
	w3.assign(cb.ID)
	addEmployee(t, w3, cb.ID, 11, "B-01", "鈴木 花子")
	if res := w3.syncWorkstations(); res.Offered != 2 {
		t.Fatalf("PC-3 offered %+v, want company B to PC-1 and PC-2", res)
	}
	w3.syncAs(tanaka, cb.ID)
	for _, w := range []*side{w1, w2} {
		if res := w.syncWorkstations(); res.Accepted != 1 {
			t.Fatalf("%s: %+v", w.log.Workstation, res)
		}
		b := companyByCode(w, "B001")
		w.syncAs(tanaka, b)
		if !hasEmployeeOf(w, b, "B-01") {
			t.Fatalf("%s does not have PC-3's employee", w.log.Workstation)
		}
	}
	// Nothing new: a second round offers and accepts nothing.
	for _, w := range []*side{w1, w2, w3} {
		if res := w.syncWorkstations(); res != (WorkstationSync{}) {
			t.Fatalf("%s: quiet workstation sync did %+v", w.log.Workstation, res)
		}
	}

	// An edit on PC-3 shows on PC-1 and PC-2.
	e3 := must(employeeOf(w3, a3, "E001"))
	e3.Name = "山田 太郎（旧姓 佐藤）"
	w3.setNow(t0.Add(20 * time.Minute))
	if _, err := w3.roster.SaveEmployee(ctx, tanaka, w3.keys, e3); err != nil {
		t.Fatal(err)
	}
	w3.syncAs(tanaka, a3)
	w1.syncAs(tanaka, ca.ID)
	w2.syncAs(tanaka, a2)
	for _, got := range []string{must(employeeOf(w1, ca.ID, "E001")).Name, must(employeeOf(w2, a2, "E001")).Name} {
		if got != e3.Name {
			t.Fatalf("name after PC-3's edit = %q", got)
		}
	}

	// PC-1 and PC-2 edit the same employee before syncing: the later edit (PC-2's) wins on all
	// three, and PC-1, whose edit lost, shows the conflict.
	e1 := must(employeeOf(w1, ca.ID, "E001"))
	e1.Name = "山田 太郎（PC-1）"
	w1.setNow(t0.Add(21 * time.Minute))
	if _, err := w1.roster.SaveEmployee(ctx, tanaka, w1.keys, e1); err != nil {
		t.Fatal(err)
	}
	e2 := must(employeeOf(w2, a2, "E001"))
	e2.Name = "山田 太郎（PC-2）"
	w2.setNow(t0.Add(22 * time.Minute))
	if _, err := w2.roster.SaveEmployee(ctx, tanaka, w2.keys, e2); err != nil {
		t.Fatal(err)
	}
	w1.syncAs(tanaka, ca.ID)
	w2.syncAs(tanaka, a2)
	w1.syncAs(tanaka, ca.ID)
	w3.syncAs(tanaka, a3)
	for _, got := range []string{must(employeeOf(w1, ca.ID, "E001")).Name, must(employeeOf(w2, a2, "E001")).Name, must(employeeOf(w3, a3, "E001")).Name} {
		if got != e2.Name {
			t.Fatalf("after the concurrent edits a workstation shows %q, want PC-2's later %q", got, e2.Name)
		}
	}
	if w1.count(`SELECT count(*) FROM share_conflicts WHERE company_id = ?`, ca.ID) != 1 {
		t.Fatal("PC-1 does not show the conflict its edit lost")
	}

	// PC-2 disposes of E001's number: disposed on every workstation, and no key any of them
	// holds opens it in the relay's copies.
	if !holds(openNumbers(t, w1, ca.ID, relayEnvelopes(t, relay, relayCompanyOf(t, w1, ca.ID))), testNumber) {
		t.Fatal("before the disposal PC-1's keys open no number in the relay's copies: the check below would be blind")
	}
	w2.setNow(t0.Add(25 * time.Minute))
	disposeOnB(t, w2, a2, e2.ID)
	w2.syncAs(tanaka, a2)
	for _, w := range []*side{w1, w3} {
		id := companyByCode(w, "A001")
		w.syncAs(tanaka, id)
		if n := w.count(`SELECT count(*) FROM person_numbers WHERE company_id = ?`, id); n != 0 {
			t.Fatalf("%s still holds %d numbers of company A after PC-2's disposal", w.log.Workstation, n)
		}
	}
	w2.syncAs(tanaka, a2)
	envs := relayEnvelopes(t, relay, relayCompanyOf(t, w1, ca.ID))
	for _, w := range []*side{w1, w2, w3} {
		if holds(openNumbers(t, w, companyByCode(w, "A001"), envs), testNumber) {
			t.Fatalf("%s's keys open the disposed number in the relay's copies", w.log.Workstation)
		}
	}

	// PC-1 removes PC-2 (a lost laptop): from both companies, at the relay too.
	w1.setNow(t0.Add(30 * time.Minute))
	n, err := w1.share.RemoveWorkstation(ctx, w1.admin, w1.keys, w2.relay.OfficeID)
	if err != nil || n != 2 {
		t.Fatalf("RemoveWorkstation = %d, %v; want 2 companies", n, err)
	}
	// PC-2's next workstation sync finds that the relay serves it neither company any more.
	w2.syncWorkstations()
	if _, left, err := w2.share.Self(ctx, w2.admin, w2.keys); err != nil || left != 2 {
		t.Fatalf("PC-2 after its removal: %d companies left, %v; want 2", left, err)
	}
	if _, err := w2.share.Sync(ctx, tanaka, w2.keys, a2); !errors.Is(err, ErrNotMember) {
		t.Fatalf("PC-2's sync after its removal: %v, want ErrNotMember", err)
	}
	addEmployee(t, w1, ca.ID, 31, "E002", "秘密 次郎")
	w1.syncAs(tanaka, ca.ID)
	w3.syncAs(tanaka, a3)
	if !hasEmployeeOf(w3, a3, "E002") {
		t.Fatal("PC-3 does not get PC-1's changes after the removal")
	}
	if text, _ := readable(t, w2, a2, relayEnvelopes(t, relay, relayCompanyOf(t, w1, ca.ID))); strings.Contains(text, "秘密 次郎") {
		t.Fatal("the removed workstation opens a change written after its removal")
	}
	// PC-3 learnt of the removal from PC-1's rotation: it offers PC-2 nothing any more.
	if w3.count(`SELECT count(*) FROM workstations WHERE office = ? AND removed_at <> ''`, w2.relay.OfficeID) != 1 {
		t.Fatal("PC-3 still counts the removed PC-2 one of the office's")
	}
	w3.setNow(t0.Add(40 * time.Minute))
	if _, err := w3.roster.CreateCompany(ctx, w3.admin, w3.keys, roster.Company{Code: "C001", Name: "株式会社シー"}); err != nil {
		t.Fatal(err)
	}
	if res := w3.syncWorkstations(); res.Offered != 1 {
		t.Fatalf("PC-3 after the removal offered %+v, want company C to PC-1 only", res)
	}
	if offers, err := w2.share.Offers(ctx, w2.admin, w2.keys); err != nil || len(offers) != 0 {
		t.Fatalf("the removed workstation sees offers %+v, %v", offers, err)
	}
	// The history says who did what.
	if w1.count(`SELECT count(*) FROM audit_log WHERE login = ? AND detail LIKE 'workstation removed from the office: %'`, w1.admin.Login) != 1 ||
		w1.count(`SELECT count(*) FROM audit_log WHERE detail LIKE 'workstation approved: %(pair code compared)%'`) != 1 ||
		w2.count(`SELECT count(*) FROM audit_log WHERE detail LIKE 'workstation: this PC joined the office through workstation %'`) != 1 {
		t.Fatal("the history lacks the approval, the join or the removal")
	}
}

func rightsOf(t *testing.T, s *side) terminal.Rights {
	t.Helper()
	var r terminal.Rights
	if err := s.db.View(context.Background(), func(tx *store.Tx) (err error) { r, err = terminal.Get(tx); return err }); err != nil {
		t.Fatal(err)
	}
	return r
}

func must(e roster.Employee, ok bool) roster.Employee {
	if !ok {
		panic("no such employee")
	}
	return e
}

// offerAnswerLost is a relay that stores the first offer sent through it and then answers as if
// the connection broke: the sender rolls back what it recorded after the send.
type offerAnswerLost struct {
	*RelayClient
	done bool
}

func (m *offerAnswerLost) Send(ctx context.Context, company, record string, seal func(aad []byte) ([]byte, error)) error {
	err := m.RelayClient.Send(ctx, company, record, seal)
	if err == nil && record == RecordOffer && !m.done {
		m.done = true
		return errors.New("connection reset by peer")
	}
	return err
}

// TestWorkstationsOfferAnswerLost: the relay takes PC-1's offer of a company to PC-2 but the
// answer is lost, and PC-2 accepts that offer before PC-1 retries. PC-1's retry offers the
// same key epoch, so that PC-2 reads what PC-1 sends afterwards; PC-2 holds the company once.
func TestWorkstationsOfferAnswerLost(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	w := workstationSides(t, relay, "PC-1", "PC-2")
	w1, w2 := w[0], w[1]
	ca := wsCompany(t, w1, "A001", "E001")

	w1.share.SetTransport(&offerAnswerLost{RelayClient: w1.relay})
	pj, err := w2.share.Pair(ctx, w2.admin, w2.keys, w1.relay.OfficeID)
	if err != nil {
		t.Fatal(err)
	}
	if err := w2.share.JoinOffice(ctx, w2.admin, w2.keys, w1.relay.OfficeID, pj.Code); err != nil {
		t.Fatal(err)
	}
	if err := w1.share.ApproveWorkstation(ctx, w1.admin, w1.keys, w2.relay.OfficeID, pj.Code, WorkstationRights{}); err == nil {
		t.Fatal("the approval's offer reported no error with its answer lost")
	}
	if res := w2.syncWorkstations(); res.Accepted != 1 {
		t.Fatalf("PC-2 accepted %+v, want the offer the relay took", res)
	}
	if res := w1.syncWorkstations(); res.Offered != 1 {
		t.Fatalf("PC-1's retry offered %+v", res)
	}
	w1.syncAs(tanaka, ca)
	a2 := companyByCode(w2, "A001")
	if res := w2.syncAs(tanaka, a2); res.Received == 0 || !hasEmployeeOf(w2, a2, "E001") {
		t.Fatalf("PC-2 after the retry: %+v; it cannot read what PC-1 sends", res)
	}
	if n := len(listCompanies(w2)); n != 1 {
		t.Fatalf("PC-2 holds %d companies, want 1", n)
	}
}

// BenchmarkPairCode is the cost of one pair code (the derivation that makes a relay's search
// for two keys with equal codes expensive).
func BenchmarkPairCode(b *testing.B) {
	a, c := bytes.Repeat([]byte{1}, 65), bytes.Repeat([]byte{2}, 65)
	for b.Loop() {
		PairCode(a, c)
	}
}

// TestWorkstationRolesBehindAClock: PC-1, whose clock runs a day ahead, makes suzuki a 責任者;
// PC-2 takes it and then, on its own (correct) clock, makes suzuki a 担当者 instead. PC-2's
// change was made after it saw PC-1's, so PC-1 takes it, whatever the clocks say.
func TestWorkstationRolesBehindAClock(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	w := workstationSides(t, relay, "PC-1", "PC-2")
	w1, w2 := w[0], w[1]
	for _, w := range w {
		w.exec(`INSERT INTO users(id, login, display_name, created_at, updated_at) VALUES(3, 'suzuki', '鈴木', 'x', 'x')`)
	}
	ca := wsCompany(t, w1, "A001", "E001")
	a2 := joinThrough(t, w2, w1, WorkstationRights{}, ca, "A001")

	setRole := func(s *side, companyID int64, role string) {
		t.Helper()
		if err := s.db.Update(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(`DELETE FROM assignments WHERE company_id = ? AND user_id = 3`, companyID); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO assignments(company_id, user_id, role, assigned_at) VALUES(?, 3, ?, 'x')`, companyID, role); err != nil {
				return err
			}
			e := s.admin.Entry(audit.ActionAssignmentChange, audit.ResultOK)
			e.CompanyID, e.Detail = companyID, "suzuki: "+role
			_, err := s.log.Append(tx, e)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	w1.setNow(t0.Add(24 * time.Hour))
	setRole(w1, ca, "manager")
	w1.syncWorkstations()
	w2.syncAs(tanaka, a2)
	if w2.count(`SELECT count(*) FROM assignments WHERE company_id = ? AND user_id = 3 AND role = 'manager'`, a2) != 1 {
		t.Fatal("PC-2 did not take PC-1's change")
	}
	w2.setNow(t0.Add(time.Hour))
	setRole(w2, a2, "handler")
	w2.syncWorkstations()
	w1.syncAs(tanaka, ca)
	if w1.count(`SELECT count(*) FROM assignments WHERE company_id = ? AND user_id = 3 AND role = 'handler'`, ca) != 1 {
		t.Fatal("PC-1 ignores PC-2's later change because PC-2's clock is behind PC-1's")
	}
}
