package appdir

import (
	"strings"
	"testing"
)

// TestPrivateSDDL: the Windows access-control list of a private folder is protected from the
// parent's and has exactly two entries, full access for the user and SYSTEM, inherited by files
// and folders inside (the list itself is checked on Windows by TestMkdirPrivateWindows; Wine
// does not keep file access-control lists, so `make wine` cannot).
func TestPrivateSDDL(t *testing.T) {
	const sid = "S-1-5-21-1-2-3-1001"
	got := privateSDDL(sid)
	if !strings.HasPrefix(got, "D:P(") {
		t.Errorf("%s: not a protected DACL", got)
	}
	aces := strings.Split(strings.TrimSuffix(strings.TrimPrefix(got, "D:P("), ")"), ")(")
	want := map[string]bool{"A;OICI;FA;;;" + sid: true, "A;OICI;FA;;;SY": true}
	if len(aces) != 2 || !want[aces[0]] || !want[aces[1]] || aces[0] == aces[1] {
		t.Errorf("%s: want full access for %s and SYSTEM only, inherited", got, sid)
	}
}
