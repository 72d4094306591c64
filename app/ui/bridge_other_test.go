//go:build !unix

package ui

// ownProcessGroup: process groups are a Unix notion; on Windows the bridge is started detached
// (bridge_other.go) and nothing is checked here.
func ownProcessGroup(int) error { return nil }
