package cloud

import (
	"net/http"
	"strconv"
	"time"

	"github.com/mynumber-shelter/shelter/cloud/envelope"
	"github.com/mynumber-shelter/shelter/cloud/store"
)

// Audit anchors: an office's PC sends the digest of its audit chain at an entry; the relay keeps
// the first one for each entry with its arrival time and never changes or deletes it, so the
// office's history up to there cannot be rewritten on the PC unnoticed (app/audit's anchors).
//
// Each vault of the office has its own chain (a vault created anew starts again at entry 1), named
// by an opaque id (app/audit's ChainID).
//
//	POST /v1/bridge/anchors                       AnchorRequest → 204
//	GET  /v1/bridge/anchors?chain=ID&after=SEQ    → AnchorList of that chain, in seq order

// AnchorRequest is the body of POST /v1/bridge/anchors.
type AnchorRequest struct {
	// Chain is the chain's id (envelope.ValidChainID).
	Chain   string `json:"chain"`
	AuditID int64  `json:"audit_id"`
	Digest  []byte `json:"digest"` // base64 in JSON; 32 bytes
}

// AnchorItem is one anchor in an AnchorList.
type AnchorItem struct {
	Seq     int64     `json:"seq"`
	AuditID int64     `json:"audit_id"`
	Digest  []byte    `json:"digest"`
	Created time.Time `json:"created"`
}

// AnchorList is the answer of GET /v1/bridge/anchors.
type AnchorList struct {
	Items []AnchorItem `json:"items"`
}

func (h *handler) anchorRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/bridge/anchors", h.bridge(h.putAnchor))
	mux.HandleFunc("GET /v1/bridge/anchors", h.bridge(h.listAnchors))
}

func (h *handler) putAnchor(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	var req AnchorRequest
	if !readJSON(w, r, h.limits.MaxJSON, &req) {
		return
	}
	if req.AuditID <= 0 || len(req.Digest) != 32 || !envelope.ValidChainID(req.Chain) {
		writeError(w, http.StatusBadRequest, "chain: lower-case base32; audit_id: a positive id; digest: 32 bytes")
		return
	}
	if err := h.Store.PutAnchor(r.Context(), cert.Office, req.Chain, req.AuditID, req.Digest, h.now()); err != nil {
		h.internal(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) listAnchors(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	q := r.URL.Query()
	chain := q.Get("chain")
	if !envelope.ValidChainID(chain) {
		writeError(w, http.StatusBadRequest, "chain: lower-case base32")
		return
	}
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	limit, _ := strconv.Atoi(q.Get("limit"))
	as, err := h.Store.ListAnchors(r.Context(), cert.Office, chain, after, limit)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	out := AnchorList{Items: []AnchorItem{}}
	for _, a := range as {
		out.Items = append(out.Items, AnchorItem{Seq: a.Seq, AuditID: a.AuditID, Digest: a.Digest, Created: a.Created})
	}
	writeJSON(w, http.StatusOK, out)
}
