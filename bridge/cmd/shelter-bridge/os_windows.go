//go:build windows

package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/windows"

	"github.com/mynumber-shelter/shelter/bridge/daemon"
)

// shelter-bridge.exe is a GUI-subsystem program (-H windowsgui), so the logon entry opens no
// console window that a user could close. Its commands for people (status, install, uninstall)
// print to the console of the command prompt that started them, or to where their output was
// redirected.
func setupConsole(cmd string) {
	if cmd == "run" {
		return
	}
	if validStd(os.Stdout) && validStd(os.Stderr) {
		return // redirected to a file or a pipe: the inherited handles work
	}
	const attachParentProcess = ^uint32(0) // ATTACH_PARENT_PROCESS (DWORD)-1
	attach := windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")
	if r, _, _ := attach.Call(uintptr(attachParentProcess)); r == 0 {
		return // no console to attach to (started from Explorer): output goes nowhere, exit codes tell
	}
	if f, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0); err == nil {
		if !validStd(os.Stdout) {
			os.Stdout = f
		}
		if !validStd(os.Stderr) {
			os.Stderr = f
		}
	}
	// Japanese text (reader names, messages) shows correctly in a console of any code page.
	windows.SetConsoleOutputCP(65001)
}

// validStd reports whether f is an open standard handle.
func validStd(f *os.File) bool {
	if f == nil {
		return false
	}
	h := windows.Handle(f.Fd())
	if h == 0 || h == windows.InvalidHandle {
		return false
	}
	_, err := windows.GetFileType(h)
	return err == nil
}

// runLog is where `run` logs: a file in the bridge's state folder (no console to read), started
// afresh when it grows past 5 MB (the previous one kept as bridge.log.1).
func runLog() (io.Writer, func()) {
	dir := daemon.StateDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return io.Discard, func() {}
	}
	path := filepath.Join(dir, "bridge.log")
	if fi, err := os.Stat(path); err == nil && fi.Size() > 5<<20 {
		os.Rename(path, path+".1")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return io.Discard, func() {}
	}
	return f, func() { f.Close() }
}

// noWindow runs cmd (reg.exe and the like, console programs) without a console window of its
// own: shelter-bridge.exe has no console when the installer runs it, so each step would open
// one, flashing on the screen and taking the keyboard from the installer's window. Its output
// still goes where cmd.Stdout and cmd.Stderr say.
func noWindow(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true, CreationFlags: windows.CREATE_NO_WINDOW}
}

// startDetached starts argv in the background with no window, not tied to this process.
func startDetached(argv []string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true,
		CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.DETACHED_PROCESS | windows.CREATE_NO_WINDOW}
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Process.Release()
}
