package card

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ebfe/scard"
)

// pnpReader is the pseudo reader whose state changes when readers come and go (PC/SC Part 5;
// pcsc-lite and Windows support it, macOS does not).
const pnpReader = `\\?PnP?\Notification`

// pollInterval bounds each GetStatusChange wait, so that the reader list is refreshed even
// where PnP notification is missing and a cancelled context is seen promptly.
const pollInterval = time.Second

// PCSC is a connection to the PC/SC service (pcscd on Linux, the Smart Card service on
// Windows, CryptoTokenKit's PC/SC layer on macOS) through github.com/ebfe/scard. It is safe
// for concurrent use. When the service went away and came back (Windows stops it when the
// last reader is unplugged: SCARD_E_NO_SERVICE), PCSC establishes a new context and tries
// once more.
type PCSC struct {
	mu  sync.Mutex
	ctx *scard.Context
}

// OpenPCSC establishes a PC/SC context. Without a running service it returns an error
// wrapping [ErrNoService].
func OpenPCSC() (*PCSC, error) {
	ctx, err := scard.EstablishContext()
	if err != nil {
		return nil, pcscErr("establishing PC/SC context", err)
	}
	return &PCSC{ctx: ctx}, nil
}

// Close releases the PC/SC context. Connections made from it stop working.
func (p *PCSC) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ctx == nil {
		return nil
	}
	err := p.ctx.Release()
	p.ctx = nil
	if err != nil {
		return pcscErr("releasing PC/SC context", err)
	}
	return nil
}

// context returns the current scard context, or an error after Close.
func (p *PCSC) context() (*scard.Context, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ctx == nil {
		return nil, errors.New("card: PC/SC context closed")
	}
	return p.ctx, nil
}

// reestablish replaces the context old after the service restarted.
func (p *PCSC) reestablish(old *scard.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ctx == nil {
		return errors.New("card: PC/SC context closed")
	}
	if p.ctx != old { // another goroutine did it already
		return nil
	}
	ctx, err := scard.EstablishContext()
	if err != nil {
		return pcscErr("re-establishing PC/SC context", err)
	}
	old.Release()
	p.ctx = ctx
	return nil
}

// do runs f with the context, and once more with a new context if the service had gone.
func (p *PCSC) do(f func(*scard.Context) error) error {
	for try := 0; ; try++ {
		ctx, err := p.context()
		if err != nil {
			return err
		}
		err = f(ctx)
		if try == 0 && serviceGone(err) {
			if rerr := p.reestablish(ctx); rerr != nil {
				return rerr
			}
			continue
		}
		return err
	}
}

func serviceGone(err error) bool {
	return errors.Is(err, scard.ErrNoService) || errors.Is(err, scard.ErrServiceStopped) ||
		errors.Is(err, scard.ErrInvalidHandle)
}

// Readers lists the readers. No reader at all is not an error: the list is empty.
func (p *PCSC) Readers() ([]string, error) {
	var names []string
	err := p.do(func(ctx *scard.Context) error {
		var err error
		names, err = ctx.ListReaders()
		return err
	})
	if errors.Is(err, scard.ErrNoReadersAvailable) {
		return nil, nil
	}
	if err != nil {
		return nil, pcscErr("listing readers", err)
	}
	return names, nil
}

// ListReaders opens a PC/SC context, lists the readers pcscd knows and closes the context.
func ListReaders() ([]string, error) {
	p, err := OpenPCSC()
	if err != nil {
		return nil, err
	}
	defer p.Close()
	return p.Readers()
}

// Event is a change seen by [PCSC.Watch].
type Event struct {
	Reader string
	// Present is true when a card is in the reader and answers (not mute).
	Present bool
	// ATR is the card's answer-to-reset when Present.
	ATR []byte
}

// Watch calls f with the state of every reader when it first sees it and again on every
// change (card in, card out, reader added), until f returns false (Watch returns nil) or ctx
// ends (Watch returns ctx.Err()). reader limits it to one reader; "" watches all.
//
// It uses SCardGetStatusChange and copies each reader's full event state, including the
// event counter in the upper 16 bits, back into the current state before the next call, as
// pcsc-lite and Windows expect (Windows otherwise returns at once in a loop).
func (p *PCSC) Watch(ctx context.Context, reader string, f func(Event) bool) error {
	stop := context.AfterFunc(ctx, func() {
		if c, err := p.context(); err == nil {
			c.Cancel() // aborts a blocking GetStatusChange with SCARD_E_CANCELLED
		}
	})
	defer stop()

	var states []scard.ReaderState
	seen := map[string]bool{} // reader → Present last reported
	pnp := reader == ""
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		names := []string{reader}
		if reader == "" {
			var err error
			if names, err = p.Readers(); err != nil && !errors.Is(err, ErrNoService) {
				return err
			}
		}
		states = syncStates(states, names, pnp)
		if len(states) == 0 {
			if err := sleep(ctx, pollInterval); err != nil {
				return err
			}
			continue
		}
		err := p.do(func(c *scard.Context) error { return c.GetStatusChange(states, pollInterval) })
		switch {
		case err == nil:
		case errors.Is(err, scard.ErrTimeout):
			continue
		case errors.Is(err, scard.ErrCancelled):
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue // another Watch on this PCSC was cancelled
		case pnp && errors.Is(err, scard.ErrUnknownReader) && reader == "":
			pnp = false // no PnP notification here (macOS): rely on polling
			continue
		case errors.Is(err, scard.ErrUnknownReader), errors.Is(err, scard.ErrReaderUnavailable),
			serviceGone(err):
			if err := sleep(ctx, pollInterval/4); err != nil {
				return err
			}
			continue
		default:
			return pcscErr("waiting for card", err)
		}
		for i := range states {
			s := &states[i]
			s.CurrentState = s.EventState // with the event counter
			if s.Reader == pnpReader {
				continue
			}
			ev := Event{Reader: s.Reader, Present: present(s.EventState)}
			if prev, ok := seen[s.Reader]; ok && prev == ev.Present {
				continue
			}
			seen[s.Reader] = ev.Present
			if ev.Present {
				ev.ATR = slices.Clone(s.Atr)
			}
			if !f(ev) {
				return nil
			}
		}
	}
}

func present(s scard.StateFlag) bool {
	return s&scard.StatePresent != 0 && s&scard.StateMute == 0
}

// syncStates keeps the states of readers still listed (with their event counters), adds new
// readers as unaware, and puts the PnP pseudo reader last when pnp is set.
func syncStates(old []scard.ReaderState, names []string, pnp bool) []scard.ReaderState {
	out := make([]scard.ReaderState, 0, len(names)+1)
	for _, n := range names {
		s := scard.ReaderState{Reader: n, CurrentState: scard.StateUnaware}
		if i := slices.IndexFunc(old, func(o scard.ReaderState) bool { return o.Reader == n }); i >= 0 {
			s = old[i]
		}
		out = append(out, s)
	}
	if pnp {
		s := scard.ReaderState{Reader: pnpReader, CurrentState: scard.StateUnaware}
		if i := slices.IndexFunc(old, func(o scard.ReaderState) bool { return o.Reader == pnpReader }); i >= 0 {
			s = old[i]
		}
		out = append(out, s)
	}
	return out
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// WaitForCard waits until a card is in reader (any reader when reader is "") and returns
// the reader's name.
func (p *PCSC) WaitForCard(ctx context.Context, reader string) (string, error) {
	var got string
	err := p.Watch(ctx, reader, func(e Event) bool {
		if e.Present {
			got = e.Reader
			return false
		}
		return true
	})
	if err != nil {
		return "", err
	}
	return got, nil
}

// WaitForRemoval waits until reader holds no card.
func (p *PCSC) WaitForRemoval(ctx context.Context, reader string) error {
	if reader == "" {
		return errors.New("card: WaitForRemoval needs a reader name")
	}
	return p.Watch(ctx, reader, func(e Event) bool { return e.Present })
}

// Connect opens the card in reader in shared mode (other programs may use it between
// transactions; see [Conn.Begin]) with T=0 or T=1.
func (p *PCSC) Connect(reader string) (*Conn, error) {
	var card *scard.Card
	err := p.do(func(ctx *scard.Context) error {
		var err error
		card, err = ctx.Connect(reader, scard.ShareShared, scard.ProtocolAny)
		return err
	})
	if err != nil {
		return nil, pcscErr("connecting to card", err)
	}
	return &Conn{reader: reader, card: card}, nil
}

// Conn is a connection to the card in one reader. It implements [Transport]. It is not safe
// for concurrent use.
type Conn struct {
	reader string
	card   *scard.Card
	inTx   bool
}

var _ Transport = (*Conn)(nil)

// Reader returns the reader's name.
func (c *Conn) Reader() string { return c.reader }

// ATR returns the card's answer-to-reset.
func (c *Conn) ATR() ([]byte, error) {
	st, err := c.card.Status()
	if err != nil {
		return nil, c.cardErr("reading card status", err)
	}
	return st.Atr, nil
}

// Transmit sends one APDU (SCardTransmit). A response without a status word is the card
// vanishing mid-command when the reader then reports it gone (vpcd answers that way, and
// pcscd notices the removal right after): that gives [ErrCardRemoved].
func (c *Conn) Transmit(cmd []byte) ([]byte, error) {
	r, err := c.card.Transmit(cmd)
	if err != nil {
		return nil, c.cardErr("transmit", err)
	}
	if len(r) < 2 {
		if c.gone() {
			return nil, fmt.Errorf("transmit: %w: no response", ErrCardRemoved)
		}
		return nil, fmt.Errorf("transmit: %w: response of %d bytes", ErrMalformed, len(r))
	}
	return r, nil
}

// gone reports whether the card has left the reader, waiting up to about two pcscd poll
// periods for the reader to notice. State is compared with Absent exactly: pcsc-lite reports
// bit flags, Windows an enumeration.
func (c *Conn) gone() bool {
	for i := 0; i < 10; i++ {
		st, err := c.card.Status()
		if err != nil && errors.Is(pcscErr("", err), ErrCardRemoved) || err == nil && st.State == scard.Absent {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// Begin starts a transaction (SCardBeginTransaction). If the card was reset since the last
// use (SCARD_W_RESET_CARD, for example by a previous End(true)), it reconnects once and tries
// again.
func (c *Conn) Begin() error {
	err := c.card.BeginTransaction()
	if errors.Is(err, scard.ErrResetCard) {
		if err = c.card.Reconnect(scard.ShareShared, scard.ProtocolAny, scard.LeaveCard); err == nil {
			err = c.card.BeginTransaction()
		}
	}
	if err != nil {
		return c.cardErr("beginning transaction", err)
	}
	c.inTx = true
	return nil
}

// End ends the transaction (SCardEndTransaction), resetting the card when reset is set,
// which drops any verified PIN.
func (c *Conn) End(reset bool) error {
	if !c.inTx {
		return nil
	}
	c.inTx = false
	d := scard.LeaveCard
	if reset {
		d = scard.ResetCard
	}
	if err := c.card.EndTransaction(d); err != nil {
		return c.cardErr("ending transaction", err)
	}
	return nil
}

// Close disconnects and resets the card (SCardDisconnect with SCARD_RESET_CARD), so that no
// verified PIN survives the connection.
func (c *Conn) Close() error {
	if err := c.card.Disconnect(scard.ResetCard); err != nil {
		return c.cardErr("disconnecting", err)
	}
	return nil
}

// cardErr maps a PC/SC error; a communication error while the card has gone from the reader
// (vpcd reports a pulled card that way mid-APDU) becomes [ErrCardRemoved].
func (c *Conn) cardErr(op string, err error) error {
	mapped := pcscErr(op, err)
	if errors.Is(mapped, ErrCardRemoved) || errors.Is(mapped, ErrCardReset) || errors.Is(mapped, ErrNoService) {
		return mapped
	}
	if c.gone() {
		return fmt.Errorf("%s: %w: %w", op, ErrCardRemoved, err)
	}
	return mapped
}

// pcscErr wraps a PC/SC error with op and the sentinel that describes it, keeping the
// scard.Error for errors.Is.
func pcscErr(op string, err error) error {
	var s error
	switch {
	case errors.Is(err, scard.ErrRemovedCard), errors.Is(err, scard.ErrNoSmartcard):
		s = ErrCardRemoved
	case errors.Is(err, scard.ErrResetCard):
		s = ErrCardReset
	case serviceGone(err):
		s = ErrNoService
	case errors.Is(err, scard.ErrNoReadersAvailable), errors.Is(err, scard.ErrUnknownReader),
		errors.Is(err, scard.ErrReaderUnavailable):
		s = ErrNoReader
	case errors.Is(err, scard.ErrSharingViolation):
		s = ErrCardInUse
	}
	if s == nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return fmt.Errorf("%s: %w: %w", op, s, err)
}
