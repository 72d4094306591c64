package bridge

import (
	"path/filepath"
	"strings"
)

// The rules for paths in the bridge's settings, shared by the app (which checks a form before
// sending it) and the daemon (which checks what it is sent): one place, so the two cannot
// disagree.

// AbsPath reports whether p is an absolute path, of this OS or of Windows (C:\…, \\server\…), as
// the settings allow.
func AbsPath(p string) bool {
	return filepath.IsAbs(p) || strings.HasPrefix(p, "/") ||
		len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') || strings.HasPrefix(p, `\\`)
}

// HasControl reports whether s holds a control character (never in a path or an argument).
func HasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// DriverName reports whether p names an external vein driver by its file name alone (an
// executable beside shelter-bridge, which the bridge saves as its absolute path).
func DriverName(p string) bool {
	return p != "" && p != "." && p != ".." && !strings.ContainsAny(p, `/\:`) && !HasControl(p) && len(p) <= 255
}
