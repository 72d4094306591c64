package storetest

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/cloud/store"
)

// directoryTests are the contract of [store.DirectoryStore], run by RunContract.
var directoryTests = []struct {
	name string
	fn   func(*testing.T, store.Store)
}{
	{"OfficeKeys", testOfficeKeys},
	{"OfficeKeyConcurrently", testOfficeKeyConcurrently},
	{"OfficeCompanies", testOfficeCompanies},
}

// runDirectoryContract runs directoryTests, each on a fresh store.
func runDirectoryContract(t *testing.T, open func(t *testing.T) store.Store) {
	for _, tc := range directoryTests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s)
		})
	}
}

// p256 returns a fresh uncompressed P-256 point, as installations publish.
func p256(t *testing.T) []byte {
	t.Helper()
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	must(t, err)
	return k.PublicKey().Bytes()
}

func testOfficeKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	office(t, s, "o2")

	if _, err := s.OfficeKey(ctx, "o1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("key of an office that published none: %v, want ErrNotFound", err)
	}
	if _, err := s.OfficeKey(ctx, "o9"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("key of an unknown office: %v, want ErrNotFound", err)
	}
	if err := s.SetOfficeKey(ctx, "o9", p256(t), t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("publishing for an unknown office: %v, want ErrNotFound", err)
	}
	if _, err := s.OfficeKey(ctx, "o9"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused key was stored: %v", err)
	}

	// Publish with a time that has nanoseconds: it comes back exactly.
	k1, k2 := p256(t), p256(t)
	at := t0.Add(1234567891 * time.Nanosecond)
	must(t, s.SetOfficeKey(ctx, "o1", k1, at))
	must(t, s.SetOfficeKey(ctx, "o2", k2, at))
	got, err := s.OfficeKey(ctx, "o1")
	must(t, err)
	if got.Office != "o1" || got.Name != "Office o1" || !bytes.Equal(got.PublicKey, k1) || !got.Updated.Equal(at) {
		t.Fatalf("OfficeKey(o1) = %+v, want o1, Office o1, its key, %v", got, at)
	}
	if got, err := s.OfficeKey(ctx, "o2"); err != nil || !bytes.Equal(got.PublicKey, k2) || got.Name != "Office o2" {
		t.Fatalf("OfficeKey(o2) = %+v, %v: each office has its own key", got, err)
	}

	// Publishing again replaces the key and the time; the other office is untouched.
	k3 := p256(t)
	later := t0.Add(24 * time.Hour)
	must(t, s.SetOfficeKey(ctx, "o1", k3, later))
	got, err = s.OfficeKey(ctx, "o1")
	must(t, err)
	if !bytes.Equal(got.PublicKey, k3) || !got.Updated.Equal(later) {
		t.Fatalf("after replacing: %+v, want the new key at %v", got, later)
	}
	if got, _ := s.OfficeKey(ctx, "o2"); !bytes.Equal(got.PublicKey, k2) {
		t.Fatal("replacing o1's key changed o2's")
	}

	// A second enrolment token keeps the office's first name, and its key.
	must(t, s.EnrolOffice(ctx, store.Office{ID: "o1", Name: "Renamed", Created: t0}, store.HashToken("again"), t0.Add(time.Hour)))
	if got, _ := s.OfficeKey(ctx, "o1"); got.Name != "Office o1" || !bytes.Equal(got.PublicKey, k3) {
		t.Fatalf("after a new enrolment token: %+v", got)
	}
}

// testOfficeKeyConcurrently publishes from several relays at once: every call succeeds (an
// upsert, never a duplicate-key error) and one of the keys is what remains.
func testOfficeKeyConcurrently(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	const n = 8
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = p256(t)
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.SetOfficeKey(ctx, "o1", keys[i], t0.Add(time.Duration(i)*time.Second))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent publish %d: %v", i, err)
		}
	}
	got, err := s.OfficeKey(ctx, "o1")
	must(t, err)
	i := slices.IndexFunc(keys, func(k []byte) bool { return bytes.Equal(k, got.PublicKey) })
	if i < 0 {
		t.Fatal("the stored key is none of the published ones")
	}
	if want := t0.Add(time.Duration(i) * time.Second); !got.Updated.Equal(want) {
		t.Fatalf("key %d stored with the time %v of another call, want %v", i, got.Updated, want)
	}
}

func testOfficeCompanies(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	office(t, s, "o2")
	office(t, s, "o3")

	for _, o := range []string{"o1", "o9"} {
		list, err := s.OfficeCompanies(ctx, o)
		must(t, err)
		if len(list) != 0 {
			t.Fatalf("OfficeCompanies(%s) before any company = %v", o, list)
		}
	}
	// Registered out of order; listed by id.
	for _, c := range []string{"c-b", "c-c", "c-a"} {
		company(t, s, "o1", c)
	}
	company(t, s, "o2", "c-z")
	must(t, s.AddMember(ctx, "o1", "c-b", "o2"))
	must(t, s.AddMember(ctx, "o1", "c-b", "o2")) // idempotent: listed once

	for _, tc := range []struct {
		office string
		want   []string
	}{
		{"o1", []string{"c-a", "c-b", "c-c"}},
		{"o2", []string{"c-b", "c-z"}},
		{"o3", nil},
		{"o9", nil},
	} {
		list, err := s.OfficeCompanies(ctx, tc.office)
		must(t, err)
		if fmt.Sprint(list) != fmt.Sprint(tc.want) && !(len(list) == 0 && len(tc.want) == 0) {
			t.Errorf("OfficeCompanies(%s) = %v, want %v", tc.office, list, tc.want)
		}
	}
}
