package card

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// TestNumberNeverPrints: every ordinary way of printing a Number or a struct holding one
// shows it masked.
func TestNumberNeverPrints(t *testing.T) {
	k := &Kenhojo{Number: newNumber(testNumber), Name: "番号 花子", Sex: SexFemale}
	type hidden struct {
		n Number // unexported: fmt reaches it by reflection
	}
	h := hidden{n: k.Number}
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%20v"} {
		fmt.Fprintf(&out, verb+"\n", k.Number)
		fmt.Fprintf(&out, verb+"\n", k)
		fmt.Fprintf(&out, verb+"\n", *k)
		fmt.Fprintf(&out, verb+"\n", h)
		fmt.Fprintf(&out, verb+"\n", &h)
	}
	fmt.Fprintln(&out, k.Number.String(), k.Number)
	j, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	out.Write(j)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("read", "number", k.Number, "card", k)
	slog.New(slog.NewTextHandler(&out, nil)).Info("read", "number", k.Number, "card", *k)

	if off, found := mynumber.ContainsValidIndividual(out.Bytes()); found {
		t.Fatalf("the number leaked at byte %d of the printed forms", off)
	}
	if bytes.Contains(out.Bytes(), []byte("12345678")) {
		t.Fatal("part of the number leaked")
	}
	if !bytes.Contains(out.Bytes(), []byte("**** **** 9018")) {
		t.Fatal("masked form missing")
	}
	if k.Number.Reveal() != testNumber {
		t.Fatal("Reveal does not return the digits")
	}
	var zero Number
	if zero.String() != "" || zero.Reveal() != "" || !zero.IsZero() {
		t.Fatal("zero Number")
	}
}

func TestSex(t *testing.T) {
	tests := []struct {
		in      string
		want    Sex
		wantErr bool
	}{
		{"1", SexMale, false}, {"2", SexFemale, false}, {"9", SexNotApplicable, false},
		{"0", SexNotKnown, false}, {"3", 0, true}, {"", 0, true}, {"12", 0, true}, {"M", 0, true},
	}
	for _, tt := range tests {
		got, err := parseSex([]byte(tt.in))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseSex(%q) = %v, %v", tt.in, got, err)
		}
	}
}
