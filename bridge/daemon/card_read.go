package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"

	"github.com/mynumber-shelter/shelter/devices/card"
)

// The card lock and the My Number card routes (/v1/card/retries, /v1/card/read).

// lockCard takes the bridge-wide card lock, which every PC/SC operation holds so that
// concurrent requests queue rather than interleave APDUs or cancel each other's waits. The
// reader watch does not take it: it has its own PC/SC context and sends no APDU.
func (s *Server) lockCard(ctx context.Context) (unlock func(), err error) {
	select {
	case s.cardSem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	n := s.cardBusy.Add(1)
	for {
		m := s.cardMaxBusy.Load()
		if n <= m || s.cardMaxBusy.CompareAndSwap(m, n) {
			break
		}
	}
	return func() {
		s.cardBusy.Add(-1)
		<-s.cardSem
	}, nil
}

// cardError maps device errors to API errors whose messages carry no card data.
func cardError(err error) *bridge.Error {
	var wp *card.WrongPINError
	switch {
	case errors.As(err, &wp):
		return &bridge.Error{Code: "wrong_pin", Message: "the PIN is wrong", Retries: wp.Retries}
	case errors.Is(err, card.ErrPINFormat):
		return &bridge.Error{Code: "bad_pin_format", Message: "the PIN is 4 digits"}
	case errors.Is(err, card.ErrPINLocked):
		return &bridge.Error{Code: "pin_locked", Message: "the PIN is locked; the card holder must reset it at their municipal office"}
	case errors.Is(err, card.ErrLastTry):
		return &bridge.Error{Code: "last_try", Message: "one try is left; confirm before trying again"}
	case errors.Is(err, card.ErrCardRemoved), errors.Is(err, card.ErrCardReset):
		return &bridge.Error{Code: "card_removed", Message: "the card was removed during the read; nothing was read"}
	case errors.Is(err, card.ErrNoKenhojo):
		return &bridge.Error{Code: "no_kenhojo", Message: "this generation of the card has no application the number can be read from with the 4-digit PIN"}
	case errors.Is(err, card.ErrNotMyNumberCard), errors.Is(err, card.ErrNotFound):
		return &bridge.Error{Code: "not_mynumber_card", Message: "this card is not a My Number card"}
	case errors.Is(err, card.ErrNoReader):
		return &bridge.Error{Code: "no_reader", Message: "no IC card reader is connected"}
	case errors.Is(err, card.ErrNoService):
		return &bridge.Error{Code: "no_service", Message: "the smart card service is not running"}
	case errors.Is(err, card.ErrCardInUse):
		return &bridge.Error{Code: "card_in_use", Message: "another program is using the card"}
	case errors.Is(err, card.ErrIntegrity), errors.Is(err, card.ErrSignature):
		return &bridge.Error{Code: "integrity", Message: "the card's data does not match its own digests; do not use it"}
	case errors.Is(err, card.ErrUnsupported):
		return &bridge.Error{Code: "unsupported", Message: "this card or reader does not support the operation"}
	}
	return &bridge.Error{Code: "card_error", Message: "the card could not be read"}
}

// pickReader returns the named reader, or the only one; several readers need a name. The
// caller holds the card lock.
func (s *Server) pickReader(name string) (string, *bridge.Error) {
	rs, err := s.listReaders()
	if err != nil {
		return "", cardError(err)
	}
	if name != "" {
		for _, r := range rs {
			if r == name {
				return r, nil
			}
		}
		return "", &bridge.Error{Code: "no_reader", Message: "that reader is not connected"}
	}
	switch len(rs) {
	case 0:
		return "", &bridge.Error{Code: "no_reader", Message: "no IC card reader is connected"}
	case 1:
		return rs[0], nil
	}
	return "", &bridge.Error{Code: "choose_reader", Message: fmt.Sprintf("%d readers are connected; choose one", len(rs))}
}

// withCard decodes a CardRequest, takes the card lock, waits briefly for a card in the chosen
// reader, connects, and runs fn; the connection is closed (and the card reset) afterwards.
func (s *Server) withCard(w http.ResponseWriter, r *http.Request, fn func(req bridge.CardRequest, c *card.Conn) (any, error)) {
	var req bridge.CardRequest
	if e := readJSON(r, &req); e != nil {
		writeErr(w, http.StatusBadRequest, e)
		return
	}
	s.withCardRequest(w, r, req, fn)
}

func (s *Server) withCardRequest(w http.ResponseWriter, r *http.Request, req bridge.CardRequest, fn func(req bridge.CardRequest, c *card.Conn) (any, error)) {
	unlock, err := s.lockCard(r.Context())
	if err != nil {
		return // the caller went away while queueing
	}
	defer unlock()
	reader, e := s.pickReader(req.Reader)
	if e != nil {
		writeErr(w, http.StatusConflict, e)
		return
	}
	p, err := s.smartcards()
	if err != nil {
		writeErr(w, http.StatusServiceUnavailable, cardError(err))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	_, err = p.WaitForCard(ctx, reader)
	cancel()
	if err != nil {
		writeErr(w, http.StatusConflict, &bridge.Error{Code: "no_card", Message: "put the card on the reader"})
		return
	}
	conn, err := p.Connect(reader)
	if err != nil {
		writeErr(w, http.StatusConflict, cardError(err))
		return
	}
	defer conn.Close()
	out, err := fn(req, conn)
	if err != nil {
		s.Log.Info("card operation failed", "reader", reader, "code", cardError(err).Code)
		writeErr(w, http.StatusConflict, cardError(err))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) cardRetries(w http.ResponseWriter, r *http.Request) {
	s.withCard(w, r, func(_ bridge.CardRequest, c *card.Conn) (any, error) {
		n, err := card.PINRetries(c)
		return bridge.Retries{Retries: n}, err
	})
}

var pinPattern = regexp.MustCompile(`^[0-9]{4}$`)

func (s *Server) cardRead(w http.ResponseWriter, r *http.Request) {
	s.withCard(w, r, func(req bridge.CardRequest, c *card.Conn) (any, error) {
		if !pinPattern.MatchString(req.PIN) {
			return nil, card.ErrPINFormat
		}
		if err := s.pinPrompt(c, "kenhojo", card.PINRetries); err != nil {
			return nil, err
		}
		k, err := card.ReadKenhojoWith(c, req.PIN, &card.Options{AllowLastTry: req.AllowLastTry})
		if err != nil {
			return nil, err
		}
		s.Log.Info("card read", "reader", c.Reader())
		return bridge.CardData{Number: k.Number.Reveal(), Name: k.Name, Address: k.Address,
			BirthDate: k.Birth.Format("2006-01-02"), Sex: string(rune(k.Sex)), Integrity: fmt.Sprint(k.Integrity.Digest)}, nil
	})
}
