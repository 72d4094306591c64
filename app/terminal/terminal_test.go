package terminal_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/terminal"
)

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func get(t *testing.T, db *store.DB) terminal.Rights {
	t.Helper()
	var r terminal.Rights
	if err := db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		r, err = terminal.Get(tx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return r
}

func require(db *store.DB, what terminal.Right) error {
	return db.View(context.Background(), func(tx *store.Tx) error { return terminal.Require(tx, what) })
}

// TestNeverSetAllowsEverything: a single installation (or an office's first workstation) has
// no row and may do everything.
func TestNeverSetAllowsEverything(t *testing.T) {
	db := openDB(t)
	r := get(t, db)
	if r != terminal.All || r.SetBy != "" || !r.SetAt.IsZero() {
		t.Fatalf("rights of a new vault = %+v, want all allowed and never set", r)
	}
	for _, what := range []terminal.Right{terminal.RightReveal, terminal.RightDownload, terminal.RightDispose} {
		if err := require(db, what); err != nil {
			t.Errorf("%s on a new vault: %v", what, err)
		}
	}
}

func TestSetGetRoundTripAndReplace(t *testing.T) {
	db := openDB(t)
	at := time.Date(2026, 4, 1, 1, 2, 3, 4_000_000, time.UTC)
	set := func(r terminal.Rights, by string) error {
		return db.Update(context.Background(), func(tx *store.Tx) error { return terminal.Set(tx, r, by) })
	}
	// The time is the administrator's, as given; SetBy of the argument is not what is stored.
	if err := set(terminal.Rights{Reveal: true, SetBy: "ignored", SetAt: at}, " office-1/ws-2 "); err != nil {
		t.Fatal(err)
	}
	want := terminal.Rights{Reveal: true, SetBy: "office-1/ws-2", SetAt: at}
	if got := get(t, db); got != want {
		t.Fatalf("after Set: %+v, want %+v", got, want)
	}
	// Undated rights (a PC that joined an office, before an administrator said anything).
	if err := set(terminal.Rights{Download: true, Dispose: true}, "workstation office-1"); err != nil {
		t.Fatal(err)
	}
	want = terminal.Rights{Download: true, Dispose: true, SetBy: "workstation office-1"}
	if got := get(t, db); got != want {
		t.Fatalf("after a second Set: %+v, want %+v", got, want)
	}
	// Who set them is required: "" means never set.
	if err := set(terminal.All, "  "); err == nil {
		t.Fatal("Set without setBy succeeded")
	}
	if got := get(t, db); got != want {
		t.Fatalf("a refused Set changed the rights: %+v", got)
	}
}

// TestApplyNewestWins: rights that arrive from other workstations in any order leave the newest
// setting; undated rights (set when the PC joined) give way to any dated ones.
func TestApplyNewestWins(t *testing.T) {
	db := openDB(t)
	t0 := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)
	apply := func(r terminal.Rights, by string) (bool, error) {
		var changed bool
		err := db.Update(context.Background(), func(tx *store.Tx) error {
			var err error
			changed, err = terminal.Apply(tx, r, by)
			return err
		})
		return changed, err
	}
	// Joined: nothing allowed, undated.
	if err := db.Update(context.Background(), func(tx *store.Tx) error {
		return terminal.Set(tx, terminal.Rights{}, "workstation office-1")
	}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		r       terminal.Rights
		by      string
		changed bool
		want    terminal.Rights
	}{
		// An administrator's rights set before this PC joined still apply.
		{terminal.Rights{Reveal: true, SetAt: t0}, "workstation office-1",
			true, terminal.Rights{Reveal: true, SetBy: "workstation office-1", SetAt: t0}},
		// Newer: applied.
		{terminal.Rights{Reveal: true, Download: true, SetAt: t0.Add(time.Hour)}, "workstation office-2",
			true, terminal.Rights{Reveal: true, Download: true, SetBy: "workstation office-2", SetAt: t0.Add(time.Hour)}},
		// Older, arriving late: ignored.
		{terminal.Rights{Dispose: true, SetAt: t0.Add(time.Minute)}, "workstation office-1",
			false, terminal.Rights{Reveal: true, Download: true, SetBy: "workstation office-2", SetAt: t0.Add(time.Hour)}},
		// The same time again: ignored.
		{terminal.Rights{SetAt: t0.Add(time.Hour)}, "workstation office-3",
			false, terminal.Rights{Reveal: true, Download: true, SetBy: "workstation office-2", SetAt: t0.Add(time.Hour)}},
		// Newer but the same rights: stored, not a change.
		{terminal.Rights{Reveal: true, Download: true, SetAt: t0.Add(2 * time.Hour)}, "workstation office-1",
			false, terminal.Rights{Reveal: true, Download: true, SetBy: "workstation office-1", SetAt: t0.Add(2 * time.Hour)}},
	}
	for i, s := range steps {
		changed, err := apply(s.r, s.by)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := get(t, db); changed != s.changed || got != s.want {
			t.Fatalf("step %d: changed %v, rights %+v; want %v, %+v", i, changed, got, s.changed, s.want)
		}
	}
	if _, err := apply(terminal.All, "workstation office-1"); err == nil {
		t.Fatal("undated rights applied")
	}
	// On a PC that never had rights set, dated rights apply and count as a change when they limit.
	db = openDB(t)
	if changed, err := apply(terminal.Rights{Reveal: true, SetAt: t0}, "workstation office-1"); err != nil || !changed {
		t.Fatalf("first rights on an unlimited PC: changed %v, %v", changed, err)
	}
}

func TestRequire(t *testing.T) {
	all := []terminal.Right{terminal.RightReveal, terminal.RightDownload, terminal.RightDispose}
	cases := []struct {
		rights  terminal.Rights
		allowed []terminal.Right
	}{
		{terminal.Rights{}, nil},
		{terminal.Rights{Reveal: true}, []terminal.Right{terminal.RightReveal}},
		{terminal.Rights{Download: true}, []terminal.Right{terminal.RightDownload}},
		{terminal.Rights{Dispose: true}, []terminal.Right{terminal.RightDispose}},
		{terminal.Rights{Reveal: true, Download: true, Dispose: true}, all},
	}
	db := openDB(t)
	for _, c := range cases {
		if err := db.Update(context.Background(), func(tx *store.Tx) error { return terminal.Set(tx, c.rights, "admin") }); err != nil {
			t.Fatal(err)
		}
		for _, what := range all {
			err := require(db, what)
			allowed := false
			for _, a := range c.allowed {
				allowed = allowed || a == what
			}
			if allowed {
				if err != nil {
					t.Errorf("%+v: %s refused: %v", c.rights, what, err)
				}
				continue
			}
			if !errors.Is(err, terminal.ErrNotOnThisTerminal) || !apperr.HasCode(err, apperr.CodeForbidden) {
				t.Errorf("%+v: %s: %v, want a forbidden refusal", c.rights, what, err)
				continue
			}
			e, _ := apperr.As(err)
			// What is refused, why, and how to go on, in both languages.
			for _, part := range []string{"この端末", "管理者", "許可された端末", "M-5"} {
				if !strings.Contains(e.JA, part) {
					t.Errorf("%s: Japanese message %q lacks %q", what, e.JA, part)
				}
			}
			for _, part := range []string{"on this workstation", "administrator", "permitted workstation", "M-5"} {
				if !strings.Contains(e.EN, part) {
					t.Errorf("%s: English message %q lacks %q", what, e.EN, part)
				}
			}
		}
	}
	// Fail closed: an unknown right is refused even where everything is allowed.
	if err := db.Update(context.Background(), func(tx *store.Tx) error { return terminal.Set(tx, terminal.All, "admin") }); err != nil {
		t.Fatal(err)
	}
	if err := require(db, "print"); !errors.Is(err, terminal.ErrNotOnThisTerminal) {
		t.Errorf("an unknown right: %v", err)
	}
}

// TestRefusalsNameTheAct: each right's refusal says which act was refused.
func TestRefusalsNameTheAct(t *testing.T) {
	db := openDB(t)
	if err := db.Update(context.Background(), func(tx *store.Tx) error { return terminal.Set(tx, terminal.Rights{}, "admin") }); err != nil {
		t.Fatal(err)
	}
	for what, words := range map[terminal.Right][2]string{
		terminal.RightReveal:   {"表示", "revealed"},
		terminal.RightDownload: {"ダウンロード", "downloaded"},
		terminal.RightDispose:  {"廃棄", "Disposals"},
	} {
		e, ok := apperr.As(require(db, what))
		if !ok || !strings.Contains(e.JA, words[0]) || !strings.Contains(e.EN, words[1]) {
			t.Errorf("%s: %+v", what, e)
		}
	}
}
