// Package store keeps the relay's state: enrolled offices, one-time enrolment tokens, client
// certificates and signing keys, companies with their submission public keys, the employees'
// encrypted submissions and the offices' envelopes.
//
// [Store] is the one interface; [OpenSQLite] (the default, one relay) and [OpenPostgres]
// (several stateless relays behind a load balancer) implement it with the same SQL, and both
// pass the one contract suite in [github.com/mynumber-shelter/shelter/cloud/store/storetest].
// They share one implementation because the semantics that matter — a token consumed at most
// once, a sequence that only moves forward — are single conditional statements that both
// engines execute atomically; only the schema types and placeholders differ.
//
// Everything stored is ciphertext or public data. This package must never be handed a My
// Number, an image or a private key, and it never logs.
package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors the caller must tell apart. Others are wrapped database errors.
var (
	// ErrNotFound: no such token, certificate, key, company or item.
	ErrNotFound = errors.New("store: not found")
	// ErrLoginStale: an employee's session was refused because, since the password was
	// checked, the account was locked or got a new password (CreateEmployeeSession).
	ErrLoginStale = errors.New("store: account locked or password changed since the check")
	// ErrTokenUsed: the enrolment token was already consumed or has expired. The caller must
	// not say which.
	ErrTokenUsed = errors.New("store: enrolment token used or expired")
	// ErrReplay: an envelope's sequence is not greater than the last one stored for its
	// (company, sender key).
	ErrReplay = errors.New("store: envelope replayed or older than the last one")
	// ErrForbidden: the office is not a member of the company.
	ErrForbidden = errors.New("store: office is not a member of the company")
	// ErrExists: the id is already taken.
	ErrExists = errors.New("store: already exists")
	// ErrLastMember: the membership to end is the company's last one (a company without a
	// member could never be reached again).
	ErrLastMember = errors.New("store: the company's last member cannot be removed")
)

// Office is an enrolled office (the operator of one MyNumber Shelter installation).
type Office struct {
	ID      string
	Name    string
	Created time.Time
}

// ClientCert is a client certificate the relay issued to an office's bridge, with the Ed25519
// key that signs its envelopes.
type ClientCert struct {
	Fingerprint [32]byte // SHA-256 of the certificate's DER
	Office      string
	NotAfter    time.Time
	SigningKey  []byte // Ed25519 public key, 32 bytes
	KeyID       [16]byte
}

// Submission is one employee submission: ciphertext sealed in the browser to the company's
// submission public key.
type Submission struct {
	ID      int64
	Company string
	// Employee is the code of the employee account that submitted it ("" for one stored
	// with PutSubmission).
	Employee string
	Body     []byte
	Created  time.Time
}

// Envelope is one stored envelope (see cloud/envelope); Body is its whole wire form.
type Envelope struct {
	ID      int64
	Company string
	Record  string
	Sender  [16]byte
	Seq     uint64
	Body    []byte
	Created time.Time
}

// Store is the relay's storage. Every method is one transaction and safe for concurrent use,
// also from several processes on the same database. List methods return items with id greater
// than after, in id order, at most limit (1..1000; 0 means 100).
type Store interface {
	// EnrolOffice creates the office if its id is new (keeping the first name otherwise) and
	// adds a one-time enrolment token for it, stored as SHA-256(token) until expires.
	EnrolOffice(ctx context.Context, o Office, tokenHash [32]byte, expires time.Time) error
	// ConsumeToken marks the token used and returns its office. It succeeds at most once per
	// token, across all relays; otherwise ErrTokenUsed (also for unknown or expired tokens).
	ConsumeToken(ctx context.Context, tokenHash [32]byte, now time.Time) (Office, error)
	// RegisterClientCert records a certificate and its signing key. ErrExists when the
	// signing key is already registered.
	RegisterClientCert(ctx context.Context, c ClientCert) error
	// ClientCert returns the certificate with this fingerprint, or ErrNotFound (also when it
	// was revoked).
	ClientCert(ctx context.Context, fingerprint [32]byte) (ClientCert, error)
	// RevokeClientCerts revokes every certificate of office except keep (all of them with a
	// zero keep) and returns how many it revoked; a revoked certificate is refused on every
	// request. Its signing key still verifies what it signed before.
	RevokeClientCerts(ctx context.Context, office string, keep [32]byte, now time.Time) (int, error)
	// SigningKey returns the certificate record that holds the signing key with this id.
	SigningKey(ctx context.Context, keyID [16]byte) (ClientCert, error)

	// RegisterCompany creates the company with office as its first member, or replaces its
	// submission public key when office is already a member. ErrForbidden otherwise.
	RegisterCompany(ctx context.Context, office, company string, submissionKey []byte, now time.Time) error
	// AddMember makes newOffice a member of company; office must be one (ErrForbidden
	// otherwise, also for an unknown company). ErrNotFound for an unknown newOffice.
	AddMember(ctx context.Context, office, company, newOffice string) error
	// RemoveMember ends member's membership of company; office must be a member (ErrForbidden
	// otherwise, also for an unknown company) and may remove itself. ErrNotFound when member
	// is not a member; ErrLastMember when it is the only one. From then on IsMember reports
	// false for member, so the relay refuses it the company as any non-member.
	RemoveMember(ctx context.Context, office, company, member string) error
	// IsMember reports whether office is a member of company.
	IsMember(ctx context.Context, office, company string) (bool, error)
	// SubmissionKey returns the company's submission public key, or ErrNotFound.
	SubmissionKey(ctx context.Context, company string) ([]byte, error)

	// PutSubmission stores a submission for a registered company (ErrNotFound otherwise) and
	// returns its id.
	PutSubmission(ctx context.Context, company string, body []byte, now time.Time) (int64, error)
	// ListSubmissions lists a company's submissions.
	ListSubmissions(ctx context.Context, company string, after int64, limit int) ([]Submission, error)
	// DeleteSubmission deletes one submission of company (the bridge's acknowledgement);
	// ErrNotFound if there is none. When it came from an employee account whose status is
	// still StatusSubmitted, that status becomes StatusReceived in the same transaction.
	DeleteSubmission(ctx context.Context, company string, id int64) error

	// EmployeeStore: the employees' accounts for the phone page (employees.go).
	EmployeeStore
	// DirectoryStore: the offices' public wrapping keys for sharing (directory.go).
	DirectoryStore
	// ReplicaStore: the offices' sealed replica snapshots and restore codes (replica.go).
	ReplicaStore
	// AnchorStore: digests of the offices' audit chains (anchors.go).
	AnchorStore

	// PutEnvelope stores e if e.Seq is greater than the last sequence stored for
	// (e.Company, e.Sender), and moves that sequence forward in the same statement;
	// otherwise ErrReplay. The sequence survives deletion of the envelope.
	PutEnvelope(ctx context.Context, e Envelope) (int64, error)
	// ListEnvelopes lists a company's envelopes.
	ListEnvelopes(ctx context.Context, company string, after int64, limit int) ([]Envelope, error)
	// DeleteEnvelope deletes one envelope of company; ErrNotFound if there is none.
	DeleteEnvelope(ctx context.Context, company string, id int64) error

	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// HashToken returns the SHA-256 under which a token is stored. Tokens are 256-bit random
// strings, so a plain hash is enough.
func HashToken(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// Open opens the store a --db flag names: "sqlite:PATH" or "postgres://…" ("postgresql://"
// too).
func Open(ctx context.Context, dsn string) (Store, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		return OpenSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return OpenPostgres(ctx, dsn)
	}
	return nil, fmt.Errorf("store: unknown database %q (want sqlite:PATH or postgres://…)", redact(dsn))
}

// redact keeps the scheme of a dsn, which may hold a password.
func redact(dsn string) string {
	if i := strings.Index(dsn, ":"); i >= 0 {
		return dsn[:i] + ":…"
	}
	return "…"
}

func clampLimit(n int) int {
	if n <= 0 {
		return 100
	}
	return min(n, 1000)
}
