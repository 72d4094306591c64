package card

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	simcard "github.com/mynumber-shelter/shelter/devices/sim/card"
)

// Test values: the number passes the check digit and is obviously fake.
const (
	testNumber  = simcard.TestNumber // 123456789018
	testPIN     = simcard.DefaultPIN
	testAuthPIN = simcard.DefaultAuthPIN
	wrongPIN    = "0000"
)

// simKeys generates the RSA-2048 test keys once per test binary: generation is slow.
var simKeys = sync.OnceValues(func() (*simcard.Keys, error) { return simcard.GenerateKeys(nil) })

func newSim(t testing.TB, cfg simcard.Config) *simcard.Card {
	t.Helper()
	if cfg.Keys == nil {
		k, err := simKeys()
		if err != nil {
			t.Fatal(err)
		}
		cfg.Keys = k
	}
	c, err := simcard.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// simTransport is the in-process Transport: APDUs go straight to the virtual card's
// handler, a pulled card reads as ErrCardRemoved, End(true) resets the card. It records the
// instruction byte and whether data was sent, never the data (a PIN must not reach test
// output).
type simTransport struct {
	card   *simcard.Card
	log    []sent
	resets int
}

type sent struct {
	ins     byte
	hasData bool
}

var _ Transport = (*simTransport)(nil)

func inProcess(c *simcard.Card) *simTransport { return &simTransport{card: c} }

func (s *simTransport) Transmit(cmd []byte) ([]byte, error) {
	if len(cmd) >= 4 {
		s.log = append(s.log, sent{ins: cmd[1], hasData: len(cmd) > 5})
	}
	r, err := s.card.Transmit(cmd)
	if errors.Is(err, simcard.ErrPulled) {
		return nil, fmt.Errorf("transmit: %w", ErrCardRemoved)
	}
	return r, err
}

func (s *simTransport) Begin() error {
	if s.card.Pulled() {
		return fmt.Errorf("beginning transaction: %w", ErrCardRemoved)
	}
	return nil
}

func (s *simTransport) End(reset bool) error {
	if reset {
		s.resets++
		s.card.Reset()
	}
	return nil
}

// verifies returns the VERIFY commands sent, as "empty" or "pin" (without the PIN).
func (s *simTransport) verifies() []string {
	var out []string
	for _, c := range s.log {
		if c.ins != 0x20 {
			continue
		}
		if c.hasData {
			out = append(out, "pin")
		} else {
			out = append(out, "empty")
		}
	}
	return out
}
