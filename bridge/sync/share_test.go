package relaysync_test

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"slices"
	"testing"

	relaysync "github.com/mynumber-shelter/shelter/bridge/sync"
	"github.com/mynumber-shelter/shelter/cloud/envelope"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

func enrolledShare(t *testing.T, r *relay) (*relaysync.Syncer, *relaysync.Share, string) {
	t.Helper()
	s := &relaysync.Syncer{Dir: t.TempDir(), Keychain: &keychain.Mem{}}
	t.Cleanup(func() { s.Close() })
	rel, err := s.Enrol(context.Background(), r.URL, r.caPEM, r.token())
	if err != nil {
		t.Fatal(err)
	}
	return s, &relaysync.Share{Syncer: s}, rel.Office
}

// sendEnvelope prepares, hands ct over in two parts (the first one twice, as a retry would)
// and sends.
func sendEnvelope(t *testing.T, sh *relaysync.Share, company string, ct []byte) relaysync.Prepared {
	t.Helper()
	ctx := context.Background()
	p, err := sh.Prepare(ctx, company, "batch")
	if err != nil {
		t.Fatal(err)
	}
	half := len(ct) / 2
	for _, part := range []struct {
		off  int
		data []byte
	}{{0, ct[:half]}, {0, ct[:half]}, {half, ct[half:]}} {
		if err := sh.Append(p.Seq, int64(part.off), part.data); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sh.Send(ctx, p.Seq); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestShareDirectoryMembersEnvelopes drives relaysync.Share against a real relay: the key
// directory, company membership, envelopes signed with the enrolled key in parts, sequences
// shared with the outbox and never going backwards, a replay refused, and listing after a
// cursor.
func TestShareDirectoryMembersEnvelopes(t *testing.T) {
	r := startRelay(t)
	ctx := context.Background()
	if _, _, err := (&relaysync.Share{Syncer: &relaysync.Syncer{Dir: t.TempDir(), Keychain: &keychain.Mem{}}}).Identity(ctx); !errors.Is(err, relaysync.ErrNotEnrolled) {
		t.Fatalf("identity before enrolment: %v", err)
	}
	sA, shA, officeA := enrolledShare(t, r)
	_, shB, officeB := enrolledShare(t, r)
	if o, sender, err := shA.Identity(ctx); err != nil || o != officeA || sender == (envelope.KeyID{}) {
		t.Fatalf("identity = %s %x %v", o, sender, err)
	}

	// Directory.
	if _, err := shA.OfficeKey(ctx, officeB); !errors.Is(err, relaysync.ErrRelayNotFound) {
		t.Fatalf("key before publishing: %v", err)
	}
	kB, _ := ecdh.P256().GenerateKey(rand.Reader)
	if err := shB.PublishKey(ctx, kB.PublicKey().Bytes()); err != nil {
		t.Fatal(err)
	}
	if k, err := shA.OfficeKey(ctx, officeB); err != nil || k.Office != officeB || !bytes.Equal(k.PublicKey, kB.PublicKey().Bytes()) {
		t.Fatalf("B's key seen by A = %+v, %v", k, err)
	}
	if err := shA.PublishKey(ctx, []byte("short")); !errors.Is(err, relaysync.ErrBadItem) {
		t.Fatalf("bad key: %v", err)
	}

	// Membership.
	der, _ := x509.MarshalPKIXPublicKey(kB.PublicKey())
	const company = "c-sharetestcompany01"
	if err := shA.RegisterCompany(ctx, company, der); err != nil {
		t.Fatal(err)
	}
	if err := shA.AddMember(ctx, company, officeB); err != nil {
		t.Fatal(err)
	}
	if err := shA.AddMember(ctx, company, "o-nobody"); !errors.Is(err, relaysync.ErrRelayNotFound) {
		t.Fatalf("unknown member: %v", err)
	}
	if list, err := shB.Companies(ctx); err != nil || !slices.Contains(list, company) {
		t.Fatalf("B's companies = %v, %v", list, err)
	}

	// An envelope queued in the outbox before is sent first; sequences follow one counter.
	if _, err := sA.Enqueue(ctx, []relaysync.OutboxItem{{Key: "env-1", Envelope: &relaysync.EnvelopeItem{Company: company, Record: "queued", Ciphertext: []byte("q")}}}); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 1500<<10) // more than the bridge's 1 MiB body cap: sent in parts
	rand.Read(big)
	p1 := sendEnvelope(t, shA, company, big)
	if st, _ := sA.Status(ctx); st.Pending != 0 {
		t.Fatalf("the queued envelope is still pending: %+v", st)
	}
	if _, err := sA.Enqueue(ctx, []relaysync.OutboxItem{{Key: "env-2", Envelope: &relaysync.EnvelopeItem{Company: company, Record: "queued", Ciphertext: []byte("q2")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := sA.SyncNow(ctx); err != nil {
		t.Fatal(err)
	}
	list, err := shB.Envelopes(ctx, company, 0, 0)
	if err != nil || len(list) != 3 {
		t.Fatalf("B lists %d envelopes, %v", len(list), err)
	}
	var seqs []uint64
	for _, it := range list {
		e, err := envelope.Parse(it.Body)
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, e.Seq)
		if e.Seq == p1.Seq {
			aad, _ := e.AAD()
			if !bytes.Equal(e.Ciphertext, big) || !bytes.Equal(aad, p1.AAD) || e.Sender != p1.Sender {
				t.Fatal("the sent envelope is not the prepared header with the parts handed over")
			}
		}
	}
	if !slices.IsSorted(seqs) || seqs[1] != p1.Seq || seqs[0] == seqs[1] || seqs[1] == seqs[2] {
		t.Fatalf("sequences in relay order %v, prepared %d", seqs, p1.Seq)
	}
	if page, err := shB.Envelopes(ctx, company, list[0].ID, 1); err != nil || len(page) != 1 || page[0].ID != list[1].ID {
		t.Fatalf("page after %d: %+v, %v", list[0].ID, page, err)
	}

	// A reservation is used once; parts must continue it; an older sequence is a replay.
	if _, err := shA.Send(ctx, p1.Seq); !errors.Is(err, relaysync.ErrNoReservation) {
		t.Fatalf("sending twice: %v", err)
	}
	older, _ := shA.Prepare(ctx, company, "batch")
	newer, _ := shA.Prepare(ctx, company, "batch")
	if err := shA.Append(older.Seq, 5, []byte("x")); !errors.Is(err, relaysync.ErrNoReservation) {
		t.Fatalf("a part with a gap: %v", err)
	}
	if _, err := shA.Send(ctx, newer.Seq); err != nil {
		t.Fatal(err)
	}
	if _, err := shA.Send(ctx, older.Seq); !errors.Is(err, relaysync.ErrReplay) {
		t.Fatalf("an older sequence after a newer one: %v", err)
	}
	if _, err := shB.Envelopes(ctx, "c-notamember", 0, 0); !errors.Is(err, relaysync.ErrNotMember) && !errors.Is(err, relaysync.ErrRelayNotFound) {
		t.Fatalf("listing a company B is not in: %v", err)
	}
}

// TestShareRemoveMember ends memberships through relaysync.Share against a real relay: a
// member removes another, which is then refused the company's envelopes; the last member
// cannot leave; an office added back leaves by itself.
func TestShareRemoveMember(t *testing.T) {
	r := startRelay(t)
	ctx := context.Background()
	_, shA, officeA := enrolledShare(t, r)
	_, shB, officeB := enrolledShare(t, r)
	_, shC, officeC := enrolledShare(t, r)
	k, _ := ecdh.P256().GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(k.PublicKey())
	const company = "c-sharetestremove01"
	if err := shA.RegisterCompany(ctx, company, der); err != nil {
		t.Fatal(err)
	}
	if err := shA.AddMember(ctx, company, officeB); err != nil {
		t.Fatal(err)
	}
	if _, err := shB.Envelopes(ctx, company, 0, 0); err != nil {
		t.Fatalf("B lists as a member: %v", err)
	}

	if err := shC.RemoveMember(ctx, company, officeB); !errors.Is(err, relaysync.ErrNotMember) {
		t.Fatalf("a non-member removes B: %v, want the relay's 403", err)
	}
	if err := shA.RemoveMember(ctx, company, officeC); !errors.Is(err, relaysync.ErrRelayNotFound) {
		t.Fatalf("removing an office that is not a member: %v, want ErrRelayNotFound", err)
	}
	if err := shA.RemoveMember(ctx, company, "../x"); !errors.Is(err, relaysync.ErrBadItem) {
		t.Fatalf("a malformed office id: %v, want ErrBadItem", err)
	}

	if err := shA.RemoveMember(ctx, company, officeB); err != nil {
		t.Fatal(err)
	}
	if _, err := shB.Envelopes(ctx, company, 0, 0); !errors.Is(err, relaysync.ErrNotMember) {
		t.Fatalf("the removed office lists envelopes: %v, want the relay's 403", err)
	}
	if list, err := shB.Companies(ctx); err != nil || slices.Contains(list, company) {
		t.Fatalf("B's companies after the removal = %v, %v", list, err)
	}
	if err := shA.RemoveMember(ctx, company, officeA); !errors.Is(err, relaysync.ErrLastMember) {
		t.Fatalf("the last member leaves: %v, want ErrLastMember", err)
	}

	if err := shA.AddMember(ctx, company, officeB); err != nil {
		t.Fatal(err)
	}
	if err := shB.RemoveMember(ctx, company, officeB); err != nil {
		t.Fatalf("B leaves: %v", err)
	}
	if _, err := shB.Envelopes(ctx, company, 0, 0); !errors.Is(err, relaysync.ErrNotMember) {
		t.Fatalf("B lists after leaving: %v, want the relay's 403", err)
	}
	if list, err := shA.Companies(ctx); err != nil || !slices.Contains(list, company) {
		t.Fatalf("A's companies after B left = %v, %v", list, err)
	}
}
