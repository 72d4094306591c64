package daemon

import (
	"strings"
	"testing"
)

// The pipe's descriptor admits exactly its user and inherits nothing; anything that is not a
// SID (an account name, an SDDL fragment that would add entries) is refused.
func TestPipeSDDL(t *testing.T) {
	sid := "S-1-5-21-1004336348-1177238915-682003330-1001"
	got, err := pipeSDDL(sid)
	if err != nil {
		t.Fatal(err)
	}
	if want := "O:" + sid + "D:P(A;;GA;;;" + sid + ")"; got != want {
		t.Fatalf("pipeSDDL = %q, want %q", got, want)
	}
	if strings.Count(got, "(") != 1 || !strings.Contains(got, "D:P(") {
		t.Errorf("not one entry in a protected DACL: %q", got)
	}
	for _, bad := range []string{"", "Everyone", "WD", "S-1-5-21-1)(A;;GA;;;WD", "S-1-5", "s-1-5-18 ", "S-1-5-18\n", "S-1-5-21-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16"} {
		if _, err := pipeSDDL(bad); err == nil {
			t.Errorf("pipeSDDL(%q) accepted", bad)
		}
	}
}
