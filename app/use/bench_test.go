package use

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkRevealWithAudit measures one reveal: role and purpose checks, unwrapping the company
// and person keys, opening the number and committing the audit entry, on a vault file in WAL
// mode as the app runs it. It reports the p50 and p99 latency; the target is p99 ≤ 20 ms.
func BenchmarkRevealWithAudit(b *testing.B) {
	f := newFixture(b)
	f.db.Now = time.Now // real time: each entry is new, as in use
	ctx := context.Background()
	h := f.sess["handler"]
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		r, err := f.svc.Reveal(ctx, h, f.yamada, "TAX-WH", "")
		lat = append(lat, time.Since(start))
		if err != nil || r.Number == "" {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	q := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}
