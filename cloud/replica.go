package cloud

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/cloud/envelope"
	"github.com/mynumber-shelter/shelter/cloud/store"
	"github.com/mynumber-shelter/shelter/internal/otp"
)

// The office replica (see app/replica): each office's latest snapshot, sealed end to end by the
// office (the relay stores its opaque id, its bytes and its size), and the one-time restore
// codes a new PC fetches it with.
//
//	PUT  /v1/bridge/replica/{id}             store a snapshot (raw body); older ones are dropped
//	GET  /v1/bridge/replica                  → ReplicaInfo of the kept snapshot (404: none)
//	POST /v1/bridge/replica/restore-codes    → RestoreCode for a new PC (a living workstation)
//	POST /v1/replica/restore                 RestoreRequest → the snapshot's bytes (no client certificate;
//	                                         the code is used up)

// ReplicaInfo describes the snapshot the relay keeps for an office.
type ReplicaInfo struct {
	ID      string    `json:"id"`
	Size    int64     `json:"size"`
	Created time.Time `json:"created"`
}

// RestoreCode is a one-time code that lets a new PC fetch its office's snapshot once.
type RestoreCode struct {
	Code    string    `json:"code"`
	Expires time.Time `json:"expires"`
}

// RestoreRequest is the body of POST /v1/replica/restore.
type RestoreRequest struct {
	Code string `json:"code"`
}

// RestoreCodeTTL is how long a restore code is valid.
const RestoreCodeTTL = 24 * time.Hour

// ReplicaIDHeader names the answer header of POST /v1/replica/restore that carries the
// snapshot's id.
const ReplicaIDHeader = "X-Replica-Id"

func (h *handler) replicaRoutes(mux *http.ServeMux) {
	mux.HandleFunc("PUT /v1/bridge/replica/{id}", h.bridge(h.putSnapshot))
	mux.HandleFunc("GET /v1/bridge/replica", h.bridge(h.snapshotInfo))
	mux.HandleFunc("POST /v1/bridge/replica/restore-codes", h.bridge(h.newRestoreCode))
	mux.HandleFunc("POST /v1/replica/restore", h.restoreSnapshot)
}

func (h *handler) putSnapshot(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	id := r.PathValue("id")
	if !envelope.ValidSnapshotID(id) {
		writeError(w, http.StatusBadRequest, "invalid snapshot id")
		return
	}
	body, ok := readBody(w, r, h.limits.MaxSnapshot)
	if !ok {
		return
	}
	if len(body) == 0 {
		writeError(w, http.StatusBadRequest, "empty snapshot")
		return
	}
	if err := h.Store.PutSnapshot(r.Context(), cert.Office, id, body, h.now()); err != nil {
		h.internal(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) snapshotInfo(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	sn, err := h.Store.SnapshotInfo(r.Context(), cert.Office)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no snapshot")
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ReplicaInfo{ID: sn.ID, Size: sn.Size, Created: sn.Created})
}

func (h *handler) newRestoreCode(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	code, expires, err := NewRestoreCode(r.Context(), h.Store, cert.Office, nil, h.now)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, RestoreCode{Code: code, Expires: expires})
}

// NewRestoreCode makes a one-time restore code for office (the relay's route for a living
// workstation, and shelter-cloud restore-code for the operator) and stores its hash. The code
// is 100 random bits in five groups of four base32 letters.
func NewRestoreCode(ctx context.Context, st store.Store, office string, rnd io.Reader, now func() time.Time) (string, time.Time, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	if now == nil {
		now = time.Now
	}
	b := make([]byte, 13)
	if _, err := io.ReadFull(rnd, b); err != nil {
		return "", time.Time{}, err
	}
	raw := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)[:20]
	groups := make([]string, 0, 5)
	for i := 0; i < len(raw); i += 4 {
		groups = append(groups, raw[i:i+4])
	}
	code := strings.Join(groups, "-")
	expires := now().Add(RestoreCodeTTL)
	if err := st.CreateRestoreCode(ctx, office, store.HashToken(otp.NormalizeRestoreCode(code)), expires); err != nil {
		return "", time.Time{}, err
	}
	return code, expires, nil
}

func (h *handler) restoreSnapshot(w http.ResponseWriter, r *http.Request) {
	var req RestoreRequest
	if !readJSON(w, r, h.limits.MaxJSON, &req) {
		return
	}
	code := store.HashToken(otp.NormalizeRestoreCode(req.Code))
	office, err := h.Store.UseRestoreCode(r.Context(), code, h.now())
	if errors.Is(err, store.ErrCodeUsed) {
		writeError(w, http.StatusForbidden, "restore code invalid, used or expired")
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	info(r).office = office
	sn, err := h.Store.LatestSnapshot(r.Context(), office)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "the office has no snapshot on this relay")
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set(ReplicaIDHeader, sn.ID)
	w.Header().Set("Content-Length", strconv.Itoa(len(sn.Body)))
	w.WriteHeader(http.StatusOK)
	w.Write(sn.Body)
}
