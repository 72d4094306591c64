package bridge

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"sync"
	"time"

	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/devices/card"
)

// Server is the daemon's local API. Fields are dependencies with documented defaults.
type Server struct {
	// Keychain holds session keys; defaults to the OS keychain.
	Keychain vault.Keychain
	// Now defaults to time.Now.
	Now func() time.Time
	// Log is the daemon's log (never a PIN, number or key); defaults to discarding.
	Log *slog.Logger
	// Version is reported by /v1/status.
	Version string
	// UID is the only user allowed to connect; defaults to the daemon's own uid.
	UID *int
	// OpenPCSC opens the smart card service; defaults to card.OpenPCSC.
	OpenPCSC func() (*card.PCSC, error)

	once     sync.Once
	started  time.Time
	mu       sync.Mutex
	pcsc     *card.PCSC
	sessions map[string]time.Time // keychain account → expiry
	hub      hub
}

func (s *Server) init() {
	s.once.Do(func() {
		if s.Keychain == nil {
			s.Keychain = vault.OSKeychain()
		}
		if s.Now == nil {
			s.Now = time.Now
		}
		if s.Log == nil {
			s.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
		}
		if s.OpenPCSC == nil {
			s.OpenPCSC = card.OpenPCSC
		}
		s.started = s.Now()
		s.sessions = map[string]time.Time{}
	})
}

type ctxKey struct{}

// Serve answers requests on l until ctx ends, then deletes the session keys it holds.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	s.init()
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			uid, err := peerUID(c)
			if err != nil {
				uid = -1
			}
			return context.WithValue(ctx, ctxKey{}, uid)
		},
	}
	go func() {
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				hs.Close()
				return
			case <-t.C:
				s.reap()
			}
		}
	}()
	err := hs.Serve(l)
	s.reap()
	s.mu.Lock()
	if s.pcsc != nil {
		s.pcsc.Close()
	}
	s.mu.Unlock()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Handler is the /v1 API with the peer check in front.
func (s *Server) Handler() http.Handler {
	s.init()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", s.status)
	mux.HandleFunc("GET /v1/readers", s.readers)
	mux.HandleFunc("POST /v1/card/retries", s.cardRetries)
	mux.HandleFunc("POST /v1/card/read", s.cardRead)
	mux.HandleFunc("PUT /v1/sessions/{vault}/{user}", s.putSession)
	mux.HandleFunc("GET /v1/sessions/{vault}/{user}", s.getSession)
	mux.HandleFunc("DELETE /v1/sessions/{vault}/{user}", s.deleteSession)
	s.scanRoutes(mux) // scan.go, inbox.go: eSCL scanners and the hot-folder inbox
	s.syncRoutes(mux) // sync_routes.go: cloud relay sync
	want := os.Getuid()
	if s.UID != nil {
		want = *s.UID
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if uid, ok := r.Context().Value(ctxKey{}).(int); !ok || uid != want {
			writeErr(w, http.StatusForbidden, &Error{Code: "forbidden", Message: "only the user who runs the bridge may use it"})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		mux.ServeHTTP(w, r)
	})
}

// Error is the API's error body.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Retries is set with code "wrong_pin": the tries left.
	Retries int `json:"retries,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, code int, e *Error) { writeJSON(w, code, e) }

func readJSON(r *http.Request, v any) *Error {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		return &Error{Code: "bad_request", Message: "the request body is not valid JSON"}
	}
	return nil
}

// Status is /v1/status.
type Status struct {
	Version   string   `json:"version"`
	PID       int      `json:"pid"`
	Started   string   `json:"started"`
	Readers   []string `json:"readers"`
	CardError string   `json:"cardError,omitempty"`
	Sessions  int      `json:"sessions"`
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	st := Status{Version: s.Version, PID: os.Getpid(), Started: s.started.UTC().Format(time.RFC3339), Readers: []string{}}
	if rs, err := s.listReaders(); err != nil {
		st.CardError = cardError(err).Message
	} else {
		st.Readers = rs
	}
	s.mu.Lock()
	st.Sessions = len(s.sessions)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) smartcards() (*card.PCSC, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pcsc == nil {
		p, err := s.OpenPCSC()
		if err != nil {
			return nil, err
		}
		s.pcsc = p
	}
	return s.pcsc, nil
}

func (s *Server) listReaders() ([]string, error) {
	p, err := s.smartcards()
	if err != nil {
		return nil, err
	}
	rs, err := p.Readers()
	if errors.Is(err, card.ErrNoReader) {
		return []string{}, nil
	}
	return rs, err
}

func (s *Server) readers(w http.ResponseWriter, r *http.Request) {
	rs, err := s.listReaders()
	if err != nil {
		writeErr(w, http.StatusServiceUnavailable, cardError(err))
		return
	}
	writeJSON(w, http.StatusOK, rs)
}

// cardError maps device errors to API errors whose messages carry no card data.
func cardError(err error) *Error {
	var wp *card.WrongPINError
	switch {
	case errors.As(err, &wp):
		return &Error{Code: "wrong_pin", Message: "the PIN is wrong", Retries: wp.Retries}
	case errors.Is(err, card.ErrPINFormat):
		return &Error{Code: "bad_pin_format", Message: "the PIN is 4 digits"}
	case errors.Is(err, card.ErrPINLocked):
		return &Error{Code: "pin_locked", Message: "the PIN is locked; the card holder must reset it at their municipal office"}
	case errors.Is(err, card.ErrLastTry):
		return &Error{Code: "last_try", Message: "one try is left; confirm before trying again"}
	case errors.Is(err, card.ErrCardRemoved), errors.Is(err, card.ErrCardReset):
		return &Error{Code: "card_removed", Message: "the card was removed during the read; nothing was read"}
	case errors.Is(err, card.ErrNotMyNumberCard), errors.Is(err, card.ErrNotFound):
		return &Error{Code: "not_mynumber_card", Message: "this card is not a My Number card"}
	case errors.Is(err, card.ErrNoReader):
		return &Error{Code: "no_reader", Message: "no IC card reader is connected"}
	case errors.Is(err, card.ErrNoService):
		return &Error{Code: "no_service", Message: "the smart card service is not running"}
	case errors.Is(err, card.ErrCardInUse):
		return &Error{Code: "card_in_use", Message: "another program is using the card"}
	case errors.Is(err, card.ErrIntegrity), errors.Is(err, card.ErrSignature):
		return &Error{Code: "integrity", Message: "the card's data does not match its own digests; do not use it"}
	}
	return &Error{Code: "card_error", Message: "the card could not be read"}
}

// CardRequest names the reader and carries the PIN (never logged).
type CardRequest struct {
	Reader       string `json:"reader"`
	PIN          string `json:"pin,omitempty"`
	AllowLastTry bool   `json:"allowLastTry,omitempty"`
}

// pickReader returns the named reader, or the only one; several readers need a name.
func (s *Server) pickReader(name string) (string, *Error) {
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
		return "", &Error{Code: "no_reader", Message: "that reader is not connected"}
	}
	switch len(rs) {
	case 0:
		return "", &Error{Code: "no_reader", Message: "no IC card reader is connected"}
	case 1:
		return rs[0], nil
	}
	return "", &Error{Code: "choose_reader", Message: fmt.Sprintf("%d readers are connected; choose one", len(rs))}
}

func (s *Server) withCard(w http.ResponseWriter, r *http.Request, fn func(req CardRequest, c *card.Conn) (any, error)) {
	var req CardRequest
	if e := readJSON(r, &req); e != nil {
		writeErr(w, http.StatusBadRequest, e)
		return
	}
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
		writeErr(w, http.StatusConflict, &Error{Code: "no_card", Message: "put the card on the reader"})
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

// Retries is /v1/card/retries.
type Retries struct {
	Retries int `json:"retries"`
}

func (s *Server) cardRetries(w http.ResponseWriter, r *http.Request) {
	s.withCard(w, r, func(_ CardRequest, c *card.Conn) (any, error) {
		n, err := card.PINRetries(c)
		return Retries{n}, err
	})
}

// CardData is what /v1/card/read returns: the number and the basic 4 facts (基本4情報).
type CardData struct {
	Number    string `json:"number"`
	Name      string `json:"name"`
	Address   string `json:"address"`
	BirthDate string `json:"birthDate"` // YYYY-MM-DD
	Sex       string `json:"sex"`       // ISO 5218 digit
	Integrity string `json:"integrity"` // which digest variant matched
}

var pinPattern = regexp.MustCompile(`^[0-9]{4}$`)

func (s *Server) cardRead(w http.ResponseWriter, r *http.Request) {
	s.withCard(w, r, func(req CardRequest, c *card.Conn) (any, error) {
		if !pinPattern.MatchString(req.PIN) {
			return nil, card.ErrPINFormat
		}
		k, err := card.ReadKenhojoWith(c, req.PIN, &card.Options{AllowLastTry: req.AllowLastTry})
		if err != nil {
			return nil, err
		}
		s.Log.Info("card read", "reader", c.Reader())
		return CardData{Number: k.Number.Reveal(), Name: k.Name, Address: k.Address,
			BirthDate: k.Birth.Format("2006-01-02"), Sex: string(rune(k.Sex)), Integrity: fmt.Sprint(k.Integrity.Digest)}, nil
	})
}

// SessionKey is the body of PUT and GET /v1/sessions/{vault}/{user}.
type SessionKey struct {
	Key     string `json:"key"`     // base64
	Expires string `json:"expires"` // RFC 3339; the bridge deletes the key then
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func sessionAccount(r *http.Request) (string, *Error) {
	v, u := r.PathValue("vault"), r.PathValue("user")
	if !idPattern.MatchString(v) || !idPattern.MatchString(u) {
		return "", &Error{Code: "bad_request", Message: "bad vault or user id"}
	}
	return "session/" + v + "/" + u, nil
}

func (s *Server) putSession(w http.ResponseWriter, r *http.Request) {
	acct, e := sessionAccount(r)
	if e == nil {
		var sk SessionKey
		if e = readJSON(r, &sk); e == nil {
			key, err := base64.StdEncoding.DecodeString(sk.Key)
			exp, terr := time.Parse(time.RFC3339, sk.Expires)
			switch {
			case err != nil || len(key) != 32:
				e = &Error{Code: "bad_request", Message: "the key must be 32 bytes in base64"}
			case terr != nil || !exp.After(s.Now()):
				e = &Error{Code: "bad_request", Message: "expires must be a future RFC 3339 time"}
			default:
				if err := s.Keychain.Set(acct, key); err != nil {
					e = &Error{Code: "keychain", Message: "the OS keychain refused the key"}
				} else {
					s.mu.Lock()
					s.sessions[acct] = exp
					s.mu.Unlock()
					w.WriteHeader(http.StatusNoContent)
					return
				}
			}
		}
	}
	writeErr(w, http.StatusBadRequest, e)
}

func (s *Server) getSession(w http.ResponseWriter, r *http.Request) {
	acct, e := sessionAccount(r)
	if e != nil {
		writeErr(w, http.StatusBadRequest, e)
		return
	}
	s.mu.Lock()
	exp, ok := s.sessions[acct]
	s.mu.Unlock()
	if !ok || !exp.After(s.Now()) {
		s.reap()
		writeErr(w, http.StatusNotFound, &Error{Code: "no_session", Message: "no session key (expired or logged out)"})
		return
	}
	key, err := s.Keychain.Get(acct)
	if err != nil {
		writeErr(w, http.StatusNotFound, &Error{Code: "no_session", Message: "no session key in the keychain"})
		return
	}
	writeJSON(w, http.StatusOK, SessionKey{Key: base64.StdEncoding.EncodeToString(key), Expires: exp.UTC().Format(time.RFC3339)})
}

func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) {
	acct, e := sessionAccount(r)
	if e != nil {
		writeErr(w, http.StatusBadRequest, e)
		return
	}
	s.mu.Lock()
	delete(s.sessions, acct)
	s.mu.Unlock()
	if err := s.Keychain.Delete(acct); err != nil && !errors.Is(err, vault.ErrNotInKeychain) {
		writeErr(w, http.StatusInternalServerError, &Error{Code: "keychain", Message: "the OS keychain refused to delete the key"})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// reap deletes the session keys that have expired.
func (s *Server) reap() {
	now := s.Now()
	s.mu.Lock()
	var gone []string
	for acct, exp := range s.sessions {
		if !exp.After(now) {
			gone = append(gone, acct)
			delete(s.sessions, acct)
		}
	}
	s.mu.Unlock()
	for _, acct := range gone {
		if err := s.Keychain.Delete(acct); err != nil && !errors.Is(err, vault.ErrNotInKeychain) {
			s.Log.Warn("deleting expired session key", "err", err)
		}
	}
}
