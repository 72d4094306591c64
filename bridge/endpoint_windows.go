//go:build windows

package bridge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// SocketIn is the bridge's endpoint for the per-user directory dir: a named pipe
// \\.\pipe\mynumber-shelter-bridge-<hash of dir>. The directory is the user's own
// (%LOCALAPPDATA%), so two users of one computer get two pipes; the daemon creates the pipe with
// a security descriptor that admits only its user, and both ends check the other's user.
func SocketIn(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	h := sha256.Sum256([]byte(strings.ToLower(filepath.Clean(abs))))
	return `\\.\pipe\mynumber-shelter-bridge-` + hex.EncodeToString(h[:12])
}

// ErrForeignPipe: the pipe's server runs as another user (someone created the bridge's pipe
// name first to catch what the app sends). The app refuses to talk to it.
var ErrForeignPipe = errors.New("the bridge's pipe is served by another user")

// dial connects to the bridge's pipe and checks that its server runs as this user, as the
// daemon checks its clients.
func dial(ctx context.Context, path string) (net.Conn, error) {
	c, err := winio.DialPipeContext(ctx, path)
	if err != nil {
		return nil, err
	}
	sid, err := PipePeerSID(c, true)
	if err == nil {
		var me string
		if me, err = CurrentUserSID(); err == nil && sid != me {
			err = ErrForeignPipe
		}
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("checking the bridge's pipe: %w", err)
	}
	return c, nil
}

// CurrentUserSID is the SID of the user this process runs as (S-1-5-21-…).
func CurrentUserSID() (string, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", err
	}
	return u.User.Sid.String(), nil
}

// PipePeerSID returns the SID of the user running the process at the other end of a named-pipe
// connection: the server's (server true, for a client's check) or the client's (for the
// daemon's check): process id from the pipe, then the process's token.
func PipePeerSID(c net.Conn, server bool) (string, error) {
	f, ok := c.(interface{ Fd() uintptr })
	if !ok {
		return "", fmt.Errorf("not a named-pipe connection (%T)", c)
	}
	h := windows.Handle(f.Fd())
	var pid uint32
	var err error
	if server {
		err = windows.GetNamedPipeServerProcessId(h, &pid)
	} else {
		err = windows.GetNamedPipeClientProcessId(h, &pid)
	}
	if err != nil {
		return "", fmt.Errorf("pipe peer process: %w", err)
	}
	p, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return "", fmt.Errorf("opening the peer process: %w", err)
	}
	defer windows.CloseHandle(p)
	var tok windows.Token
	if err := windows.OpenProcessToken(p, windows.TOKEN_QUERY, &tok); err != nil {
		return "", fmt.Errorf("the peer process's token: %w", err)
	}
	defer tok.Close()
	u, err := tok.GetTokenUser()
	if err != nil {
		return "", err
	}
	return u.User.Sid.String(), nil
}
