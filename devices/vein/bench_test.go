package vein_test

import (
	"testing"
	"time"

	simvein "github.com/mynumber-shelter/shelter/devices/sim/vein"
)

// BenchmarkVerifyRoundTrip is one 1:1 verification with the hand already
// on the sensor: request, two prompts and the reply, through tarm/serial
// and a real pty to the simulator and back.
func BenchmarkVerifyRoundTrip(b *testing.B) {
	sim := startSim(b, simvein.Config{})
	s := newSensor(b, sim)
	id := enroll(b, s, sim, "alice")
	sim.Place("alice")
	ctx := timeout(b, 10*time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Verify(ctx, id, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
}
