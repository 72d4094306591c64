package main

import (
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// terminalInput returns a terminal (the follower side of a new pseudo-terminal) from which
// shelterctl reads the lines typed into it, as from a console; nil when the system has no
// pseudo-terminals.
func terminalInput(t *testing.T, typed string) *os.File {
	t.Helper()
	leader, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Logf("no pseudo-terminal: %v", err)
		return nil
	}
	t.Cleanup(func() { leader.Close() })
	if err := unix.IoctlSetPointerInt(int(leader.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(leader.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	follower, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { follower.Close() })
	if _, err := leader.WriteString(typed); err != nil {
		t.Fatal(err)
	}
	// What the terminal echoes goes to the leader, which nobody reads: keep it from filling.
	go func() {
		b := make([]byte, 4096)
		for {
			if _, err := leader.Read(b); err != nil {
				return
			}
		}
	}()
	return follower
}
