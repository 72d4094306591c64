package daemon

import (
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/mynumber-shelter/shelter/bridge"

	"github.com/mynumber-shelter/shelter/devices/card"
)

// The staff IC card UID and the JPKI user-authentication routes: the second factors a handler
// can enrol besides a vein template. None of them reads the My Number.

func (s *Server) cardUID(w http.ResponseWriter, r *http.Request) {
	s.withCard(w, r, func(_ bridge.CardRequest, c *card.Conn) (any, error) {
		uid, err := card.UID(c)
		if err != nil {
			return nil, err
		}
		return bridge.CardUID{UID: strings.ToUpper(hex.EncodeToString(uid))}, nil
	})
}

func (s *Server) jpkiRetries(w http.ResponseWriter, r *http.Request) {
	s.withCard(w, r, func(_ bridge.CardRequest, c *card.Conn) (any, error) {
		n, err := card.AuthPINRetries(c)
		return bridge.Retries{Retries: n}, err
	})
}

func (s *Server) jpkiCertificate(w http.ResponseWriter, r *http.Request) {
	s.withCard(w, r, func(_ bridge.CardRequest, c *card.Conn) (any, error) {
		cert, err := card.ReadAuthCertificate(c)
		if err != nil {
			return nil, err
		}
		return bridge.JPKICertificate{Certificate: cert.Raw}, nil
	})
}

// maxChallenge bounds the challenge a caller may have the card sign.
const maxChallenge = 1024

func (s *Server) jpkiSign(w http.ResponseWriter, r *http.Request) {
	var req bridge.JPKISignRequest
	if e := readJSON(r, &req); e != nil {
		writeErr(w, http.StatusBadRequest, e)
		return
	}
	if len(req.Challenge) < card.ChallengeSize || len(req.Challenge) > maxChallenge {
		writeErr(w, http.StatusBadRequest, &bridge.Error{Code: "bad_request", Message: "the challenge must be 32 to 1024 bytes in base64"})
		return
	}
	creq := bridge.CardRequest{Reader: req.Reader, PIN: req.PIN, AllowLastTry: req.AllowLastTry}
	s.withCardRequest(w, r, creq, func(cr bridge.CardRequest, c *card.Conn) (any, error) {
		if !pinPattern.MatchString(cr.PIN) {
			return nil, card.ErrPINFormat
		}
		if err := s.pinPrompt(c, "jpki_auth", card.AuthPINRetries); err != nil {
			return nil, err
		}
		resp, err := card.AuthenticateWith(c, cr.PIN, req.Challenge, &card.Options{AllowLastTry: cr.AllowLastTry})
		if err != nil {
			return nil, err
		}
		s.Log.Info("card signed a JPKI challenge", "reader", c.Reader())
		return bridge.JPKISignature{Signature: resp.Signature, Certificate: resp.Certificate.Raw}, nil
	})
}

// pinPrompt reads the tries left of the PIN that retries reads and publishes
// EventPINPrompt (Message says which PIN: "kenhojo" or "jpki_auth") before a PIN operation.
func (s *Server) pinPrompt(c *card.Conn, which string, retries func(card.Transport) (int, error)) error {
	n, err := retries(c)
	if err != nil {
		return err
	}
	s.publish(bridge.Event{Type: bridge.EventPINPrompt, Device: c.Reader(), Retries: n, Message: which})
	return nil
}
