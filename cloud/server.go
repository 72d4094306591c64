package cloud

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/mynumber-shelter/shelter/cloud/envelope"
	"github.com/mynumber-shelter/shelter/cloud/store"
)

// Limits bound what one request or one client may take. Zero fields take the defaults.
type Limits struct {
	// MaxJSON bounds JSON request bodies (enrolment, company registration). Default 64 KiB.
	MaxJSON int64
	// MaxEnvelope bounds an uploaded envelope. Default: the largest valid envelope.
	MaxEnvelope int64
	// MaxSubmission bounds an employee submission (sealed ID photos). Default 25 MiB.
	MaxSubmission int64
	// MaxSnapshot bounds an office's replica snapshot. Default 1 GiB (an office of 100,000
	// people with their identity images).
	MaxSnapshot int64
	// PerIP limits requests per client IP. Default 20/s, burst 40.
	PerIP Rate
	// PerIPLogin additionally limits employee logins per client IP. Default 1 per 5 s,
	// burst 10.
	PerIPLogin Rate
	// PerAccountLogin limits employee logins per account (company and employee code) from all
	// addresses together, so that many addresses cannot share out the guesses. Default 1 per
	// 30 s, burst 5 (the store's lockout after 5 failures stays the final word).
	PerAccountLogin Rate
	// PerOffice limits bridge requests per enrolled office. Default 50/s, burst 100.
	PerOffice Rate
}

func (l Limits) withDefaults() Limits {
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxJSON, 64<<10)
	def(&l.MaxEnvelope, envelope.Overhead+2*envelope.MaxIDLen+envelope.MaxCiphertext)
	def(&l.MaxSubmission, 25<<20)
	def(&l.MaxSnapshot, 1<<30)
	if l.PerIP == (Rate{}) {
		l.PerIP = Rate{PerSecond: 20, Burst: 40}
	}
	if l.PerIPLogin == (Rate{}) {
		l.PerIPLogin = Rate{PerSecond: 0.2, Burst: 10}
	}
	if l.PerAccountLogin == (Rate{}) {
		l.PerAccountLogin = Rate{PerSecond: 1.0 / 30, Burst: 5}
	}
	if l.PerOffice == (Rate{}) {
		l.PerOffice = Rate{PerSecond: 50, Burst: 100}
	}
	return l
}

// Unlimited is a Rate that never limits (for benchmarks and trusted tests).
var Unlimited = Rate{PerSecond: math.Inf(1), Burst: math.MaxInt32}

// Server is the relay. Store, ClientCA and ClientCAKey are required; the rest have defaults.
// Create the handler once with [Server.Handler]; the rate buckets live in it.
type Server struct {
	Store store.Store
	// ClientCA issues the bridges' client certificates and is the only CA trusted for them.
	ClientCA    *x509.Certificate
	ClientCAKey crypto.Signer
	// ClientCertTTL is the lifetime of an issued client certificate. Default 397 days.
	ClientCertTTL time.Duration
	Limits        Limits
	// Log receives one JSON line per request, never with a body. Default: discard.
	Log *slog.Logger
	// Now defaults to time.Now; Rand to crypto/rand.Reader.
	Now  func() time.Time
	Rand io.Reader
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

// TLSConfig is the relay's TLS policy: TLS 1.2 or later, cert as the server certificate, and
// client certificates verified against ClientCA when given (the bridge routes require one).
func (s *Server) TLSConfig(cert tls.Certificate) *tls.Config {
	pool := x509.NewCertPool()
	if s.ClientCA != nil {
		pool.AddCert(s.ClientCA)
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.VerifyClientCertIfGiven,
		ClientCAs:    pool,
	}
}

// HTTPServer returns an http.Server with the relay's handler, TLS policy and timeouts. Serve
// it with ServeTLS(listener, "", "") or ListenAndServeTLS("", ""): there is no plain-HTTP mode.
func (s *Server) HTTPServer(addr string, cert tls.Certificate) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.Handler(),
		TLSConfig:         s.TLSConfig(cert),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log().Handler(), slog.LevelWarn),
	}
}

// handler is one Handler's state.
type handler struct {
	*Server
	limits           Limits
	perIP, perOffice *limiter
	limited          limitedLog
}

// Handler returns the relay's routes (see the package doc) behind logging and the per-IP rate
// limit.
func (s *Server) Handler() http.Handler {
	h := &handler{Server: s, limits: s.Limits.withDefaults()}
	h.perIP = newLimiter(h.limits.PerIP, s.now)
	h.perOffice = newLimiter(h.limits.PerOffice, s.now)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", h.healthz)
	mux.HandleFunc("POST /v1/enrol", h.enrol)
	mux.HandleFunc("GET /v1/companies/{company}/submission-key", h.submissionKey)
	mux.HandleFunc("PUT /v1/bridge/companies/{company}", h.bridge(h.registerCompany))
	mux.HandleFunc("POST /v1/bridge/companies/{company}/members", h.bridge(h.addMember))
	mux.HandleFunc("DELETE /v1/bridge/companies/{company}/members/{office}", h.bridge(h.removeMember))
	mux.HandleFunc("POST /v1/bridge/envelopes", h.bridge(h.putEnvelope))
	mux.HandleFunc("GET /v1/bridge/companies/{company}/envelopes", h.bridge(h.listEnvelopes))
	mux.HandleFunc("DELETE /v1/bridge/companies/{company}/envelopes/{id}", h.bridge(h.deleteEnvelope))
	mux.HandleFunc("GET /v1/bridge/companies/{company}/submissions", h.bridge(h.listSubmissions))
	mux.HandleFunc("DELETE /v1/bridge/companies/{company}/submissions/{id}", h.bridge(h.deleteSubmission))
	h.employeeRoutes(mux)  // employee.go: the phone page and its API
	h.directoryRoutes(mux) // directory.go: offices' public keys for sharing
	h.replicaRoutes(mux)   // replica.go: the offices' sealed replica snapshots
	h.anchorRoutes(mux)    // anchors.go: digests of the offices' audit chains
	return h.logged(h.limitIP(mux))
}

// reqInfo collects what the log line says about a request.
type reqInfo struct {
	status int
	office string
	route  string
}

type infoKey struct{}

type statusWriter struct {
	http.ResponseWriter
	info *reqInfo
}

func (w *statusWriter) WriteHeader(code int) {
	if w.info.status == 0 {
		w.info.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.info.status == 0 {
		w.info.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limitKey is the key of a client's per-address bucket: the IPv4 address, or the /64 network of
// an IPv6 address (one customer line gets a whole /64, so single IPv6 addresses are free to
// take).
func limitKey(r *http.Request) string {
	ip := net.ParseIP(clientIP(r))
	if ip == nil || ip.To4() != nil {
		return clientIP(r)
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

func (h *handler) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &reqInfo{}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
		next.ServeHTTP(&statusWriter{ResponseWriter: w, info: info}, r)
		if info.status == 0 {
			info.status = http.StatusOK
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("route", info.route),
			slog.Int("status", info.status),
			slog.Duration("duration", time.Since(start)),
			slog.String("ip", clientIP(r)),
		}
		if info.office != "" {
			attrs = append(attrs, slog.String("office", info.office))
		}
		if info.status == http.StatusTooManyRequests {
			// A flood is counted, not written line by line (one line a minute at most).
			h.limited.note(r.Context(), h.log(), time.Now())
			return
		}
		h.log().LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
	})
}

// limitedLog counts the requests refused by a rate limit and writes one summary line a minute.
type limitedLog struct {
	mu    sync.Mutex
	n     int
	since time.Time
}

func (l *limitedLog) note(ctx context.Context, log *slog.Logger, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	if !l.since.IsZero() && now.Sub(l.since) < time.Minute {
		return
	}
	// The first refusal, then at most one line a minute with the count since the last line.
	log.LogAttrs(ctx, slog.LevelWarn, "rate limited", slog.Int("requests", l.n))
	l.n, l.since = 0, now
}

func info(r *http.Request) *reqInfo {
	if i, ok := r.Context().Value(infoKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

func (h *handler) limitIP(next *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := next.Handler(r)
		info(r).route = pattern
		if pattern != "GET /healthz" {
			if ok, wait := h.perIP.allow(limitKey(r)); !ok {
				tooMany(w, wait)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func tooMany(w http.ResponseWriter, wait time.Duration) {
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	writeError(w, http.StatusTooManyRequests, "rate limit exceeded")
}

// bridge wraps a bridge route: a client certificate from ClientCA that the store knows,
// and the per-office rate limit.
func (h *handler) bridge(next func(http.ResponseWriter, *http.Request, store.ClientCert)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.PeerCertificates) == 0 {
			writeError(w, http.StatusUnauthorized, "client certificate required")
			return
		}
		cert, err := h.Store.ClientCert(r.Context(), sha256.Sum256(r.TLS.PeerCertificates[0].Raw))
		if errors.Is(err, store.ErrNotFound) {
			writeError(w, http.StatusUnauthorized, "client certificate not enrolled")
			return
		}
		if err != nil {
			h.internal(w, r, err)
			return
		}
		info(r).office = cert.Office
		if ok, wait := h.perOffice.allow(cert.Office); !ok {
			tooMany(w, wait)
			return
		}
		next(w, r, cert)
	}
}

func (h *handler) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := h.Store.Ping(ctx); err != nil {
		h.log().Warn("health check", slog.String("error", err.Error()))
		writeError(w, http.StatusServiceUnavailable, "store unavailable")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// internal logs err (store errors carry no secrets) and answers 500 without details.
func (h *handler) internal(w http.ResponseWriter, r *http.Request, err error) {
	h.log().LogAttrs(r.Context(), slog.LevelError, "internal error", slog.String("route", info(r).route), slog.String("error", err.Error()))
	writeError(w, http.StatusInternalServerError, "internal error")
}

// readBody reads at most limit bytes; beyond it answers 413 and returns false.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, "request body too large")
		return nil, false
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "reading request body")
		return nil, false
	}
	return b, true
}

// readJSON decodes a bounded JSON body into v, rejecting unknown fields.
func readJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	b, ok := readBody(w, r, limit)
	if !ok {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "malformed JSON")
		return false
	}
	return true
}
