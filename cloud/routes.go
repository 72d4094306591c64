package cloud

import (
	"context"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"

	"github.com/mynumber-shelter/shelter/cloud/envelope"
	"github.com/mynumber-shelter/shelter/cloud/store"
)

// CompanyRequest is the body of PUT /v1/bridge/companies/{company}.
type CompanyRequest struct {
	// SubmissionKey is the company's ECDH P-256 public key, base64 (standard) of its PKIX DER
	// (what WebCrypto's importKey("spki", …) takes).
	SubmissionKey string `json:"submission_key"`
}

// MemberRequest is the body of POST /v1/bridge/companies/{company}/members.
type MemberRequest struct {
	Office string `json:"office"`
}

// Item is one stored envelope or submission in a list answer; Body is base64 in JSON.
type Item struct {
	ID   int64  `json:"id"`
	Body []byte `json:"body"`
	// Employee is the code of the employee account a submission came from (submissions
	// only).
	Employee string `json:"employee,omitempty"`
}

// ListResponse is the answer of the list routes, in id order; pass the last id as ?after= for
// the next page.
type ListResponse struct {
	Items []Item `json:"items"`
}

// validP256 reports whether der is a PKIX P-256 public key.
func validP256(der []byte) bool {
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return false
	}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		_, err := k.ECDH()
		return err == nil && k.Curve.Params().Name == "P-256"
	case *ecdh.PublicKey:
		return k.Curve() == ecdh.P256()
	}
	return false
}

// company reads {company} and checks the office is a member; on false the answer is written.
func (h *handler) company(w http.ResponseWriter, r *http.Request, office string) (string, bool) {
	c := r.PathValue("company")
	if !envelope.ValidID(c) {
		writeError(w, http.StatusBadRequest, "invalid company id")
		return "", false
	}
	ok, err := h.Store.IsMember(r.Context(), office, c)
	if err != nil {
		h.internal(w, r, err)
		return "", false
	}
	if !ok {
		writeError(w, http.StatusForbidden, "not a member of this company")
		return "", false
	}
	return c, true
}

func (h *handler) registerCompany(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	c := r.PathValue("company")
	if !envelope.ValidID(c) {
		writeError(w, http.StatusBadRequest, "invalid company id")
		return
	}
	var req CompanyRequest
	if !readJSON(w, r, h.limits.MaxJSON, &req) {
		return
	}
	der, err := base64.StdEncoding.DecodeString(req.SubmissionKey)
	if err != nil || !validP256(der) {
		writeError(w, http.StatusBadRequest, "submission_key: want base64 PKIX DER of a P-256 public key")
		return
	}
	err = h.Store.RegisterCompany(r.Context(), cert.Office, c, der, h.now())
	if errors.Is(err, store.ErrForbidden) {
		writeError(w, http.StatusForbidden, "company registered by another office")
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) addMember(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	c, ok := h.company(w, r, cert.Office)
	if !ok {
		return
	}
	var req MemberRequest
	if !readJSON(w, r, h.limits.MaxJSON, &req) {
		return
	}
	err := h.Store.AddMember(r.Context(), cert.Office, c, req.Office)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such office")
	case errors.Is(err, store.ErrForbidden):
		writeError(w, http.StatusForbidden, "not a member of this company")
	case err != nil:
		h.internal(w, r, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// removeMember ends the membership of {office}; the caller may name itself to leave.
func (h *handler) removeMember(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	c, ok := h.company(w, r, cert.Office)
	if !ok {
		return
	}
	member := r.PathValue("office")
	if !envelope.ValidID(member) {
		writeError(w, http.StatusBadRequest, "invalid office id")
		return
	}
	err := h.Store.RemoveMember(r.Context(), cert.Office, c, member)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not a member")
	case errors.Is(err, store.ErrForbidden):
		writeError(w, http.StatusForbidden, "not a member of this company")
	case errors.Is(err, store.ErrLastMember):
		writeError(w, http.StatusConflict, "the company's last member cannot be removed")
	case err != nil:
		h.internal(w, r, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// putEnvelope checks what the relay can check (see the envelope package) and stores.
func (h *handler) putEnvelope(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	body, ok := readBody(w, r, h.limits.MaxEnvelope)
	if !ok {
		return
	}
	e, err := envelope.Parse(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "malformed envelope")
		return
	}
	if e.Sender != cert.KeyID {
		writeError(w, http.StatusForbidden, "envelope not signed by this office's key")
		return
	}
	if err := e.Verify(cert.SigningKey); err != nil {
		writeError(w, http.StatusBadRequest, "bad envelope signature")
		return
	}
	member, err := h.Store.IsMember(r.Context(), cert.Office, e.Company)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if !member {
		writeError(w, http.StatusForbidden, "not a member of this company")
		return
	}
	id, err := h.Store.PutEnvelope(r.Context(), store.Envelope{
		Company: e.Company, Record: e.Record, Sender: e.Sender, Seq: e.Seq, Body: body, Created: h.now(),
	})
	if errors.Is(err, store.ErrReplay) {
		writeError(w, http.StatusConflict, "envelope replayed or older than the last one")
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]int64{"id": id})
}

func listParams(w http.ResponseWriter, r *http.Request) (after int64, limit int, ok bool) {
	q := r.URL.Query()
	var err error
	if s := q.Get("after"); s != "" {
		if after, err = strconv.ParseInt(s, 10, 64); err != nil || after < 0 {
			writeError(w, http.StatusBadRequest, "after: want a non-negative integer")
			return 0, 0, false
		}
	}
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 0 {
			writeError(w, http.StatusBadRequest, "limit: want a non-negative integer")
			return 0, 0, false
		}
	}
	return after, limit, true
}

func (h *handler) listEnvelopes(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	h.listItems(w, r, cert.Office, func(ctx context.Context, c string, after int64, limit int) ([]Item, error) {
		list, err := h.Store.ListEnvelopes(ctx, c, after, limit)
		items := make([]Item, 0, len(list))
		for _, e := range list {
			items = append(items, Item{ID: e.ID, Body: e.Body})
		}
		return items, err
	})
}

func (h *handler) listSubmissions(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	h.listItems(w, r, cert.Office, func(ctx context.Context, c string, after int64, limit int) ([]Item, error) {
		list, err := h.Store.ListSubmissions(ctx, c, after, limit)
		items := make([]Item, 0, len(list))
		for _, s := range list {
			items = append(items, Item{ID: s.ID, Body: s.Body, Employee: s.Employee})
		}
		return items, err
	})
}

// listItems answers a company's list route (?after=ID&limit=N) for an office that is a member.
func (h *handler) listItems(w http.ResponseWriter, r *http.Request, office string, list func(ctx context.Context, company string, after int64, limit int) ([]Item, error)) {
	c, ok := h.company(w, r, office)
	if !ok {
		return
	}
	after, limit, ok := listParams(w, r)
	if !ok {
		return
	}
	items, err := list(r.Context(), c, after, limit)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ListResponse{Items: items})
}

func (h *handler) deleteItem(w http.ResponseWriter, r *http.Request, office string, del func(company string, id int64) error) {
	c, ok := h.company(w, r, office)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid id")
		return
	}
	err = del(c, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not found")
	case err != nil:
		h.internal(w, r, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (h *handler) deleteEnvelope(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	h.deleteItem(w, r, cert.Office, func(c string, id int64) error { return h.Store.DeleteEnvelope(r.Context(), c, id) })
}

func (h *handler) deleteSubmission(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	h.deleteItem(w, r, cert.Office, func(c string, id int64) error { return h.Store.DeleteSubmission(r.Context(), c, id) })
}

// submissionKey is public: the employee's browser encrypts to it.
func (h *handler) submissionKey(w http.ResponseWriter, r *http.Request) {
	c := r.PathValue("company")
	if !envelope.ValidID(c) {
		writeError(w, http.StatusBadRequest, "invalid company id")
		return
	}
	k, err := h.Store.SubmissionKey(r.Context(), c)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no such company")
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, CompanyRequest{SubmissionKey: base64.StdEncoding.EncodeToString(k)})
}
