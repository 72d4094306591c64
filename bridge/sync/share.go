package relaysync

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	stdsync "sync"
	"time"

	"github.com/mynumber-shelter/shelter/cloud/envelope"
)

// Share is what the app's company sharing (app/share) needs from the relay, done at once and
// answered, with the Syncer's enrolment, keys and TLS policy: the directory of offices' keys,
// company membership, signed envelopes and their listing.
//
// Sending an envelope takes two steps because the app seals its ciphertext with the envelope
// header as additional data, and the header holds the sequence number: [Share.Prepare]
// reserves the next sequence of the Syncer's own counter (the one [Syncer.Enqueue] uses, so
// sequences never go backwards) and returns the header; the app seals, hands the ciphertext
// over with [Share.Append] (in parts, as the bridge's API bounds request bodies) and
// [Share.Send] signs with the enrolled signing key and uploads it. A reservation lives
// ReservationTTL in memory only.
//
// Share never opens a ciphertext (it has no key to) and never logs a body or a key.
type Share struct {
	// Syncer is the bridge's relay sync (required).
	Syncer *Syncer

	mu  stdsync.Mutex
	res map[uint64]*reservation
}

// Limits of [Share].
const (
	// ReservationTTL is how long a prepared envelope waits for its ciphertext.
	ReservationTTL = 10 * time.Minute
	// MaxReservations bounds the envelopes prepared and not yet sent (each may buffer up to
	// envelope.MaxCiphertext bytes).
	MaxReservations = 8
	// MaxEnvelopePage bounds one [Share.Envelopes] page.
	MaxEnvelopePage = 500
)

// Errors of [Share] the caller must tell apart. Other refusals of the relay are
// [*RelayStatusError].
var (
	// ErrRelayNotFound: the relay answered 404 (no key published for the office, no such
	// company or office).
	ErrRelayNotFound = errors.New("relay sync: not found on the relay")
	// ErrReplay: the relay refused an envelope whose sequence is not above the last one it
	// stored for the company and this sender.
	ErrReplay = errors.New("relay sync: the relay refused a replayed or older envelope")
	// ErrNotMember: the relay answered 403 on a company's route: this office is not (or no
	// longer) a member of the company.
	ErrNotMember = errors.New("relay sync: this office is not a member of the company")
	// ErrLastMember: the relay refused to end the membership of a company's last member.
	ErrLastMember = errors.New("relay sync: the relay refused to remove the company's last member")
	// ErrNoReservation: no prepared envelope with that sequence (expired, sent or never made),
	// or the ciphertext part does not continue it.
	ErrNoReservation = errors.New("relay sync: no such prepared envelope")
	// ErrBusy: MaxReservations envelopes are prepared and not sent.
	ErrBusy = errors.New("relay sync: too many envelopes prepared and not sent")
)

// RelayStatusError is an answer of the relay other than success, 404 and 409.
type RelayStatusError struct{ Status int }

func (e *RelayStatusError) Error() string { return "relay answered status " + strconv.Itoa(e.Status) }

type reservation struct {
	company, record string
	header          *envelope.Envelope
	expires         time.Time
	ct              []byte
}

// OfficeKey is an office's entry in the relay directory.
type OfficeKey struct {
	Office    string `json:"office"`
	Name      string `json:"name"`
	PublicKey []byte `json:"publicKey"` // the 65-byte P-256 point
}

// Prepared is a reserved envelope header.
type Prepared struct {
	Seq    uint64         `json:"seq"`
	Sender envelope.KeyID `json:"sender"`
	// AAD is [envelope.Envelope.AAD] of the header: what the app's AEAD must authenticate.
	AAD []byte `json:"aad"`
}

// RelayEnvelope is one envelope as the relay lists it.
type RelayEnvelope struct {
	ID   int64  `json:"id"`
	Body []byte `json:"body"` // wire form, as the relay stored it
}

// Identity returns the enrolled office id and the key id of the envelope signing key.
func (sh *Share) Identity(ctx context.Context) (string, envelope.KeyID, error) {
	if err := sh.Syncer.open(ctx); err != nil {
		return "", envelope.KeyID{}, err
	}
	_, key, r, err := sh.Syncer.connect()
	if err != nil {
		return "", envelope.KeyID{}, err
	}
	return r.Office, envelope.KeyIDOf(key.Public().(ed25519.PublicKey)), nil
}

// call does one JSON request to the relay and decodes a 2xx answer into out (when not nil).
func (sh *Share) call(ctx context.Context, method, path string, in, out any) error {
	if err := sh.Syncer.open(ctx); err != nil {
		return err
	}
	hc, _, r, err := sh.Syncer.connect()
	if err != nil {
		return err
	}
	var body []byte
	if in != nil {
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	code, rb, err := sh.Syncer.send(ctx, hc, r.URL, method, path, "application/json", body)
	if err != nil {
		return err
	}
	if err := statusErr(code); err != nil {
		return err
	}
	if out != nil {
		if err := json.Unmarshal(rb, out); err != nil {
			return fmt.Errorf("relay answer: %w", err)
		}
	}
	return nil
}

func statusErr(code int) error {
	switch {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusNotFound:
		return ErrRelayNotFound
	case code == http.StatusConflict:
		return ErrReplay
	case code == http.StatusForbidden:
		return ErrNotMember
	}
	return &RelayStatusError{Status: code}
}

func checkIDs(ids ...string) error {
	for _, id := range ids {
		if !validID(id) || !envelope.ValidID(id) {
			return fmt.Errorf("%w: id", ErrBadItem)
		}
	}
	return nil
}

// PublishKey publishes this office's P-256 sharing key (the 65-byte point) in the directory.
func (sh *Share) PublishKey(ctx context.Context, pub []byte) error {
	if len(pub) != 65 {
		return fmt.Errorf("%w: public key", ErrBadItem)
	}
	return sh.call(ctx, http.MethodPut, "/v1/bridge/offices/self/key",
		map[string]string{"publicKey": base64.StdEncoding.EncodeToString(pub)}, nil)
}

// OfficeKey returns office's directory entry ("self" = this office), or [ErrRelayNotFound].
func (sh *Share) OfficeKey(ctx context.Context, office string) (OfficeKey, error) {
	if err := checkIDs(office); err != nil {
		return OfficeKey{}, err
	}
	var a struct {
		Office    string `json:"office"`
		Name      string `json:"name"`
		PublicKey string `json:"publicKey"`
	}
	if err := sh.call(ctx, http.MethodGet, "/v1/bridge/offices/"+url.PathEscape(office)+"/key", nil, &a); err != nil {
		return OfficeKey{}, err
	}
	pub, err := base64.StdEncoding.DecodeString(a.PublicKey)
	if err != nil {
		return OfficeKey{}, fmt.Errorf("relay answer: office key: %w", err)
	}
	return OfficeKey{Office: a.Office, Name: a.Name, PublicKey: pub}, nil
}

// Companies lists the relay companies this office is a member of.
func (sh *Share) Companies(ctx context.Context) ([]string, error) {
	var a struct {
		Companies []string `json:"companies"`
	}
	if err := sh.call(ctx, http.MethodGet, "/v1/bridge/offices/self/companies", nil, &a); err != nil {
		return nil, err
	}
	if a.Companies == nil {
		a.Companies = []string{}
	}
	return a.Companies, nil
}

// RegisterCompany creates (or, for its registering office, updates) relay company company
// with submissionKey (PKIX DER of a P-256 key), and watches it for submissions.
func (sh *Share) RegisterCompany(ctx context.Context, company string, submissionKey []byte) error {
	if err := checkIDs(company); err != nil {
		return err
	}
	err := sh.call(ctx, http.MethodPut, "/v1/bridge/companies/"+company,
		map[string]string{"submission_key": base64.StdEncoding.EncodeToString(submissionKey)}, nil)
	if err != nil {
		return err
	}
	return sh.Syncer.Watch(ctx, company)
}

// AddMember makes office a member of company (this office must be one).
func (sh *Share) AddMember(ctx context.Context, company, office string) error {
	if err := checkIDs(company, office); err != nil {
		return err
	}
	return sh.call(ctx, http.MethodPost, "/v1/bridge/companies/"+company+"/members", map[string]string{"office": office}, nil)
}

// RemoveMember ends office's membership of company (this office must be a member; office may
// be this office, which then leaves). [ErrRelayNotFound] when office is not a member,
// [ErrLastMember] when it is the only one.
func (sh *Share) RemoveMember(ctx context.Context, company, office string) error {
	if err := checkIDs(company, office); err != nil {
		return err
	}
	err := sh.call(ctx, http.MethodDelete, "/v1/bridge/companies/"+company+"/members/"+office, nil, nil)
	if errors.Is(err, ErrReplay) { // the relay's 409 on this route
		return ErrLastMember
	}
	return err
}

// Envelopes lists company's envelopes stored after relay id after, oldest first, at most
// limit (1..MaxEnvelopePage; other values mean MaxEnvelopePage).
func (sh *Share) Envelopes(ctx context.Context, company string, after int64, limit int) ([]RelayEnvelope, error) {
	if err := checkIDs(company); err != nil {
		return nil, err
	}
	if after < 0 {
		return nil, fmt.Errorf("%w: cursor", ErrBadItem)
	}
	if limit <= 0 || limit > MaxEnvelopePage {
		limit = MaxEnvelopePage
	}
	var la listAnswer
	if err := sh.call(ctx, http.MethodGet, fmt.Sprintf("/v1/bridge/companies/%s/envelopes?after=%d&limit=%d", company, after, limit), nil, &la); err != nil {
		return nil, err
	}
	out := make([]RelayEnvelope, 0, len(la.Items))
	for _, it := range la.Items {
		out = append(out, RelayEnvelope{ID: it.ID, Body: it.Body})
	}
	return out, nil
}

// sweep drops expired reservations; sh.mu is held.
func (sh *Share) sweep(now time.Time) {
	for seq, r := range sh.res {
		if now.After(r.expires) {
			clear(r.ct)
			delete(sh.res, seq)
		}
	}
}

// Prepare reserves the next envelope sequence for (company, record) and returns the header
// the ciphertext must be sealed against.
func (sh *Share) Prepare(ctx context.Context, company, record string) (Prepared, error) {
	if err := checkIDs(company, record); err != nil {
		return Prepared{}, err
	}
	s := sh.Syncer
	if err := s.open(ctx); err != nil {
		return Prepared{}, err
	}
	_, key, _, err := s.connect()
	if err != nil {
		return Prepared{}, err
	}
	now := s.now()
	sh.mu.Lock()
	if sh.res == nil {
		sh.res = map[uint64]*reservation{}
	}
	sh.sweep(now)
	full := len(sh.res) >= MaxReservations
	sh.mu.Unlock()
	if full {
		return Prepared{}, ErrBusy
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Prepared{}, fmt.Errorf("reserving a sequence: %w", err)
	}
	defer tx.Rollback()
	seq, err := nextSeq(ctx, tx, now)
	if err != nil {
		return Prepared{}, fmt.Errorf("reserving a sequence: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Prepared{}, fmt.Errorf("reserving a sequence: %w", err)
	}
	h := &envelope.Envelope{Company: company, Record: record, Seq: seq, Sender: envelope.KeyIDOf(key.Public().(ed25519.PublicKey))}
	aad, err := h.AAD()
	if err != nil {
		return Prepared{}, fmt.Errorf("%w: %v", ErrBadItem, err)
	}
	sh.mu.Lock()
	sh.res[seq] = &reservation{company: company, record: record, header: h, expires: now.Add(ReservationTTL)}
	sh.mu.Unlock()
	return Prepared{Seq: seq, Sender: h.Sender, AAD: aad}, nil
}

// Append adds part of the ciphertext of prepared envelope seq; offset must be the length
// handed over so far (a repeated part is ignored, so a retried request is harmless).
func (sh *Share) Append(seq uint64, offset int64, part []byte) error {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.sweep(sh.Syncer.now())
	r := sh.res[seq]
	switch {
	case r == nil:
		return ErrNoReservation
	case offset+int64(len(part)) == int64(len(r.ct)) && offset < int64(len(r.ct)):
		return nil // the same part again
	case offset != int64(len(r.ct)):
		return fmt.Errorf("%w: part at %d, have %d bytes", ErrNoReservation, offset, len(r.ct))
	case len(r.ct)+len(part) > envelope.MaxCiphertext:
		return fmt.Errorf("%w: ciphertext too long", ErrBadItem)
	}
	r.ct = append(r.ct, part...)
	return nil
}

// Send signs prepared envelope seq over the ciphertext handed over and uploads it; it returns
// the relay's id. Envelope items still pending in the outbox are sent first, so the relay sees
// this office's sequences in order. The reservation is used up either way.
func (sh *Share) Send(ctx context.Context, seq uint64) (int64, error) {
	sh.mu.Lock()
	sh.sweep(sh.Syncer.now())
	r := sh.res[seq]
	delete(sh.res, seq)
	sh.mu.Unlock()
	if r == nil {
		return 0, ErrNoReservation
	}
	s := sh.Syncer
	if err := s.open(ctx); err != nil {
		return 0, err
	}
	hc, key, rel, err := s.connect()
	if err != nil {
		return 0, err
	}
	e := *r.header
	e.Ciphertext = r.ct
	if err := e.Sign(key); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrBadItem, err)
	}
	body, err := e.Marshal()
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrBadItem, err)
	}
	s.round.Lock()
	defer s.round.Unlock()
	var queued int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE state = 'pending' AND kind = 'envelope'`).Scan(&queued); err != nil {
		return 0, fmt.Errorf("reading outbox: %w", err)
	}
	if queued > 0 {
		if err := s.flush(ctx, &Result{}); err != nil {
			return 0, err
		}
	}
	code, rb, err := s.send(ctx, hc, rel.URL, http.MethodPost, "/v1/bridge/envelopes", "application/octet-stream", body)
	if err != nil {
		return 0, err
	}
	if err := statusErr(code); err != nil {
		return 0, err
	}
	var a struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(rb, &a); err != nil {
		return 0, fmt.Errorf("relay answer: %w", err)
	}
	return a.ID, nil
}
