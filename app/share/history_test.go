package share

import (
	"context"
	"testing"

	"github.com/mynumber-shelter/shelter/app/store"
)

// dropsEnvelope is a relay that never lists the envelope of id drop.
type dropsEnvelope struct {
	*RelayClient
	drop int64
}

func (m *dropsEnvelope) Receive(ctx context.Context, company string, after int64) ([]Received, error) {
	list, err := m.RelayClient.Receive(ctx, company, after)
	out := list[:0]
	for _, it := range list {
		if it.ID != m.drop {
			out = append(out, it)
		}
	}
	return out, err
}

func peerChains(t *testing.T, s *side) map[string]PeerChain {
	t.Helper()
	list, err := VerifyPeerHistory(context.Background(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]PeerChain{}
	for _, c := range list {
		out[c.Source] = c
	}
	return out
}

// TestSharePeerHistoryChains: A's history of the shared company reaches B as a chain that B's
// verification recomputes and that A authenticated to B. Altering a stored fact on B, or a
// relay that never delivers one of A's batches, shows in the verification (and the missing
// batch in B's history at once); B's own facts on A verify the same way.
func TestSharePeerHistoryChains(t *testing.T) {
	relay := startRelay(t)
	sides, ids := shareWorld(t, relay, "A", "B")
	a, b := sides[0], sides[1]
	addEmployee(t, a, ids[0], 5, "E002", "佐藤 花子")
	a.sync(ids[0])
	b.sync(ids[1])
	addEmployee(t, b, ids[1], 6, "E003", "鈴木 一郎")
	b.sync(ids[1])
	a.sync(ids[0])

	ca := peerChains(t, b)[a.relay.OfficeID]
	if ca.Entries < 3 || ca.Chained != ca.Entries || !ca.OK() || !ca.Authenticated {
		t.Fatalf("B's verification of A's history: %+v", ca)
	}
	if cb := peerChains(t, a)[b.relay.OfficeID]; cb.Entries == 0 || cb.Chained != cb.Entries || !cb.OK() || !cb.Authenticated {
		t.Fatalf("A's verification of B's history: %+v", cb)
	}

	// A fact altered in B's copy.
	var id, sourceID int64
	b.db.View(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT id, source_id FROM share_peer_audit WHERE source = ? ORDER BY source_id LIMIT 1 OFFSET 1`,
			a.relay.OfficeID).Scan(&id, &sourceID)
	})
	b.exec(`UPDATE share_peer_audit SET login = 'someone-else' WHERE id = ?`, id)
	if got := peerChains(t, b)[a.relay.OfficeID]; got.Broken != 1 || got.FirstBroken != sourceID || got.OK() {
		t.Fatalf("after altering entry %d: %+v", sourceID, got)
	}
	b.exec(`DELETE FROM share_peer_audit WHERE id = ?`, id)
	if got := peerChains(t, b)[a.relay.OfficeID]; got.Gaps != 1 || got.Broken != 0 || got.OK() {
		t.Fatalf("after deleting entry %d: %+v", sourceID, got)
	}

	// The relay drops one of A's batches on its way to a third member, C.
	c := newSide(t, relay, "C", t0)
	cid := join(t, a, c, ids[0])
	c.sync(cid)
	a.sync(ids[0]) // C's key is known to A now (C stated it): A authenticates its history to C
	addEmployee(t, a, ids[0], 7, "E004", "高橋 次郎")
	a.sync(ids[0])
	listed, err := a.relay.Receive(context.Background(), relayCompanyOf(t, a, ids[0]), 0)
	if err != nil {
		t.Fatal(err)
	}
	dropped := listed[len(listed)-1].ID // E004's batch, with its history entry
	addEmployee(t, a, ids[0], 8, "E005", "田中 三郎")
	a.sync(ids[0])
	c.share.SetTransport(&dropsEnvelope{RelayClient: c.relay, drop: dropped})
	c.sync(cid)
	got := peerChains(t, c)[a.relay.OfficeID]
	if got.Gaps != 1 || got.Bad != 1 || got.OK() {
		t.Fatalf("C's verification after a dropped batch: %+v", got)
	}
	if c.count(`SELECT count(*) FROM audit_log WHERE result = 'failed' AND detail LIKE 'share history of office % does not verify: entries are missing%'`) != 1 {
		t.Fatal("C's history does not record the missing entries")
	}
}
