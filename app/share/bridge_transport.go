package share

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/cloud/envelope"
)

// ErrBridgeUnavailable: the shelter-bridge, which holds the relay enrolment, does not answer.
var ErrBridgeUnavailable = apperr.New("bridge_unavailable", "",
	"クラウド連携（shelter-bridge）が起動していません。起動してから、もう一度お試しください。",
	"The sync service (shelter-bridge) is not running. Start it and try again.")

// BridgeTransport is the product's [Transport]: every relay call goes through the
// shelter-bridge (bridge/sync), which holds the enrolled client certificate and the Ed25519
// signing key in the OS keychain, applies the one TLS policy for the relay and numbers the
// envelopes with its own sequence counter. The app never sees a relay key.
//
// It may be set before the bridge is enrolled or running: the office id and signing key id
// are asked of the bridge on every call that has a context (so a later enrolment is picked up)
// and kept for [BridgeTransport.Office] and [BridgeTransport.Sender]. Until the bridge is
// enrolled the calls return [ErrNoRelay]; while it does not answer, [ErrBridgeUnavailable].
// It is safe for concurrent use.
type BridgeTransport struct {
	// Bridge is the bridge client (required).
	Bridge *bridge.Client
	// PageSize is the envelopes asked per page by Receive; default 100.
	PageSize int

	mu     sync.Mutex
	office string
	sender envelope.KeyID
}

var _ Transport = (*BridgeTransport)(nil)

// bridgeErr maps the bridge's answers to the errors the service tells apart.
func bridgeErr(err error) error {
	if err == nil {
		return nil
	}
	var be *bridge.Error
	if !errors.As(err, &be) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return fmt.Errorf("%w (%v)", ErrBridgeUnavailable, err)
	}
	switch be.Code {
	case "replay":
		return ErrReplay
	case "not_found":
		return ErrNotFound
	case "last_member":
		return ErrLastMember
	case "not_member":
		return ErrNotMember
	case "not_enrolled":
		return ErrNoRelay
	case "relay_refused", "relay_unreachable":
		return &RelayError{Status: http.StatusBadGateway, Message: be.Message}
	}
	return fmt.Errorf("bridge: %w", be)
}

// refresh asks the bridge for the office id and the signing key id.
func (t *BridgeTransport) refresh(ctx context.Context) error {
	id, err := t.Bridge.ShareIdentity(ctx)
	if err != nil {
		return bridgeErr(err)
	}
	if len(id.Sender) != envelope.KeyIDSize || !envelope.ValidID(id.Office) {
		return errors.New("bridge: malformed share identity")
	}
	t.mu.Lock()
	t.office = id.Office
	copy(t.sender[:], id.Sender)
	t.mu.Unlock()
	return nil
}

// cached returns the identity last seen, asking the bridge (10 s at most) when there is none.
func (t *BridgeTransport) cached() (string, envelope.KeyID) {
	t.mu.Lock()
	office, sender := t.office, t.sender
	t.mu.Unlock()
	if office == "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if t.refresh(ctx) == nil {
			t.mu.Lock()
			office, sender = t.office, t.sender
			t.mu.Unlock()
		}
	}
	return office, sender
}

// Office implements Transport; "" when the bridge is not enrolled or not reachable.
func (t *BridgeTransport) Office() string { o, _ := t.cached(); return o }

// Sender implements Transport; zero when the bridge is not enrolled or not reachable.
func (t *BridgeTransport) Sender() envelope.KeyID { _, s := t.cached(); return s }

// PublishKey implements Transport.
func (t *BridgeTransport) PublishKey(ctx context.Context, pub []byte) error {
	if err := t.refresh(ctx); err != nil {
		return err
	}
	return bridgeErr(t.Bridge.SharePublishKey(ctx, pub))
}

// PeerKey implements Transport.
func (t *BridgeTransport) PeerKey(ctx context.Context, office string) (PeerKey, error) {
	if err := t.refresh(ctx); err != nil {
		return PeerKey{}, err
	}
	k, err := t.Bridge.ShareOfficeKey(ctx, office)
	if err != nil {
		return PeerKey{}, bridgeErr(err)
	}
	return PeerKey{Office: k.Office, Name: k.Name, PublicKey: k.PublicKey}, nil
}

// Companies implements Transport.
func (t *BridgeTransport) Companies(ctx context.Context) ([]string, error) {
	if err := t.refresh(ctx); err != nil {
		return nil, err
	}
	list, err := t.Bridge.ShareCompanies(ctx)
	return list, bridgeErr(err)
}

// RegisterCompany implements Transport.
func (t *BridgeTransport) RegisterCompany(ctx context.Context, company string, submissionKey []byte) error {
	if err := t.refresh(ctx); err != nil {
		return err
	}
	return bridgeErr(t.Bridge.ShareRegisterCompany(ctx, company, submissionKey))
}

// AddMember implements Transport.
func (t *BridgeTransport) AddMember(ctx context.Context, company, office string) error {
	if err := t.refresh(ctx); err != nil {
		return err
	}
	return bridgeErr(t.Bridge.ShareAddMember(ctx, company, office))
}

// RemoveMember implements Transport.
func (t *BridgeTransport) RemoveMember(ctx context.Context, company, office string) error {
	if err := t.refresh(ctx); err != nil {
		return err
	}
	return bridgeErr(t.Bridge.ShareRemoveMember(ctx, company, office))
}

// Send implements Transport: the bridge reserves the sequence and returns the header; the
// header is checked to be for company, record and this installation's signing key before
// seal sees it.
func (t *BridgeTransport) Send(ctx context.Context, company, record string, seal func(aad []byte) ([]byte, error)) error {
	if err := t.refresh(ctx); err != nil {
		return err
	}
	_, sender := t.cached()
	_, err := t.Bridge.ShareSend(ctx, company, record, func(aad []byte) ([]byte, error) {
		if !headerFor(aad, company, record, sender) {
			return nil, errors.New("bridge: envelope header is not for this company, record and key")
		}
		return seal(aad)
	})
	return bridgeErr(err)
}

// headerFor reports whether aad is the envelope header of (company, record) from sender.
func headerFor(aad []byte, company, record string, sender envelope.KeyID) bool {
	n := len(aad)
	if n < 8+envelope.KeyIDSize {
		return false
	}
	e := envelope.Envelope{Company: company, Record: record, Seq: binary.BigEndian.Uint64(aad[n-24 : n-16]), Sender: sender}
	want, err := e.AAD()
	return err == nil && bytes.Equal(want, aad)
}

// Receive implements Transport.
func (t *BridgeTransport) Receive(ctx context.Context, company string, after int64) ([]Received, error) {
	if err := t.refresh(ctx); err != nil {
		return nil, err
	}
	page := t.PageSize
	if page <= 0 {
		page = 100
	}
	var out []Received
	for {
		r, err := t.Bridge.ShareEnvelopes(ctx, company, after, page)
		if err != nil {
			return nil, bridgeErr(err)
		}
		for _, it := range r.Items {
			if it.ID <= after {
				return nil, errors.New("bridge: envelopes out of order")
			}
			out = append(out, Received{ID: it.ID, Body: it.Body})
			after = it.ID
		}
		if len(r.Items) < page {
			return out, nil
		}
	}
}
