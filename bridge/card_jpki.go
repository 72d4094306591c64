package bridge

import (
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/mynumber-shelter/shelter/devices/card"
)

// The staff IC card UID and the JPKI user-authentication routes: the second factors a handler
// can enrol besides a vein template. None of them reads the My Number.

// CardUID is /v1/card/uid's answer.
type CardUID struct {
	// UID is the contactless card's UID in upper-case hex (PC/SC GET DATA, FF CA 00 00 00).
	UID string `json:"uid"`
}

func (s *Server) cardUID(w http.ResponseWriter, r *http.Request) {
	s.withCard(w, r, func(_ CardRequest, c *card.Conn) (any, error) {
		uid, err := card.UID(c)
		if err != nil {
			return nil, err
		}
		return CardUID{UID: strings.ToUpper(hex.EncodeToString(uid))}, nil
	})
}

func (s *Server) jpkiRetries(w http.ResponseWriter, r *http.Request) {
	s.withCard(w, r, func(_ CardRequest, c *card.Conn) (any, error) {
		n, err := card.AuthPINRetries(c)
		return Retries{n}, err
	})
}

// JPKICertificate is /v1/card/jpki/certificate's answer.
type JPKICertificate struct {
	// Certificate is the JPKI 利用者証明用電子証明書 in DER (base64 in JSON). It holds no
	// name, address or number.
	Certificate []byte `json:"certificate"`
}

func (s *Server) jpkiCertificate(w http.ResponseWriter, r *http.Request) {
	s.withCard(w, r, func(_ CardRequest, c *card.Conn) (any, error) {
		cert, err := card.ReadAuthCertificate(c)
		if err != nil {
			return nil, err
		}
		return JPKICertificate{Certificate: cert.Raw}, nil
	})
}

// JPKISignRequest is the body of /v1/card/jpki/sign. The PIN is never logged.
type JPKISignRequest struct {
	Reader string `json:"reader"`
	PIN    string `json:"pin"`
	// Challenge is the app's fresh challenge (base64 in JSON), card.ChallengeSize to
	// maxChallenge bytes.
	Challenge    []byte `json:"challenge"`
	AllowLastTry bool   `json:"allowLastTry,omitempty"`
}

// JPKISignature is /v1/card/jpki/sign's answer: the card's RSASSA-PKCS1-v1_5 SHA-256
// signature over the challenge and its authentication certificate (DER), both base64 in
// JSON. It proves nothing until the app has checked it with card.AuthVerifier.
type JPKISignature struct {
	Signature   []byte `json:"signature"`
	Certificate []byte `json:"certificate"`
}

// maxChallenge bounds the challenge a caller may have the card sign.
const maxChallenge = 1024

func (s *Server) jpkiSign(w http.ResponseWriter, r *http.Request) {
	var req JPKISignRequest
	if e := readJSON(r, &req); e != nil {
		writeErr(w, http.StatusBadRequest, e)
		return
	}
	if len(req.Challenge) < card.ChallengeSize || len(req.Challenge) > maxChallenge {
		writeErr(w, http.StatusBadRequest, &Error{Code: "bad_request", Message: "the challenge must be 32 to 1024 bytes in base64"})
		return
	}
	creq := CardRequest{Reader: req.Reader, PIN: req.PIN, AllowLastTry: req.AllowLastTry}
	s.withCardRequest(w, r, creq, func(cr CardRequest, c *card.Conn) (any, error) {
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
		return JPKISignature{Signature: resp.Signature, Certificate: resp.Certificate.Raw}, nil
	})
}

// pinPrompt reads the tries left of the PIN that retries reads and publishes
// EventPINPrompt (Message says which PIN: "kenhojo" or "jpki_auth") before a PIN operation.
func (s *Server) pinPrompt(c *card.Conn, which string, retries func(card.Transport) (int, error)) error {
	n, err := retries(c)
	if err != nil {
		return err
	}
	s.publish(Event{Type: EventPINPrompt, Device: c.Reader(), Retries: n, Message: which})
	return nil
}
