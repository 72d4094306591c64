package cloud

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"time"

	"github.com/mynumber-shelter/shelter/cloud/envelope"
	"github.com/mynumber-shelter/shelter/cloud/store"
)

// EnrolRequest is the body of POST /v1/enrol.
type EnrolRequest struct {
	// Token is the one-time enrolment token the operator gave the office.
	Token string `json:"token"`
	// CSR is a PEM "CERTIFICATE REQUEST" for the bridge's TLS client key; its signature proves
	// possession of the key. Its subject is ignored.
	CSR string `json:"csr"`
	// SigningKey is the base64 (standard) Ed25519 public key that will sign the office's
	// envelopes.
	SigningKey string `json:"signing_key"`
}

// EnrolResponse is the answer to a successful enrolment.
type EnrolResponse struct {
	Office      string `json:"office"`
	Certificate string `json:"certificate"` // PEM, CN = office id
	CA          string `json:"ca"`          // PEM of the client CA
}

// NewEnrolToken creates a one-time token for office (created if its id is new; an empty ID
// gets a random one) valid for ttl, stores only its hash, and returns the token and the office.
// rnd and now default to crypto/rand and time.Now when nil.
func NewEnrolToken(ctx context.Context, st store.Store, o store.Office, ttl time.Duration, rnd io.Reader, now func() time.Time) (string, store.Office, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	if now == nil {
		now = time.Now
	}
	for o.ID == "" {
		b := make([]byte, 8)
		if _, err := io.ReadFull(rnd, b); err != nil {
			return "", o, fmt.Errorf("office id: %w", err)
		}
		// An id with a run of 12 digits would look like a My Number to the leak scanners
		// and the audit log (which refuses such runs): draw again.
		if id := "office-" + hex.EncodeToString(b); !longDigitRun(id) {
			o.ID = id
		}
	}
	if !envelope.ValidID(o.ID) {
		return "", o, fmt.Errorf("office id %q: want 1-64 of [A-Za-z0-9._-]", o.ID)
	}
	if o.Created.IsZero() {
		o.Created = now().UTC()
	}
	secret := make([]byte, 32)
	if _, err := io.ReadFull(rnd, secret); err != nil {
		return "", o, fmt.Errorf("token: %w", err)
	}
	token := "shelter-enrol-" + base64.RawURLEncoding.EncodeToString(secret)
	if err := st.EnrolOffice(ctx, o, store.HashToken(token), now().Add(ttl)); err != nil {
		return "", o, err
	}
	return token, o, nil
}

// enrol validates everything before consuming the token, so a malformed request does not
// burn it. Consuming and registering are two transactions: if registering fails after the
// token was consumed, the operator issues a new token.
func (h *handler) enrol(w http.ResponseWriter, r *http.Request) {
	var req EnrolRequest
	if !readJSON(w, r, h.limits.MaxJSON, &req) {
		return
	}
	block, _ := pem.Decode([]byte(req.CSR))
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		writeError(w, http.StatusBadRequest, "csr: want a PEM CERTIFICATE REQUEST")
		return
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil || csr.CheckSignature() != nil {
		writeError(w, http.StatusBadRequest, "csr: invalid")
		return
	}
	signKey, err := base64.StdEncoding.DecodeString(req.SigningKey)
	if err != nil || len(signKey) != ed25519.PublicKeySize {
		writeError(w, http.StatusBadRequest, "signing_key: want a base64 Ed25519 public key")
		return
	}
	keyID := envelope.KeyIDOf(signKey)
	if _, err := h.Store.SigningKey(r.Context(), keyID); err == nil {
		writeError(w, http.StatusConflict, "signing key already enrolled")
		return
	} else if !errors.Is(err, store.ErrNotFound) {
		h.internal(w, r, err)
		return
	}

	office, err := h.Store.ConsumeToken(r.Context(), store.HashToken(req.Token), h.now())
	if errors.Is(err, store.ErrTokenUsed) {
		writeError(w, http.StatusForbidden, "enrolment token invalid, used or expired")
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	info(r).office = office.ID

	der, notAfter, err := h.issueClientCert(office, csr)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	err = h.Store.RegisterClientCert(r.Context(), store.ClientCert{
		Fingerprint: sha256.Sum256(der), Office: office.ID, NotAfter: notAfter,
		SigningKey: signKey, KeyID: keyID,
	})
	if errors.Is(err, store.ErrExists) {
		writeError(w, http.StatusConflict, "signing key already enrolled")
		return
	}
	if err == nil {
		// A re-enrolled office (a new PC, a lost one) keeps only its new certificate.
		var n int
		if n, err = h.Store.RevokeClientCerts(r.Context(), office.ID, sha256.Sum256(der), h.now()); n > 0 {
			h.log().Info("earlier client certificates revoked", "office", office.ID, "count", n)
		}
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, EnrolResponse{
		Office:      office.ID,
		Certificate: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		CA:          string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.ClientCA.Raw})),
	})
}

func (h *handler) issueClientCert(o store.Office, csr *x509.CertificateRequest) ([]byte, time.Time, error) {
	serial, err := randSerial(h.rand())
	if err != nil {
		return nil, time.Time{}, err
	}
	ttl := h.ClientCertTTL
	if ttl <= 0 {
		ttl = 397 * 24 * time.Hour
	}
	now := h.now()
	notAfter := now.Add(ttl).UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: o.ID, Organization: []string{"MyNumber Shelter office"}},
		NotBefore:    now.Add(-5 * time.Minute),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(h.rand(), tmpl, h.ClientCA, csr.PublicKey, h.ClientCAKey)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("issuing client certificate: %w", err)
	}
	return der, notAfter, nil
}

func randSerial(rnd io.Reader) (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(rnd, b); err != nil {
		return nil, fmt.Errorf("serial: %w", err)
	}
	b[0] &= 0x7f
	return new(big.Int).SetBytes(b), nil
}

// longDigitRun reports whether s holds 12 or more consecutive ASCII digits.
func longDigitRun(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if n++; n >= 12 {
				return true
			}
		} else {
			n = 0
		}
	}
	return false
}
