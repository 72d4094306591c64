package simescl

import "testing"

// BenchmarkPageA4 measures rendering one A4 colour page at 300 dpi (the default request) and
// reports its size: a real scanner's page is megabytes, and so is the simulator's.
func BenchmarkPageA4(b *testing.B) {
	for b.Loop() {
		d, err := page(Settings{ColorMode: "RGB24", XResolution: 300, YResolution: 300}, 1, 1, false, 0)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(d)), "bytes/page")
	}
}
