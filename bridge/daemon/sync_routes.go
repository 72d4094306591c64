package daemon

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"

	relaysync "github.com/mynumber-shelter/shelter/bridge/sync"
)

// SyncDirName is the relay sync's directory beside the config file (StateDir()): sync.db (outbox, inbox, cursors)
// and the client certificate. Private keys are in the keychain.
const SyncDirName = "sync"

// The relay sync routes (see routes in server.go):
//
//	POST   /v1/sync/enrol        SyncEnrolRequest → SyncStatus
//	GET    /v1/sync/status       → SyncStatus
//	POST   /v1/sync/outbox       SyncOutboxRequest → {added}
//	GET    /v1/sync/inbox        ?company= → []SyncInboxItem
//	GET    /v1/sync/inbox/{id}   → SyncBox
//	DELETE /v1/sync/inbox/{id}   acknowledge (deleted here, DELETE queued for the relay)
//	POST   /v1/sync/now          one round now → SyncResult

// newSyncer makes the relay syncer from the bridge's config and reports its state on
// /v1/devices. Serve makes it before it answers and runs its loop until Serve ends.
func (s *Server) newSyncer() *relaysync.Syncer {
	cfg, err := LoadConfig(s.ConfigPath)
	if err != nil {
		s.Log.Warn("relay sync: bridge config not loaded", "err", err)
	}
	sy := &relaysync.Syncer{
		Dir:      filepath.Join(filepath.Dir(s.ConfigPath), SyncDirName),
		Keychain: s.Keychain,
		Now:      s.Now,
		Log:      s.Log,
		OnProgress: func(p relaysync.Progress) {
			s.publish(bridge.Event{Type: bridge.EventSyncProgress, Device: "sync", Message: p.Phase, Step: p.Step, Steps: p.Steps, ID: p.Company})
		},
		OnState: func(state, lastErr, detail string) {
			s.setDevice(bridge.DeviceState{Kind: "sync", Name: "relay", State: state, Detail: detail, LastError: lastErr})
		},
	}
	if r := cfg.Relay; r != nil && r.Office != "" {
		sy.Relay = &relaysync.Relay{URL: r.URL, CAPEM: r.CAPEM, Office: r.Office}
		s.setDevice(bridge.DeviceState{Kind: "sync", Name: "relay", State: "ok", Detail: "enrolled as " + r.Office})
	} else {
		s.setDevice(bridge.DeviceState{Kind: "sync", Name: "relay", State: "disabled", Detail: "not enrolled with a relay"})
	}
	return sy
}

// syncError maps sync errors to API errors without bodies, tokens or keys.
func syncError(err error) *bridge.Error {
	var ue *url.Error
	switch {
	case errors.Is(err, relaysync.ErrNotEnrolled):
		return &bridge.Error{Code: "not_enrolled", Message: "the bridge is not enrolled with a relay"}
	case errors.Is(err, relaysync.ErrEnrolRefused):
		return &bridge.Error{Code: "enrol_refused", Message: "the relay refused the enrolment token (used, expired or unknown)"}
	case errors.Is(err, relaysync.ErrBadItem), errors.Is(err, relaysync.ErrNoCA):
		return &bridge.Error{Code: "bad_request", Message: err.Error()}
	case errors.Is(err, relaysync.ErrNoItem):
		return &bridge.Error{Code: "no_item", Message: "no such inbox item"}
	case errors.As(err, &ue):
		return &bridge.Error{Code: "relay_unreachable", Message: "the relay could not be reached or its certificate is not trusted"}
	}
	return &bridge.Error{Code: "sync_error", Message: err.Error()}
}

func syncStatusCode(err error) int {
	switch syncError(err).Code {
	case "bad_request":
		return http.StatusBadRequest
	case "no_item":
		return http.StatusNotFound
	case "not_enrolled", "enrol_refused":
		return http.StatusConflict
	case "relay_unreachable":
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

// syncEnrol serves POST /v1/sync/enrol.
func (s *Server) syncEnrol(w http.ResponseWriter, r *http.Request) {
	var req bridge.SyncEnrolRequest
	if e := readJSON(r, &req); e != nil {
		writeErr(w, http.StatusBadRequest, e)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 60*time.Second)
	defer cancel()
	rel, err := s.sync.Enrol(ctx, req.URL, req.CAPEM, req.Token)
	if err != nil {
		s.Log.Info("relay enrolment failed", "err", err)
		writeErr(w, syncStatusCode(err), syncError(err))
		return
	}
	c, err := LoadConfig(s.ConfigPath)
	if err == nil {
		c.Relay = &bridge.RelayConfig{URL: rel.URL, CAPEM: rel.CAPEM, Office: rel.Office}
		err = SaveConfig(s.ConfigPath, c)
	}
	if err != nil {
		s.Log.Error("saving relay enrolment", "err", err)
		writeErr(w, http.StatusInternalServerError, &bridge.Error{Code: "config", Message: "enrolled, but the bridge config could not be saved"})
		return
	}
	s.Log.Info("enrolled with the relay", "office", rel.Office)
	s.sync.Kick()
	st, err := s.sync.Status(r.Context())
	if err != nil {
		writeErr(w, http.StatusInternalServerError, syncError(err))
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// syncStatus serves GET /v1/sync/status.
func (s *Server) syncStatus(w http.ResponseWriter, r *http.Request) {
	st, err := s.sync.Status(r.Context())
	if err != nil {
		writeErr(w, http.StatusInternalServerError, syncError(err))
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// syncOutbox serves POST /v1/sync/outbox.
func (s *Server) syncOutbox(w http.ResponseWriter, r *http.Request) {
	var req bridge.SyncOutboxRequest
	if e := readJSON(r, &req); e != nil {
		writeErr(w, http.StatusBadRequest, e)
		return
	}
	n, err := s.sync.Enqueue(r.Context(), req.Items)
	if err != nil {
		writeErr(w, syncStatusCode(err), syncError(err))
		return
	}
	s.sync.Kick()
	writeJSON(w, http.StatusOK, map[string]int{"added": n})
}

// syncInbox serves GET /v1/sync/inbox.
func (s *Server) syncInbox(w http.ResponseWriter, r *http.Request) {
	items, err := s.sync.Inbox(r.Context(), r.URL.Query().Get("company"), 0)
	if err != nil {
		writeErr(w, http.StatusInternalServerError, syncError(err))
		return
	}
	writeJSON(w, http.StatusOK, items)
}

// syncInboxItem serves GET /v1/sync/inbox/{id}.
func (s *Server) syncInboxItem(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeErr(w, http.StatusBadRequest, &bridge.Error{Code: "bad_request", Message: "bad inbox id"})
		return
	}
	it, box, err := s.sync.Box(r.Context(), id)
	if err != nil {
		writeErr(w, syncStatusCode(err), syncError(err))
		return
	}
	writeJSON(w, http.StatusOK, bridge.SyncBox{Item: it, Box: box})
}

// syncAck serves DELETE /v1/sync/inbox/{id}.
func (s *Server) syncAck(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeErr(w, http.StatusBadRequest, &bridge.Error{Code: "bad_request", Message: "bad inbox id"})
		return
	}
	if err := s.sync.Ack(r.Context(), id); err != nil {
		writeErr(w, http.StatusInternalServerError, syncError(err))
		return
	}
	s.sync.Kick()
	w.WriteHeader(http.StatusNoContent)
}

// syncNow serves POST /v1/sync/now.
func (s *Server) syncNow(w http.ResponseWriter, r *http.Request) {
	res, err := s.sync.SyncNow(r.Context())
	if err != nil {
		writeErr(w, syncStatusCode(err), syncError(err))
		return
	}
	writeJSON(w, http.StatusOK, res)
}
