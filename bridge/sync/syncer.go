package relaysync

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	stdsync "sync"
	"time"

	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// Defaults of [Syncer] fields.
const (
	DefaultInterval = time.Minute
	DefaultTimeout  = 60 * time.Second
	// PageSize is how many submissions one pull request asks for.
	PageSize = 100
	// MaxBackoff bounds the wait after failed rounds.
	MaxBackoff = 15 * time.Minute
)

// Progress is one progress report of a round, for the bridge's sync_progress events. It never
// carries a body.
type Progress struct {
	// Phase is "outbox" (Step of Steps items sent), "pull" (Step items pulled so far for
	// Company) or "done".
	Phase   string
	Company string
	Step    int
	Steps   int
}

// Syncer is the bridge's relay sync. Dir and Keychain are required; the rest have defaults.
// Its methods are safe for concurrent use; rounds never overlap.
type Syncer struct {
	// Dir is the sync state directory (created 0700): sync.db and the client certificate.
	Dir string
	// Keychain holds the client and signing private keys.
	Keychain keychain.Keychain
	// Relay is the enrolment loaded from the bridge's config; nil = not enrolled.
	Relay *Relay
	// Interval between rounds of [Syncer.Run]. Default DefaultInterval.
	Interval time.Duration
	// Timeout of one HTTP request to the relay. Default DefaultTimeout.
	Timeout time.Duration
	// OnProgress receives progress reports; OnState the sync device's state ("ok",
	// "disabled", "error") with an English detail and error text. Both default to no-ops.
	OnProgress func(Progress)
	OnState    func(state, lastError, detail string)
	// Now defaults to time.Now; Rand to crypto/rand.Reader; Log discards by default.
	Now  func() time.Time
	Rand io.Reader
	Log  *slog.Logger

	once    stdsync.Once
	openErr error
	db      *sql.DB
	round   stdsync.Mutex // one round at a time
	kick    chan struct{}

	mu       stdsync.Mutex
	relay    *Relay
	hc       *http.Client
	sign     ed25519.PrivateKey
	lastSync time.Time
	lastErr  string
	failures int
	// replicaErr is the last replica upload's error ("" after a success).
	replicaErr string
	// stage is held while a snapshot is being staged (replica.go).
	stage stdsync.Mutex
}

func (s *Syncer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Syncer) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

func (s *Syncer) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return DefaultTimeout
}

func (s *Syncer) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Syncer) state(state, lastErr, detail string) {
	if s.OnState != nil {
		s.OnState(state, lastErr, detail)
	}
}

func (s *Syncer) progress(p Progress) {
	if s.OnProgress != nil {
		s.OnProgress(p)
	}
}

// open opens the state database once.
func (s *Syncer) open(ctx context.Context) error {
	s.once.Do(func() {
		if s.Dir == "" || s.Keychain == nil {
			s.openErr = errors.New("relay sync: Dir and Keychain are required")
			return
		}
		s.kick = make(chan struct{}, 1)
		if s.Relay != nil && s.Relay.Office != "" {
			r := *s.Relay
			s.relay = &r
		}
		s.db, s.openErr = openState(ctx, s.Dir)
	})
	return s.openErr
}

// Close closes the state database.
func (s *Syncer) Close() error {
	if s.db != nil {
		return s.db.Close()
	}
	return nil
}

// Enrolled returns the current enrolment, or false.
func (s *Syncer) Enrolled() (Relay, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.relay == nil {
		if s.Relay != nil && s.Relay.Office != "" {
			return *s.Relay, true
		}
		return Relay{}, false
	}
	return *s.relay, true
}

// Status is what [Syncer.Status] reports.
type Status struct {
	Enrolled bool   `json:"enrolled"`
	URL      string `json:"url,omitempty"`
	Office   string `json:"office,omitempty"`
	// Pending and Failed count outbox items waiting and given up on; Inbox the pulled
	// submissions not yet acknowledged.
	Pending   int      `json:"pending"`
	Failed    int      `json:"failed"`
	Inbox     int      `json:"inbox"`
	Companies []string `json:"companies"`
	LastSync  string   `json:"lastSync,omitempty"` // RFC 3339 of the last successful round
	LastError string   `json:"lastError,omitempty"`
}

// Status reports the enrolment, the queues and the last round.
func (s *Syncer) Status(ctx context.Context) (Status, error) {
	if err := s.open(ctx); err != nil {
		return Status{}, err
	}
	var st Status
	if r, ok := s.Enrolled(); ok {
		st.Enrolled, st.URL, st.Office = true, r.URL, r.Office
	}
	if err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM outbox WHERE state = 'pending'),
		(SELECT count(*) FROM outbox WHERE state = 'failed'),
		(SELECT count(*) FROM inbox)`).Scan(&st.Pending, &st.Failed, &st.Inbox); err != nil {
		return st, fmt.Errorf("reading sync state: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT company FROM companies ORDER BY company`)
	if err != nil {
		return st, fmt.Errorf("reading sync state: %w", err)
	}
	defer rows.Close()
	st.Companies = []string{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return st, err
		}
		st.Companies = append(st.Companies, c)
	}
	s.mu.Lock()
	if !s.lastSync.IsZero() {
		st.LastSync = s.lastSync.UTC().Format(time.RFC3339)
	}
	st.LastError = s.lastErr
	s.mu.Unlock()
	return st, rows.Err()
}

// Kick asks [Syncer.Run] for a round now ("sync now") without waiting for it.
func (s *Syncer) Kick() {
	if s.kick == nil {
		return
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run does a round every Interval (longer after failures, up to MaxBackoff) and whenever
// kicked, until ctx ends. It does nothing while the bridge is not enrolled.
func (s *Syncer) Run(ctx context.Context) {
	if err := s.open(ctx); err != nil {
		s.log().Error("relay sync disabled", "err", err)
		return
	}
	interval := s.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	for {
		wait := interval
		s.mu.Lock()
		for i := 0; i < s.failures && wait < MaxBackoff; i++ {
			wait *= 2
		}
		s.mu.Unlock()
		t := time.NewTimer(min(wait, MaxBackoff))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.kick:
		case <-t.C:
		}
		t.Stop()
		if _, ok := s.Enrolled(); !ok {
			continue
		}
		if _, err := s.SyncNow(ctx); err != nil && !errors.Is(err, context.Canceled) {
			s.log().Warn("relay sync round failed", "err", err)
		}
	}
}

// Result counts what one round did.
type Result struct {
	Sent   int `json:"sent"`
	Failed int `json:"failed"`
	Pulled int `json:"pulled"`
}

// SyncNow runs one round at once: the outbox in order, the office replica's staged snapshot,
// then a pull of every company's new submissions. It returns an error when the relay could not be reached; what was done before
// the error stays done and the next round resumes.
func (s *Syncer) SyncNow(ctx context.Context) (Result, error) {
	if err := s.open(ctx); err != nil {
		return Result{}, err
	}
	s.round.Lock()
	defer s.round.Unlock()
	var res Result
	err := s.flush(ctx, &res)
	if err == nil {
		err = s.uploadSnapshot(ctx)
	}
	if err == nil {
		err = s.flush(ctx, &res) // what the snapshot's delivery queued: its anchor
	}
	if err == nil {
		err = s.pull(ctx, &res)
	}
	s.mu.Lock()
	if err != nil {
		s.failures++
		s.lastErr = err.Error()
	} else {
		s.failures, s.lastErr, s.lastSync = 0, "", s.now()
	}
	s.mu.Unlock()
	if err != nil {
		s.state("error", err.Error(), "relay not reachable; items stay queued")
	} else {
		s.state("ok", "", fmt.Sprintf("sent %d, pulled %d", res.Sent, res.Pulled))
	}
	s.progress(Progress{Phase: "done", Step: res.Sent + res.Pulled, Steps: res.Sent + res.Pulled})
	return res, err
}

// retryable reports whether an answer means "try again later".
func retryable(code int) bool {
	return code >= 500 || code == http.StatusTooManyRequests || code == http.StatusRequestTimeout
}

// relayError is a non-2xx answer of the relay.
type relayError struct{ code int }

func (e *relayError) Error() string { return "relay answered status " + strconv.Itoa(e.code) }

var idRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func validID(s string) bool { return idRE.MatchString(s) }
