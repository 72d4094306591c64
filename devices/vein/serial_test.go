package vein_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	simvein "github.com/mynumber-shelter/shelter/devices/sim/vein"
	"github.com/mynumber-shelter/shelter/devices/vein"
	"github.com/mynumber-shelter/shelter/devices/vein/wire"
)

func TestInfo(t *testing.T) {
	sim := startSim(t, simvein.Config{Serial: "SIM0042", Capacity: 50})
	s := newSensor(t, sim)
	info, err := s.Info(timeout(t, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	want := vein.Info{Model: simvein.Model, Firmware: simvein.Firmware, Serial: "SIM0042", Protocol: wire.Version, Capacity: 50}
	if info != want {
		t.Fatalf("info = %+v, want %+v", info, want)
	}
}

func TestEnrollPromptsInOrder(t *testing.T) {
	sim := startSim(t, simvein.Config{})
	s := newSensor(t, sim)
	p := newPerson(sim, "alice-left")
	id, err := s.Enroll(timeout(t, 10*time.Second), 3, p.prompt)
	if err != nil {
		t.Fatal(err)
	}
	if id == 0 || sim.Templates() != 1 {
		t.Fatalf("template %d, device holds %d; want a new id and 1", id, sim.Templates())
	}
	type step struct {
		kind    vein.PromptKind
		capture int
	}
	want := []step{
		{vein.PromptPlaceHand, 0}, {vein.PromptCaptureOK, 0},
		{vein.PromptLiftHand, 1}, {vein.PromptPlaceHand, 1}, {vein.PromptCaptureOK, 1},
		{vein.PromptLiftHand, 2}, {vein.PromptPlaceHand, 2}, {vein.PromptCaptureOK, 2},
	}
	var got []step
	for _, pr := range p.seen() {
		got = append(got, step{pr.Kind, pr.Capture})
		if pr.Kind == vein.PromptCaptureOK && (pr.Quality < 1 || pr.Quality > 100) {
			t.Errorf("capture %d quality %d, want 1..100", pr.Capture, pr.Quality)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("prompts = %v\nwant      %v", got, want)
	}
	info, err := s.Info(timeout(t, 5*time.Second))
	if err != nil || info.Enrolled != 1 {
		t.Fatalf("info after enrolment: %+v, %v", info, err)
	}
}

func TestEnrollRejections(t *testing.T) {
	sim := startSim(t, simvein.Config{Capacity: 1})
	s := newSensor(t, sim)
	if _, err := s.Enroll(timeout(t, time.Second), 0, nil); err == nil {
		t.Fatal("enrolling 0 captures succeeded")
	}
	enroll(t, s, sim, "alice")

	// The same hand again, then a second hand into a full device.
	for _, tt := range []struct {
		hand simvein.Hand
		code wire.Code
	}{{"alice", wire.CodeDuplicate}, {"bob", wire.CodeStorageFull}} {
		p := newPerson(sim, tt.hand)
		_, err := s.Enroll(timeout(t, 10*time.Second), 2, p.prompt)
		var de *vein.DeviceError
		if !errors.As(err, &de) || de.Code != tt.code {
			t.Errorf("enrolling %s: err = %v, want device error %v", tt.hand, err, tt.code)
		}
	}

	// A different hand for the second capture.
	hands := []simvein.Hand{"carol", "dave"}
	p := newPerson(sim, "")
	p.on = func(pr vein.Prompt) {
		if pr.Kind == vein.PromptLiftHand {
			p.hand = hands[1]
		}
	}
	p.hand = hands[0]
	_, err := s.Enroll(timeout(t, 10*time.Second), 2, p.prompt)
	var de *vein.DeviceError
	if !errors.As(err, &de) || de.Code != wire.CodeCaptureMismatch {
		t.Errorf("mixed hands: err = %v, want %v", err, wire.CodeCaptureMismatch)
	}
}

func TestVerify(t *testing.T) {
	sim := startSim(t, simvein.Config{})
	s := newSensor(t, sim)
	alice := enroll(t, s, sim, "alice")

	p := newPerson(sim, "alice")
	m, err := s.Verify(timeout(t, 5*time.Second), alice, p.prompt)
	if err != nil {
		t.Fatalf("right hand: %v", err)
	}
	if m.Template != alice || m.Score < 800 || m.Score > 1000 {
		t.Fatalf("right hand: match = %+v, want template %d with a high score", m, alice)
	}
	if got := p.seen(); len(got) != 2 || got[0].Kind != vein.PromptPlaceHand || got[1].Kind != vein.PromptCaptureOK {
		t.Fatalf("verify prompts = %v, want place-hand, capture-ok", got)
	}

	p = newPerson(sim, "mallory")
	m, err = s.Verify(timeout(t, 5*time.Second), alice, p.prompt)
	if !errors.Is(err, vein.ErrNoMatch) {
		t.Fatalf("wrong hand: err = %v, want ErrNoMatch", err)
	}
	if m.Template != 0 || m.Score >= 150 {
		t.Fatalf("wrong hand: match = %+v, want no template and a low score", m)
	}

	_, err = s.Verify(timeout(t, 5*time.Second), alice+100, p.prompt)
	var de *vein.DeviceError
	if !errors.Is(err, vein.ErrUnknownTemplate) || !errors.As(err, &de) || de.Code != wire.CodeUnknownTemplate {
		t.Fatalf("unknown template: err = %v, want ErrUnknownTemplate from the device", err)
	}
}

func TestIdentify(t *testing.T) {
	sim := startSim(t, simvein.Config{})
	s := newSensor(t, sim)
	ids := map[simvein.Hand]vein.TemplateID{}
	for _, h := range []simvein.Hand{"alice", "bob", "carol"} {
		ids[h] = enroll(t, s, sim, h)
	}
	for h, want := range ids {
		p := newPerson(sim, h)
		m, err := s.Identify(timeout(t, 5*time.Second), p.prompt)
		if err != nil || m.Template != want {
			t.Errorf("identify %s: %+v, %v; want template %d", h, m, err, want)
		}
	}
	p := newPerson(sim, "dave")
	if m, err := s.Identify(timeout(t, 5*time.Second), p.prompt); !errors.Is(err, vein.ErrNoMatch) || m.Template != 0 {
		t.Errorf("identify a stranger: %+v, %v; want ErrNoMatch", m, err)
	}
}

func TestCancelMidEnrol(t *testing.T) {
	for _, how := range []string{"Cancel", "context"} {
		t.Run(how, func(t *testing.T) {
			sim := startSim(t, simvein.Config{})
			s := newSensor(t, sim)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			// The person places a hand once and then walks away
			// without lifting it.
			asked := make(chan struct{})
			var once sync.Once
			p := newPerson(sim, "alice")
			p.on = func(pr vein.Prompt) {
				if pr.Kind == vein.PromptLiftHand {
					once.Do(func() { close(asked) })
				}
			}
			done := make(chan result, 1)
			go func() {
				id, err := s.Enroll(ctx, 3, func(pr vein.Prompt) {
					if pr.Kind != vein.PromptLiftHand {
						p.prompt(pr)
					} else {
						p.on(pr)
					}
				})
				done <- result{id: id, err: err}
			}()
			select {
			case <-asked:
			case <-time.After(5 * time.Second):
				t.Fatal("the device never asked to lift the hand")
			}
			if how == "Cancel" {
				s.Cancel()
			} else {
				cancel()
			}
			r := await(t, done, 3*time.Second)
			if !errors.Is(r.err, vein.ErrCancelled) || r.id != 0 {
				t.Fatalf("enrol = %d, %v; want ErrCancelled", r.id, r.err)
			}
			if how == "context" && !errors.Is(r.err, context.Canceled) {
				t.Errorf("err = %v, want it to wrap context.Canceled", r.err)
			}
			if sim.Stats().Cancels != 1 || sim.Templates() != 0 {
				t.Fatalf("device saw %d cancels and holds %d templates; want 1 and 0", sim.Stats().Cancels, sim.Templates())
			}
			// The device is idle again: a full enrolment works.
			enroll(t, s, sim, "alice")
		})
	}
}

func TestCancelWithNothingRunning(t *testing.T) {
	sim := startSim(t, simvein.Config{})
	s := newSensor(t, sim)
	if err := s.Cancel(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Info(timeout(t, 5*time.Second)); err != nil {
		t.Fatalf("a Cancel before a call must not affect it: %v", err)
	}
}

func TestTimeouts(t *testing.T) {
	sim := startSim(t, simvein.Config{})
	s := newSensor(t, sim)
	alice := enroll(t, s, sim, "alice")
	sim.Lift()

	t.Run("nobody comes, host deadline", func(t *testing.T) {
		start := time.Now()
		cancels := sim.Stats().Cancels
		_, err := s.Verify(timeout(t, 300*time.Millisecond), alice, nil) // nobody places a hand
		if !errors.Is(err, vein.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want ErrTimeout from the deadline", err)
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("took %v", el)
		}
		if sim.Stats().Cancels != cancels+1 {
			t.Errorf("the driver did not tell the device to stop")
		}
	})

	t.Run("nobody comes, device gives up", func(t *testing.T) {
		sim.SetCaptureTimeout(150 * time.Millisecond)
		defer sim.SetCaptureTimeout(10 * time.Second)
		var kinds []vein.PromptKind
		_, err := s.Verify(timeout(t, 5*time.Second), alice, func(p vein.Prompt) { kinds = append(kinds, p.Kind) })
		var de *vein.DeviceError
		if !errors.Is(err, vein.ErrTimeout) || !errors.As(err, &de) || de.Code != wire.CodeTimeout {
			t.Fatalf("err = %v, want ErrTimeout from the device", err)
		}
		if !slices.Equal(kinds, []vein.PromptKind{vein.PromptPlaceHand, vein.PromptTimeout}) {
			t.Fatalf("prompts = %v, want place-hand, timeout", kinds)
		}
	})

	t.Run("slow capture", func(t *testing.T) {
		sim.SetCaptureDelay(3 * time.Second)
		sim.Place("alice")
		_, err := s.Verify(timeout(t, 400*time.Millisecond), alice, nil)
		if !errors.Is(err, vein.ErrTimeout) {
			t.Fatalf("err = %v, want ErrTimeout", err)
		}
		sim.SetCaptureDelay(0)
		if _, err := s.Verify(timeout(t, 5*time.Second), alice, nil); err != nil {
			t.Fatalf("verify after a timeout: %v", err)
		}
	})
}

func TestNoiseResilience(t *testing.T) {
	sim := startSim(t, simvein.Config{Seed: 7})
	s := newSensor(t, sim)
	sim.SetNoise(simvein.Noise{Garbage: 24, Partial: 0.3})
	alice := enroll(t, s, sim, "alice")
	bob := enroll(t, s, sim, "bob")
	for i := range 20 {
		h, id := simvein.Hand("alice"), alice
		if i%2 == 1 {
			h, id = "bob", bob
		}
		sim.Place(h)
		if m, err := s.Verify(timeout(t, 5*time.Second), id, nil); err != nil || m.Template != id {
			t.Fatalf("verify %d: %+v, %v", i, m, err)
		}
	}
	ns, ls := sim.Stats(), s.Stats()
	if ns.NoiseBytes == 0 || ns.PartialFrames == 0 {
		t.Fatalf("the simulator injected no noise: %+v", ns)
	}
	if ls.Dropped == 0 || ls.BadCRC+ls.BadHeader+ls.Stale == 0 {
		t.Fatalf("the driver dropped nothing: %+v", ls)
	}
	t.Logf("simulator %+v; driver parser %+v", ns, ls)
}

func TestUnplugReconnect(t *testing.T) {
	sim := startSim(t, simvein.Config{})
	s := newSensor(t, sim)
	alice := enroll(t, s, sim, "alice")

	t.Run("while idle", func(t *testing.T) {
		first := sim.PTY()
		if err := sim.Unplug(); err != nil {
			t.Fatal(err)
		}
		go func() {
			time.Sleep(300 * time.Millisecond)
			sim.Replug()
		}()
		sim.Place("alice")
		m, err := s.Verify(timeout(t, 5*time.Second), alice, nil)
		if err != nil || m.Template != alice {
			t.Fatalf("verify across a replug: %+v, %v", m, err)
		}
		t.Logf("pty %s, then %s", first, sim.PTY())
	})

	t.Run("mid-call", func(t *testing.T) {
		sim.Lift()
		asked := make(chan struct{}, 1)
		done := make(chan result, 1)
		go func() {
			m, err := s.Verify(timeout(t, 10*time.Second), alice, func(p vein.Prompt) {
				if p.Kind == vein.PromptPlaceHand {
					asked <- struct{}{}
				}
			})
			done <- result{m: m, err: err, at: time.Now()}
		}()
		select {
		case <-asked:
		case <-time.After(5 * time.Second):
			t.Fatal("no place-hand prompt")
		}
		pulled := time.Now()
		sim.Unplug()
		r := await(t, done, 5*time.Second)
		if !errors.Is(r.err, vein.ErrDisconnected) {
			t.Fatalf("err = %v, want ErrDisconnected", r.err)
		}
		// Before a 1 s heartbeat and 2 s of unanswered ping: the hangup
		// itself was seen.
		if d := r.at.Sub(pulled); d > 2500*time.Millisecond {
			t.Errorf("noticed the unplug after %v", d)
		}
		if err := sim.Replug(); err != nil {
			t.Fatal(err)
		}
		sim.Place("alice")
		if _, err := s.Verify(timeout(t, 5*time.Second), alice, nil); err != nil {
			t.Fatalf("verify after replug: %v", err)
		}
	})

	t.Run("gone for good", func(t *testing.T) {
		sim.Unplug()
		defer sim.Replug()
		_, err := s.Info(timeout(t, 400*time.Millisecond))
		if !errors.Is(err, vein.ErrDisconnected) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want ErrDisconnected after the deadline", err)
		}
	})
}

func TestSilentLine(t *testing.T) {
	sim := startSim(t, simvein.Config{})
	s := &vein.Serial{Path: sim.Path(), Heartbeat: 100 * time.Millisecond}
	t.Cleanup(func() { s.Close() })
	alice := enroll(t, s, sim, "alice")
	sim.Lift()

	// The cable is pulled but the port stays: only silence tells.
	sim.SetMute(true)
	start := time.Now()
	_, err := s.Verify(timeout(t, 5*time.Second), alice, nil)
	if !errors.Is(err, vein.ErrDisconnected) {
		t.Fatalf("err = %v, want ErrDisconnected", err)
	}
	// ErrDisconnected (not ErrTimeout) already says it did not wait for
	// the deadline; it must not have given up before a ping went
	// unanswered either.
	if el := time.Since(start); el < 300*time.Millisecond {
		t.Errorf("gave up after %v, before 3 heartbeats", el)
	}
	waitFor(t, "the simulator to see a ping", func() bool { return sim.Stats().Pings > 0 })
	sim.SetMute(false)
	sim.Place("alice")
	if _, err := s.Verify(timeout(t, 5*time.Second), alice, nil); err != nil {
		t.Fatalf("verify once the line is back: %v", err)
	}
}

func TestCallsTakeTurns(t *testing.T) {
	sim := startSim(t, simvein.Config{})
	s := newSensor(t, sim)
	alice := enroll(t, s, sim, "alice")
	sim.Place("alice")
	done := make(chan result, 4)
	for range 4 {
		go func() {
			m, err := s.Verify(timeout(t, 10*time.Second), alice, nil)
			done <- result{m: m, err: err}
		}()
	}
	for range 4 {
		if r := await(t, done, 10*time.Second); r.err != nil {
			t.Fatalf("concurrent verify: %v", r.err)
		}
	}
}

func TestClose(t *testing.T) {
	sim := startSim(t, simvein.Config{})
	s := newSensor(t, sim)
	alice := enroll(t, s, sim, "alice")
	sim.Lift()
	asked := make(chan struct{}, 1)
	done := make(chan result, 1)
	go func() {
		_, err := s.Verify(timeout(t, 10*time.Second), alice, func(vein.Prompt) { asked <- struct{}{} })
		done <- result{err: err}
	}()
	<-asked
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if r := await(t, done, 3*time.Second); !errors.Is(r.err, vein.ErrClosed) {
		t.Fatalf("call in progress: err = %v, want ErrClosed", r.err)
	}
	if _, err := s.Info(timeout(t, time.Second)); !errors.Is(err, vein.ErrClosed) {
		t.Fatalf("call after Close: err = %v, want ErrClosed", err)
	}
}

func TestDeviceErrorIs(t *testing.T) {
	tests := []struct {
		code wire.Code
		want error // nil: matches none
	}{
		{wire.CodeTimeout, vein.ErrTimeout},
		{wire.CodeCancelled, vein.ErrCancelled},
		{wire.CodeUnknownTemplate, vein.ErrUnknownTemplate},
		{wire.CodeBusy, nil},
		{wire.CodeHardware, nil},
		{wire.Code(0xEE), nil},
	}
	all := []error{vein.ErrTimeout, vein.ErrCancelled, vein.ErrUnknownTemplate, vein.ErrNoMatch, vein.ErrDisconnected}
	for _, tt := range tests {
		err := error(&vein.DeviceError{Code: tt.code})
		for _, target := range all {
			if got := errors.Is(err, target); got != (target == tt.want) {
				t.Errorf("errors.Is(%v, %v) = %v", err, target, got)
			}
		}
	}
}

func TestDelete(t *testing.T) {
	sim := startSim(t, simvein.Config{})
	s := newSensor(t, sim)
	alice := enroll(t, s, sim, "alice")
	bob := enroll(t, s, sim, "bob")

	if err := s.Delete(timeout(t, 5*time.Second), alice); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if sim.Templates() != 1 {
		t.Fatalf("device holds %d templates after delete, want 1", sim.Templates())
	}
	p := newPerson(sim, "alice")
	if _, err := s.Verify(timeout(t, 5*time.Second), alice, p.prompt); !errors.Is(err, vein.ErrUnknownTemplate) {
		t.Fatalf("verify a deleted template: %v, want ErrUnknownTemplate", err)
	}
	if m, err := s.Identify(timeout(t, 5*time.Second), p.prompt); !errors.Is(err, vein.ErrNoMatch) || m.Template != 0 {
		t.Fatalf("identify a deleted hand: %+v, %v; want ErrNoMatch", m, err)
	}
	if err := s.Delete(timeout(t, 5*time.Second), alice); !errors.Is(err, vein.ErrUnknownTemplate) {
		t.Fatalf("delete twice: %v, want ErrUnknownTemplate", err)
	}
	if err := s.Delete(timeout(t, 5*time.Second), 0); !errors.Is(err, vein.ErrUnknownTemplate) {
		t.Fatalf("delete template 0: %v, want ErrUnknownTemplate", err)
	}
	// The other template still works, and a new enrolment of the deleted hand gets a new id.
	p = newPerson(sim, "bob")
	if _, err := s.Verify(timeout(t, 5*time.Second), bob, p.prompt); err != nil {
		t.Fatalf("verify the remaining template: %v", err)
	}
	if again := enroll(t, s, sim, "alice"); again == alice || again == 0 {
		t.Fatalf("re-enrolment got id %d, want a new one (old %d)", again, alice)
	}
}
