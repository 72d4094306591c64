package daemon

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"

	"github.com/mynumber-shelter/shelter/devices/card"
	"github.com/mynumber-shelter/shelter/devices/vein"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// Server is the daemon's local API. Fields are dependencies with documented defaults.
type Server struct {
	// Keychain holds session keys; defaults to the OS keychain.
	Keychain keychain.Keychain
	// Now defaults to time.Now.
	Now func() time.Time
	// Log is the daemon's log (never a PIN, number or key); defaults to discarding.
	Log *slog.Logger
	// Version is reported by /v1/status.
	Version string
	// UID is the only user allowed to connect; defaults to the daemon's own uid.
	UID *int
	// OpenPCSC opens the smart card service; defaults to card.OpenPCSC. The bridge opens two
	// contexts: one for card operations and one for the reader watch.
	OpenPCSC func() (*card.PCSC, error)
	// ConfigPath is the bridge's settings file; defaults to ConfigPath(). Serve loads it and
	// PUT /v1/config rewrites it.
	ConfigPath string
	// OpenVein returns the vein sensor on a serial port (it may open the line lazily);
	// defaults to the devices/vein serial driver.
	OpenVein func(port string) vein.Sensor
	// VeinTimeout bounds one vein call that waits for a hand (the whole enrolment); defaults
	// to 50 s, under the Client's 60 s.
	VeinTimeout time.Duration

	once     sync.Once
	started  time.Time
	mu       sync.Mutex
	pcsc     *card.PCSC
	sessions map[string]time.Time // keychain account → expiry
	hub      hub
	scanSt   scanState // scan.go: scanners and the hot-folder inbox

	cardSem     chan struct{} // the bridge-wide card lock: every PC/SC operation holds it
	cardBusy    atomic.Int32  // holders of the card lock (0 or 1)
	cardMaxBusy atomic.Int32  // the most holders ever seen at once: 1, or a bug

	cfgMu     sync.Mutex    // serialises config changes
	cfg       bridge.Config // guarded by mu
	veinMu    sync.Mutex    // guards the vein fields
	vein      vein.Sensor
	veinPort  string
	veinInfo  vein.Info
	veinGen   int             // bumped when the sensor is replaced
	veinOpen  time.Duration   // how long the first contact with a new sensor may take; default 5 s; guarded by veinMu
	bg        sync.WaitGroup  // goroutines that Serve waits for
	bgCtx     context.Context // guarded by mu; ends with Serve
	bgStopped bool            // guarded by mu; Serve is waiting for bg
}

func (s *Server) init() {
	s.once.Do(func() {
		if s.Keychain == nil {
			s.Keychain = keychain.OS()
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
		if s.ConfigPath == "" {
			s.ConfigPath = ConfigPath()
		}
		if s.OpenVein == nil {
			log := s.Log
			s.OpenVein = func(port string) vein.Sensor { return &vein.Serial{Path: port, Log: log} }
		}
		if s.VeinTimeout == 0 {
			s.VeinTimeout = 50 * time.Second
		}
		if s.veinOpen == 0 {
			s.veinOpen = 5 * time.Second
		}
		s.started = s.Now()
		s.sessions = map[string]time.Time{}
		s.cardSem = make(chan struct{}, 1)
		s.bgCtx = context.Background()
	})
}

type ctxKey struct{}

// Serve answers requests on l until ctx ends, then deletes the session keys it holds. It
// loads and applies the config file (vein sensor, scanners, hot folder) and watches the card
// readers while it runs.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	s.init()
	ctx, stop := context.WithCancel(ctx)
	defer func() {
		stop()
		s.mu.Lock()
		s.bgStopped = true
		s.mu.Unlock()
		s.bg.Wait()
	}()
	s.mu.Lock()
	s.bgCtx = ctx
	s.mu.Unlock()
	cfg, err := LoadConfig(s.ConfigPath)
	if err != nil {
		s.Log.Warn("bridge config not loaded; using defaults", "path", s.ConfigPath, "err", err)
		cfg = bridge.Config{}
	}
	s.Log.Info("bridge config", "path", s.ConfigPath)
	s.applyConfig(cfg)
	s.goBackground(s.watchReaders)
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
	err = hs.Serve(l)
	stop()
	s.reap()
	s.mu.Lock()
	if s.pcsc != nil {
		s.pcsc.Close()
		s.pcsc = nil
	}
	s.mu.Unlock()
	s.closeVein()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Request body limits: 1 MiB for the device routes, 32 MiB under /v1/sync/.
const (
	maxBody     = 1 << 20
	maxSyncBody = 32 << 20
)

// Handler is the /v1 API with the peer check in front.
func (s *Server) Handler() http.Handler {
	s.init()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", s.status)
	mux.HandleFunc("GET /v1/readers", s.readers)
	mux.HandleFunc("POST /v1/card/retries", s.cardRetries)
	mux.HandleFunc("POST /v1/card/read", s.cardRead)
	mux.HandleFunc("POST /v1/card/uid", s.cardUID)
	mux.HandleFunc("POST /v1/card/jpki/retries", s.jpkiRetries)
	mux.HandleFunc("POST /v1/card/jpki/certificate", s.jpkiCertificate)
	mux.HandleFunc("POST /v1/card/jpki/sign", s.jpkiSign)
	mux.HandleFunc("GET /v1/events", s.events)
	mux.HandleFunc("GET /v1/devices", s.devices)
	mux.HandleFunc("GET /v1/config", s.getConfig)
	mux.HandleFunc("PUT /v1/config", s.putConfig)
	mux.HandleFunc("GET /v1/vein", s.veinInfoRoute)
	mux.HandleFunc("POST /v1/vein/enrol", s.veinEnrol)
	mux.HandleFunc("POST /v1/vein/verify", s.veinVerify)
	mux.HandleFunc("POST /v1/vein/identify", s.veinIdentify)
	mux.HandleFunc("DELETE /v1/vein/templates/{id}", s.veinDelete)
	mux.HandleFunc("POST /v1/vein/cancel", s.veinCancel)
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
			writeErr(w, http.StatusForbidden, &bridge.Error{Code: "forbidden", Message: "only the user who runs the bridge may use it"})
			return
		}
		limit := int64(maxBody)
		if strings.HasPrefix(r.URL.Path, "/v1/sync/replica/") {
			limit = bridge.MaxSnapshotBytes // a whole office's sealed snapshot, streamed to a file
		} else if strings.HasPrefix(r.URL.Path, "/v1/sync/") {
			// Outbox items carry envelopes (sealed company records); the share routes set
			// their own smaller limits per part.
			limit = maxSyncBody
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		mux.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, code int, e *bridge.Error) { writeJSON(w, code, e) }

func readJSON(r *http.Request, v any) *bridge.Error {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		return &bridge.Error{Code: "bad_request", Message: "the request body is not valid JSON"}
	}
	return nil
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	st := bridge.Status{Version: s.Version, PID: os.Getpid(), Started: s.started.UTC().Format(time.RFC3339), Readers: []string{}, Config: s.ConfigPath}
	unlock, err := s.lockCard(r.Context())
	if err != nil {
		return
	}
	rs, err := s.listReaders()
	unlock()
	if err != nil {
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
	unlock, err := s.lockCard(r.Context())
	if err != nil {
		return
	}
	rs, err := s.listReaders()
	unlock()
	if err != nil {
		writeErr(w, http.StatusServiceUnavailable, cardError(err))
		return
	}
	writeJSON(w, http.StatusOK, rs)
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func sessionAccount(r *http.Request) (string, *bridge.Error) {
	v, u := r.PathValue("vault"), r.PathValue("user")
	if !idPattern.MatchString(v) || !idPattern.MatchString(u) {
		return "", &bridge.Error{Code: "bad_request", Message: "bad vault or user id"}
	}
	return "session/" + v + "/" + u, nil
}

func (s *Server) putSession(w http.ResponseWriter, r *http.Request) {
	acct, e := sessionAccount(r)
	if e == nil {
		var sk bridge.SessionKey
		if e = readJSON(r, &sk); e == nil {
			key, err := base64.StdEncoding.DecodeString(sk.Key)
			exp, terr := time.Parse(time.RFC3339, sk.Expires)
			switch {
			case err != nil || len(key) != 32:
				e = &bridge.Error{Code: "bad_request", Message: "the key must be 32 bytes in base64"}
			case terr != nil || !exp.After(s.Now()):
				e = &bridge.Error{Code: "bad_request", Message: "expires must be a future RFC 3339 time"}
			default:
				if err := s.Keychain.Set(acct, key); err != nil {
					e = &bridge.Error{Code: "keychain", Message: "the OS keychain refused the key"}
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
		writeErr(w, http.StatusNotFound, &bridge.Error{Code: "no_session", Message: "no session key (expired or logged out)"})
		return
	}
	key, err := s.Keychain.Get(acct)
	if err != nil {
		writeErr(w, http.StatusNotFound, &bridge.Error{Code: "no_session", Message: "no session key in the keychain"})
		return
	}
	writeJSON(w, http.StatusOK, bridge.SessionKey{Key: base64.StdEncoding.EncodeToString(key), Expires: exp.UTC().Format(time.RFC3339)})
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
	if err := s.Keychain.Delete(acct); err != nil && !errors.Is(err, keychain.ErrNotFound) {
		writeErr(w, http.StatusInternalServerError, &bridge.Error{Code: "keychain", Message: "the OS keychain refused to delete the key"})
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
		if err := s.Keychain.Delete(acct); err != nil && !errors.Is(err, keychain.ErrNotFound) {
			s.Log.Warn("deleting expired session key", "err", err)
		}
	}
}
