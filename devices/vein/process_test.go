package vein_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/devices/vein"
	"github.com/mynumber-shelter/shelter/devices/vein/driver"
)

// TestMain lets the test binary be a misbehaving vein driver: run as
// "<test binary> fake-vein-driver MODE DIR", it speaks the driver protocol on stdin and
// stdout and misbehaves as MODE says — on its first run only (DIR/runs counts the runs), so
// that the driver Process starts again works, except for "version", which always answers
// hello with version 99.
func TestMain(m *testing.M) {
	if len(os.Args) == 4 && os.Args[1] == "fake-vein-driver" {
		os.Exit(fakeDriver(os.Args[2], os.Args[3]))
	}
	os.Exit(m.Run())
}

func fakeDriver(mode, dir string) int {
	runs := 1
	if b, err := os.ReadFile(filepath.Join(dir, "runs")); err == nil {
		n, _ := strconv.Atoi(string(b))
		runs = n + 1
	}
	if err := os.WriteFile(filepath.Join(dir, "runs"), []byte(strconv.Itoa(runs)), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	bad := runs == 1 || mode == "version"
	out := bufio.NewWriter(os.Stdout)
	reply := func(m driver.Message) {
		b, _ := json.Marshal(m)
		out.Write(append(b, '\n'))
		out.Flush()
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(nil, driver.MaxLine)
	for in.Scan() {
		var req driver.Request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			return 2
		}
		switch {
		case req.Op == driver.OpHello && bad && mode == "version":
			reply(driver.Message{ID: req.ID, Version: 99, Driver: "fake", Matching: driver.MatchOnModule})
		case req.Op == driver.OpHello:
			reply(driver.Message{ID: req.ID, Version: driver.Version, Driver: "fake", Matching: driver.MatchOnModule})
		case bad && mode == "malformed":
			out.WriteString("{\"id\": " + strconv.FormatUint(req.ID, 10) + ", not json\n")
			out.Flush()
		case bad && mode == "long":
			out.WriteString("{\"id\":" + strconv.FormatUint(req.ID, 10) + ",\"model\":\"" + strings.Repeat("x", driver.MaxLine) + "\"}\n")
			out.Flush()
		case bad && mode == "exit":
			// A capture starts; then the driver dies without a reply.
			reply(driver.Message{ID: req.ID, Event: driver.EventPrompt, Prompt: "place-hand"})
			return 3
		case req.Op == driver.OpInfo:
			reply(driver.Message{ID: req.ID, Model: "FAKE-1", Serial: "F0001", Firmware: "1.0", Capacity: 10})
		case req.Op == driver.OpEnrol:
			reply(driver.Message{ID: req.ID, TemplateID: 7})
		default:
			reply(driver.Message{ID: req.ID, Error: &driver.Error{Code: driver.CodeBadRequest}})
		}
	}
	return 0
}

// fakeProcess is a Process running this test binary as the driver in mode.
func fakeProcess(t *testing.T, mode string) *vein.Process {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := &vein.Process{Path: exe, Args: []string{"fake-vein-driver", mode, t.TempDir()}}
	t.Cleanup(func() { p.Close() })
	return p
}

// guard bounds a call so that a hang fails the test instead of stalling it; it is not a
// measure of speed (the calls return as soon as the driver misbehaves).
func guard(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// A driver that answers hello with another protocol version is refused with ErrVersion (and
// ErrProtocol), every time, and the error names the versions.
func TestProcessWrongVersion(t *testing.T) {
	p := fakeProcess(t, "version")
	for range 2 {
		_, err := p.Info(guard(t))
		if !errors.Is(err, vein.ErrVersion) || !errors.Is(err, vein.ErrProtocol) || !strings.Contains(err.Error(), "version 99, want 1") {
			t.Fatalf("info from a version 99 driver: %v", err)
		}
	}
}

// A reply that is not JSON fails the call with ErrProtocol; the driver is stopped and the next
// call starts it again and works.
func TestProcessMalformedLine(t *testing.T) {
	p := fakeProcess(t, "malformed")
	if _, err := p.Info(guard(t)); !errors.Is(err, vein.ErrProtocol) || !strings.Contains(err.Error(), "not a message") {
		t.Fatalf("info with a malformed reply: %v", err)
	}
	if i, err := p.Info(guard(t)); err != nil || i.Serial != "F0001" {
		t.Fatalf("info after the driver was started again: %+v, %v", i, err)
	}
}

// A reply longer than driver.MaxLine fails the call with ErrProtocol saying so (not a hang on
// an endless line); the next call works.
func TestProcessLineTooLong(t *testing.T) {
	p := fakeProcess(t, "long")
	if _, err := p.Info(guard(t)); !errors.Is(err, vein.ErrProtocol) || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("info with a line too long: %v", err)
	}
	if i, err := p.Info(guard(t)); err != nil || i.Model != "FAKE-1" {
		t.Fatalf("info after the driver was started again: %+v, %v", i, err)
	}
}

// A driver that exits in the middle of an enrolment (after its first prompt) fails that call
// with ErrDisconnected at once; the next enrolment starts the driver again and works.
func TestProcessExitMidCall(t *testing.T) {
	p := fakeProcess(t, "exit")
	_, err := p.Enroll(guard(t), 1, nil)
	if !errors.Is(err, vein.ErrDisconnected) || !strings.Contains(err.Error(), "exited") {
		t.Fatalf("enrol with the driver exiting: %v", err)
	}
	if id, err := p.Enroll(guard(t), 1, nil); err != nil || id != 7 {
		t.Fatalf("enrol after the driver was started again: %v, %v", id, err)
	}
}
