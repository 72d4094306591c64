package daemon

import (
	"fmt"
	"testing"

	"github.com/mynumber-shelter/shelter/devices/card"
)

// TestCardErrorCodes: each card failure reaches the app as its own code (the app words it).
func TestCardErrorCodes(t *testing.T) {
	for err, want := range map[error]string{
		fmt.Errorf("read: %w (next generation)", card.ErrNoKenhojo): "no_kenhojo",
		fmt.Errorf("x: %w", card.ErrNotMyNumberCard):                "not_mynumber_card",
		card.ErrPINLocked:                        "pin_locked",
		fmt.Errorf("y: %w", card.ErrCardRemoved): "card_removed",
	} {
		if got := cardError(err).Code; got != want {
			t.Errorf("%v → %s, want %s", err, got, want)
		}
	}
}
