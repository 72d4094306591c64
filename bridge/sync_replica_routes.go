package bridge

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	relaysync "github.com/mynumber-shelter/shelter/bridge/sync"
)

// MaxSnapshotBytes bounds a replica snapshot handed to the bridge (the relay's default limit).
const MaxSnapshotBytes = 1 << 30

// ReplicaStatus is GET /v1/sync/replica.
type ReplicaStatus = relaysync.ReplicaStatus

// ReplicaRestoreCode is POST /v1/sync/replica/restore-code.
type ReplicaRestoreCode struct {
	Code    string    `json:"code"`
	Expires time.Time `json:"expires"`
}

// replicaRoutes registers the office replica's routes (see relaysync's "The office replica's
// upload"):
//
//	PUT  /v1/sync/replica/{id}            raw sealed snapshot [?anchor_id=N&anchor=HEX] → 204 (staged;
//	                                      uploaded by the loop; the anchor follows the snapshot)
//	GET  /v1/sync/replica                 → ReplicaStatus
//	POST /v1/sync/replica/restore-code    → ReplicaRestoreCode (for a new PC)
//	GET  /v1/sync/anchors?after=SEQ       → []RelayAnchor: the office's audit anchors on the relay
func (s *Server) replicaRoutes(mux *http.ServeMux, sy *relaysync.Syncer) {
	mux.HandleFunc("PUT /v1/sync/replica/{id}", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := sy.Enrolled(); !ok {
			writeErr(w, http.StatusConflict, syncError(relaysync.ErrNotEnrolled))
			return
		}
		var anchor *relaysync.Anchor
		if q := r.URL.Query(); q.Get("anchor_id") != "" {
			id, err1 := strconv.ParseInt(q.Get("anchor_id"), 10, 64)
			digest, err2 := hex.DecodeString(q.Get("anchor"))
			if err1 != nil || err2 != nil || id <= 0 || len(digest) != 32 {
				writeErr(w, http.StatusBadRequest, &Error{Code: "bad_request", Message: "anchor_id: a positive id; anchor: 32 bytes in hex"})
				return
			}
			anchor = &relaysync.Anchor{AuditID: id, Digest: digest}
		}
		err := sy.StageSnapshot(r.Context(), r.PathValue("id"), http.MaxBytesReader(w, r.Body, MaxSnapshotBytes), MaxSnapshotBytes, anchor)
		if errors.Is(err, relaysync.ErrBadSnapshot) {
			writeErr(w, http.StatusBadRequest, &Error{Code: "bad_request", Message: err.Error()})
			return
		}
		if err != nil {
			s.Log.Error("staging a replica snapshot", "err", err)
			writeErr(w, http.StatusInternalServerError, &Error{Code: "not_saved", Message: "the snapshot could not be stored for upload (disk full?)"})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /v1/sync/replica", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, sy.ReplicaStatus())
	})
	mux.HandleFunc("GET /v1/sync/anchors", func(w http.ResponseWriter, r *http.Request) {
		after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
		ctx, cancel := context.WithTimeout(r.Context(), 60*time.Second)
		defer cancel()
		as, err := sy.Anchors(ctx, after)
		if err != nil {
			writeErr(w, syncStatusCode(err), syncError(err))
			return
		}
		writeJSON(w, http.StatusOK, as)
	})
	mux.HandleFunc("POST /v1/sync/replica/restore-code", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 60*time.Second)
		defer cancel()
		code, expires, err := sy.RestoreCode(ctx)
		if err != nil {
			writeErr(w, syncStatusCode(err), syncError(err))
			return
		}
		writeJSON(w, http.StatusOK, ReplicaRestoreCode{Code: code, Expires: expires})
	})
}

// ReplicaStage hands a sealed replica snapshot to the bridge, which keeps it until the relay
// has it, with the history's digest at its last entry (anchorID 0: none), which follows it.
func (c *Client) ReplicaStage(ctx context.Context, id string, sealed []byte, anchorID int64, digest []byte) error {
	path := "/v1/sync/replica/" + url.PathEscape(id)
	if anchorID > 0 {
		path += fmt.Sprintf("?anchor_id=%d&anchor=%s", anchorID, hex.EncodeToString(digest))
	}
	return c.send(ctx, "PUT", path, "application/octet-stream", bytes.NewReader(sealed), nil)
}

// ReplicaStatus reports the staged snapshot and the last one the relay took.
func (c *Client) ReplicaStatus(ctx context.Context) (ReplicaStatus, error) {
	var st ReplicaStatus
	err := c.do(ctx, "GET", "/v1/sync/replica", nil, &st)
	return st, err
}

// RelayAnchor is one audit anchor on the relay.
type RelayAnchor = relaysync.RelayAnchor

// Anchors lists the office's audit anchors on the relay, every page.
func (c *Client) Anchors(ctx context.Context) ([]RelayAnchor, error) {
	var all []RelayAnchor
	var after int64
	for {
		var page []RelayAnchor
		if err := c.do(ctx, "GET", "/v1/sync/anchors?after="+strconv.FormatInt(after, 10), nil, &page); err != nil {
			return nil, err
		}
		if len(page) == 0 {
			return all, nil
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
}

// ReplicaRestoreCode asks the relay (through the bridge) for a one-time restore code.
func (c *Client) ReplicaRestoreCode(ctx context.Context) (ReplicaRestoreCode, error) {
	var rc ReplicaRestoreCode
	err := c.do(ctx, "POST", "/v1/sync/replica/restore-code", nil, &rc)
	return rc, err
}
