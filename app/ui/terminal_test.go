package ui

import (
	"errors"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/terminal"
)

// limitTerminal sets this workstation's rights, as an approving administrator's M-5 does.
func limitTerminal(t *testing.T, a *App, r terminal.Rights) {
	t.Helper()
	if err := a.DB.Update(t.Context(), func(tx *store.Tx) error { return terminal.Set(tx, r, "office-test/ws-2") }); err != nil {
		t.Fatal(err)
	}
}

// refusedOnTerminal checks that err reached the frontend as this workstation's refusal, in
// both languages (the frontend shows the one of the window's language).
func refusedOnTerminal(t *testing.T, err error, what string) {
	t.Helper()
	var ue *Error
	if !errors.As(err, &ue) || ue.Code != "forbidden" || !strings.Contains(ue.JA, "この端末") || !strings.Contains(ue.JA, "M-5") ||
		!strings.Contains(ue.EN, "on this workstation") || !strings.Contains(ue.EN, "M-5") || !strings.Contains(ue.EN, what) {
		t.Fatalf("error %#v, want this workstation's refusal of %q", err, what)
	}
}

// TestTerminalRightsReachTheFrontend: the session state tells the screens this workstation's
// rights, and the refusals of 3-1 and 4-1 on a limited workstation reach the frontend as
// forbidden errors with a Japanese and an English message.
func TestTerminalRightsReachTheFrontend(t *testing.T) {
	u := newUseFixture(t)
	u.login(t, "tanaka")
	st, err := u.app.Session.State()
	if err != nil || st.TerminalRights == nil || *st.TerminalRights != (TerminalRights{Reveal: true, Download: true, Dispose: true}) {
		t.Fatalf("state of a workstation never limited: %+v %v", st.TerminalRights, err)
	}
	s := u.app.Use
	if _, err := s.Reveal(RevealRequest{PersonID: u.sato, Purpose: "SI-KENPO"}); err != nil {
		t.Fatal(err)
	}

	limitTerminal(t, u.app, terminal.Rights{Dispose: true})
	st, err = u.app.Session.State()
	if err != nil || *st.TerminalRights != (TerminalRights{Dispose: true}) {
		t.Fatalf("state of a limited workstation: %+v %v", st.TerminalRights, err)
	}
	r, err := s.Reveal(RevealRequest{PersonID: u.yamada, Purpose: "TAX-WH"})
	refusedOnTerminal(t, err, "revealed")
	if r.Number != "" {
		t.Fatal("a refused reveal returned a number")
	}
	refusedOnTerminal(t, s.RecordCopy(u.sato), "copied")
	_, err = s.Download(NumberDownloadRequest{CompanyID: u.a, Preset: "yayoi-kyuyo", PersonIDs: []int64{u.yamada}, Purpose: "TAX-WH", FileType: "csv"})
	refusedOnTerminal(t, err, "downloaded")
	if strings.Contains(string(u.logBuf.Bytes()), u.numbers[u.yamada]) {
		t.Fatal("a number reached the debug log")
	}
}

// TestDisposalExecutionOnlyOnPermittedTerminal: 4-1 on a workstation that may not dispose
// proposes and approves, refuses the execution with the terminal's message, and executes on a
// permitted one.
func TestDisposalExecutionOnlyOnPermittedTerminal(t *testing.T) {
	f := newDisposeFixture(t)
	limitTerminal(t, f.app, terminal.Rights{Reveal: true, Download: true})
	f.as("tanto")
	d, err := f.app.Dispose.Propose(DisposalProposal{CompanyID: f.a, PersonIDs: []int64{f.ids["E001"]}, Method: "shred"})
	if err != nil {
		t.Fatalf("propose on a limited workstation: %v", err)
	}
	f.as("kanri")
	if _, err := f.app.Dispose.Approve(d.ID); err != nil {
		t.Fatalf("approve on a limited workstation: %v", err)
	}
	f.as("tanto")
	_, err = f.app.Dispose.Execute(d.ID)
	refusedOnTerminal(t, err, "Disposals cannot be executed")
	if n := f.count(`SELECT count(*) FROM person_numbers WHERE person_id = ?`, f.ids["E001"]); n != 1 {
		t.Fatalf("a refused disposal deleted the number (%d left)", n)
	}
	limitTerminal(t, f.app, terminal.All)
	x, err := f.app.Dispose.Execute(d.ID)
	if err != nil || x.Status != "executed" {
		t.Fatalf("execute on a permitted workstation: %+v %v", x, err)
	}
}
