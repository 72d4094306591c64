package bridge

import "context"

// ReplicaSink hands the office replica's snapshots to the bridge (app/replica.Sink): a
// snapshot is staged until the relay has it, and its history anchor follows it there.
type ReplicaSink struct{ Client *Client }

// Stage stages a sealed snapshot with the history's digest at its last entry.
func (s ReplicaSink) Stage(ctx context.Context, id string, sealed []byte, anchorID int64, digest []byte) error {
	return s.Client.ReplicaStage(ctx, id, sealed, anchorID, digest)
}
