package bridge

import (
	"context"
	"encoding/json"
	"fmt"
)

// ReplicaSink hands the office replica's snapshots and history anchors to the bridge
// (app/replica.Sink): a snapshot is staged until the relay has it; an anchor goes into the
// outbox (idempotent by vault and entry) for POST /v1/bridge/anchors.
type ReplicaSink struct{ Client *Client }

// Stage stages a sealed snapshot.
func (s ReplicaSink) Stage(ctx context.Context, id string, sealed []byte) error {
	return s.Client.ReplicaStage(ctx, id, sealed)
}

// Anchor queues the history's digest at auditID for the relay.
func (s ReplicaSink) Anchor(ctx context.Context, vaultID string, auditID int64, digest []byte) error {
	body, err := json.Marshal(struct {
		AuditID int64  `json:"audit_id"`
		Digest  []byte `json:"digest"`
	}{auditID, digest})
	if err != nil {
		return err
	}
	_, err = s.Client.SyncEnqueue(ctx, []SyncOutboxItem{{Key: fmt.Sprintf("anchor/%s/%d", vaultID, auditID), Method: "POST",
		Path: "/v1/bridge/anchors", Body: body}})
	return err
}
