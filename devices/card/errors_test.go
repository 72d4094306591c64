package card

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestCheckSW(t *testing.T) {
	tests := []struct {
		sw      uint16
		is      error // nil: no sentinel
		retries int   // > 0: a WrongPINError with these retries
		ok      bool
	}{
		{sw: 0x9000, ok: true},
		{sw: 0x63C3, is: ErrWrongPIN, retries: 3},
		{sw: 0x63C2, is: ErrWrongPIN, retries: 2},
		{sw: 0x63C1, is: ErrWrongPIN, retries: 1},
		{sw: 0x63C0, is: ErrPINLocked},
		{sw: 0x6983, is: ErrPINLocked},
		{sw: 0x6984, is: ErrPINLocked},
		{sw: 0x6982, is: ErrSecurityStatus},
		{sw: 0x6A82, is: ErrNotFound},
		{sw: 0x6A86, is: ErrUnsupported},
		{sw: 0x6D00, is: ErrUnsupported},
		{sw: 0x6E00, is: ErrUnsupported},
		{sw: 0x6700, is: ErrUnsupported},
		{sw: 0x6A81, is: ErrUnsupported},
		{sw: 0x6B00, is: ErrUnsupported},
		{sw: 0x6F00},
		{sw: 0x6985},
	}
	sentinels := []error{ErrWrongPIN, ErrPINLocked, ErrSecurityStatus, ErrNotFound, ErrUnsupported}
	for _, tt := range tests {
		err := checkSW(tt.sw)
		if tt.ok {
			if err != nil {
				t.Errorf("%04X: %v", tt.sw, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%04X: nil error", tt.sw)
			continue
		}
		for _, s := range sentinels {
			if errors.Is(err, s) != (s == tt.is) {
				t.Errorf("%04X: errors.Is(%v) = %v", tt.sw, s, !(s == tt.is))
			}
		}
		var wp *WrongPINError
		if errors.As(err, &wp) != (tt.retries > 0) || (wp != nil && wp.Retries != tt.retries) {
			t.Errorf("%04X: WrongPINError %v, want retries %d", tt.sw, wp, tt.retries)
		}
		var se *StatusError
		if tt.retries == 0 && (!errors.As(err, &se) || se.SW != tt.sw) {
			t.Errorf("%04X: not a StatusError with the SW: %v", tt.sw, err)
		}
		wrapped := fmt.Errorf("reading EF 0002: %w", err)
		if tt.is != nil && !errors.Is(wrapped, tt.is) {
			t.Errorf("%04X: sentinel lost when wrapped", tt.sw)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&WrongPINError{Retries: 2}, "card: wrong PIN, 2 tries left"},
		{&WrongPINError{Retries: 1}, "card: wrong PIN, 1 try left"},
		{&StatusError{SW: 0x6983}, "card: status 6983 (PIN locked)"},
		{&StatusError{SW: 0x6F00}, "card: status 6F00"},
		{&FieldError{Field: "name", Err: ErrInvalidText}, "card: name: invalid text on the card"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if strings.Count(tt.err.Error(), "card:") != 1 {
			t.Errorf("%q repeats the prefix", tt.err)
		}
	}
}
