package cloud

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mynumber-shelter/shelter/cloud/envelope"
	"github.com/mynumber-shelter/shelter/cloud/store"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// The bridge side of the employee routes (see employee.go for the wire shapes): the portal
// text, the accounts and the send-back, and the checks of what a bridge uploads.

func (e *employeeAPI) putPortal(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	c, ok := e.company(w, r, cert.Office)
	if !ok {
		return
	}
	var req PortalRequest
	if !readJSON(w, r, e.limits.MaxJSON, &req) {
		return
	}
	if !plainText(req.CompanyName, 200) || len(req.Purposes) > 50 {
		writeError(w, http.StatusBadRequest, "companyName: want 1–200 characters; at most 50 purposes")
		return
	}
	for _, p := range req.Purposes {
		if !envelope.ValidID(p.Code) || !plainText(p.Label, 500) {
			writeError(w, http.StatusBadRequest, "purposes: want a code of letters, digits, . _ - and a label of 1–500 characters")
			return
		}
	}
	if req.Purposes == nil {
		req.Purposes = []Purpose{}
	}
	purposes, _ := json.Marshal(req.Purposes)
	if err := e.Store.PutPortal(r.Context(), store.Portal{Company: c, Name: req.CompanyName, Purposes: purposes}, e.now()); err != nil {
		e.internal(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *employeeAPI) putEmployees(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	c, ok := e.company(w, r, cert.Office)
	if !ok {
		return
	}
	var req EmployeesRequest
	if !readJSON(w, r, max(e.limits.MaxJSON, 2<<20), &req) {
		return
	}
	if len(req.Employees) > maxEmployees {
		writeError(w, http.StatusBadRequest, "too many employees in one request")
		return
	}
	accounts := make([]store.EmployeeAccount, 0, len(req.Employees))
	for i, a := range req.Employees {
		if !validEmployeeCode(a.Code) {
			writeError(w, http.StatusBadRequest, "employees["+strconv.Itoa(i)+"].code: want letters, digits, . _ - and fewer than 12 digits")
			return
		}
		if _, err := parseVerifier(a.Verifier); err != nil {
			writeError(w, http.StatusBadRequest, "employees["+strconv.Itoa(i)+"].verifier: "+err.Error())
			return
		}
		if a.Expires.IsZero() {
			writeError(w, http.StatusBadRequest, "employees["+strconv.Itoa(i)+"].expires: want an RFC 3339 time")
			return
		}
		accounts = append(accounts, store.EmployeeAccount{Code: a.Code, Verifier: a.Verifier, Expires: a.Expires})
	}
	if err := e.Store.UpsertEmployees(r.Context(), c, accounts, e.now()); err != nil {
		e.internal(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *employeeAPI) deleteEmployee(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	c, ok := e.company(w, r, cert.Office)
	if !ok {
		return
	}
	e.notFoundOr(w, r, e.Store.DeleteEmployee(r.Context(), c, r.PathValue("code")))
}

func (e *employeeAPI) sendBack(w http.ResponseWriter, r *http.Request, cert store.ClientCert) {
	c, ok := e.company(w, r, cert.Office)
	if !ok {
		return
	}
	var req SendBackRequest
	if !readJSON(w, r, e.limits.MaxJSON, &req) {
		return
	}
	if !plainText(req.Reason, maxReason) {
		writeError(w, http.StatusBadRequest, "reason: want 1–1000 characters")
		return
	}
	if mynumber.HoldsIndividual(req.Reason) {
		writeError(w, http.StatusBadRequest, "reason: must not contain a My Number")
		return
	}
	e.notFoundOr(w, r, e.Store.SendBack(r.Context(), c, r.PathValue("code"), req.Reason))
}

func (e *employeeAPI) notFoundOr(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such employee")
	case err != nil:
		e.internal(w, r, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// plainText: 1..maxChars characters of valid UTF-8 without control characters (newlines are
// allowed).
func plainText(s string, maxChars int) bool {
	n := utf8.RuneCountInString(s)
	if n == 0 || n > maxChars || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' {
			return false
		}
	}
	return true
}

// validEmployeeCode: what app/roster allows for a 従業員コード (and never 12 digits or more).
func validEmployeeCode(code string) bool {
	if !envelope.ValidID(code) {
		return false
	}
	digits := 0
	for i := 0; i < len(code); i++ {
		if code[i] >= '0' && code[i] <= '9' {
			digits++
		}
	}
	return digits < mynumber.IndividualLen
}

// argonParams is a parsed verifier.
type argonParams struct {
	memory     uint32 // KiB
	time       uint32
	threads    uint8
	salt, hash []byte
}

// parseVerifier parses "argon2id$v=19$m=M,t=T,p=P$<salt>$<hash>" with bounded parameters, so
// that no verifier can make a login cost more than 64 MiB and a few passes.
func parseVerifier(v string) (argonParams, error) {
	var p argonParams
	parts := strings.Split(v, "$")
	if len(parts) != 5 || parts[0] != "argon2id" || parts[1] != "v=19" {
		return p, errors.New(`want "argon2id$v=19$m=…,t=…,p=…$salt$hash"`)
	}
	params := strings.Split(parts[2], ",")
	if len(params) != 3 {
		return p, errors.New("want m, t and p")
	}
	var n [3]uint64
	for i, prefix := range []string{"m=", "t=", "p="} {
		s, ok := strings.CutPrefix(params[i], prefix)
		x, err := strconv.ParseUint(s, 10, 32)
		if !ok || err != nil {
			return p, errors.New("want m, t and p as decimal numbers")
		}
		n[i] = x
	}
	if n[2] < 1 || n[2] > 4 || n[1] < 1 || n[1] > 8 || n[0] < 8*n[2] || n[0] > 64<<10 {
		return p, errors.New("parameters out of bounds (m ≤ 65536, t ≤ 8, p ≤ 4)")
	}
	p.memory, p.time, p.threads = uint32(n[0]), uint32(n[1]), uint8(n[2])
	var err error
	if p.salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[3]); err != nil || len(p.salt) < 8 || len(p.salt) > 64 {
		return p, errors.New("salt: want 8–64 bytes in unpadded base64")
	}
	if p.hash, err = base64.RawStdEncoding.Strict().DecodeString(parts[4]); err != nil || len(p.hash) < 16 || len(p.hash) > 64 {
		return p, errors.New("hash: want 16–64 bytes in unpadded base64")
	}
	return p, nil
}
