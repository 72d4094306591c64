package relaysync_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	relaysync "github.com/mynumber-shelter/shelter/bridge/sync"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/sealbox"
)

// BenchmarkSubmissions10k relays 10,000 submissions (4 KiB sealed boxes) from upload on the
// employee API to acknowledged import, in 100 rounds: 100 logged-in employees upload one box
// each (8 at a time; the relay keeps one pending submission per employee), the bridge pulls
// them over mutual TLS, each is opened with the company's key (the app's import step) and
// acknowledged, the employee is sent back so that they may submit again, and a round
// delivers the acknowledgements (the relay deletes) and sendbacks. Metrics:
// submissions/s end to end, p99 of upload→acknowledged, and the process's heap in use and
// memory from the OS after the load (relay, bridge and client share the process).
func BenchmarkSubmissions10k(b *testing.B) {
	const nEmployees, each, parallel = 100, 100, 8
	r := startRelay(b)
	ctx := context.Background()
	s := newSyncer(b, &keychain.Mem{})
	if _, err := s.Enrol(ctx, r.URL, r.caPEM, r.token()); err != nil {
		b.Fatal(err)
	}
	payload := bytes.Repeat([]byte("x"), 4096-sealbox.Overhead)
	var lat []time.Duration
	var total int
	var elapsed time.Duration
	iter := 0
	for b.Loop() {
		iter++
		company := fmt.Sprintf("c-bench-%d", iter)
		priv := publish(b, ctx, s, company)
		codes := make([]string, nEmployees)
		for i := range codes {
			codes[i] = fmt.Sprintf("E%03d", i)
		}
		employees(b, s, company, "ABCDEFGHJKLM", codes...)
		clients := make([]*http.Client, len(codes))
		for i, code := range codes {
			clients[i] = r.login(b, company, code, "ABCDEFGHJKLM")
		}
		start := time.Now()
		n := 0
		for round := range each {
			// Every employee uploads one box (8 at a time)...
			sent := make([]time.Time, len(codes))
			var wg sync.WaitGroup
			sem := make(chan struct{}, parallel)
			for i, code := range codes {
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer func() { <-sem; wg.Done() }()
					box, _ := sealbox.Seal(nil, priv.PublicKey(), []byte(code), payload)
					sent[i] = time.Now()
					r.post(b, clients[i], box)
				}()
			}
			wg.Wait()
			if b.Failed() {
				b.FailNow()
			}
			// ...the bridge pulls, the app opens and acknowledges each, and (to let the
			// employee submit again) sends it back; one more round delivers acks and sendbacks.
			if _, err := s.SyncNow(ctx); err != nil {
				b.Fatal(err)
			}
			items, err := s.Inbox(ctx, company, 0)
			if err != nil || len(items) != len(codes) {
				b.Fatalf("round %d: %d items, %v", round, len(items), err)
			}
			var back []relaysync.OutboxItem
			acked := make([]int, 0, len(items))
			for _, it := range items {
				_, box, err := s.Box(ctx, it.ID)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := sealbox.Open(priv, []byte(it.Employee), box); err != nil {
					b.Fatal(err)
				}
				if err := s.Ack(ctx, it.ID); err != nil {
					b.Fatal(err)
				}
				var k int
				fmt.Sscanf(it.Employee, "E%d", &k)
				acked = append(acked, k)
				back = append(back, relaysync.OutboxItem{Key: fmt.Sprintf("back/%s/%d/%s", company, round, it.Employee), Method: "POST",
					Path: "/v1/bridge/companies/" + company + "/employees/" + it.Employee + "/sendback", Body: []byte(`{"reason":"bench"}`)})
			}
			if _, err := s.Enqueue(ctx, back); err != nil {
				b.Fatal(err)
			}
			if res, err := s.SyncNow(ctx); err != nil || res.Failed != 0 {
				b.Fatalf("acks: %+v %v", res, err)
			}
			now := time.Now()
			for _, k := range acked {
				lat = append(lat, now.Sub(sent[k]))
			}
			n += len(items)
		}
		elapsed += time.Since(start)
		total += n
		if left, _ := r.st.ListSubmissions(ctx, company, 0, 0); len(left) != 0 {
			b.Fatalf("%d submissions left on the relay", len(left))
		}
	}
	slices.Sort(lat)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(total)/elapsed.Seconds(), "submissions/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-inuse-MiB")
	b.ReportMetric(float64(ms.Sys)/(1<<20), "sys-MiB")
}
