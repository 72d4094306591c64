package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/cloud/store"
)

// employeeTests are the contract of [store.EmployeeStore], run by RunContract.
var employeeTests = []struct {
	name string
	fn   func(*testing.T, store.Store)
}{
	{"Portal", testPortal},
	{"EmployeeAccounts", testEmployeeAccounts},
	{"EmployeeLockout", testEmployeeLockout},
	{"EmployeeLockoutConcurrently", testEmployeeLockoutConcurrently},
	{"EmployeeSessions", testEmployeeSessions},
	{"EmployeeSubmissions", testEmployeeSubmissions},
	{"EmployeeSubmissionsConcurrently", testEmployeeSubmissionsConcurrently},
}

// runEmployeeContract runs employeeTests, each on a fresh store.
func runEmployeeContract(t *testing.T, open func(t *testing.T) store.Store) {
	for _, tc := range employeeTests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s)
		})
	}
}

func account(code, verifier string) store.EmployeeAccount {
	return store.EmployeeAccount{Code: code, Verifier: verifier, Expires: t0.Add(14 * 24 * time.Hour)}
}

func getAccount(t *testing.T, s store.Store, company, code string) store.EmployeeAccount {
	t.Helper()
	a, err := s.EmployeeAccount(context.Background(), company, code)
	must(t, err)
	return a
}

func testPortal(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	company(t, s, "o1", "c1")
	if _, err := s.Portal(ctx, "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("portal before it is set: %v", err)
	}
	if err := s.PutPortal(ctx, store.Portal{Company: "nope", Name: "x", Purposes: []byte("[]")}, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("portal of an unknown company: %v", err)
	}
	must(t, s.PutPortal(ctx, store.Portal{Company: "c1", Name: "株式会社テスト", Purposes: []byte(`[{"code":"tax"}]`)}, t0))
	must(t, s.PutPortal(ctx, store.Portal{Company: "c1", Name: "株式会社サンプル", Purposes: []byte(`[{"code":"ins"}]`)}, t0))
	p, err := s.Portal(ctx, "c1")
	must(t, err)
	if p.Name != "株式会社サンプル" || string(p.Purposes) != `[{"code":"ins"}]` {
		t.Fatalf("Portal = %+v", p)
	}
}

func testEmployeeAccounts(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	company(t, s, "o1", "c1")
	company(t, s, "o1", "c2")
	if err := s.UpsertEmployees(ctx, "nope", []store.EmployeeAccount{account("E1", "v1")}, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("accounts of an unknown company: %v", err)
	}
	must(t, s.UpsertEmployees(ctx, "c1", []store.EmployeeAccount{account("E1", "v1"), account("E2", "v2")}, t0))
	a := getAccount(t, s, "c1", "E1")
	if a.Verifier != "v1" || !a.Expires.Equal(t0.Add(14*24*time.Hour)) || a.Status != store.StatusRequested || a.Failed != 0 || !a.LockedUntil.IsZero() {
		t.Fatalf("new account = %+v", a)
	}
	if _, err := s.EmployeeAccount(ctx, "c2", "E1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("account seen through another company: %v", err)
	}

	// Send back, then the same verifier again: nothing but the expiry changes.
	must(t, s.SendBack(ctx, "c1", "E1", "写真が不鮮明です"))
	later := account("E1", "v1")
	later.Expires = t0.Add(30 * 24 * time.Hour)
	must(t, s.UpsertEmployees(ctx, "c1", []store.EmployeeAccount{later}, t0))
	a = getAccount(t, s, "c1", "E1")
	if a.Status != store.StatusReturned || a.Reason != "写真が不鮮明です" || !a.Expires.Equal(later.Expires) {
		t.Fatalf("after re-sending the account = %+v", a)
	}
	if err := s.SendBack(ctx, "c1", "E9", "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("send back unknown: %v", err)
	}

	// Received, then a new password: a new request.
	id, err := s.PutEmployeeSubmission(ctx, "c1", "E2", []byte("box"), t0)
	must(t, err)
	must(t, s.DeleteSubmission(ctx, "c1", id))
	if a := getAccount(t, s, "c1", "E2"); a.Status != store.StatusReceived {
		t.Fatalf("after ack: %s", a.Status)
	}
	must(t, s.UpsertEmployees(ctx, "c1", []store.EmployeeAccount{account("E2", "v2")}, t0))
	if a := getAccount(t, s, "c1", "E2"); a.Status != store.StatusReceived {
		t.Fatalf("same verifier reopened a received account: %s", a.Status)
	}
	must(t, s.UpsertEmployees(ctx, "c1", []store.EmployeeAccount{account("E2", "v2-new")}, t0))
	if a := getAccount(t, s, "c1", "E2"); a.Status != store.StatusRequested || a.Verifier != "v2-new" {
		t.Fatalf("new verifier: %+v", a)
	}

	must(t, s.DeleteEmployee(ctx, "c1", "E1"))
	if _, err := s.EmployeeAccount(ctx, "c1", "E1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted account: %v", err)
	}
	if err := s.DeleteEmployee(ctx, "c1", "E1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func testEmployeeLockout(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	company(t, s, "o1", "c1")
	must(t, s.UpsertEmployees(ctx, "c1", []store.EmployeeAccount{account("E1", "v1")}, t0))
	for i := 1; i <= 4; i++ {
		must(t, s.RecordLoginFailure(ctx, "c1", "E1", t0, 5, 15*time.Minute))
		if a := getAccount(t, s, "c1", "E1"); a.Failed != i || !a.LockedUntil.IsZero() {
			t.Fatalf("after %d failures: %+v", i, a)
		}
	}
	must(t, s.RecordLoginFailure(ctx, "c1", "E1", t0, 5, 15*time.Minute))
	if a := getAccount(t, s, "c1", "E1"); a.Failed != 0 || !a.LockedUntil.Equal(t0.Add(15*time.Minute)) {
		t.Fatalf("after the 5th failure: %+v", a)
	}
	// Re-sending the same verifier does not lift the lock; a new one does.
	must(t, s.UpsertEmployees(ctx, "c1", []store.EmployeeAccount{account("E1", "v1")}, t0))
	if a := getAccount(t, s, "c1", "E1"); a.LockedUntil.IsZero() {
		t.Fatal("same verifier lifted the lock")
	}
	must(t, s.UpsertEmployees(ctx, "c1", []store.EmployeeAccount{account("E1", "v1b")}, t0))
	if a := getAccount(t, s, "c1", "E1"); !a.LockedUntil.IsZero() {
		t.Fatal("new verifier did not lift the lock")
	}
	must(t, s.RecordLoginFailure(ctx, "c1", "E1", t0, 5, 15*time.Minute))
	must(t, s.CreateEmployeeSession(ctx, store.EmployeeSession{TokenHash: [32]byte{1}, Company: "c1", Employee: "E1", Expires: t0.Add(time.Hour), Verifier: "v1b"}, t0))
	if a := getAccount(t, s, "c1", "E1"); a.Failed != 0 {
		t.Fatalf("login did not reset the count: %d", a.Failed)
	}
	if err := s.RecordLoginFailure(ctx, "c1", "nope", t0, 5, time.Minute); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("failure of an unknown account: %v", err)
	}
}

func testEmployeeLockoutConcurrently(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	company(t, s, "o1", "c1")
	must(t, s.UpsertEmployees(ctx, "c1", []store.EmployeeAccount{account("E1", "v1")}, t0))
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.RecordLoginFailure(ctx, "c1", "E1", t0, 5, time.Minute); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if a := getAccount(t, s, "c1", "E1"); a.Failed != 4 {
		t.Fatalf("4 concurrent failures counted as %d", a.Failed)
	}
}

func testEmployeeSessions(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	company(t, s, "o1", "c1")
	must(t, s.UpsertEmployees(ctx, "c1", []store.EmployeeAccount{account("E1", "v1")}, t0))
	sess := store.EmployeeSession{TokenHash: store.HashToken("s1"), Company: "c1", Employee: "E1", Expires: t0.Add(30 * time.Minute), Verifier: "v1"}
	if err := s.CreateEmployeeSession(ctx, store.EmployeeSession{TokenHash: [32]byte{9}, Company: "c1", Employee: "E9", Expires: sess.Expires}, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session of an unknown account: %v", err)
	}
	must(t, s.CreateEmployeeSession(ctx, sess, t0))
	got, err := s.EmployeeSession(ctx, sess.TokenHash, t0.Add(29*time.Minute))
	must(t, err)
	if got.Company != "c1" || got.Employee != "E1" || !got.Expires.Equal(sess.Expires) {
		t.Fatalf("EmployeeSession = %+v", got)
	}
	if _, err := s.EmployeeSession(ctx, sess.TokenHash, t0.Add(30*time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired session: %v", err)
	}
	if _, err := s.EmployeeSession(ctx, store.HashToken("other"), t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown session: %v", err)
	}
	must(t, s.DeleteEmployeeSession(ctx, sess.TokenHash))
	must(t, s.DeleteEmployeeSession(ctx, sess.TokenHash))
	if _, err := s.EmployeeSession(ctx, sess.TokenHash, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted session: %v", err)
	}
	// A new password, a send-back and a 受付 each end the open sessions at once.
	alive := func() bool {
		_, err := s.EmployeeSession(ctx, sess.TokenHash, t0)
		return err == nil
	}
	must(t, s.CreateEmployeeSession(ctx, sess, t0))
	must(t, s.UpsertEmployees(ctx, "c1", []store.EmployeeAccount{account("E1", "v1")}, t0)) // the same password again
	if !alive() {
		t.Fatal("re-sending the same password ended the session")
	}
	must(t, s.UpsertEmployees(ctx, "c1", []store.EmployeeAccount{account("E1", "v2")}, t0))
	if alive() {
		t.Fatal("a new password left the session open")
	}
	sess.Verifier = "v2"
	must(t, s.CreateEmployeeSession(ctx, sess, t0))
	must(t, s.SendBack(ctx, "c1", "E1", "写真が不鮮明です"))
	if alive() {
		t.Fatal("a send-back left the session open")
	}
	must(t, s.CreateEmployeeSession(ctx, sess, t0))
	id, err := s.PutEmployeeSubmission(ctx, "c1", "E1", []byte("sealed"), t0)
	must(t, err)
	must(t, s.DeleteSubmission(ctx, "c1", id))
	if alive() {
		t.Fatal("受付 left the session open")
	}
	// The password checked before a lock (or a new password) landed opens nothing.
	for range 5 {
		must(t, s.RecordLoginFailure(ctx, "c1", "E1", t0, 5, 15*time.Minute))
	}
	if err := s.CreateEmployeeSession(ctx, sess, t0); !errors.Is(err, store.ErrLoginStale) {
		t.Fatalf("session on a locked account: %v", err)
	}
	sess.Verifier = "v1"
	if err := s.CreateEmployeeSession(ctx, sess, t0.Add(time.Hour)); !errors.Is(err, store.ErrLoginStale) {
		t.Fatalf("session with the old password's check: %v", err)
	}
	sess.Verifier = "v2"
	// Deleting the account ends its sessions.
	must(t, s.CreateEmployeeSession(ctx, sess, t0.Add(time.Hour)))
	must(t, s.DeleteEmployee(ctx, "c1", "E1"))
	if _, err := s.EmployeeSession(ctx, sess.TokenHash, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session of a deleted account: %v", err)
	}
}

func testEmployeeSubmissions(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	company(t, s, "o1", "c1")
	must(t, s.UpsertEmployees(ctx, "c1", []store.EmployeeAccount{account("E1", "v1"), account("E2", "v2")}, t0))
	if _, err := s.PutEmployeeSubmission(ctx, "c1", "E9", []byte("x"), t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown account: %v", err)
	}
	id1, err := s.PutEmployeeSubmission(ctx, "c1", "E1", []byte("first"), t0)
	must(t, err)
	id2, err := s.PutEmployeeSubmission(ctx, "c1", "E2", []byte("other"), t0)
	must(t, err)
	must(t, s.SendBack(ctx, "c1", "E1", "番号を確認してください"))
	id3, err := s.PutEmployeeSubmission(ctx, "c1", "E1", []byte("second"), t0)
	must(t, err)
	if id3 <= id2 {
		t.Fatalf("resubmission id %d not after %d", id3, id2)
	}
	list, err := s.ListSubmissions(ctx, "c1", 0, 0)
	must(t, err)
	if len(list) != 2 || list[0].ID != id2 || list[0].Employee != "E2" || list[1].ID != id3 || list[1].Employee != "E1" || string(list[1].Body) != "second" {
		t.Fatalf("ListSubmissions = %+v", list)
	}
	if a := getAccount(t, s, "c1", "E1"); a.Status != store.StatusSubmitted || a.Reason != "" {
		t.Fatalf("after resubmitting: %+v", a)
	}
	if err := s.DeleteSubmission(ctx, "c1", id1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the replaced submission is still there: %v", err)
	}
	must(t, s.DeleteSubmission(ctx, "c1", id3))
	if a := getAccount(t, s, "c1", "E1"); a.Status != store.StatusReceived {
		t.Fatalf("after ack: %s", a.Status)
	}
	// Sent back after the ack: the status stays returned.
	must(t, s.SendBack(ctx, "c1", "E2", "再提出してください"))
	must(t, s.DeleteSubmission(ctx, "c1", id2))
	if a := getAccount(t, s, "c1", "E2"); a.Status != store.StatusReturned {
		t.Fatalf("ack overwrote a send-back: %s", a.Status)
	}
}

func testEmployeeSubmissionsConcurrently(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	company(t, s, "o1", "c1")
	must(t, s.UpsertEmployees(ctx, "c1", []store.EmployeeAccount{account("E1", "v1")}, t0))
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.PutEmployeeSubmission(ctx, "c1", "E1", []byte("box"), t0); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if list, _ := s.ListSubmissions(ctx, "c1", 0, 0); len(list) != 1 {
		t.Fatalf("%d pending submissions of one employee, want 1", len(list))
	}
}
