package use

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/terminal"
)

// limit sets this workstation's rights, as the lead's M-5 approval does.
func (f *fixture) limit(r terminal.Rights) {
	f.t.Helper()
	if err := f.db.Update(context.Background(), func(tx *store.Tx) error { return terminal.Set(tx, r, "office-test/ws-2") }); err != nil {
		f.t.Fatal(err)
	}
}

// refusedHere checks that err is this workstation's refusal, shown in both languages.
func refusedHere(t *testing.T, err error) {
	t.Helper()
	e, ok := apperr.As(err)
	if !errors.Is(err, terminal.ErrNotOnThisTerminal) || !ok || e.Code != apperr.CodeForbidden || !strings.Contains(e.JA, "この端末") ||
		!strings.Contains(e.EN, "this workstation") {
		t.Fatalf("error %v (%+v), want the terminal's forbidden refusal", err, e)
	}
}

// onlyDenied checks that the history after before is exactly one denied entry of action about
// target, with detail.
func (f *fixture) onlyDenied(before int64, action audit.Action, targetType, targetID, detail string) {
	f.t.Helper()
	es := f.entries(before)
	if len(es) != 1 {
		f.t.Fatalf("history after the refusal: %+v, want one denied entry", es)
	}
	e := es[0]
	if e.Action != action || e.Result != audit.ResultDenied || e.TargetType != targetType || e.TargetID != targetID || e.Detail != detail ||
		e.CompanyID != f.a {
		f.t.Fatalf("entry %+v, want %s denied on %s %s with %q", e, action, targetType, targetID, detail)
	}
}

// TestRevealOnlyOnPermittedTerminal: on a workstation the administrator did not allow to
// reveal, Reveal shows nothing and records a denied view; allowed again, it shows the number.
func TestRevealOnlyOnPermittedTerminal(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	h := f.sess["handler"]
	f.limit(terminal.Rights{Download: true, Dispose: true})
	before := f.lastID()
	r, err := f.svc.Reveal(ctx, h, f.yamada, "TAX-WH", "")
	refusedHere(t, err)
	if r.Number != "" || r.EntryID != 0 {
		t.Fatalf("a refused reveal returned %+v", r)
	}
	f.onlyDenied(before, audit.ActionView, "person", fmt.Sprint(f.yamada), "reveal refused: not permitted on this terminal")
	if es := f.entries(before); es[0].Purpose != "TAX-WH" {
		t.Errorf("denied entry's purpose %q", es[0].Purpose)
	}
	// An その他 reason is not recorded with the refusal (it was never accepted).
	before = f.lastID()
	_, err = f.svc.Reveal(ctx, h, f.sato, PurposeOther, "年金事務所からの照会")
	refusedHere(t, err)
	if es := f.entries(before); len(es) != 1 || strings.Contains(es[0].Detail, "年金事務所") {
		t.Fatalf("refused その他 reveal: %+v", es)
	}

	// The role check comes first: someone not assigned to the company learns nothing new.
	before = f.lastID()
	_, err = f.svc.Reveal(ctx, f.sess["outsider"], f.yamada, "TAX-WH", "")
	if errors.Is(err, terminal.ErrNotOnThisTerminal) || codeOf(err) != apperr.CodeForbidden {
		t.Fatalf("outsider: %v", err)
	}
	f.onlyDenied(before, audit.ActionView, "person", fmt.Sprint(f.yamada), "reveal refused: not assigned to the company")

	f.limit(terminal.Rights{Reveal: true})
	r, err = f.svc.Reveal(ctx, h, f.yamada, "TAX-WH", "")
	if err != nil || r.Number != f.numbers[f.yamada] {
		t.Fatalf("reveal on a permitted terminal: %q, %v", r.Number, err)
	}
}

// TestCopyOnlyOnPermittedTerminal: a copy to the clipboard is a 持出し of a revealed number, so
// it needs both rights; refused, it is recorded as a denied export.
func TestCopyOnlyOnPermittedTerminal(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	h := f.sess["handler"]
	if _, err := f.svc.Reveal(ctx, h, f.yamada, "TAX-WH", ""); err != nil {
		t.Fatal(err)
	}
	for _, r := range []terminal.Rights{{Download: true}, {Reveal: true}} {
		f.limit(r)
		before := f.lastID()
		refusedHere(t, f.svc.RecordCopy(ctx, h.Principal, f.yamada))
		f.onlyDenied(before, audit.ActionExport, "person", fmt.Sprint(f.yamada), "copy refused: not permitted on this terminal")
	}
	f.limit(terminal.Rights{Reveal: true, Download: true})
	before := f.lastID()
	if err := f.svc.RecordCopy(ctx, h.Principal, f.yamada); err != nil {
		t.Fatal(err)
	}
	if es := f.entries(before); len(es) != 1 || es[0].Result != audit.ResultOK || es[0].Action != audit.ActionExport {
		t.Fatalf("copy on a permitted terminal: %+v", es)
	}
}

// TestDownloadOnlyOnPermittedTerminal: every download holds numbers (a format has the number
// column exactly once); on a workstation not allowed to download none is written, the refusal
// is recorded, and a bulk download does not even check the password.
func TestDownloadOnlyOnPermittedTerminal(t *testing.T) {
	f := newFixture(t)
	f.limit(terminal.Rights{Reveal: true, Dispose: true})
	const detail = "download refused: not permitted on this terminal"
	company := fmt.Sprint(f.a)
	one := DownloadRequest{Preset: PresetYayoi, Purpose: "TAX-WH", FileType: FileCSV, Selection: Selection{PersonIDs: []int64{f.yamada}}}
	before := f.lastID()
	file, err := f.download(one)
	refusedHere(t, err)
	if file.Data != nil || file.Rows != 0 || file.EntryID != 0 {
		t.Fatalf("a refused download returned %+v", file)
	}
	f.onlyDenied(before, audit.ActionExport, "company", company, detail)

	// A bulk download is refused before the password is checked: a wrong one counts nothing
	// towards the lock and is not what the user is told.
	bulk := one
	bulk.Selection, bulk.Password = Selection{All: true}, "guess"
	for i := 0; i < MaxStepUpFailures; i++ {
		before = f.lastID()
		_, err = f.download(bulk)
		refusedHere(t, err)
		f.onlyDenied(before, audit.ActionExport, "company", company, detail)
	}
	if f.sess["handler"].Locked() {
		t.Fatal("refused downloads locked the session")
	}

	f.limit(terminal.All)
	bulk.Password = handlerPW
	file, err = f.download(bulk)
	if err != nil || file.Rows != 2 || !strings.Contains(string(file.Data), f.numbers[f.yamada]) {
		t.Fatalf("download on a permitted terminal: %d rows, %v", file.Rows, err)
	}
}
