// Package storetest is the one contract suite every [store.Store] implementation must pass.
// It only calls the interface; each implementation's test supplies a fresh, empty store.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/cloud/store"
)

var t0 = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

// RunContract runs the suite. open must return a new empty store for each call; the suite
// closes it.
func RunContract(t *testing.T, open func(t *testing.T) store.Store) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"Tokens", testTokens},
		{"TokenOnceConcurrently", testTokenOnceConcurrently},
		{"ClientCerts", testClientCerts},
		{"Companies", testCompanies},
		{"Submissions", testSubmissions},
		{"EnvelopeReplay", testEnvelopeReplay},
		{"EnvelopeReplayConcurrently", testEnvelopeReplayConcurrently},
		{"ListPaging", testListPaging},
		{"PagingWhileWriting", testPagingWhileWriting},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s)
		})
	}
	runEmployeeContract(t, open)  // employees.go
	runDirectoryContract(t, open) // directory.go
	runReplicaContract(t, open)   // replica.go
	runMemberContract(t, open)    // members.go
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func office(t *testing.T, s store.Store, id string) {
	t.Helper()
	must(t, s.EnrolOffice(context.Background(), store.Office{ID: id, Name: "Office " + id, Created: t0}, store.HashToken("tok-"+id), t0.Add(time.Hour)))
}

func company(t *testing.T, s store.Store, officeID, id string) {
	t.Helper()
	must(t, s.RegisterCompany(context.Background(), officeID, id, []byte("pub-"+id), t0))
}

func testTokens(t *testing.T, s store.Store) {
	ctx := context.Background()
	must(t, s.EnrolOffice(ctx, store.Office{ID: "o1", Name: "Sato Office", Created: t0}, store.HashToken("a"), t0.Add(time.Hour)))
	// A second token for the same office keeps the first name.
	must(t, s.EnrolOffice(ctx, store.Office{ID: "o1", Name: "Renamed", Created: t0}, store.HashToken("b"), t0.Add(time.Minute)))

	o, err := s.ConsumeToken(ctx, store.HashToken("a"), t0.Add(time.Minute))
	must(t, err)
	if o.ID != "o1" || o.Name != "Sato Office" || !o.Created.Equal(t0) {
		t.Fatalf("ConsumeToken = %+v", o)
	}
	for name, tc := range map[string]struct {
		token string
		at    time.Time
	}{
		"reused":  {"a", t0.Add(2 * time.Minute)},
		"expired": {"b", t0.Add(time.Minute)},
		"unknown": {"c", t0},
	} {
		if _, err := s.ConsumeToken(ctx, store.HashToken(tc.token), tc.at); !errors.Is(err, store.ErrTokenUsed) {
			t.Errorf("%s token: err = %v, want ErrTokenUsed", name, err)
		}
	}
}

func testTokenOnceConcurrently(t *testing.T, s store.Store) {
	office(t, s, "o1")
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, used := 0, 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.ConsumeToken(context.Background(), store.HashToken("tok-o1"), t0)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, store.ErrTokenUsed):
				used++
			default:
				t.Errorf("ConsumeToken: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || used != 7 {
		t.Fatalf("%d consumed, %d refused; want 1 and 7", wins, used)
	}
}

func testClientCerts(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	c := store.ClientCert{Fingerprint: [32]byte{1, 2}, Office: "o1", NotAfter: t0.Add(90 * 24 * time.Hour),
		SigningKey: bytes.Repeat([]byte{7}, 32), KeyID: [16]byte{9}}
	must(t, s.RegisterClientCert(ctx, c))
	got, err := s.ClientCert(ctx, c.Fingerprint)
	must(t, err)
	if got.Office != "o1" || !got.NotAfter.Equal(c.NotAfter) || !bytes.Equal(got.SigningKey, c.SigningKey) || got.KeyID != c.KeyID {
		t.Fatalf("ClientCert = %+v", got)
	}
	byKey, err := s.SigningKey(ctx, c.KeyID)
	must(t, err)
	if byKey.Fingerprint != c.Fingerprint {
		t.Fatalf("SigningKey = %+v", byKey)
	}
	if _, err := s.ClientCert(ctx, [32]byte{3}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown fingerprint: %v", err)
	}
	if _, err := s.SigningKey(ctx, [16]byte{3}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown key id: %v", err)
	}
	c2 := c
	c2.Fingerprint = [32]byte{5}
	if err := s.RegisterClientCert(ctx, c2); !errors.Is(err, store.ErrExists) {
		t.Errorf("same signing key twice: %v, want ErrExists", err)
	}
}

func testCompanies(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	office(t, s, "o2")
	company(t, s, "o1", "c1")
	if err := s.RegisterCompany(ctx, "o2", "c1", []byte("evil"), t0); !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("other office re-registers: %v, want ErrForbidden", err)
	}
	must(t, s.RegisterCompany(ctx, "o1", "c1", []byte("pub-2"), t0)) // rotate the key
	k, err := s.SubmissionKey(ctx, "c1")
	must(t, err)
	if string(k) != "pub-2" {
		t.Fatalf("SubmissionKey = %q", k)
	}
	if _, err := s.SubmissionKey(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown company: %v", err)
	}
	for _, tc := range []struct {
		office string
		want   bool
	}{{"o1", true}, {"o2", false}, {"o3", false}} {
		got, err := s.IsMember(ctx, tc.office, "c1")
		must(t, err)
		if got != tc.want {
			t.Errorf("IsMember(%s) = %v", tc.office, got)
		}
	}
	if err := s.AddMember(ctx, "o2", "c1", "o2"); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("non-member adds itself: %v", err)
	}
	if err := s.AddMember(ctx, "o1", "c1", "o9"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown office added: %v", err)
	}
	must(t, s.AddMember(ctx, "o1", "c1", "o2"))
	must(t, s.AddMember(ctx, "o1", "c1", "o2")) // idempotent
	if ok, _ := s.IsMember(ctx, "o2", "c1"); !ok {
		t.Error("AddMember did not add")
	}
}

func testSubmissions(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	company(t, s, "o1", "c1")
	company(t, s, "o1", "c2")
	if _, err := s.PutSubmission(ctx, "nope", []byte("x"), t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown company: %v", err)
	}
	id1, err := s.PutSubmission(ctx, "c1", []byte("ct-1"), t0)
	must(t, err)
	_, err = s.PutSubmission(ctx, "c2", []byte("other"), t0)
	must(t, err)
	id3, err := s.PutSubmission(ctx, "c1", []byte("ct-3"), t0.Add(time.Second))
	must(t, err)
	if id3 <= id1 {
		t.Fatalf("ids not increasing: %d then %d", id1, id3)
	}
	list, err := s.ListSubmissions(ctx, "c1", 0, 0)
	must(t, err)
	if len(list) != 2 || list[0].ID != id1 || string(list[1].Body) != "ct-3" || !list[1].Created.Equal(t0.Add(time.Second)) {
		t.Fatalf("ListSubmissions = %+v", list)
	}
	if err := s.DeleteSubmission(ctx, "c2", id1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete through another company: %v", err)
	}
	must(t, s.DeleteSubmission(ctx, "c1", id1))
	if err := s.DeleteSubmission(ctx, "c1", id1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	list, _ = s.ListSubmissions(ctx, "c1", 0, 0)
	if len(list) != 1 || list[0].ID != id3 {
		t.Fatalf("after delete: %+v", list)
	}
	// Ids are never reused, so an "after" cursor stays valid.
	id4, err := s.PutSubmission(ctx, "c1", []byte("ct-4"), t0)
	must(t, err)
	if id4 <= id3 {
		t.Fatalf("id reused: %d after %d", id4, id3)
	}
}

func env(company string, sender byte, seq uint64) store.Envelope {
	return store.Envelope{Company: company, Record: "r1", Sender: [16]byte{sender}, Seq: seq,
		Body: []byte(fmt.Sprintf("%s/%d/%d", company, sender, seq)), Created: t0}
}

func testEnvelopeReplay(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	company(t, s, "o1", "c1")
	company(t, s, "o1", "c2")
	for _, tc := range []struct {
		e    store.Envelope
		want error
	}{
		{env("c1", 1, 5), nil},
		{env("c1", 1, 5), store.ErrReplay},  // the same again
		{env("c1", 1, 4), store.ErrReplay},  // older
		{env("c1", 1, 6), nil},              // next
		{env("c1", 2, 1), nil},              // another sender has its own counter
		{env("c2", 1, 1), nil},              // another company too
		{env("c1", 1, 100), nil},            // gaps are fine
		{env("c1", 1, 99), store.ErrReplay}, // but never backwards
	} {
		_, err := s.PutEnvelope(ctx, tc.e)
		if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("PutEnvelope(%s, sender %d, seq %d) = %v, want %v", tc.e.Company, tc.e.Sender[0], tc.e.Seq, err, tc.want)
		}
	}
	list, err := s.ListEnvelopes(ctx, "c1", 0, 0)
	must(t, err)
	if len(list) != 4 {
		t.Fatalf("ListEnvelopes = %d envelopes, want 4", len(list))
	}
	if e := list[0]; e.Record != "r1" || e.Seq != 5 || e.Sender != [16]byte{1} || string(e.Body) != "c1/1/5" || !e.Created.Equal(t0) {
		t.Fatalf("stored envelope = %+v", e)
	}
	// Deleting does not reset the counter.
	for _, e := range list {
		must(t, s.DeleteEnvelope(ctx, "c1", e.ID))
	}
	if _, err := s.PutEnvelope(ctx, env("c1", 1, 100)); !errors.Is(err, store.ErrReplay) {
		t.Fatalf("replay after delete: %v", err)
	}
	if err := s.DeleteEnvelope(ctx, "c1", list[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func testEnvelopeReplayConcurrently(t *testing.T, s store.Store) {
	office(t, s, "o1")
	company(t, s, "o1", "c1")
	var wg sync.WaitGroup
	var mu sync.Mutex
	stored := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.PutEnvelope(context.Background(), env("c1", 1, 1))
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				stored++
			} else if !errors.Is(err, store.ErrReplay) {
				t.Errorf("PutEnvelope: %v", err)
			}
		}()
	}
	wg.Wait()
	list, _ := s.ListEnvelopes(context.Background(), "c1", 0, 0)
	if stored != 1 || len(list) != 1 {
		t.Fatalf("%d accepted, %d stored; want exactly one", stored, len(list))
	}
}

func testListPaging(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	company(t, s, "o1", "c1")
	for i := range 25 {
		_, err := s.PutEnvelope(ctx, env("c1", 1, uint64(i+1)))
		must(t, err)
	}
	var after int64
	var seqs []uint64
	for {
		page, err := s.ListEnvelopes(ctx, "c1", after, 10)
		must(t, err)
		if len(page) == 0 {
			break
		}
		if len(page) > 10 {
			t.Fatalf("page of %d", len(page))
		}
		for _, e := range page {
			seqs = append(seqs, e.Seq)
		}
		after = page[len(page)-1].ID
	}
	if len(seqs) != 25 || seqs[0] != 1 || seqs[24] != 25 {
		t.Fatalf("paged sequences = %v", seqs)
	}
	if l, _ := s.ListEnvelopes(ctx, "other", 0, 0); len(l) != 0 {
		t.Fatalf("another company sees %d envelopes", len(l))
	}
}

// testPagingWhileWriting: a reader paging a company's submissions with after=ID while many
// writers add them (as several relays on one PostgreSQL do) sees every one: no id commits after
// a larger one was listed.
func testPagingWhileWriting(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	company(t, s, "o1", "c1")
	const writers, each = 8, 60
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := s.PutSubmission(ctx, "c1", []byte(fmt.Sprintf("box %d/%d", w, i)), t0); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := map[int64]bool{}
	var after int64
	read := func() {
		for {
			page, err := s.ListSubmissions(ctx, "c1", after, 50)
			must(t, err)
			if len(page) == 0 {
				return
			}
			for _, p := range page {
				seen[p.ID] = true
			}
			after = page[len(page)-1].ID
		}
	}
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		read()
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	all, err := s.ListSubmissions(ctx, "c1", 0, 1000)
	must(t, err)
	if len(all) != writers*each {
		t.Fatalf("%d submissions stored, want %d", len(all), writers*each)
	}
	var skipped []int64
	for _, p := range all {
		if !seen[p.ID] {
			skipped = append(skipped, p.ID)
		}
	}
	if len(skipped) > 0 {
		t.Fatalf("the paging reader skipped %d submissions committed out of id order: %v", len(skipped), skipped[:min(10, len(skipped))])
	}
}
