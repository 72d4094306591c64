package card

import (
	"testing"
	"time"

	simcard "github.com/mynumber-shelter/shelter/devices/sim/card"
)

// BenchmarkReadKenhojoInProcess: ReadKenhojo against the virtual card's APDU handler, no
// PC/SC. Reports APDU round trips per read.
func BenchmarkReadKenhojoInProcess(b *testing.B) {
	c := &Counter{Transport: inProcess(newSim(b, simcard.Config{}))}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadKenhojo(c, testPIN); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.APDUs())/float64(b.N), "apdus/op")
}

// BenchmarkReadKenhojoPCSC: ReadKenhojo through ebfe/scard, pcscd and vpcd to the virtual
// card over loopback TCP. Reports ms per read and APDU round trips per read.
func BenchmarkReadKenhojoPCSC(b *testing.B) {
	p := openPCSC(b)
	card := insert(b, p, simcard.Config{})
	c := &Counter{Transport: card.conn}
	start := time.Now()
	for b.Loop() {
		if _, err := ReadKenhojo(c, testPIN); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/op")
	b.ReportMetric(float64(c.APDUs())/float64(b.N), "apdus/op")
}
