package cloud

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkRelayEnvelopes posts 1 KiB envelopes over loopback TLS (mutual, HTTP/2, one
// connection) to a relay on a real SQLite file: envelopes/s and the p99 latency of one POST.
func BenchmarkRelayEnvelopes(b *testing.B) {
	r := startRelay(b, func(s *Server) { s.Limits = Limits{PerIP: Unlimited, PerOffice: Unlimited} })
	o := r.enrol("Bench Office")
	r.registerCompany(o, "c1")
	ct := make([]byte, 1<<10)
	var lat []time.Duration
	start := time.Now()
	for b.Loop() {
		env := o.envelope(b, "c1", "person-1", ct)
		t0 := time.Now()
		code, body, _ := do(b, o.client, "POST", r.url+"/v1/bridge/envelopes", env)
		lat = append(lat, time.Since(t0))
		if code != http.StatusCreated {
			b.Fatalf("%d %s", code, body)
		}
	}
	elapsed := time.Since(start)
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "envelopes/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
