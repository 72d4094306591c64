package scanner

import (
	"context"
	"testing"
	"time"

	simescl "github.com/mynumber-shelter/shelter/devices/sim/escl"
)

// BenchmarkScanLoopback measures whole feeder jobs (capabilities, job, 20 duplex pages) against
// the simulator over loopback TLS. "small" pages are the simulator's ~1 KiB card images and
// show the per-page protocol cost; "1MiB" pages are the size of a 300 dpi colour ID scan.
func BenchmarkScanLoopback(b *testing.B) {
	for _, bc := range []struct {
		name  string
		bytes int
	}{{"small", 0}, {"1MiB", 1 << 20}} {
		b.Run(bc.name, func(b *testing.B) {
			const sheets = 10
			sim := &simescl.Scanner{PageBytes: bc.bytes}
			c := serve(b, sim)
			pages := 0
			var size int64
			start := time.Now()
			for b.Loop() {
				sim.LoadSheets(sheets)
				err := c.Scan(context.Background(), Settings{Source: Feeder, Duplex: true}, func(p Page) error {
					pages++
					size += int64(len(p.Data))
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			elapsed := time.Since(start)
			b.ReportMetric(float64(pages)/elapsed.Seconds(), "pages/s")
			b.ReportMetric(float64(size)/elapsed.Seconds()/(1<<20), "MiB/s")
		})
	}
}
