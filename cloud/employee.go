package cloud

// The employee's phone page and its relay routes.
//
// Bridge side (mutual TLS; the office must be a member of {company}; answers 204 unless said):
//
//	PUT    /v1/bridge/companies/{company}/portal
//	       {"companyName":"株式会社サンプル","purposes":[{"code":"tax","label":"源泉徴収票作成事務"}]}
//	PUT    /v1/bridge/companies/{company}/employees
//	       {"employees":[{"code":"E001","verifier":"argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>",
//	                      "expires":"2026-05-01T00:00:00Z"}]}          ≤ 5000 per request; 400 for a bad one
//	DELETE /v1/bridge/companies/{company}/employees/{code}               404 if unknown
//	POST   /v1/bridge/companies/{company}/employees/{code}/sendback
//	       {"reason":"写真が不鮮明です"}   400 when it holds a check-digit-valid 12-digit number; 404 if unknown
//	GET    /v1/bridge/companies/{company}/submissions  items: {"id":7,"body":"<base64 box>","employee":"E001"}
//	DELETE /v1/bridge/companies/{company}/submissions/{id}   (ack) the employee's status becomes "received"
//
// The verifier is Argon2id (salt and hash in unpadded standard base64) of the one-time password
// in internal/otp.Normalize form; its parameters are bounded (m ≤ 65536 KiB, t ≤ 8, p ≤ 4).
//
// Employee side (public, TLS; every answer under /e/ has Cache-Control: no-store and the CSP
// below; errors are {"error":"…","code":"…"}):
//
//	GET  /e/                 the page (/e/?c=<company> pre-fills the company ID); /e/app.js etc.
//	POST /e/api/login        {"company":"c-…","code":"E001","password":"abcd-efgh-jk23"} → 200 Me and the
//	                         session cookie; 401 {"code":"bad_credentials"} for an unknown company or
//	                         code, a wrong password or a locked account (5 wrong → 15 min), 401
//	                         {"code":"expired"} for a right but expired password, 429 {"code":"rate_limited"}
//	GET  /e/api/me           → Me; 401 {"code":"login_required"} without a session
//	POST /e/api/submission   Content-Type: application/octet-stream, body = sealbox box (≤ Limits.MaxSubmission)
//	                         → 200 Me; 409 {"code":"already_received"}
//	POST /e/api/logout       → 204, cookie cleared
//
//	Me = {"company":"c-…","companyName":"…","employee":"E001","purposes":[{"code":"…","label":"…"}],
//	      "submissionKey":"<base64 of the 65-byte P-256 point>",
//	      "status":"requested"|"submitted"|"returned"|"received","reason":"…"}
//
// The cookie is shelter_session: HttpOnly, Secure, SameSite=Strict, Path=/e/, 30 minutes; the
// relay keeps only its SHA-256. The box's plaintext (sealed in the browser, aad
// "shelter-submission|v1|<company>|<employee code>") is SubmissionPlaintext.

import (
	"context"
	"crypto/ecdsa"
	"crypto/subtle"
	"crypto/x509"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"

	"github.com/mynumber-shelter/shelter/cloud/envelope"
	"github.com/mynumber-shelter/shelter/cloud/store"
	"github.com/mynumber-shelter/shelter/internal/otp"
	"github.com/mynumber-shelter/shelter/internal/sealbox"
)

// PortalRequest is the body of PUT /v1/bridge/companies/{company}/portal.
type PortalRequest struct {
	CompanyName string    `json:"companyName"`
	Purposes    []Purpose `json:"purposes"`
}

// Purpose is one purpose of use (利用目的) the employee reads and acknowledges.
type Purpose struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// EmployeesRequest is the body of PUT /v1/bridge/companies/{company}/employees.
type EmployeesRequest struct {
	Employees []EmployeeAccount `json:"employees"`
}

// EmployeeAccount is one account to create or update.
type EmployeeAccount struct {
	Code     string    `json:"code"`
	Verifier string    `json:"verifier"`
	Expires  time.Time `json:"expires"`
}

// SendBackRequest is the body of POST …/employees/{code}/sendback.
type SendBackRequest struct {
	Reason string `json:"reason"`
}

// LoginRequest is the body of POST /e/api/login.
type LoginRequest struct {
	Company  string `json:"company"`
	Code     string `json:"code"`
	Password string `json:"password"`
}

// Me is what the phone page knows about the logged-in employee.
type Me struct {
	Company       string    `json:"company"` // the relay company id (for the aad)
	CompanyName   string    `json:"companyName"`
	Employee      string    `json:"employee"`
	Purposes      []Purpose `json:"purposes"`
	SubmissionKey string    `json:"submissionKey"`
	Status        string    `json:"status"`
	Reason        string    `json:"reason"`
}

// SubmissionPlaintext is what the phone seals: the relay never sees it; the app opens it.
type SubmissionPlaintext struct {
	V            int                  `json:"v"`
	Company      string               `json:"company"`
	Employee     string               `json:"employee"`
	SubmittedAt  string               `json:"submittedAt"`
	Self         SubmittedSelf        `json:"self"`
	Dependents   []SubmittedDependent `json:"dependents"`
	Images       []SubmittedImage     `json:"images"`
	Acknowledged []string             `json:"acknowledged"`
}

// SubmittedSelf is the employee's own number in a SubmissionPlaintext.
type SubmittedSelf struct {
	Number string `json:"number"`
}

// SubmittedDependent is one dependent in a SubmissionPlaintext.
type SubmittedDependent struct {
	Name      string `json:"name"`
	Relation  string `json:"relation"`
	BirthDate string `json:"birthDate"`
	Number    string `json:"number"`
}

// SubmittedImage is one photo in a SubmissionPlaintext; Data is base64 in JSON.
type SubmittedImage struct {
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Data        []byte `json:"data"`
}

// SubmissionAAD is the sealbox aad that binds a submission to its company and employee.
func SubmissionAAD(company, employee string) []byte {
	return []byte("shelter-submission|v1|" + company + "|" + employee)
}

const (
	sessionCookie = "shelter_session"
	sessionTTL    = 30 * time.Minute
	maxFailures   = 5
	lockFor       = 15 * time.Minute
	maxEmployees  = 5000
	maxReason     = 1000 // characters
	// argonSlots bounds concurrent password checks (19 MiB each at the usual parameters).
	argonSlots = 2
	// pageCSP allows nothing but this server; blob: and data: images are the photo previews.
	pageCSP = "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

//go:embed web
var webFiles embed.FS

// staticFiles are what GET /e/{file} serves, with their types.
var staticFiles = map[string]string{
	"app.js":      "text/javascript; charset=utf-8",
	"sealbox.js":  "text/javascript; charset=utf-8",
	"mynumber.js": "text/javascript; charset=utf-8",
	"style.css":   "text/css; charset=utf-8",
}

// employeeAPI is the state of the employee routes of one Handler.
type employeeAPI struct {
	*handler
	loginIP      *limiter
	loginAccount *limiter
	argon        chan struct{}
	dummy        string // checked for unknown accounts, so they take as long as known ones
}

// employeeRoutes registers the employee web page, its API and the bridge routes that feed it.
func (h *handler) employeeRoutes(mux *http.ServeMux) {
	salt := make([]byte, 16)
	io.ReadFull(h.rand(), salt)
	e := &employeeAPI{handler: h, loginIP: newLimiter(h.limits.PerIPLogin, h.now),
		loginAccount: newLimiter(h.limits.PerAccountLogin, h.now), argon: make(chan struct{}, argonSlots),
		dummy: "argon2id$v=19$m=19456,t=2,p=1$" + base64.RawStdEncoding.EncodeToString(salt) + "$" +
			base64.RawStdEncoding.EncodeToString(make([]byte, 32))}

	mux.HandleFunc("PUT /v1/bridge/companies/{company}/portal", h.bridge(e.putPortal))
	mux.HandleFunc("PUT /v1/bridge/companies/{company}/employees", h.bridge(e.putEmployees))
	mux.HandleFunc("DELETE /v1/bridge/companies/{company}/employees/{code}", h.bridge(e.deleteEmployee))
	mux.HandleFunc("POST /v1/bridge/companies/{company}/employees/{code}/sendback", h.bridge(e.sendBack))

	mux.Handle("/e/", page(func(w http.ResponseWriter, r *http.Request) {
		writeCode(w, http.StatusNotFound, "not_found", "not found")
	}))
	mux.Handle("GET /e/{$}", page(e.index))
	mux.Handle("GET /e/{file}", page(e.static))
	mux.Handle("POST /e/api/login", page(e.login))
	mux.Handle("GET /e/api/me", page(e.me))
	mux.Handle("POST /e/api/submission", page(e.submit))
	mux.Handle("POST /e/api/logout", page(e.logout))
}

// page sets the headers every answer under /e/ carries and refuses cross-origin writes.
func page(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Cache-Control", "no-store")
		hd.Set("Content-Security-Policy", pageCSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
		hd.Set("Strict-Transport-Security", "max-age=31536000")
		hd.Set("Permissions-Policy", "geolocation=(), microphone=(), payment=()")
		if r.Method == http.MethodPost {
			if o := r.Header.Get("Origin"); o != "" && o != "https://"+r.Host {
				writeCode(w, http.StatusForbidden, "cross_origin", "cross-origin request refused")
				return
			}
		}
		next(w, r)
	})
}

// writeCode answers {"error": msg, "code": code}; the page shows its own text for code.
func writeCode(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"error": msg, "code": code})
}

func (e *employeeAPI) index(w http.ResponseWriter, r *http.Request) {
	e.serveFile(w, "index.html", "text/html; charset=utf-8")
}

func (e *employeeAPI) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	ctype, ok := staticFiles[name]
	if !ok {
		writeCode(w, http.StatusNotFound, "not_found", "not found")
		return
	}
	e.serveFile(w, name, ctype)
}

func (e *employeeAPI) serveFile(w http.ResponseWriter, name, ctype string) {
	b, err := webFiles.ReadFile("web/" + name)
	if err != nil {
		writeCode(w, http.StatusNotFound, "not_found", "not found")
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// --- employee side ---

func (e *employeeAPI) login(w http.ResponseWriter, r *http.Request) {
	if ok, wait := e.loginIP.allow(limitKey(r)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(max(int(wait.Seconds()+0.999), 1)))
		writeCode(w, http.StatusTooManyRequests, "rate_limited", "too many attempts")
		return
	}
	var req LoginRequest
	if !readJSON(w, r, e.limits.MaxJSON, &req) {
		return
	}
	company := strings.TrimSpace(req.Company)
	code := strings.TrimSpace(norm.NFKC.String(req.Code))
	password := otp.Normalize(req.Password)
	now := e.now()
	// Per account from every address together: many addresses cannot share out the guesses.
	if ok, wait := e.loginAccount.allow(company + "\x00" + code); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(max(int(wait.Seconds()+0.999), 1)))
		writeCode(w, http.StatusTooManyRequests, "rate_limited", "too many attempts")
		return
	}

	acct, err := store.EmployeeAccount{}, store.ErrNotFound
	if envelope.ValidID(company) && validEmployeeCode(code) && len(password) <= 64 {
		acct, err = e.Store.EmployeeAccount(r.Context(), company, code)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		e.internal(w, r, err)
		return
	}
	known := err == nil
	verifier := e.dummy
	if known {
		verifier = acct.Verifier
	}
	// The hash runs for unknown and locked accounts too, so timing tells nothing.
	match, err := e.verify(r.Context(), verifier, password)
	if err != nil {
		e.internal(w, r, err)
		return
	}
	locked := known && now.Before(acct.LockedUntil)
	if !known || locked || !match {
		if known && !locked {
			if err := e.Store.RecordLoginFailure(r.Context(), company, code, now, maxFailures, lockFor); err != nil && !errors.Is(err, store.ErrNotFound) {
				e.internal(w, r, err)
				return
			}
		}
		writeCode(w, http.StatusUnauthorized, "bad_credentials", "company ID, employee code or password not correct")
		return
	}
	if !now.Before(acct.Expires) {
		writeCode(w, http.StatusUnauthorized, "expired", "password expired")
		return
	}
	token := make([]byte, 32)
	if _, err := io.ReadFull(e.rand(), token); err != nil {
		e.internal(w, r, err)
		return
	}
	tok := base64.RawURLEncoding.EncodeToString(token)
	sess := store.EmployeeSession{TokenHash: store.HashToken(tok), Company: company, Employee: code, Expires: now.Add(sessionTTL),
		Verifier: acct.Verifier}
	if err := e.Store.CreateEmployeeSession(r.Context(), sess, now); err != nil {
		if errors.Is(err, store.ErrLoginStale) || errors.Is(err, store.ErrNotFound) {
			// Locked (or given a new password) while this password was being checked.
			writeCode(w, http.StatusUnauthorized, "bad_credentials", "company ID, employee code or password not correct")
			return
		}
		e.internal(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: tok, Path: "/e/", MaxAge: int(sessionTTL / time.Second),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	e.writeMe(w, r, sess)
}

// verify checks password against an Argon2id verifier, at most argonSlots at a time.
func (e *employeeAPI) verify(ctx context.Context, verifier, password string) (bool, error) {
	p, err := parseVerifier(verifier)
	if err != nil {
		return false, nil // a stored verifier was checked on upload; treat damage as a mismatch
	}
	select {
	case e.argon <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-e.argon }()
	got := argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.hash)))
	return subtle.ConstantTimeCompare(got, p.hash) == 1, nil
}

// session returns the request's unexpired session, or answers 401.
func (e *employeeAPI) session(w http.ResponseWriter, r *http.Request) (store.EmployeeSession, bool) {
	c, err := r.Cookie(sessionCookie)
	if err == nil {
		s, err := e.Store.EmployeeSession(r.Context(), store.HashToken(c.Value), e.now())
		if err == nil {
			return s, true
		}
		if !errors.Is(err, store.ErrNotFound) {
			e.internal(w, r, err)
			return s, false
		}
	}
	writeCode(w, http.StatusUnauthorized, "login_required", "login required")
	return store.EmployeeSession{}, false
}

func (e *employeeAPI) me(w http.ResponseWriter, r *http.Request) {
	if s, ok := e.session(w, r); ok {
		e.writeMe(w, r, s)
	}
}

func (e *employeeAPI) writeMe(w http.ResponseWriter, r *http.Request, s store.EmployeeSession) {
	ctx := r.Context()
	acct, err := e.Store.EmployeeAccount(ctx, s.Company, s.Employee)
	if errors.Is(err, store.ErrNotFound) {
		writeCode(w, http.StatusUnauthorized, "login_required", "login required")
		return
	}
	if err != nil {
		e.internal(w, r, err)
		return
	}
	me := Me{Company: s.Company, Employee: s.Employee, Purposes: []Purpose{}, Status: string(acct.Status), Reason: acct.Reason}
	if p, err := e.Store.Portal(ctx, s.Company); err == nil {
		me.CompanyName = p.Name
		if err := json.Unmarshal(p.Purposes, &me.Purposes); err != nil {
			e.internal(w, r, err)
			return
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		e.internal(w, r, err)
		return
	}
	der, err := e.Store.SubmissionKey(ctx, s.Company)
	if err != nil {
		e.internal(w, r, err)
		return
	}
	point, err := p256Point(der)
	if err != nil {
		e.internal(w, r, err)
		return
	}
	me.SubmissionKey = base64.StdEncoding.EncodeToString(point)
	writeJSON(w, http.StatusOK, me)
}

// p256Point turns the stored PKIX DER into the 65-byte point the page imports.
func p256Point(der []byte) ([]byte, error) {
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, err
	}
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return nil, errors.New("submission key is not ECDSA")
	}
	ek, err := k.ECDH()
	if err != nil {
		return nil, err
	}
	return ek.Bytes(), nil
}

func (e *employeeAPI) submit(w http.ResponseWriter, r *http.Request) {
	s, ok := e.session(w, r)
	if !ok {
		return
	}
	body, ok := readBody(w, r, e.limits.MaxSubmission)
	if !ok {
		return
	}
	if r.Header.Get("Content-Type") != "application/octet-stream" {
		writeCode(w, http.StatusUnsupportedMediaType, "bad_type", "want application/octet-stream")
		return
	}
	// The relay cannot open the box, but it can refuse what is not one.
	if len(body) < sealbox.Overhead || body[0] != sealbox.Version {
		writeCode(w, http.StatusBadRequest, "bad_box", "not a sealed box")
		return
	}
	if _, err := sealbox.ParsePublicKey(body[1:66]); err != nil {
		writeCode(w, http.StatusBadRequest, "bad_box", "not a sealed box")
		return
	}
	acct, err := e.Store.EmployeeAccount(r.Context(), s.Company, s.Employee)
	if err == nil && acct.Status == store.StatusReceived {
		writeCode(w, http.StatusConflict, "already_received", "already received")
		return
	}
	if err == nil {
		_, err = e.Store.PutEmployeeSubmission(r.Context(), s.Company, s.Employee, body, e.now())
	}
	if errors.Is(err, store.ErrNotFound) {
		writeCode(w, http.StatusUnauthorized, "login_required", "login required")
		return
	}
	if err != nil {
		e.internal(w, r, err)
		return
	}
	e.writeMe(w, r, s)
}

func (e *employeeAPI) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := e.Store.DeleteEmployeeSession(r.Context(), store.HashToken(c.Value)); err != nil {
			e.internal(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/e/", MaxAge: -1,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	w.Header().Set("Clear-Site-Data", `"cache", "storage"`)
	w.WriteHeader(http.StatusNoContent)
}
