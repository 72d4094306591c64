package audit

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/store"
)

// BenchmarkAppendCommit is one store.Update with one Append per op on a file database.
// Target: median ≤ 2 ms (reported as p50-ms).
func BenchmarkAppendCommit(b *testing.B) {
	db := openDB(b)
	db.Now = time.Now
	l := &Log{Key: testKey, Workstation: "desk-1"}
	e := Entry{UserID: 1, Login: "tanaka", Action: ActionView, CompanyID: 3, TargetType: "person",
		TargetID: "17", Purpose: "gensen", Result: ResultOK, Detail: "源泉徴収票の作成のため照会"}
	ctx := context.Background()
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		began := time.Now()
		err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := l.Append(tx, e)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(began))
	}
	b.StopTimer()
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2])/float64(time.Millisecond), "p50-ms")
	b.ReportMetric(float64(durations[len(durations)*99/100])/float64(time.Millisecond), "p99-ms")
}

// BenchmarkVerify1M verifies a chain of 1,000,000 entries, the chain alone ("chain") and with
// its seals as 2-1 does ("sealed"). Target: ≤ 3 s per op.
func BenchmarkVerify1M(b *testing.B) {
	db := bigLog(b)
	ctx := context.Background()
	for _, sealed := range []bool{false, true} {
		name := "chain"
		if sealed {
			name = "sealed"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				run := func() (VerifyResult, error) { return Verify(ctx, db, testKey) }
				if sealed {
					run = func() (VerifyResult, error) { return VerifySealed(ctx, db, testKey, sealKey, 1) }
				}
				res, err := run()
				if err != nil {
					b.Fatal(err)
				}
				if !res.OK || res.Entries != bigEntries || res.SealChecked != sealed || res.Sealed == 0 {
					b.Fatalf("Verify = %+v", res)
				}
			}
		})
	}
}

// BenchmarkQueryPage1M reads one page of 50 out of 1,000,000 entries: for one company (the
// target, ≤ 50 ms per op), newest and deep in the history, and for the other filters of 2-1.
func BenchmarkQueryPage1M(b *testing.B) {
	db := bigLog(b)
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		f    Filter
	}{
		{"newest", Filter{CompanyID: 17, Limit: 50}},
		{"deep", Filter{CompanyID: 17, Limit: 50, BeforeID: 100_000}},
		{"company+action", Filter{CompanyID: 17, Actions: []Action{ActionExport, ActionView}, Limit: 50}},
		{"company+day", Filter{CompanyID: 17, Limit: 50,
			From: time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 1, 6, 0, 0, 0, 0, time.UTC)}},
		{"user", Filter{UserID: 5, Limit: 50}},
		{"day", Filter{Limit: 50,
			From: time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 1, 6, 0, 0, 0, 0, time.UTC)}},
		{"two-actions", Filter{Actions: []Action{ActionExport, ActionDispose}, Limit: 50}},
		{"denied", Filter{Result: ResultDenied, Limit: 50}},
		{"person", Filter{TargetType: "person", TargetID: "4217", Limit: 50}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				err := db.View(ctx, func(tx *store.Tx) error {
					es, err := Query(tx, bc.f)
					if err == nil && len(es) == 0 {
						b.Fatal("empty page")
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCount1M counts one company's entries out of 1,000,000 (the page total in 2-1).
func BenchmarkCount1M(b *testing.B) {
	db := bigLog(b)
	ctx := context.Background()
	for b.Loop() {
		err := db.View(ctx, func(tx *store.Tx) error {
			_, err := Count(tx, Filter{CompanyID: 17})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
