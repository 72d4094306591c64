package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/devices/card"
)

// Exit codes of `card read`, so that scripts can tell the card's answers apart.
const (
	exitWrongPIN = 5 // the PIN was wrong; tries remain (printed)
	exitLocked   = 6 // the PIN is locked, or only one try is left and --allow-last-try was not given
	exitNoCard   = 7 // no reader, no card, card removed, or not a My Number card
)

// devices lists the IC card readers seen through PC/SC and whether a shelter-bridge answers.
func (c *cli) devices() int {
	p, err := card.OpenPCSC()
	if err != nil {
		fmt.Fprintf(c.stdout, "smart card service: unavailable (%v)\n", err)
	} else {
		defer p.Close()
		rs, err := p.Readers()
		switch {
		case errors.Is(err, card.ErrNoReader) || (err == nil && len(rs) == 0):
			fmt.Fprintln(c.stdout, "IC card readers: none connected")
		case err != nil:
			fmt.Fprintf(c.stdout, "IC card readers: error (%v)\n", err)
		default:
			for _, r := range rs {
				fmt.Fprintf(c.stdout, "IC card reader: %s\n", r)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if st, err := (&bridge.Client{}).Status(ctx); err != nil {
		fmt.Fprintf(c.stdout, "shelter-bridge: not running (%s)\n", bridge.SocketPath())
	} else {
		fmt.Fprintf(c.stdout, "shelter-bridge: running, version %s, pid %d, since %s\n", st.Version, st.PID, st.Started)
	}
	return exitOK
}

// cardRead reads the 券面事項入力補助AP of the card on --reader with the PIN from
// SHELTER_CARD_PIN or standard input, and prints the basic 4 facts and the masked number. It
// shows the tries left before using the PIN and never retries.
func (c *cli) cardRead(args []string) int {
	fs := flag.NewFlagSet("card read", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	reader := fs.String("reader", "", "PC/SC reader name (see shelterctl devices); default: the only reader")
	lastTry := fs.Bool("allow-last-try", false, "use the PIN even when only one try is left")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	p, err := card.OpenPCSC()
	if err != nil {
		fmt.Fprintf(c.stderr, "shelterctl: smart card service unavailable: %v\n", err)
		return exitNoCard
	}
	defer p.Close()
	name := *reader
	if name == "" {
		rs, err := p.Readers()
		if err != nil || len(rs) == 0 {
			fmt.Fprintln(c.stderr, "shelterctl: no IC card reader is connected")
			return exitNoCard
		}
		if len(rs) > 1 {
			fmt.Fprintf(c.stderr, "shelterctl: %d readers are connected; choose one with --reader (%s)\n", len(rs), strings.Join(rs, ", "))
			return exitUsage
		}
		name = rs[0]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	_, err = p.WaitForCard(ctx, name)
	cancel()
	if err != nil {
		fmt.Fprintf(c.stderr, "shelterctl: no card on %s: put the card on the reader\n", name)
		return exitNoCard
	}
	conn, err := p.Connect(name)
	if err != nil {
		return c.cardErr(err)
	}
	defer conn.Close()
	n, err := card.PINRetries(conn)
	if err != nil {
		return c.cardErr(err)
	}
	fmt.Fprintf(c.stderr, "PIN tries left: %d\n", n)
	pin, ok := os.LookupEnv("SHELTER_CARD_PIN")
	if !ok {
		if pin, err = c.password("Card PIN (4 digits): "); err != nil {
			fmt.Fprintln(c.stderr, "shelterctl: no PIN: set SHELTER_CARD_PIN or give it on standard input")
			return exitUsage
		}
	}
	k, err := card.ReadKenhojoWith(conn, pin, &card.Options{AllowLastTry: *lastTry})
	if err != nil {
		return c.cardErr(err)
	}
	fmt.Fprintf(c.stdout, "個人番号 (number): %s\n", k.Number) // Number formats itself masked
	fmt.Fprintf(c.stdout, "氏名 (name): %s\n", k.Name)
	fmt.Fprintf(c.stdout, "住所 (address): %s\n", k.Address)
	fmt.Fprintf(c.stdout, "生年月日 (birth date): %s (%s)\n", jpdate.ISO(k.Birth), jpdate.Wareki(k.Birth))
	fmt.Fprintf(c.stdout, "性別 (sex): %s\n", k.Sex.Japanese())
	fmt.Fprintf(c.stdout, "整合性 (card digests): %v\n", k.Integrity.Digest)
	return exitOK
}

// cardErr prints a card error (which never holds the PIN or card data) and picks the exit code.
func (c *cli) cardErr(err error) int {
	var wp *card.WrongPINError
	switch {
	case errors.As(err, &wp):
		fmt.Fprintf(c.stderr, "shelterctl: the PIN is wrong; %d tries left (nothing was read)\n", wp.Retries)
		return exitWrongPIN
	case errors.Is(err, card.ErrPINLocked):
		fmt.Fprintln(c.stderr, "shelterctl: the PIN is locked; the card holder must reset it at their municipal office")
		return exitLocked
	case errors.Is(err, card.ErrLastTry):
		fmt.Fprintln(c.stderr, "shelterctl: only one PIN try is left; confirm with --allow-last-try")
		return exitLocked
	case errors.Is(err, card.ErrPINFormat):
		fmt.Fprintln(c.stderr, "shelterctl: the card PIN is 4 digits")
		return exitUsage
	case errors.Is(err, card.ErrCardRemoved), errors.Is(err, card.ErrCardReset):
		fmt.Fprintln(c.stderr, "shelterctl: the card was removed during the read; nothing was read")
		return exitNoCard
	case errors.Is(err, card.ErrNotMyNumberCard), errors.Is(err, card.ErrNotFound):
		fmt.Fprintln(c.stderr, "shelterctl: this card is not a My Number card")
		return exitNoCard
	}
	fmt.Fprintf(c.stderr, "shelterctl: reading the card: %v\n", err)
	return exitFail
}
