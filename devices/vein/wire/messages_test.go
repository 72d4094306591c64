package wire

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestMessagesRoundTrip(t *testing.T) {
	tests := []struct {
		msg   interface{ Append([]byte) []byte }
		parse func([]byte) (any, error)
	}{
		{InfoReply{Protocol: 1, Capacity: 500, Enrolled: 3, Model: "VS-1", Firmware: "1.2.3", Serial: "SIM0001"},
			func(p []byte) (any, error) { return ParseInfoReply(p) }},
		{InfoReply{}, func(p []byte) (any, error) { return ParseInfoReply(p) }},
		{EnrollStart{Captures: 3}, func(p []byte) (any, error) { return ParseEnrollStart(p) }},
		{EnrollCapture{Index: 2}, func(p []byte) (any, error) { return ParseEnrollCapture(p) }},
		{EnrollCaptureReply{Index: 2, Quality: 87, Template: 0xDEADBEEF}, func(p []byte) (any, error) { return ParseEnrollCaptureReply(p) }},
		{Verify{Template: 7}, func(p []byte) (any, error) { return ParseVerify(p) }},
		{Delete{Template: 0x01020304}, func(p []byte) (any, error) { return ParseDelete(p) }},
		{VerifyReply{Match: true, Score: 912}, func(p []byte) (any, error) { return ParseVerifyReply(p) }},
		{VerifyReply{Score: 3}, func(p []byte) (any, error) { return ParseVerifyReply(p) }},
		{IdentifyReply{Match: true, Template: 9, Score: 1000}, func(p []byte) (any, error) { return ParseIdentifyReply(p) }},
		{IdentifyReply{}, func(p []byte) (any, error) { return ParseIdentifyReply(p) }},
		{Status{Prompt: PromptCaptureOK, Capture: 1, Quality: 77}, func(p []byte) (any, error) { return ParseStatus(p) }},
		{Error{Code: CodeUnknownTemplate}, func(p []byte) (any, error) { return ParseError(p) }},
	}
	for _, tt := range tests {
		got, err := tt.parse(tt.msg.Append(nil))
		if err != nil {
			t.Errorf("%T: %v", tt.msg, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.msg) {
			t.Errorf("round trip: got %+v, want %+v", got, tt.msg)
		}
	}
}

func TestInfoReplyCutsLongStrings(t *testing.T) {
	m, err := ParseInfoReply(InfoReply{Model: strings.Repeat("m", 100)}.Append(nil))
	if err != nil || len(m.Model) != MaxString {
		t.Fatalf("model of %d bytes, err %v; want %d bytes", len(m.Model), err, MaxString)
	}
}

func TestMessagesMalformed(t *testing.T) {
	info := InfoReply{Model: "a", Firmware: "b", Serial: "c"}.Append(nil)
	tests := []struct {
		name  string
		parse func([]byte) error
		p     []byte
	}{
		{"info short", func(p []byte) error { _, err := ParseInfoReply(p); return err }, info[:4]},
		{"info cut string", func(p []byte) error { _, err := ParseInfoReply(p); return err }, info[:len(info)-1]},
		{"info trailing byte", func(p []byte) error { _, err := ParseInfoReply(p); return err }, append(info, 0)},
		{"info string over bound", func(p []byte) error { _, err := ParseInfoReply(p); return err }, append([]byte{1, 0, 0, 0, 0, 65}, make([]byte, 67)...)},
		{"enroll start 0", func(p []byte) error { _, err := ParseEnrollStart(p); return err }, []byte{0}},
		{"enroll start 11", func(p []byte) error { _, err := ParseEnrollStart(p); return err }, []byte{11}},
		{"enroll start empty", func(p []byte) error { _, err := ParseEnrollStart(p); return err }, nil},
		{"enroll capture 10", func(p []byte) error { _, err := ParseEnrollCapture(p); return err }, []byte{10}},
		{"capture reply quality 101", func(p []byte) error { _, err := ParseEnrollCaptureReply(p); return err }, []byte{0, 101, 0, 0, 0, 0}},
		{"capture reply short", func(p []byte) error { _, err := ParseEnrollCaptureReply(p); return err }, []byte{0, 1, 0}},
		{"verify template 0", func(p []byte) error { _, err := ParseVerify(p); return err }, []byte{0, 0, 0, 0}},
		{"verify long", func(p []byte) error { _, err := ParseVerify(p); return err }, []byte{0, 0, 0, 1, 0}},
		{"delete template 0", func(p []byte) error { _, err := ParseDelete(p); return err }, []byte{0, 0, 0, 0}},
		{"delete short", func(p []byte) error { _, err := ParseDelete(p); return err }, []byte{0, 0, 1}},
		{"verify reply match 2", func(p []byte) error { _, err := ParseVerifyReply(p); return err }, []byte{2, 0, 1}},
		{"verify reply score 1001", func(p []byte) error { _, err := ParseVerifyReply(p); return err }, []byte{1, 0x03, 0xE9}},
		{"identify match without id", func(p []byte) error { _, err := ParseIdentifyReply(p); return err }, []byte{1, 0, 0, 0, 0, 0, 1}},
		{"identify id without match", func(p []byte) error { _, err := ParseIdentifyReply(p); return err }, []byte{0, 0, 0, 0, 5, 0, 1}},
		{"status quality 200", func(p []byte) error { _, err := ParseStatus(p); return err }, []byte{1, 0, 200}},
		{"error empty", func(p []byte) error { _, err := ParseError(p); return err }, nil},
	}
	for _, tt := range tests {
		if err := tt.parse(tt.p); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", tt.name, err)
		}
	}
}

func TestCommandString(t *testing.T) {
	for c, want := range map[Command]string{
		CmdVerify: "verify", CmdVerify.Reply(): "verify-reply", CmdDelete: "delete", CmdDelete.Reply(): "delete-reply", Command(0x55): "0x55", CmdError: "error",
	} {
		if got := c.String(); got != want {
			t.Errorf("%#x.String() = %q, want %q", uint8(c), got, want)
		}
	}
}
