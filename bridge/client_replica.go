package bridge

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
)

// ReplicaSink hands the office replica's snapshots to the bridge (app/replica.Sink): a
// snapshot is staged until the relay has it, and its history anchor follows it there.
type ReplicaSink struct{ Client *Client }

// Stage stages a sealed snapshot with the history's digest at its last entry.
func (s ReplicaSink) Stage(ctx context.Context, id string, sealed []byte, chain string, anchorID int64, digest []byte) error {
	return s.Client.ReplicaStage(ctx, id, sealed, chain, anchorID, digest)
}

// ReplicaStage hands a sealed replica snapshot to the bridge, which keeps it until the relay
// has it, with the history's digest at its last entry (anchorID 0: none) of the vault's chain,
// which follows it.
func (c *Client) ReplicaStage(ctx context.Context, id string, sealed []byte, chain string, anchorID int64, digest []byte) error {
	path := "/v1/sync/replica/" + url.PathEscape(id)
	if anchorID > 0 {
		path += fmt.Sprintf("?anchor_id=%d&anchor=%s&chain=%s", anchorID, hex.EncodeToString(digest), url.QueryEscape(chain))
	}
	return c.send(ctx, c.http(), "PUT", path, "application/octet-stream", bytes.NewReader(sealed), nil)
}

// ReplicaStatus reports the staged snapshot and the last one the relay took.
func (c *Client) ReplicaStatus(ctx context.Context) (ReplicaStatus, error) {
	var st ReplicaStatus
	err := c.Call(ctx, "GET", "/v1/sync/replica", nil, &st)
	return st, err
}

// Anchors lists the audit anchors of the vault's chain on the relay, every page.
func (c *Client) Anchors(ctx context.Context, chain string) ([]RelayAnchor, error) {
	var all []RelayAnchor
	var after int64
	for {
		var page []RelayAnchor
		if err := c.Call(ctx, "GET", "/v1/sync/anchors?chain="+url.QueryEscape(chain)+"&after="+strconv.FormatInt(after, 10), nil, &page); err != nil {
			return nil, err
		}
		if len(page) == 0 {
			return all, nil
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
}

// ReplicaRestoreCode asks the relay (through the bridge) for a one-time restore code.
func (c *Client) ReplicaRestoreCode(ctx context.Context) (ReplicaRestoreCode, error) {
	var rc ReplicaRestoreCode
	err := c.Call(ctx, "POST", "/v1/sync/replica/restore-code", nil, &rc)
	return rc, err
}
