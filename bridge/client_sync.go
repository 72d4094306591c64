package bridge

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// SyncEnrol enrols the bridge with the relay at relayURL (server certificate chaining to
// caPEM) with the operator's one-time token.
func (c *Client) SyncEnrol(ctx context.Context, relayURL, caPEM, token string) (SyncStatus, error) {
	var st SyncStatus
	err := c.Call(ctx, "POST", "/v1/sync/enrol", SyncEnrolRequest{URL: relayURL, CAPEM: caPEM, Token: token}, &st)
	return st, err
}

// SyncStatus reports the enrolment, the queues and the last round.
func (c *Client) SyncStatus(ctx context.Context) (SyncStatus, error) {
	var st SyncStatus
	err := c.Call(ctx, "GET", "/v1/sync/status", nil, &st)
	return st, err
}

// SyncEnqueue hands requests for the relay to the bridge's outbox (idempotent by key) and
// returns how many were new.
func (c *Client) SyncEnqueue(ctx context.Context, items []SyncOutboxItem) (int, error) {
	var out struct {
		Added int `json:"added"`
	}
	err := c.Call(ctx, "POST", "/v1/sync/outbox", SyncOutboxRequest{Items: items}, &out)
	return out.Added, err
}

// SyncInbox lists pulled submissions of a relay company ("" = all).
func (c *Client) SyncInbox(ctx context.Context, company string) ([]SyncInboxItem, error) {
	var items []SyncInboxItem
	err := c.Call(ctx, "GET", "/v1/sync/inbox?company="+url.QueryEscape(company), nil, &items)
	return items, err
}

// SyncBox returns one pulled submission's sealed box.
func (c *Client) SyncBox(ctx context.Context, id int64) (SyncInboxItem, []byte, error) {
	var b SyncBox
	err := c.Call(ctx, "GET", fmt.Sprintf("/v1/sync/inbox/%d", id), nil, &b)
	return b.Item, b.Box, err
}

// SyncAck acknowledges a pulled submission: deleted from the bridge, and from the relay on the
// next round. Idempotent.
func (c *Client) SyncAck(ctx context.Context, id int64) error {
	return c.Call(ctx, "DELETE", fmt.Sprintf("/v1/sync/inbox/%d", id), nil, nil)
}

// SyncNow runs one round at once and waits for it (bounded by ctx and the client's timeout).
func (c *Client) SyncNow(ctx context.Context) (SyncResult, error) {
	var r SyncResult
	ctx, cancel := context.WithTimeout(ctx, 55*time.Second)
	defer cancel()
	err := c.Call(ctx, "POST", "/v1/sync/now", nil, &r)
	return r, err
}
