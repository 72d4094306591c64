package daemon

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/cloud/envelope"

	relaysync "github.com/mynumber-shelter/shelter/bridge/sync"
)

// The office replica's routes (see relaysync's "The office replica's
// upload"):
//
//	PUT  /v1/sync/replica/{id}            raw sealed snapshot [?anchor_id=N&anchor=HEX&chain=ID] → 204 (staged;
//	                                      uploaded by the loop; the anchor follows the snapshot)
//	GET  /v1/sync/replica                 → ReplicaStatus
//	POST /v1/sync/replica/restore-code    → ReplicaRestoreCode (for a new PC)
//	GET  /v1/sync/anchors?chain=ID&after=SEQ → []RelayAnchor: the audit anchors of the vault's
//	                                      chain on the relay

// replicaStage serves PUT /v1/sync/replica/{id}.
func (s *Server) replicaStage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.sync.Enrolled(); !ok {
		writeErr(w, http.StatusConflict, syncError(relaysync.ErrNotEnrolled))
		return
	}
	var anchor *relaysync.Anchor
	if q := r.URL.Query(); q.Get("anchor_id") != "" {
		id, err1 := strconv.ParseInt(q.Get("anchor_id"), 10, 64)
		digest, err2 := hex.DecodeString(q.Get("anchor"))
		chain := q.Get("chain")
		if err1 != nil || err2 != nil || id <= 0 || len(digest) != 32 || chain == "" || !envelope.ValidChainID(chain) {
			writeErr(w, http.StatusBadRequest, &bridge.Error{Code: "bad_request", Message: "anchor_id: a positive id; anchor: 32 bytes in hex; chain: lower-case base32"})
			return
		}
		anchor = &relaysync.Anchor{Chain: chain, AuditID: id, Digest: digest}
	}
	err := s.sync.StageSnapshot(r.Context(), r.PathValue("id"), http.MaxBytesReader(w, r.Body, bridge.MaxSnapshotBytes), bridge.MaxSnapshotBytes, anchor)
	if errors.Is(err, relaysync.ErrBadSnapshot) {
		writeErr(w, http.StatusBadRequest, &bridge.Error{Code: "bad_request", Message: err.Error()})
		return
	}
	if err != nil {
		s.Log.Error("staging a replica snapshot", "err", err)
		writeErr(w, http.StatusInternalServerError, &bridge.Error{Code: "not_saved", Message: "the snapshot could not be stored for upload (disk full?)"})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// replicaStatus serves GET /v1/sync/replica.
func (s *Server) replicaStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.sync.ReplicaStatus())
}

// replicaAnchors serves GET /v1/sync/anchors.
func (s *Server) replicaAnchors(w http.ResponseWriter, r *http.Request) {
	chain := r.URL.Query().Get("chain")
	if chain == "" || !envelope.ValidChainID(chain) {
		writeErr(w, http.StatusBadRequest, &bridge.Error{Code: "bad_request", Message: "chain: lower-case base32"})
		return
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	ctx, cancel := context.WithTimeout(r.Context(), 60*time.Second)
	defer cancel()
	as, err := s.sync.Anchors(ctx, chain, after)
	if err != nil {
		writeErr(w, syncStatusCode(err), syncError(err))
		return
	}
	writeJSON(w, http.StatusOK, as)
}

// replicaRestoreCode serves POST /v1/sync/replica/restore-code.
func (s *Server) replicaRestoreCode(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 60*time.Second)
	defer cancel()
	code, expires, err := s.sync.RestoreCode(ctx)
	if err != nil {
		writeErr(w, syncStatusCode(err), syncError(err))
		return
	}
	writeJSON(w, http.StatusOK, bridge.ReplicaRestoreCode{Code: code, Expires: expires})
}
