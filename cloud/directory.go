package cloud

import (
	"crypto/ecdh"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/mynumber-shelter/shelter/cloud/envelope"
	"github.com/mynumber-shelter/shelter/cloud/store"
)

// OfficeKeyRequest is the body of PUT /v1/bridge/offices/self/key.
type OfficeKeyRequest struct {
	// PublicKey is the installation's P-256 wrapping key: base64 (standard) of the 65-byte
	// uncompressed point.
	PublicKey string `json:"publicKey"`
}

// OfficeKeyResponse is the answer of GET /v1/bridge/offices/{office}/key.
type OfficeKeyResponse struct {
	Office    string `json:"office"`
	Name      string `json:"name"`
	PublicKey string `json:"publicKey"`
}

// OfficeCompaniesResponse is the answer of GET /v1/bridge/offices/self/companies.
type OfficeCompaniesResponse struct {
	Companies []string `json:"companies"`
}

// directoryRoutes registers the offices' public-key directory used for sharing a company
// between installations (patterns 1 and 3):
//
//	PUT /v1/bridge/offices/self/key          {publicKey}: publish this office's wrapping key
//	GET /v1/bridge/offices/{office}/key      → {office, name, publicKey} ("self" names the caller)
//	GET /v1/bridge/offices/self/companies    → {companies}: the companies the caller is a member of
//
// The relay only relays these keys: the administrators of both installations compare the
// key's fingerprint out of band before a share is accepted, so a relay that substitutes a key
// is caught there.
func (h *handler) directoryRoutes(mux *http.ServeMux) {
	mux.HandleFunc("PUT /v1/bridge/offices/self/key", h.bridge(h.putOfficeKey))
	mux.HandleFunc("GET /v1/bridge/offices/{office}/key", h.bridge(h.getOfficeKey))
	mux.HandleFunc("GET /v1/bridge/offices/self/companies", h.bridge(h.officeCompanies))
}

func (h *handler) putOfficeKey(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	var req OfficeKeyRequest
	if !readJSON(w, r, h.limits.MaxJSON, &req) {
		return
	}
	pub, err := base64.StdEncoding.DecodeString(req.PublicKey)
	if err == nil {
		_, err = ecdh.P256().NewPublicKey(pub)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "publicKey: want base64 of a 65-byte P-256 point")
		return
	}
	if err := h.Store.SetOfficeKey(r.Context(), cert.Office, pub, h.now()); err != nil {
		h.internal(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) getOfficeKey(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	office := r.PathValue("office")
	if office == "self" {
		office = cert.Office
	}
	if !envelope.ValidID(office) {
		writeError(w, http.StatusBadRequest, "invalid office id")
		return
	}
	k, err := h.Store.OfficeKey(r.Context(), office)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no key published for this office")
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, OfficeKeyResponse{Office: k.Office, Name: k.Name, PublicKey: base64.StdEncoding.EncodeToString(k.PublicKey)})
}

func (h *handler) officeCompanies(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	list, err := h.Store.OfficeCompanies(r.Context(), cert.Office)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, OfficeCompaniesResponse{Companies: list})
}
