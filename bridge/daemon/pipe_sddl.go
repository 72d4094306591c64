package daemon

import (
	"fmt"
	"regexp"
)

// sidPattern is the text form of a Windows SID: S-1-<authority>-<sub-authority>…
var sidPattern = regexp.MustCompile(`^S-1-[0-9]{1,14}(-[0-9]{1,10}){1,15}$`)

// pipeSDDL is the security descriptor of the bridge's named pipe on Windows, for the user sid:
// owned by that user, and a protected DACL (no inherited entries) with one entry granting that
// user full access. Nobody else — not other users, not administrators without taking
// ownership, not the network (the pipe also rejects remote clients) — may open it. The daemon
// still checks each client's user: a descriptor is a promise about the pipe, the check is
// about the connection.
func pipeSDDL(sid string) (string, error) {
	if !sidPattern.MatchString(sid) {
		return "", fmt.Errorf("not a SID: %q", sid)
	}
	return "O:" + sid + "D:P(A;;GA;;;" + sid + ")", nil
}
