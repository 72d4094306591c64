package testenv

import (
	"fmt"
	"os"
	"slices"
	"testing"
)

// PCSCMissing skips t because pcscd with the vpcd reader is not there, or fails it when
// SHELTER_REQUIRE_PCSCD=1 (as `make test` sets: there the card tests must run).
func PCSCMissing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("SHELTER_REQUIRE_PCSCD") == "1" {
		t.Fatalf("SHELTER_REQUIRE_PCSCD=1 but pcscd with vpcd is not available: %s", msg)
	}
	t.Skipf("pcscd with vpcd not available (%s); run under scripts/with-pcscd.sh", msg)
}

// NeedPCSCReader calls [PCSCMissing] unless readers (devices/card.ListReaders: what pcscd
// lists) holds reader. It takes the function so that this package links no PC/SC code.
func NeedPCSCReader(t testing.TB, reader string, readers func() ([]string, error)) {
	t.Helper()
	rs, err := readers()
	switch {
	case err != nil:
		PCSCMissing(t, "%v", err)
	case !slices.Contains(rs, reader):
		PCSCMissing(t, "no reader %q among %q", reader, rs)
	}
}
