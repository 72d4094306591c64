package use

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/history"
)

// TestStepUpLockoutLeavesTheHistoryWhole: a bulk download refused MaxStepUpFailures times
// records the refusal (sealed, by the session) and locks the session: 2-1 verifies whole.
func TestStepUpLockoutLeavesTheHistoryWhole(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// The handler's session must be the one that sealed last (as in the app: one session).
	h, err := f.auth.Login(ctx, "tanaka", testPW+" tanaka")
	if err != nil {
		t.Fatal(err)
	}
	f.sess["handler"] = h
	req := DownloadRequest{Preset: PresetYayoi, Purpose: "TAX-WH", FileType: FileCSV, Password: "guess"}
	req.All = true
	for i := 0; i < MaxStepUpFailures; i++ {
		_, err = f.download(req)
	}
	if !errors.Is(err, auth.ErrLocked) {
		t.Fatalf("not locked: %v", err)
	}
	a, err := f.auth.Login(ctx, "admin", testPW)
	if err != nil {
		t.Fatal(err)
	}
	v, err := history.Verify(ctx, f.db, f.log.CurrentKey(), a.Keys(), a.Principal, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK {
		t.Fatalf("the refused download broke the history: %+v", v)
	}
}
