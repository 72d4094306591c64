package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/bridge/daemon"
	"github.com/mynumber-shelter/shelter/devices/card"
	simcard "github.com/mynumber-shelter/shelter/devices/sim/card"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

// TestCardWithoutBridge: the app works without the bridge and says so.
func TestCardWithoutBridge(t *testing.T) {
	f := newCollectFixture(t)
	f.app.Card = newCardService(f.app, filepath.Join(t.TempDir(), "none", bridge.SocketName))
	if !slices.Contains(f.app.Services(), any(f.app.Card)) {
		t.Fatal("CardService is not bound")
	}
	if _, err := f.app.Card.Readers(); code(t, err) != "bridge_unavailable" || !strings.Contains(err.Error(), "shelter-bridge") {
		t.Fatalf("readers without a bridge: %v", err)
	}
	if _, err := f.app.Card.ReadForCheck(f.c1, f.e1, "", "1234", false); code(t, err) != "bridge_unavailable" {
		t.Fatalf("read without a bridge: %v", err)
	}
	// Another company's person: refused before the card is touched.
	if _, err := f.app.Card.ReadForCheck(f.c2, f.e1, "", "1234", false); code(t, err) != "forbidden" && code(t, err) != "not_found" {
		t.Fatalf("other company: %v", err)
	}
}

// cardPCSCD skips (or fails under SHELTER_REQUIRE_PCSCD=1) unless pcscd shows reader.
func cardPCSCD(t *testing.T, reader string) { testenv.NeedPCSCReader(t, reader, card.ListReaders) }

// startBridge runs a bridge on a socket in a fresh 0700 directory and returns the socket path.
func startBridge(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	l, err := daemon.Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&daemon.Server{Keychain: &keychain.Mem{}}).Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return bridge.SocketIn(dir)
}

// TestCardReadForCheck drives the front-desk flow through a real bridge, pcscd and the virtual
// My Number card: tries, a wrong PIN (nothing written), a card of someone else (refused), a good
// read (checked and registered in one go), and a card pulled mid-read (nothing written).
func TestCardReadForCheck(t *testing.T) {
	addr, reader := testenv.VPCDSlot(t, 1)
	cardPCSCD(t, reader)
	keys, err := simcard.GenerateKeys(nil)
	if err != nil {
		t.Fatal(err)
	}
	f := newCollectFixture(t)
	a := f.app
	a.Card = newCardService(a, startBridge(t))
	sess := a.session()
	ctx := context.Background()
	var ids []int64
	for i, e := range []roster.Employee{
		{Code: "E101", Name: "番号花子", BirthDate: "1985-04-01"},
		{Code: "E102", Name: "別人 次郎", BirthDate: "1990-01-01"},
		{Code: "E103", Name: "番号 花子", BirthDate: "1985-04-01"},
	} {
		e.CompanyID = f.c1
		saved, err := a.Roster.SaveEmployee(ctx, sess.Principal, sess.Keys(), e)
		if err != nil {
			t.Fatalf("employee %d: %v", i, err)
		}
		ids = append(ids, saved.ID)
	}
	hanako, other, pulled := ids[0], ids[1], ids[2]
	if _, err := a.Collect.CreateRequest(CollectRequestInput{CompanyID: f.c1, Title: "窓口", EmployeeIDs: ids,
		Purposes: []string{"TAX-WH"}, InPerson: "本社2階 人事部"}); err != nil {
		t.Fatal(err)
	}
	written := func(personID int64) (checks, numbers int) {
		t.Helper()
		err := a.DB.View(ctx, func(tx *store.Tx) error {
			if err := tx.QueryRow(`SELECT count(*) FROM identity_checks WHERE person_id = ?`, personID).Scan(&checks); err != nil {
				return err
			}
			return tx.QueryRow(`SELECT count(*) FROM person_numbers WHERE person_id = ?`, personID).Scan(&numbers)
		})
		if err != nil {
			t.Fatal(err)
		}
		return checks, numbers
	}

	sim, err := simcard.New(simcard.Config{Keys: keys, Name: "番号 花子", Address: "鹿児島県鹿児島市山下町11番1号"})
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	slot, err := sim.Insert(cctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := a.Card.Readers()
	if err != nil || !slices.Contains(rs, reader) {
		t.Fatalf("readers: %v %v", rs, err)
	}
	if n, err := a.Card.Retries(reader); err != nil || n != 3 {
		t.Fatalf("retries: %d %v", n, err)
	}

	// A wrong PIN: the tries left are told, nothing is written, the refusal is in the history.
	_, err = a.Card.ReadForCheck(f.c1, hanako, reader, "9999", false)
	if code(t, err) != "wrong_pin" || !strings.Contains(err.Error(), "残り2回") || strings.Contains(err.Error(), "9999") {
		t.Fatalf("wrong PIN: %v", err)
	}
	if c, n := written(hanako); c != 0 || n != 0 {
		t.Fatalf("a wrong PIN wrote %d checks, %d numbers", c, n)
	}
	var denied int
	a.DB.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT count(*) FROM audit_log WHERE result = 'denied' AND target_id = ? AND detail LIKE '%wrong_pin%'`,
			fmt.Sprint(hanako)).Scan(&denied)
	})
	if denied != 1 {
		t.Fatalf("denied entries for the wrong PIN: %d", denied)
	}
	if n, _ := a.Card.Retries(reader); n != 2 {
		t.Fatalf("retries after a wrong PIN: %d", n)
	}

	// Someone else's card: the birth date differs, nothing is written.
	if _, err := a.Card.ReadForCheck(f.c1, other, reader, simcard.DefaultPIN, false); code(t, err) != "conflict" || field(err) != "birthDate" {
		t.Fatalf("another person's card: %v", err)
	}
	if c, n := written(other); c != 0 || n != 0 {
		t.Fatalf("a mismatched card wrote %d checks, %d numbers", c, n)
	}

	// The right person: checked and registered at once; the name differs only by a space.
	res, err := a.Card.ReadForCheck(f.c1, hanako, reader, simcard.DefaultPIN, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "registered" || res.Masked != "**** **** 9018" || res.BirthDate != "1985-04-01" || res.Name != "番号 花子" ||
		!strings.HasPrefix(res.Address, "鹿児島県") || res.Sex != "2" || res.SexLabel != "女" || res.Integrity == "" || len(res.Warnings) != 0 {
		t.Fatalf("result: %+v", res)
	}
	if c, n := written(hanako); c != 1 || n != 1 {
		t.Fatalf("after the read: %d checks, %d numbers", c, n)
	}
	// The number opens to the card's number: the company's blind index finds this person.
	err = a.DB.View(ctx, func(tx *store.Tx) error {
		ck, err := sess.Keys().Company(tx, f.c1)
		if err != nil {
			return err
		}
		defer ck.Close()
		dup, err := roster.DuplicateTx(tx, ck, simcard.TestNumber, 0)
		if err != nil {
			return err
		}
		if dup == nil || dup.PersonID != hanako {
			return fmt.Errorf("the number is not registered for the person: %+v", dup)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var channel string
	a.DB.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT channel || '/' || number_doc || '/' || identity_docs FROM identity_checks WHERE person_id = ?`, hanako).Scan(&channel)
	})
	if channel != `ic_card/mynumber_card/["mynumber_card"]` {
		t.Fatalf("check recorded as %s", channel)
	}
	slot.Pull()
	// Wait until pcscd has seen the card go: a card swapped faster than its poll period reads
	// as an unknown card error (the bridge's, left as it is).
	for i := 0; ; i++ {
		if _, err := a.Card.Retries(reader); code(t, err) == "no_card" {
			break
		} else if i == 50 {
			t.Fatalf("the pulled card is still seen: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// A card pulled in the middle of the read: card_removed, nothing written.
	sim2, err := simcard.New(simcard.Config{Keys: keys, Number: "123456789018", Name: "番号 花子", PullAfter: 8}) // APDU 9 is the second READ BINARY of EF 0002 (devices/card)
	if err != nil {
		t.Fatal(err)
	}
	slot2, err := sim2.Insert(cctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slot2.Pull()
	if _, err := a.Card.ReadForCheck(f.c1, pulled, reader, simcard.DefaultPIN, false); code(t, err) != "card_removed" {
		t.Fatalf("pulled card: %v", err)
	}
	if c, n := written(pulled); c != 0 || n != 0 {
		t.Fatalf("a pulled card wrote %d checks, %d numbers", c, n)
	}
}

// TestCardErrWording: a bridge code reaches the user in Japanese and English, not as the code.
func TestCardErrWording(t *testing.T) {
	a := &App{log: testLog(t)}
	for _, code := range []string{"no_kenhojo", "not_mynumber_card", "pin_locked", "integrity"} {
		e, ok := a.cardErr(&bridge.Error{Code: code}).(*Error)
		if !ok || e.Code != code || e.JA == "" || e.EN == "" || e.JA == "カードを読み取れませんでした。何も記録していません。" {
			t.Errorf("%s: %+v", code, e)
		}
	}
}
