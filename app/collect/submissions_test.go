package collect

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

var tinyPNG = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"

func payloadJSON(mod func(m map[string]any)) []byte {
	m := map[string]any{"v": 1, "company": "c-x", "employee": "E001", "submittedAt": "2026-04-01T09:00:00+09:00",
		"self":         map[string]any{"number": "１２３４ ５６７８ ９０１８"},
		"dependents":   []any{map[string]any{"name": "山田 花子", "relation": "妻", "birthDate": "1990-01-02", "number": "987654321018"}},
		"images":       []any{map[string]any{"name": "a.png", "contentType": "image/png", "data": base64.StdEncoding.EncodeToString([]byte(tinyPNG))}},
		"acknowledged": []any{"TAX-WH"}}
	if mod != nil {
		mod(m)
	}
	b, _ := json.Marshal(m)
	return b
}

// TestParsePayload: every rule of a submission's plaintext and its quarantine reason.
func TestParsePayload(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(m map[string]any)
		reason string
	}{
		{"valid (full-width digits normalised)", nil, ""},
		{"version", func(m map[string]any) { m["v"] = 2 }, "malformed"},
		{"unknown field", func(m map[string]any) { m["extra"] = 1 }, "malformed"},
		{"bad time", func(m map[string]any) { m["submittedAt"] = "yesterday" }, "malformed"},
		{"check digit", func(m map[string]any) { m["self"] = map[string]any{"number": "123456789012"} }, "bad_number"},
		{"dependent number", func(m map[string]any) {
			m["dependents"] = []any{map[string]any{"name": "子", "number": "1"}}
		}, "bad_number"},
		{"dependent without name", func(m map[string]any) {
			m["dependents"] = []any{map[string]any{"name": " ", "number": "987654321018"}}
		}, "bad_dependent"},
		{"number in a name", func(m map[string]any) {
			m["dependents"] = []any{map[string]any{"name": "123456789018", "number": "987654321018"}}
		}, "bad_dependent"},
		{"bad birth date", func(m map[string]any) {
			m["dependents"] = []any{map[string]any{"name": "子", "birthDate": "1990-13-40", "number": "987654321018"}}
		}, "bad_dependent"},
		{"no image", func(m map[string]any) { m["images"] = []any{} }, "bad_image"},
		{"image type lies", func(m map[string]any) {
			m["images"] = []any{map[string]any{"contentType": "image/jpeg", "data": base64.StdEncoding.EncodeToString([]byte(tinyPNG))}}
		}, "bad_image"},
		{"not an image", func(m map[string]any) {
			m["images"] = []any{map[string]any{"contentType": "text/html", "data": base64.StdEncoding.EncodeToString([]byte("<html>"))}}
		}, "bad_image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl, err := parsePayload(payloadJSON(tt.mod))
			var q quarantineError
			switch {
			case tt.reason == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.reason == "" && (pl.Self.Number != "123456789018" || pl.SubmittedAt != "2026-04-01T00:00:00Z"):
				t.Fatalf("not normalised: %+v", pl.SubmittedAt)
			case tt.reason != "" && (!errors.As(err, &q) || q.reason != tt.reason):
				t.Fatalf("want %s, got %v", tt.reason, err)
			}
			if err != nil && strings.ContainsAny(err.Error(), "0123456789") {
				t.Fatalf("error holds digits: %v", err)
			}
		})
	}
}

// FuzzParsePayload: outside bytes (after opening) never panic, and an accepted payload only
// holds check-digit-valid numbers and at least one image; no error carries a number.
func FuzzParsePayload(f *testing.F) {
	f.Add(payloadJSON(nil))
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		pl, err := parsePayload(b)
		if err != nil {
			if _, ok := mynumber.ContainsValidIndividual([]byte(err.Error())); ok {
				t.Fatal("error holds a number")
			}
			return
		}
		if _, err := mynumber.ValidateIndividual(pl.Self.Number); err != nil || len(pl.Images) == 0 {
			t.Fatalf("accepted an invalid payload")
		}
	})
}

func TestOTPVerifierFormat(t *testing.T) {
	v, err := OTPVerifier(nil, "abcd-efgh-jklm")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(v, "$")
	if len(parts) != 5 || parts[0] != "argon2id" || parts[1] != "v=19" || parts[2] != "m=19456,t=2,p=1" || len(parts[3]) != 22 || len(parts[4]) != 43 {
		t.Fatalf("verifier %q", v)
	}
	w, _ := OTPVerifier(nil, "ABCDEFGHJKLM")
	if v == w {
		t.Fatal("same salt twice")
	}
}
