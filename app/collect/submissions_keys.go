package collect

import (
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// RelayCompanyMeta is the meta key holding a company's id on the cloud relay ("c-" + 20
// base32 characters); absent while the company is not published.
func RelayCompanyMeta(companyID int64) string { return fmt.Sprintf("relay_company_%d", companyID) }

// RelayCompanyTx returns the company's relay id, or "" when it was never published.
func RelayCompanyTx(tx *store.Tx, companyID int64) (string, error) {
	v, ok, err := tx.Meta(RelayCompanyMeta(companyID))
	if err != nil || !ok {
		return "", err
	}
	return v, nil
}

// EnsureRelayCompanyTx returns the company's relay id, drawing one from r (nil: crypto/rand)
// and storing it when the company has none yet (isNew). SYNC's publishing and M-6's sharing
// both name a company on the relay through it, so a company has one relay id whichever came
// first.
func EnsureRelayCompanyTx(tx *store.Tx, companyID int64, r io.Reader) (id string, isNew bool, err error) {
	if id, err = RelayCompanyTx(tx, companyID); err != nil || id != "" {
		return id, false, err
	}
	if id, err = NewRelayCompanyID(r); err != nil {
		return "", false, err
	}
	return id, true, tx.SetMeta(RelayCompanyMeta(companyID), id)
}

// NewRelayCompanyID draws a relay company id: "c-" and 20 base32 characters (100 bits).
func NewRelayCompanyID(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, 13)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("drawing relay company id: %w", err)
	}
	return "c-" + idEncoding.EncodeToString(b)[:20], nil
}

func submissionKeyAAD(companyID int64) vault.AAD {
	return vault.AAD{Table: "sync_submission_keys", RowID: companyID, Column: "wrapped"}
}

// SubmissionKeyTx returns the company's submission key: its public point (65 bytes) and the
// key ([vault.BoxKey]). With create it makes and stores one (sealed under the company key) on
// first use; without, a company without one gets (nil, nil, nil).
func SubmissionKeyTx(tx *store.Tx, ck *vault.CompanyKey, r io.Reader, create bool) ([]byte, *vault.BoxKey, error) {
	var pub, w []byte
	err := tx.QueryRow(`SELECT public_key, wrapped FROM sync_submission_keys WHERE company_id = ?`, ck.CompanyID()).Scan(&pub, &w)
	if err == nil {
		key, err := ck.OpenBoxKey(submissionKeyAAD(ck.CompanyID()), w, pub)
		if err != nil {
			return nil, nil, fmt.Errorf("opening submission key: %w", err)
		}
		return pub, key, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("reading submission key: %w", err)
	}
	if !create {
		return nil, nil, nil
	}
	pub, w, key, err := ck.NewBoxKey(r, submissionKeyAAD(ck.CompanyID()))
	if err != nil {
		return nil, nil, fmt.Errorf("making submission key: %w", err)
	}
	if _, err := tx.Exec(`INSERT INTO sync_submission_keys(company_id, public_key, wrapped, created_at) VALUES(?, ?, ?, ?)`,
		ck.CompanyID(), pub, w, tx.NowText()); err != nil {
		return nil, nil, fmt.Errorf("writing submission key: %w", err)
	}
	return pub, key, nil
}

// Argon2id parameters of the employee password verifiers the relay checks (OWASP's minimum:
// 19 MiB, 2 passes, 1 lane).
const (
	verifierMemory = 19456
	verifierTime   = 2
	verifierLanes  = 1
)

// OTPVerifier returns the relay's verifier of a one-time password:
// "argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" (raw standard base64, 16-byte salt, 32-byte
// hash) of NormalizeOTP(otp). The relay, which never sees the password, checks logins with it.
func OTPVerifier(r io.Reader, otp string) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	salt := make([]byte, 16)
	if _, err := io.ReadFull(r, salt); err != nil {
		return "", fmt.Errorf("drawing verifier salt: %w", err)
	}
	h := argon2.IDKey([]byte(NormalizeOTP(otp)), salt, verifierTime, verifierMemory, verifierLanes, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, verifierMemory, verifierTime, verifierLanes,
		enc.EncodeToString(salt), enc.EncodeToString(h)), nil
}

// RelayEmployee is one account of PUT /v1/bridge/companies/{company}/employees.
type RelayEmployee struct {
	Code     string `json:"code"`
	Verifier string `json:"verifier"`
	Expires  string `json:"expires"` // RFC 3339
}

// idEncoding writes the random ids this package makes (relay company ids, the outbox's keys) in
// lower-case base32 (a–z, 2–7): in hex, one key in a few thousand holds 12 digits in a row that
// pass the My Number check digit, which a leak scan of the vault and the bridge's files (ours in
// the tests, an office's DLP tool) then reports as a number.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// queueRelayTx records a request for the relay in sync_outbox (handed to the bridge later).
func queueRelayTx(tx *store.Tx, r io.Reader, companyID int64, method, path string, body any) error {
	b := make([]byte, 12)
	if _, err := io.ReadFull(r, b); err != nil {
		return fmt.Errorf("drawing outbox key: %w", err)
	}
	var text string
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			return err
		}
		text = string(j)
	}
	if _, err := tx.Exec(`INSERT INTO sync_outbox(company_id, key, method, path, body, queued_at) VALUES(?, ?, ?, ?, ?, ?)`,
		companyID, "app/"+idEncoding.EncodeToString(b), method, path, text, tx.NowText()); err != nil {
		return fmt.Errorf("queueing relay request: %w", err)
	}
	return nil
}

// queueEmployeesTx computes the verifiers of the passwords just issued (in parallel: Argon2id
// takes tens of milliseconds each) and queues the accounts for the relay. Called only for a
// company published on the relay; the passwords are forgotten by the caller afterwards.
func (s *Service) queueEmployeesTx(tx *store.Tx, companyID int64, relayCompany string, codes map[int64]string, creds map[int64]credential) error {
	type job struct {
		i    int
		otp  string
		code string
		exp  time.Time
	}
	var jobs []job
	for id, c := range creds {
		jobs = append(jobs, job{len(jobs), c.otp, codes[id], c.expires})
	}
	out := make([]RelayEmployee, len(jobs))
	errs := make([]error, len(jobs))
	var mu sync.Mutex // Rand may not be safe for concurrent use
	salted := func(n int) io.Reader {
		b := make([]byte, n)
		mu.Lock()
		_, err := io.ReadFull(s.rand(), b)
		mu.Unlock()
		if err != nil {
			return errReader{err}
		}
		return strings.NewReader(string(b))
	}
	var wg sync.WaitGroup
	ch := make(chan job)
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				v, err := OTPVerifier(salted(16), j.otp)
				out[j.i], errs[j.i] = RelayEmployee{Code: j.code, Verifier: v, Expires: j.exp.UTC().Format(time.RFC3339)}, err
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if len(out) == 0 {
		return nil
	}
	return queueRelayTx(tx, s.rand(), companyID, "PUT", "/v1/bridge/companies/"+relayCompany+"/employees",
		map[string]any{"employees": out})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// RelayRequest is one request for the relay queued by a use case.
type RelayRequest struct {
	ID     int64
	Key    string
	Method string
	Path   string
	Body   json.RawMessage
}

// PendingRelayRequests lists the queued requests not yet handed to the bridge, oldest first.
func PendingRelayRequestsTx(tx *store.Tx, limit int) ([]RelayRequest, error) {
	rows, err := tx.Query(`SELECT id, key, method, path, body FROM sync_outbox WHERE sent_at = '' ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("reading relay outbox: %w", err)
	}
	defer rows.Close()
	var out []RelayRequest
	for rows.Next() {
		var r RelayRequest
		var body string
		if err := rows.Scan(&r.ID, &r.Key, &r.Method, &r.Path, &body); err != nil {
			return nil, err
		}
		if body != "" {
			r.Body = json.RawMessage(body)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// MarkRelayRequestsSentTx records that the bridge took the requests; their bodies (verifiers)
// are cleared.
func MarkRelayRequestsSentTx(tx *store.Tx, ids []int64) error {
	for _, id := range ids {
		if _, err := tx.Exec(`UPDATE sync_outbox SET sent_at = ?, body = '' WHERE id = ?`, tx.NowText(), id); err != nil {
			return fmt.Errorf("updating relay outbox: %w", err)
		}
	}
	return nil
}

// QueueRelayRequestTx queues a request for the relay (portal information, company
// registration) in the caller's transaction.
func (s *Service) QueueRelayRequestTx(tx *store.Tx, companyID int64, method, path string, body any) error {
	return queueRelayTx(tx, s.rand(), companyID, method, path, body)
}
