package share

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"

	"github.com/mynumber-shelter/shelter/cloud/envelope"
)

// Transport is how the share service reaches the relay. [RelayClient] implements it directly
// over HTTPS with the office's client certificate; the bridge's sync outbox (bridge/sync) is
// meant to implement it later, so that envelopes queue while offline and the TLS key stays in
// the bridge's keychain. An implementation must:
//
//   - own the envelope signing key and the sequence numbers: Send gives each envelope a
//     sequence greater than every earlier one it sent for the company, builds the header,
//     passes [envelope.Envelope.AAD] to seal, signs and uploads;
//   - return the relay's errors wrapped so that a replayed envelope is [ErrReplay], a
//     missing office key or member is [ErrNotFound] and a refused removal of a company's last
//     member is [ErrLastMember].
type Transport interface {
	// Office is this installation's relay office id (from enrolment).
	Office() string
	// Sender is the key id of the key that signs this installation's envelopes.
	Sender() envelope.KeyID
	// PublishKey publishes this installation's P-256 sharing key in the relay directory.
	PublishKey(ctx context.Context, pub []byte) error
	// PeerKey returns another office's published key and name.
	PeerKey(ctx context.Context, office string) (PeerKey, error)
	// Companies lists the relay companies this office is a member of.
	Companies(ctx context.Context) ([]string, error)
	// RegisterCompany creates a relay company with this office as member (submissionKey is
	// PKIX DER of a P-256 key).
	RegisterCompany(ctx context.Context, company string, submissionKey []byte) error
	// AddMember makes office a member of company.
	AddMember(ctx context.Context, company, office string) error
	// RemoveMember ends office's membership of company (office may be this installation: it leaves).
	RemoveMember(ctx context.Context, company, office string) error
	// Send signs and uploads one envelope whose ciphertext seal makes from the header.
	Send(ctx context.Context, company, record string, seal func(aad []byte) ([]byte, error)) error
	// Receive lists the company's envelopes stored after relay id after, oldest first.
	Receive(ctx context.Context, company string, after int64) ([]Received, error)
}

// PeerKey is an office's entry in the relay directory.
type PeerKey struct {
	Office    string
	Name      string
	PublicKey []byte
}

// Received is one envelope as the relay lists it.
type Received struct {
	ID   int64  // relay id, for the cursor
	Body []byte // the envelope's wire form
}

// Errors a Transport returns that the service must tell apart.
var (
	ErrReplay   = errors.New("share: relay refused a replayed or older envelope")
	ErrNotFound = errors.New("share: not found on the relay")
	// ErrNotMember: the relay refused a company's route: this installation is not (or no longer)
	// a member of the company's share.
	ErrNotMember = apperr.New(apperr.CodeForbidden, "", "この会社の共有から外されています（中継サーバーが受け渡しを断りました）。続けるには、共有している事務所の管理者にもう一度申し出てもらってください。",
		"This installation is no longer a member of the company's share (the relay refused it). To go on, ask an administrator of a sharing office to offer it again.")
	// ErrLastMember: RemoveMember named the company's only member.
	ErrLastMember = errors.New("share: the relay refused to remove the company's last member")
)

// RelayError is any other non-success answer of the relay.
type RelayError struct {
	Status  int
	Message string
}

func (e *RelayError) Error() string { return fmt.Sprintf("relay: %d %s", e.Status, e.Message) }

// RelayClient is a [Transport] straight to the relay over HTTPS with mutual TLS.
type RelayClient struct {
	// URL is the relay's base URL, "https://host:port".
	URL string
	// HTTP presents the office's client certificate and trusts the relay's CA (minimum TLS
	// 1.2 is the caller's tls.Config).
	HTTP *http.Client
	// OfficeID is the office id the relay gave at enrolment.
	OfficeID string
	// SigningKey is the Ed25519 key enrolled with the relay.
	SigningKey ed25519.PrivateKey
	// Now defaults to time.Now; it seeds sequence numbers (see Send).
	Now func() time.Time

	mu      sync.Mutex
	lastSeq uint64
}

var _ Transport = (*RelayClient)(nil)

// Office implements Transport.
func (c *RelayClient) Office() string { return c.OfficeID }

// Sender implements Transport: the zero id when the client has no signing key (its Send then
// fails, as the relay would refuse the envelope).
func (c *RelayClient) Sender() envelope.KeyID {
	if len(c.SigningKey) != ed25519.PrivateKeySize {
		return envelope.KeyID{}
	}
	return envelope.KeyIDOf(c.SigningKey.Public().(ed25519.PublicKey))
}

func (c *RelayClient) do(ctx context.Context, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.URL+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("relay request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("relay: reading answer: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusConflict:
		return ErrReplay
	case resp.StatusCode == http.StatusNotFound:
		return ErrNotFound
	case resp.StatusCode >= 300:
		return refusal(resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("relay: malformed answer: %w", err)
		}
	}
	return nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs are marshalled here
	}
	return b
}

// officeKeyBody is the JSON of the relay's directory routes (cloud/directory.go; the app does
// not import the relay's server package).
type officeKeyBody struct {
	Office    string `json:"office,omitempty"`
	Name      string `json:"name,omitempty"`
	PublicKey string `json:"publicKey"`
}

// PublishKey implements Transport.
func (c *RelayClient) PublishKey(ctx context.Context, pub []byte) error {
	return c.do(ctx, "PUT", "/v1/bridge/offices/self/key",
		mustJSON(officeKeyBody{PublicKey: base64.StdEncoding.EncodeToString(pub)}), nil)
}

// PeerKey implements Transport.
func (c *RelayClient) PeerKey(ctx context.Context, office string) (PeerKey, error) {
	var r officeKeyBody
	if err := c.do(ctx, "GET", "/v1/bridge/offices/"+url.PathEscape(office)+"/key", nil, &r); err != nil {
		return PeerKey{}, err
	}
	pub, err := base64.StdEncoding.DecodeString(r.PublicKey)
	if err != nil {
		return PeerKey{}, fmt.Errorf("relay: malformed office key: %w", err)
	}
	return PeerKey{Office: r.Office, Name: r.Name, PublicKey: pub}, nil
}

// Companies implements Transport.
func (c *RelayClient) Companies(ctx context.Context) ([]string, error) {
	var r struct {
		Companies []string `json:"companies"`
	}
	err := c.do(ctx, "GET", "/v1/bridge/offices/self/companies", nil, &r)
	return r.Companies, err
}

// RegisterCompany implements Transport.
func (c *RelayClient) RegisterCompany(ctx context.Context, company string, submissionKey []byte) error {
	return c.do(ctx, "PUT", "/v1/bridge/companies/"+url.PathEscape(company),
		mustJSON(struct {
			SubmissionKey string `json:"submission_key"`
		}{base64.StdEncoding.EncodeToString(submissionKey)}), nil)
}

// AddMember implements Transport.
func (c *RelayClient) AddMember(ctx context.Context, company, office string) error {
	return c.do(ctx, "POST", "/v1/bridge/companies/"+url.PathEscape(company)+"/members",
		mustJSON(struct {
			Office string `json:"office"`
		}{office}), nil)
}

// RemoveMember implements Transport.
func (c *RelayClient) RemoveMember(ctx context.Context, company, office string) error {
	err := c.do(ctx, "DELETE", "/v1/bridge/companies/"+url.PathEscape(company)+"/members/"+url.PathEscape(office), nil, nil)
	if errors.Is(err, ErrReplay) { // the relay's 409 on this route
		return ErrLastMember
	}
	return err
}

// nextSeq returns a sequence number above every earlier one: the current time in
// microseconds, or one more than the last when the clock has not moved on. It needs no state
// across restarts as long as the clock is not set back by more than the time between runs.
func (c *RelayClient) nextSeq() uint64 {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastSeq = max(c.lastSeq+1, uint64(now().UnixMicro()))
	return c.lastSeq
}

// Send implements Transport.
func (c *RelayClient) Send(ctx context.Context, company, record string, seal func(aad []byte) ([]byte, error)) error {
	if len(c.SigningKey) != ed25519.PrivateKeySize {
		return errors.New("relay client: no signing key")
	}
	e := &envelope.Envelope{Company: company, Record: record, Seq: c.nextSeq(), Sender: c.Sender()}
	aad, err := e.AAD()
	if err != nil {
		return err
	}
	if e.Ciphertext, err = seal(aad); err != nil {
		return err
	}
	if err := e.Sign(c.SigningKey); err != nil {
		return err
	}
	body, err := e.Marshal()
	if err != nil {
		return err
	}
	return c.PostEnvelope(ctx, body)
}

// PostEnvelope uploads an envelope's wire form as it is (Send, and tests that replay one).
func (c *RelayClient) PostEnvelope(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, "POST", c.URL+"/v1/bridge/envelopes", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("relay request: %w", err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	switch {
	case resp.StatusCode == http.StatusConflict:
		return ErrReplay
	case resp.StatusCode >= 300:
		return refusal(resp.StatusCode, b)
	}
	return nil
}

// refusal is the relay's answer body b with status (≥ 300, not 404 or 409) as an error:
// [ErrNotMember] for a company this office is not a member of, else a [RelayError].
func refusal(status int, b []byte) error {
	var e struct {
		Error string `json:"error"`
	}
	json.Unmarshal(b, &e)
	if status == http.StatusForbidden && e.Error == "not a member of this company" {
		return ErrNotMember
	}
	return &RelayError{Status: status, Message: e.Error}
}

// Receive implements Transport.
func (c *RelayClient) Receive(ctx context.Context, company string, after int64) ([]Received, error) {
	var out []Received
	for {
		var r struct {
			Items []struct {
				ID   int64  `json:"id"`
				Body []byte `json:"body"`
			} `json:"items"`
		}
		path := "/v1/bridge/companies/" + url.PathEscape(company) + "/envelopes?limit=500&after=" + strconv.FormatInt(after, 10)
		if err := c.do(ctx, "GET", path, nil, &r); err != nil {
			return nil, err
		}
		for _, it := range r.Items {
			out = append(out, Received{ID: it.ID, Body: it.Body})
			after = it.ID
		}
		if len(r.Items) < 500 {
			return out, nil
		}
	}
}
