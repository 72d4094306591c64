package daemon

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"

	"github.com/mynumber-shelter/shelter/devices/card"
	simcard "github.com/mynumber-shelter/shelter/devices/sim/card"
	"github.com/mynumber-shelter/shelter/internal/testenv"
)

// virtualCard makes a virtual card from cfg (with the shared test keys); the caller holds
// vpcd slot 1 and inserts it.
func virtualCard(t *testing.T, cfg simcard.Config) *simcard.Card {
	t.Helper()
	keysOnce.Do(func() { keys, keysErr = simcard.GenerateKeys(nil) })
	if keysErr != nil {
		t.Fatal(keysErr)
	}
	cfg.Keys = keys
	sim, err := simcard.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sim
}

// insertCard puts sim into vpcd slot 1 until the end of the test.
func insertCard(t *testing.T, sim *simcard.Card) *simcard.Slot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	slot, err := sim.Insert(ctx, slot1Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(slot.Pull)
	waitCardPresent(t)
	return slot
}

// waitCardPresent waits (generously: pcscd polls the virtual reader, and CI is slow) until
// pcscd reports a card in slot 1, so that a test's first card call does not race pcscd's
// noticing the card: the bridge itself waits only 2 s for a card, as a person expects.
func waitCardPresent(t *testing.T) {
	t.Helper()
	p, err := card.OpenPCSC()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := p.WaitForCard(ctx, slot1Reader); err != nil {
		t.Fatalf("pcscd did not see the virtual card in %s: %v", slot1Reader, err)
	}
}

func testVerifier(sim *simcard.Card) *card.AuthVerifier {
	roots := x509.NewCertPool()
	roots.AddCert(sim.CACertificate())
	return &card.AuthVerifier{Roots: roots}
}

// TestCardWatchAndJPKI: the reader watch reports the card going in and out, and the staff
// card UID and JPKI login routes work through pcscd: a signature that verifies against the
// test CA, a wrong PIN with the tries left, pin_prompt events with the tries.
func TestCardWatchAndJPKI(t *testing.T) {
	testenv.VPCDSlot(t, 1)
	requirePCSCD(t)
	c := startTemp(t, &Server{})
	ctx := context.Background()
	rec := listenEvents(t, c)
	waitDevice(t, c, "pcsc", pcscDevice, func(d bridge.DeviceState) bool { return d.State == "ok" })
	waitDevice(t, c, "reader", slot1Reader, func(d bridge.DeviceState) bool { return d.Detail == "no card" })

	sim := virtualCard(t, simcard.Config{UID: []byte{0x04, 0xA1, 0xB2, 0xC3, 0x0D}})
	slot := insertCard(t, sim)
	isReader := func(typ string) func(bridge.Event) bool {
		return func(e bridge.Event) bool { return e.Type == typ && e.Device == slot1Reader }
	}
	_, from := rec.wait(t, "card_inserted", 0, 10*time.Second, isReader(bridge.EventCardInserted))
	waitDevice(t, c, "reader", slot1Reader, func(d bridge.DeviceState) bool { return d.State == "ok" && d.Detail == "card present" })

	if uid, err := c.CardUID(ctx, slot1Reader); err != nil || uid != "04A1B2C30D" {
		t.Fatalf("UID %q, %v", uid, err)
	}
	if n, err := c.JPKIRetries(ctx, slot1Reader); err != nil || n != simcard.MaxAuthPINTries {
		t.Fatalf("JPKI retries %d, %v", n, err)
	}
	der, err := c.JPKICertificate(ctx, slot1Reader)
	if err != nil || !bytes.Equal(der, sim.AuthCertificate().Raw) {
		t.Fatalf("JPKI certificate: %d bytes, %v", len(der), err)
	}

	challenge, err := card.NewChallenge(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.JPKISign(ctx, slot1Reader, "9999", challenge, false)
	var e *bridge.Error
	if !errors.As(err, &e) || e.Code != "wrong_pin" || e.Retries != 2 || strings.Contains(err.Error(), "9999") {
		t.Fatalf("wrong PIN: %v", err)
	}
	prompt, _ := rec.wait(t, "pin_prompt", from, 5*time.Second, isReader(bridge.EventPINPrompt))
	if prompt.Retries != 3 || prompt.Message != "jpki_auth" {
		t.Fatalf("pin_prompt %+v", prompt)
	}
	if _, _, err := c.JPKISign(ctx, slot1Reader, simcard.DefaultAuthPIN, challenge[:8], false); code(err) != "bad_request" {
		t.Fatalf("short challenge: %v", err)
	}
	sig, certDER, err := c.JPKISign(ctx, slot1Reader, simcard.DefaultAuthPIN, challenge, false)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		t.Fatal(err)
	}
	if err := testVerifier(sim).Verify(&card.AuthResponse{Certificate: cert, Signature: sig}, challenge); err != nil {
		t.Fatalf("the card's signature does not verify: %v", err)
	}
	other := bytes.Clone(challenge)
	other[0] ^= 1
	if err := testVerifier(sim).Verify(&card.AuthResponse{Certificate: cert, Signature: sig}, other); !errors.Is(err, card.ErrSignature) {
		t.Fatalf("signature accepted for another challenge: %v", err)
	}
	if n, _ := c.JPKIRetries(ctx, slot1Reader); n != 3 {
		t.Fatalf("retries after a good PIN: %d", n)
	}
	// No event carries a PIN.
	for _, ev := range rec.all() {
		if s := ev.Message + ev.ID; strings.Contains(s, simcard.DefaultAuthPIN) || strings.Contains(s, "9999") {
			t.Fatalf("an event carries a PIN: %+v", ev)
		}
	}

	slot.Pull()
	rec.wait(t, "card_removed", from, 10*time.Second, isReader(bridge.EventCardRemoved))
	waitDevice(t, c, "reader", slot1Reader, func(d bridge.DeviceState) bool { return d.Detail == "no card" })
	if _, err := c.CardUID(ctx, slot1Reader); code(err) != "no_card" {
		t.Fatalf("UID without a card: %v", err)
	}
}

// TestJPKIForgedSignature: a card whose key is not the certified one signs, and the verifier
// refuses the signature.
func TestJPKIForgedSignature(t *testing.T) {
	testenv.VPCDSlot(t, 1)
	requirePCSCD(t)
	c := startTemp(t, &Server{})
	sim := virtualCard(t, simcard.Config{ForgeAuthSignature: true})
	insertCard(t, sim)
	ctx := context.Background()
	challenge, _ := card.NewChallenge(nil)
	sig, certDER, err := c.JPKISign(ctx, slot1Reader, simcard.DefaultAuthPIN, challenge, false)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		t.Fatal(err)
	}
	if err := testVerifier(sim).Verify(&card.AuthResponse{Certificate: cert, Signature: sig}, challenge); !errors.Is(err, card.ErrSignature) {
		t.Fatalf("forged signature: %v, want ErrSignature", err)
	}
}

// TestConcurrentCardCalls: card calls that arrive together queue on the card lock; each gets
// its own right answer.
func TestConcurrentCardCalls(t *testing.T) {
	testenv.VPCDSlot(t, 1)
	requirePCSCD(t)
	srv := &Server{}
	c := startTemp(t, srv)
	sim := virtualCard(t, simcard.Config{Name: "並行 太郎", UID: []byte{0x04, 0x01, 0x02, 0x03}})
	insertCard(t, sim)
	ctx := context.Background()

	const n = 4
	var wg sync.WaitGroup
	errs := make(chan error, 3*n)
	for range n {
		wg.Add(3)
		go func() {
			defer wg.Done()
			d, err := c.ReadCard(ctx, slot1Reader, simcard.DefaultPIN, false)
			if err == nil && (d.Number != simcard.TestNumber || d.Name != "並行 太郎") {
				err = errors.New("read returned another card's data")
			}
			errs <- err
		}()
		go func() {
			defer wg.Done()
			uid, err := c.CardUID(ctx, slot1Reader)
			if err == nil && uid != "04010203" {
				err = errors.New("wrong UID " + uid)
			}
			errs <- err
		}()
		go func() {
			defer wg.Done()
			r, err := c.CardRetries(ctx, slot1Reader)
			if err == nil && r != 3 {
				err = errors.New("wrong retries")
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if m := srv.cardMaxBusy.Load(); m != 1 {
		t.Fatalf("%d card operations ran at once", m)
	}
}
