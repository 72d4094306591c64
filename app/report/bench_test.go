package report

import (
	"io"
	"iter"
	"runtime"
	"testing"
)

// sampledRows yields rows 1..n and samples the live heap every 5,000 rows into *peak.
func sampledRows(n int, peak *uint64) iter.Seq2[HistoryRow, error] {
	return func(yield func(HistoryRow, error) bool) {
		var ms runtime.MemStats
		for i := 1; i <= n; i++ {
			if i%5000 == 0 {
				runtime.ReadMemStats(&ms)
				*peak = max(*peak, ms.HeapInuse)
			}
			if !yield(fixtureRow(i), nil) {
				return
			}
		}
	}
}

// countingWriter counts bytes and samples the heap when the finished workbook is written.
type countingWriter struct {
	n    int64
	peak *uint64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	*w.peak = max(*w.peak, ms.HeapInuse)
	w.n += int64(len(p))
	return len(p), nil
}

// TestHistoryReportMemory writes 100,000 rows and checks that the heap stays bounded: the
// StreamWriter keeps at most 16 MiB of rows in memory and spills the rest to a temporary
// file, and the finished file (a few MiB) is built in memory once.
func TestHistoryReportMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100,000 rows")
	}
	const rows = 100_000
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak uint64
	w := &countingWriter{peak: &peak}
	n, err := WriteHistoryReport(w, fixtureHeader(), sampledRows(rows, &peak), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n != rows {
		t.Fatalf("wrote %d rows", n)
	}
	t.Logf("history report, %d rows: file %.1f MiB, peak heap in use %.1f MiB (%.1f MiB before)",
		rows, float64(w.n)/(1<<20), float64(peak)/(1<<20), float64(base.HeapInuse)/(1<<20))
	const limit = 160 << 20
	if peak > limit {
		t.Errorf("peak heap %d MiB, want under %d MiB", peak>>20, limit>>20)
	}
}

// BenchmarkHistoryReport100k writes a 100,000-row history report (target: under 10 s).
func BenchmarkHistoryReport100k(b *testing.B) {
	h := fixtureHeader()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := WriteHistoryReport(io.Discard, h, fixtureRows(100_000), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHistoryCSV100k writes the same rows as CP932 CSV.
func BenchmarkHistoryCSV100k(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := WriteHistoryCSV(io.Discard, fixtureRows(100_000), CP932); err != nil {
			b.Fatal(err)
		}
	}
}
