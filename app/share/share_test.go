package share

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/cloud/envelope"
)

const testNumber = "123456789018" // passes the check digit; obviously fake

var t0 = time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)

// TestShareTwoInstallations syncs two installations sharing one company through a real relay
// on loopback TLS: offer and accept with fingerprints, roster and number from A to B, a
// disposal from B to A, a concurrent edit with one deterministic winner, a replayed envelope,
// the peer's history on both sides, and no number in clear on the relay.
func TestShareTwoInstallations(t *testing.T) {
	ctx := context.Background()
	relay := startRelay(t)
	a := newSide(t, relay, "ひまわり社労士事務所", t0)
	b := newSide(t, relay, "株式会社テスト", t0)

	ca, err := a.roster.CreateCompany(ctx, a.admin, a.keys, roster.Company{Code: "C001", Name: "株式会社テスト"})
	if err != nil {
		t.Fatal(err)
	}
	a.assign(ca.ID)

	// Both publish; each administrator reads the other's fingerprint over the phone.
	idA, err := a.share.Publish(ctx, a.admin, a.keys)
	if err != nil {
		t.Fatal(err)
	}
	idB, err := b.share.Publish(ctx, b.admin, b.keys)
	if err != nil {
		t.Fatal(err)
	}
	peer, err := a.share.LookupPeer(ctx, a.admin, idB.Office)
	if err != nil || peer.Fingerprint != idB.Fingerprint || peer.Name != "株式会社テスト" {
		t.Fatalf("peer = %+v, %v; want fingerprint %s", peer, err, idB.Fingerprint)
	}
	if err := a.share.Offer(ctx, a.admin, a.keys, ca.ID, idB.Office, idA.Fingerprint); !errors.Is(err, ErrFingerprint) {
		t.Fatalf("offer with the wrong fingerprint: %v, want ErrFingerprint", err)
	}
	if err := a.share.Offer(ctx, a.admin, a.keys, ca.ID, idB.Office, strings.ToLower(idB.Fingerprint)); err != nil {
		t.Fatal(err)
	}

	offers, err := b.share.Offers(ctx, b.admin, b.keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(offers) != 1 || offers[0].Fingerprint != idA.Fingerprint || offers[0].CompanyName != "株式会社テスト" || offers[0].FromOffice != idA.Office {
		t.Fatalf("offers = %+v", offers)
	}
	if _, err := b.share.Accept(ctx, b.admin, b.keys, offers[0].RelayCompany, idB.Fingerprint); !errors.Is(err, ErrFingerprint) {
		t.Fatalf("accept with the wrong fingerprint: %v", err)
	}
	cb, err := b.share.Accept(ctx, b.admin, b.keys, offers[0].RelayCompany, idA.Fingerprint)
	if err != nil {
		t.Fatal(err)
	}
	b.assign(cb.ID)

	// A adds an employee and registers the number; B sees both after sync.
	a.setNow(t0.Add(time.Minute))
	emp, err := a.roster.SaveEmployee(ctx, a.admin, a.keys, roster.Employee{CompanyID: ca.ID, Code: "E001", Name: "山田 太郎",
		NameKana: "ヤマダ タロウ", BirthDate: "1990-01-01", Sex: roster.SexMale})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.roster.SetNumber(ctx, a.admin, a.keys, ca.ID, emp.ID, testNumber, false); err != nil {
		t.Fatal(err)
	}
	if res := a.sync(ca.ID); res.Sent != 2 {
		t.Fatalf("A sent %d records, want 2 (person, number)", res.Sent)
	}
	if res := b.sync(cb.ID); res.Received != 2 {
		t.Fatalf("B received %+v, want 2 records", res)
	}
	eb := b.employeeByCode(cb.ID, "E001")
	if eb.Name != "山田 太郎" || eb.MaskedNumber != "**** **** 9018" {
		t.Fatalf("B's employee = %q %q", eb.Name, eb.MaskedNumber)
	}
	if got := revealNumber(t, b, cb.ID, eb.ID); got != testNumber {
		t.Fatal("B's handler cannot reveal the shared number")
	}
	// Nothing changed: a second sync sends nothing back and forth.
	if res := b.sync(cb.ID); res.Sent != 0 {
		t.Fatalf("B echoed %d records", res.Sent)
	}
	if res := a.sync(ca.ID); res.Sent != 0 || res.Received != 0 {
		t.Fatalf("A after quiet sync: %+v", res)
	}

	// Both edit the same employee's name before syncing: B's edit is later and wins on both
	// sides; A, whose edit lost, keeps a conflict row.
	a.setNow(t0.Add(2 * time.Minute))
	ea := a.employeeByCode(ca.ID, "E001")
	ea.Name = "山田 太郎A"
	if _, err := a.roster.SaveEmployee(ctx, a.admin, a.keys, ea); err != nil {
		t.Fatal(err)
	}
	b.setNow(t0.Add(3 * time.Minute))
	eb.Name = "山田 太郎B"
	if _, err := b.roster.SaveEmployee(ctx, b.admin, b.keys, eb); err != nil {
		t.Fatal(err)
	}
	a.sync(ca.ID)
	b.sync(cb.ID)
	a.sync(ca.ID)
	if na, nb := a.employeeByCode(ca.ID, "E001").Name, b.employeeByCode(cb.ID, "E001").Name; na != "山田 太郎B" || nb != "山田 太郎B" {
		t.Fatalf("after the conflict A has %q, B has %q; want B's edit on both", na, nb)
	}
	ka, err := a.share.Conflicts(ctx, a.admin, ca.ID)
	if err != nil || len(ka) != 1 || !strings.Contains(ka[0].LoserValue, "山田 太郎A") || !strings.Contains(ka[0].WinnerValue, "山田 太郎B") ||
		ka[0].WinnerOffice != idB.Office || ka[0].LoserOffice != idA.Office {
		t.Fatalf("A's conflicts = %+v, %v", ka, err)
	}
	if kb, _ := b.share.Conflicts(ctx, b.admin, cb.ID); len(kb) != 0 {
		t.Fatalf("B's version won but B has conflicts %+v", kb)
	}

	// B disposes of the employee's number (a shred disposal as 4-1 executes it); A sees it.
	b.setNow(t0.Add(4 * time.Minute))
	disposeOnB(t, b, cb.ID, eb.ID)
	b.sync(cb.ID)
	a.sync(ca.ID)
	if ea := a.employeeByCode(ca.ID, "E001"); ea.HasNumber {
		t.Fatal("A still holds the number B disposed of")
	}
	if n := a.count(`SELECT count(*) FROM keys.person_keys WHERE person_id = ?`, emp.ID); n != 0 {
		t.Fatal("A kept the person key of the disposed person")
	}

	// A replayed envelope is refused by the relay; an older one is ignored by import.
	items, err := a.relay.Receive(ctx, offers[0].RelayCompany, 0)
	if err != nil {
		t.Fatal(err)
	}
	var fromB [][]byte
	var fromBIDs []int64
	for _, it := range items {
		if e, err := envelope.Parse(it.Body); err == nil && e.Sender == b.relay.Sender() && strings.HasPrefix(e.Record, RecordBatch) {
			fromB = append(fromB, it.Body)
			fromBIDs = append(fromBIDs, it.ID)
		}
	}
	if len(fromB) < 2 {
		t.Fatalf("B sent %d batches, want at least 2", len(fromB))
	}
	if err := b.relay.PostEnvelope(ctx, fromB[len(fromB)-1]); !errors.Is(err, ErrReplay) {
		t.Fatalf("replayed envelope: %v, want ErrReplay (409)", err)
	}
	before := a.employeeByCode(ca.ID, "E001").Name
	for i, body := range fromB {
		if n, _, err := a.share.importEnvelope(ctx, a.admin, a.keys, ca.ID, fromBIDs[i], body); err != nil || n != 0 {
			t.Fatalf("old envelope imported again: %d records, %v", n, err)
		}
	}
	if after := a.employeeByCode(ca.ID, "E001").Name; after != before {
		t.Fatalf("an old envelope changed the name from %q to %q", before, after)
	}
	// An envelope from B with a sequence below the last one imported is ignored even though it
	// is signed and sealed correctly and carries a new record.
	old := craftBatch(t, a, b, ca.ID, offers[0].RelayCompany, 1, record{Kind: KindPerson, ID: idB.Office + ".999", Clock: 1 << 60,
		Origin: idB.Office, Person: &personData{Kind: "employee", Code: "E999", Name: "新規 花子", NameKana: "シンキ ハナコ", BirthDate: "1991-02-03", Sex: "female"}})
	if n, _, err := a.share.importEnvelope(ctx, a.admin, a.keys, ca.ID, 1<<40, old); err != nil || n != 0 {
		t.Fatalf("older envelope: %d records applied, %v", n, err)
	}
	if n := a.count(`SELECT count(*) FROM persons WHERE employee_code = 'E999'`); n != 0 {
		t.Fatal("an envelope older than the last imported one was applied")
	}
	newer := craftBatch(t, a, b, ca.ID, offers[0].RelayCompany, 1<<62, record{Kind: KindPerson, ID: idB.Office + ".999", Clock: 1 << 60,
		Origin: idB.Office, Person: &personData{Kind: "employee", Code: "E999", Name: "新規 花子", NameKana: "シンキ ハナコ", BirthDate: "1991-02-03", Sex: "female"}})
	if n, _, err := a.share.importEnvelope(ctx, a.admin, a.keys, ca.ID, 1<<40, newer); err != nil || n != 1 {
		t.Fatalf("same batch with a newer sequence: %d records applied, %v", n, err)
	}

	// 2-1: each side lists the other side's entries.
	checkPeerHistory(t, a, ca.ID, idB.Office, "dispose")
	checkPeerHistory(t, b, cb.ID, idA.Office, "register")

	// The relay's database holds no number in clear.
	relay.store.Close()
	for _, name := range []string{"relay.db", "relay.db-wal"} {
		raw, err := os.ReadFile(filepath.Join(relay.dir, name))
		if err != nil {
			continue
		}
		if bytes.Contains(raw, []byte(testNumber)) {
			t.Fatalf("%s holds the number in clear", name)
		}
		if bytes.Contains(raw, []byte("山田")) {
			t.Fatalf("%s holds a name in clear", name)
		}
	}
}

func revealNumber(t *testing.T, s *side, companyID, personID int64) string {
	t.Helper()
	var out string
	err := s.db.View(context.Background(), func(tx *store.Tx) error {
		ck, err := s.keys.Company(tx, companyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		pk, err := ck.Person(tx, personID)
		if err != nil {
			return err
		}
		defer pk.Close()
		var ct []byte
		if err := tx.QueryRow(`SELECT ciphertext FROM person_numbers WHERE person_id = ?`, personID).Scan(&ct); err != nil {
			return err
		}
		pt, err := pk.Open(roster.NumberAAD(personID), ct)
		out = string(pt)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// disposeOnB records an executed shred disposal and destroys the person's number and key, as
// dispose.Service.Execute does.
func disposeOnB(t *testing.T, s *side, companyID, personID int64) {
	t.Helper()
	err := s.db.Update(context.Background(), func(tx *store.Tx) error {
		res, err := tx.Exec(`INSERT INTO disposals(company_id, status, method, reason, proposed_by, proposed_at, approved_by, approved_at,
			executed_by, executed_at, certificate_no) VALUES(?, 'executed', 'shred', '退職', 1, ?, 1, ?, 1, ?, 'MNS-2026-000001')`,
			companyID, tx.NowText(), tx.NowText(), tx.NowText())
		if err != nil {
			return err
		}
		id, _ := res.LastInsertId()
		if _, err := tx.Exec(`INSERT INTO disposal_items(disposal_id, person_id, employee_code, person_name) VALUES(?, ?, 'E001', 'x')`, id, personID); err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM person_numbers WHERE person_id = ?`, personID); err != nil {
			return err
		}
		if err := vault.ShredPerson(tx, personID); err != nil {
			return err
		}
		e := s.admin.Entry("dispose", "ok")
		e.CompanyID, e.TargetType, e.TargetID = companyID, "person", "x"
		_, err = s.log.Append(tx, e)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func checkPeerHistory(t *testing.T, s *side, companyID int64, source, action string) {
	t.Helper()
	var list []PeerEntry
	err := s.db.View(context.Background(), func(tx *store.Tx) (err error) {
		list, err = PeerEntriesTx(tx, PeerFilter{CompanyID: companyID})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		if e.Source == source && e.Action == action {
			return
		}
	}
	t.Fatalf("peer history of company %d has no %q entry from %s: %+v", companyID, action, source, list)
}

// craftBatch makes an envelope of from's office with sequence seq carrying recs, sealed under
// the shared company key as Sync does.
func craftBatch(t *testing.T, to, from *side, companyID int64, relayCompany string, seq uint64, recs ...record) []byte {
	t.Helper()
	return forgeBatch(t, to, from, from.relay.Office(), companyID, relayCompany, seq, recs...)
}

// forgeBatch is craftBatch naming origin as the batch's origin, signed by from's relay key.
func forgeBatch(t *testing.T, to, from *side, origin string, companyID int64, relayCompany string, seq uint64, recs ...record) []byte {
	t.Helper()
	e := &envelope.Envelope{Company: relayCompany, Seq: seq, Sender: from.relay.Sender()}
	pt := mustJSON(batch{V: 1, Origin: origin, Records: recs, Audit: []auditFact{{ID: 1 << 40, At: "2026-12-01T00:00:00Z",
		Login: "forger", Action: "reveal", Result: "ok"}}})
	err := to.db.View(context.Background(), func(tx *store.Tx) error {
		sh, err := loadShare(tx, companyID)
		if err != nil {
			return err
		}
		e.Record = batchRecord(sh.epoch)
		aad, err := e.AAD()
		if err != nil {
			return err
		}
		ek, err := epochKey(tx, to.keys, sh, sh.epoch)
		if err != nil {
			return err
		}
		defer ek.Close()
		e.Ciphertext, err = ek.Seal(envelopeAAD(aad), pt)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Sign(from.relay.SigningKey); err != nil {
		t.Fatal(err)
	}
	body, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return body
}
