package cloud

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/cloud/store"
)

// A random office id never carries a run of 12 digits (it would be refused by the app's audit
// log, which treats such runs as possible My Numbers): a source whose first draw is all digits
// is drawn again.
func TestOfficeIDNoDigitRun(t *testing.T) {
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "relay.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// 8 bytes of 0x11 hex-encode to "1111111111111111"; then 0xab… gives letters; then the token.
	src := bytes.NewReader(append(append(bytes.Repeat([]byte{0x11}, 8), bytes.Repeat([]byte{0xab}, 8)...), make([]byte, 32)...))
	_, o, err := NewEnrolToken(context.Background(), st, store.Office{Name: "x"}, time.Hour, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.ID != "office-abababababababab" {
		t.Fatalf("office id %q", o.ID)
	}
	for _, c := range []struct {
		s    string
		want bool
	}{{"office-123456789012", true}, {"office-12345678901a", false}, {"a1234567890123b", true}, {"", false}} {
		if got := longDigitRun(c.s); got != c.want {
			t.Errorf("longDigitRun(%q) = %v", c.s, got)
		}
	}
}
