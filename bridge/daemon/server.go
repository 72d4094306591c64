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

	relaysync "github.com/mynumber-shelter/shelter/bridge/sync"

	"github.com/mynumber-shelter/shelter/bridge"

	"github.com/mynumber-shelter/shelter/devices/card"
	"github.com/mynumber-shelter/shelter/devices/vein"
	"github.com/mynumber-shelter/shelter/internal/appdir"
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
	// User is the only user allowed to connect: a uid on Unix, a SID on Windows ([peerUser]).
	// Defaults to the user the daemon runs as.
	User string
	// OpenPCSC opens the smart card service; defaults to card.OpenPCSC. The bridge opens two
	// contexts: one for card operations and one for the reader watch.
	OpenPCSC func() (*card.PCSC, error)
	// ConfigPath is the bridge's settings file; defaults to ConfigPath(). Serve loads it and
	// PUT /v1/config rewrites it.
	ConfigPath string
	// OpenVein returns the vein sensor the config chose (it may open the line or start the
	// driver lazily); defaults to vein.Open.
	OpenVein func(c vein.Config) (vein.Sensor, error)
	// VeinTimeout bounds one vein call that waits for a hand (the whole enrolment); defaults
	// to 50 s, under the Client's 60 s.
	VeinTimeout time.Duration
	// DriverDir is where an exec vein driver given by name only (PUT /v1/config) is: the
	// config then holds its absolute path in DriverDir. "" means the folder of the bridge's
	// own executable.
	DriverDir string

	once     sync.Once
	started  time.Time
	mu       sync.Mutex
	pcsc     *card.PCSC
	sessions map[string]time.Time // keychain account → expiry
	hub      hub
	scanSt   scanState         // scan.go: scanners and the hot-folder inbox
	sync     *relaysync.Syncer // sync_routes.go: set by Serve before it answers
	share    *relaysync.Share  // sync_share_routes.go: on sync

	cardSem     chan struct{} // the bridge-wide card lock: every PC/SC operation holds it
	cardBusy    atomic.Int32  // holders of the card lock (0 or 1)
	cardMaxBusy atomic.Int32  // the most holders ever seen at once: 1, or a bug

	cfgMu     sync.Mutex    // serialises config changes
	cfg       bridge.Config // guarded by mu
	veinMu    sync.Mutex    // guards the vein fields
	vein      vein.Sensor
	veinCfg   vein.Config // the driver the sensor was opened with
	veinInfo  vein.Info
	veinGen   int             // bumped when the sensor is replaced
	veinOpen  time.Duration   // how long the first contact with a new sensor may take; default 5 s; guarded by veinMu
	bg        sync.WaitGroup  // goroutines that Serve waits for
	bgCtx     context.Context // guarded by mu; ends with Serve
	bgStopped bool            // guarded by mu; Serve is waiting for bg
	stopServe func()          // guarded by mu; ends Serve (POST /v1/stop)
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
			s.OpenVein = vein.Open
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

// ErrRunning is returned by Listen when another bridge already answers on the socket or pipe.
var ErrRunning = errors.New("a shelter-bridge is already running for this user")

// Serve answers requests on l until ctx ends, then deletes the session keys it holds. It
// loads and applies the config file (vein sensor, scanners, hot folder) and watches the card
// readers while it runs.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	s.init()
	// The state (inbox, sync keys' certificates, settings) is private to the user, also when
	// the folder was made before or by hand.
	if err := appdir.MkdirPrivate(StateDir()); err != nil {
		s.Log.Warn("bridge state directory", "err", err)
	}
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
	s.stopServe = stop
	s.mu.Unlock()
	cfg, err := LoadConfig(s.ConfigPath)
	if err != nil {
		s.Log.Warn("bridge config not loaded; using defaults", "path", s.ConfigPath, "err", err)
		cfg = bridge.Config{}
	}
	s.Log.Info("bridge config", "path", s.ConfigPath)
	s.applyConfig(cfg)
	s.dropStaleSessions()
	s.goBackground(s.watchReaders)
	s.sync = s.newSyncer()
	s.share = &relaysync.Share{Syncer: s.sync}
	s.goBackground(func(ctx context.Context) {
		s.sync.Run(ctx)
		s.sync.Close()
	})
	hs := &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			who, err := peerUser(c)
			if err != nil {
				s.Log.Warn("refusing a connection whose user cannot be told", "err", err)
				who = ""
			}
			return context.WithValue(ctx, ctxKey{}, who)
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
	s.dropAllSessions()
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

// route is one API route: its ServeMux pattern and the method that serves it.
type route struct {
	pattern string
	serve   func(*Server, http.ResponseWriter, *http.Request)
}

// routes is the whole /v1 API. Registering it starts nothing: the reader watch, the hot-folder
// watcher and the sync loop are started by Serve.
var routes = []route{
	{"GET /v1/status", (*Server).status},
	{"GET /v1/devices", (*Server).devices},
	{"GET /v1/config", (*Server).getConfig},
	{"PUT /v1/config", (*Server).putConfig},
	{"GET /v1/events", (*Server).events},
	{"POST /v1/stop", (*Server).stop},

	// Cards (card_read.go, card_jpki.go)
	{"GET /v1/readers", (*Server).readers},
	{"POST /v1/card/retries", (*Server).cardRetries},
	{"POST /v1/card/read", (*Server).cardRead},
	{"POST /v1/card/uid", (*Server).cardUID},
	{"POST /v1/card/jpki/retries", (*Server).jpkiRetries},
	{"POST /v1/card/jpki/certificate", (*Server).jpkiCertificate},
	{"POST /v1/card/jpki/sign", (*Server).jpkiSign},

	// Vein sensor (vein.go)
	{"GET /v1/vein", (*Server).veinInfoRoute},
	{"POST /v1/vein/enrol", (*Server).veinEnrol},
	{"POST /v1/vein/verify", (*Server).veinVerify},
	{"POST /v1/vein/identify", (*Server).veinIdentify},
	{"DELETE /v1/vein/templates/{id}", (*Server).veinDelete},
	{"POST /v1/vein/cancel", (*Server).veinCancel},

	// Session keys
	{"PUT /v1/sessions/{vault}/{user}", (*Server).putSession},
	{"GET /v1/sessions/{vault}/{user}", (*Server).getSession},
	{"DELETE /v1/sessions/{vault}/{user}", (*Server).deleteSession},

	// Scanners and the hot-folder inbox (scan.go, inbox.go)
	{"GET /v1/scanners", (*Server).listScanners},
	{"POST /v1/scan", (*Server).scan},
	{"PUT /v1/inbox/key", (*Server).putInboxKey},
	{"GET /v1/inbox", (*Server).listInbox},
	{"GET /v1/inbox/{id}", (*Server).getInboxItem},
	{"DELETE /v1/inbox/{id}", (*Server).deleteInboxItem},

	// Relay sync (sync_routes.go)
	{"POST /v1/sync/enrol", (*Server).syncEnrol},
	{"GET /v1/sync/status", (*Server).syncStatus},
	{"POST /v1/sync/outbox", (*Server).syncOutbox},
	{"GET /v1/sync/inbox", (*Server).syncInbox},
	{"GET /v1/sync/inbox/{id}", (*Server).syncInboxItem},
	{"DELETE /v1/sync/inbox/{id}", (*Server).syncAck},
	{"POST /v1/sync/now", (*Server).syncNow},

	// Company sharing between installations (sync_share_routes.go)
	{"GET /v1/sync/share/identity", (*Server).shareIdentity},
	{"PUT /v1/sync/share/key", (*Server).sharePublishKey},
	{"GET /v1/sync/share/offices/{office}/key", (*Server).shareOfficeKey},
	{"GET /v1/sync/share/companies", (*Server).shareCompanies},
	{"PUT /v1/sync/share/companies/{company}", (*Server).shareRegisterCompany},
	{"POST /v1/sync/share/companies/{company}/members", (*Server).shareAddMember},
	{"DELETE /v1/sync/share/companies/{company}/members/{office}", (*Server).shareRemoveMember},
	{"GET /v1/sync/share/companies/{company}/envelopes", (*Server).shareEnvelopes},
	{"POST /v1/sync/share/envelopes", (*Server).sharePrepare},
	{"PUT /v1/sync/share/envelopes/{seq}/data", (*Server).sharePart},
	{"POST /v1/sync/share/envelopes/{seq}/send", (*Server).shareSend},

	// The office replica (sync_replica_routes.go)
	{"PUT /v1/sync/replica/{id}", (*Server).replicaStage},
	{"GET /v1/sync/replica", (*Server).replicaStatus},
	{"GET /v1/sync/anchors", (*Server).replicaAnchors},
	{"POST /v1/sync/replica/restore-code", (*Server).replicaRestoreCode},
}

// handler is the /v1 API with the peer check in front.
func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) { rt.serve(s, w, r) })
	}
	want := s.User
	if want == "" {
		var err error
		if want, err = selfUser(); err != nil {
			s.Log.Error("the bridge cannot tell which user it runs as; refusing every request", "err", err)
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if who, ok := r.Context().Value(ctxKey{}).(string); !ok || who == "" || who != want {
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

// stop answers 204 and ends Serve, which deletes the session keys it holds: how
// `shelter-bridge uninstall` stops the user's bridge on Windows, where no service manager does.
func (s *Server) stop(w http.ResponseWriter, r *http.Request) {
	s.Log.Info("stopping: asked by the bridge's user")
	w.WriteHeader(http.StatusNoContent)
	http.NewResponseController(w).Flush()
	s.mu.Lock()
	stop := s.stopServe
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// validSessionAccount reports whether acct is a session account sessionAccount can make (the
// persisted list names nothing else in the keychain).
func validSessionAccount(acct string) bool {
	parts := strings.Split(acct, "/")
	return len(parts) == 3 && parts[0] == "session" && idPattern.MatchString(parts[1]) && idPattern.MatchString(parts[2])
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
				// Listed first, keyed after: a kill in between leaves a listed account with no
				// key, never a key that no list names.
				s.mu.Lock()
				prev, had := s.sessions[acct]
				s.sessions[acct] = exp
				lerr := s.saveSessionsLocked()
				s.mu.Unlock()
				if lerr != nil {
					s.Log.Warn("writing the list of session keys", "err", lerr)
					e = &bridge.Error{Code: "state", Message: "the bridge could not record the session (is its folder writable?)"}
				} else if err := s.Keychain.Set(acct, key); err != nil {
					e = &bridge.Error{Code: "keychain", Message: "the OS keychain refused the key"}
				} else {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				s.mu.Lock()
				if had {
					s.sessions[acct] = prev
				} else {
					delete(s.sessions, acct)
				}
				s.saveSessionsLocked()
				s.mu.Unlock()
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
	if err := s.Keychain.Delete(acct); err != nil && !errors.Is(err, keychain.ErrNotFound) {
		writeErr(w, http.StatusInternalServerError, &bridge.Error{Code: "keychain", Message: "the OS keychain refused to delete the key"})
		return
	}
	s.mu.Lock()
	delete(s.sessions, acct)
	if err := s.saveSessionsLocked(); err != nil {
		s.Log.Warn("writing the list of session keys", "err", err)
	}
	s.mu.Unlock()
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
		}
	}
	s.mu.Unlock()
	for _, acct := range gone {
		if err := s.Keychain.Delete(acct); err != nil && !errors.Is(err, keychain.ErrNotFound) {
			s.Log.Warn("deleting expired session key", "err", err)
			continue
		}
		s.mu.Lock()
		delete(s.sessions, acct)
		s.mu.Unlock()
	}
	if len(gone) > 0 {
		s.mu.Lock()
		if err := s.saveSessionsLocked(); err != nil {
			s.Log.Warn("writing the list of session keys", "err", err)
		}
		s.mu.Unlock()
	}
}
