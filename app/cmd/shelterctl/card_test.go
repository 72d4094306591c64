package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/devices/card"
	simcard "github.com/mynumber-shelter/shelter/devices/sim/card"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

// TestCardRead runs `shelterctl card read` against the virtual My Number card through the real
// pcscd and vpcd: the tries are shown first, a wrong PIN exits 5 with the tries left and reads
// nothing, the right one prints the basic 4 facts and the masked number, never the number.
func TestCardRead(t *testing.T) {
	addr, reader := testenv.VPCDSlot(t, 1)
	testenv.NeedPCSCReader(t, reader, card.ListReaders)
	p, err := card.OpenPCSC()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	sim, err := simcard.New(simcard.Config{Name: "番号 太郎", Address: "鹿児島県霧島市国分中央三丁目45番1号"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	slot, err := sim.Insert(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		slot.Pull()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p.WaitForRemoval(ctx, reader)
	})
	if _, err := p.WaitForCard(ctx, reader); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, &keychain.Mem{})
	r := h.run("9999\n", "card", "read", "--reader", reader)
	if r.code != exitWrongPIN || !strings.Contains(r.stderr, "2 tries left") || !strings.Contains(r.stderr, "PIN tries left: 3") {
		t.Fatalf("wrong PIN: %d %q", r.code, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "9999") {
		t.Fatal("the PIN was echoed")
	}
	t.Setenv("SHELTER_CARD_PIN", simcard.DefaultPIN)
	r = h.run("", "card", "read", "--reader", reader)
	if r.code != 0 {
		t.Fatalf("read: %d %q", r.code, r.stderr)
	}
	for _, want := range []string{"**** **** " + simcard.TestNumber[8:], "番号 太郎", "鹿児島県霧島市", "生年月日"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q: %q", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, simcard.TestNumber) {
		t.Fatal("the number was printed in full")
	}
	if r := h.run("", "card", "read", "--reader", "No Such Reader"); r.code != exitNoCard {
		t.Fatalf("unknown reader: %d %q", r.code, r.stderr)
	}
}
