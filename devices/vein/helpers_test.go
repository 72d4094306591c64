package vein_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	simvein "github.com/mynumber-shelter/shelter/devices/sim/vein"
	"github.com/mynumber-shelter/shelter/devices/vein"
)

// startSim starts a simulator on a real pty pair, closed at the end of
// the test.
func startSim(tb testing.TB, cfg simvein.Config) *simvein.Sim {
	tb.Helper()
	cfg.Dir = tb.TempDir()
	sim, err := simvein.Start(cfg)
	if errors.Is(err, errors.ErrUnsupported) {
		tb.Skip("the vein simulator needs Linux ptys")
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := sim.Close(); err != nil {
			tb.Errorf("closing simulator: %v", err)
		}
	})
	return sim
}

// newSensor returns the real serial driver on sim's stable path, opened
// through tarm/serial.
func newSensor(tb testing.TB, sim *simvein.Sim) *vein.Serial {
	s := &vein.Serial{Path: sim.Path()}
	tb.Cleanup(func() { s.Close() })
	return s
}

func timeout(tb testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	tb.Cleanup(cancel)
	return ctx
}

// person plays the person at the sensor: places hand when asked, lifts it
// when asked, and records the prompts. newPerson clears the sensor first,
// so that the device waits for this person's hand.
type person struct {
	sim  *simvein.Sim
	hand simvein.Hand

	mu      sync.Mutex
	prompts []vein.Prompt
	on      func(vein.Prompt) // extra reaction, optional
}

func newPerson(sim *simvein.Sim, h simvein.Hand) *person {
	sim.Lift()
	return &person{sim: sim, hand: h}
}

func (p *person) prompt(pr vein.Prompt) {
	p.mu.Lock()
	p.prompts = append(p.prompts, pr)
	p.mu.Unlock()
	switch pr.Kind {
	case vein.PromptPlaceHand:
		p.sim.Place(p.hand)
	case vein.PromptLiftHand:
		p.sim.Lift()
	}
	if p.on != nil {
		p.on(pr)
	}
}

func (p *person) seen() []vein.Prompt {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]vein.Prompt(nil), p.prompts...)
}

func enroll(tb testing.TB, s vein.Sensor, sim *simvein.Sim, h simvein.Hand) vein.TemplateID {
	tb.Helper()
	p := newPerson(sim, h)
	id, err := s.Enroll(timeout(tb, 10*time.Second), 3, p.prompt)
	if err != nil {
		tb.Fatalf("enrolling: %v", err)
	}
	return id
}

// result is what a call run in the background returned.
type result struct {
	m   vein.Match
	id  vein.TemplateID
	err error
	at  time.Time
}

// await returns the result from ch, failing the test if none comes
// within d.
func await(tb testing.TB, ch <-chan result, d time.Duration) result {
	tb.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(d):
		tb.Fatalf("no result within %v", d)
		return result{}
	}
}

// waitFor waits, at most 5 s, until ok() is true.
func waitFor(tb testing.TB, what string, ok func() bool) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
