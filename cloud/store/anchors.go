package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// anchorSchema is the offices' audit anchors, appended to schema by migrate. Each audit chain
// of an office (one per vault: a re-created vault starts a new chain at entry 1) has its own
// anchors. audit_anchors is the table of relays before chains were told apart: its rows are
// copied once into chain_anchors under chain "" (no app asks for them again; they stay, as an
// anchor is never deleted).
const anchorSchema = `
CREATE TABLE IF NOT EXISTS audit_anchors (
	seq {SERIAL},
	office_id TEXT NOT NULL REFERENCES offices(id),
	audit_id BIGINT NOT NULL,
	digest {BLOB} NOT NULL,
	created_at BIGINT NOT NULL,
	UNIQUE (office_id, audit_id)
);
CREATE TABLE IF NOT EXISTS chain_anchors (
	seq {SERIAL},
	office_id TEXT NOT NULL REFERENCES offices(id),
	chain_id TEXT NOT NULL,
	audit_id BIGINT NOT NULL,
	digest {BLOB} NOT NULL,
	created_at BIGINT NOT NULL,
	UNIQUE (office_id, chain_id, audit_id)
);
INSERT INTO chain_anchors (office_id, chain_id, audit_id, digest, created_at)
	SELECT office_id, '', audit_id, digest, created_at FROM audit_anchors
	WHERE NOT EXISTS (SELECT 1 FROM chain_anchors) ORDER BY seq;
`

// Anchor is a digest of an office's audit chain at one entry, kept by the relay with the time
// it arrived: the office's history up to that entry can no longer be rewritten on the PC
// without the difference showing (app/audit's anchors). The digest reveals nothing of the
// entries.
type Anchor struct {
	Seq     int64
	AuditID int64
	Digest  []byte
	Created time.Time
}

// AnchorStore keeps the offices' audit anchors. There is no way to change or delete one.
type AnchorStore interface {
	// PutAnchor records the anchor at auditID of office's audit chain chain (an opaque id of
	// the vault's chain, see app/audit's ChainID). The first digest for an entry of a chain
	// stays: a second one for the same entry is ignored (a retried upload), and a different
	// one is kept out too (a rewritten chain cannot replace what was anchored); another chain
	// of the office (a vault created anew) has entries of its own. ErrNotFound for an unknown
	// office.
	PutAnchor(ctx context.Context, office, chain string, auditID int64, digest []byte, now time.Time) error
	// ListAnchors lists the anchors of office's chain with seq greater than after, in seq order.
	ListAnchors(ctx context.Context, office, chain string, after int64, limit int) ([]Anchor, error)
}

func (s *sqlStore) PutAnchor(ctx context.Context, office, chain string, auditID int64, digest []byte, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.officeExists(ctx, tx, office); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO chain_anchors (office_id, chain_id, audit_id, digest, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (office_id, chain_id, audit_id) DO NOTHING`), office, chain, auditID, digest, nanos(now)); err != nil {
			return fmt.Errorf("store: put anchor: %w", err)
		}
		return nil
	})
}

func (s *sqlStore) ListAnchors(ctx context.Context, office, chain string, after int64, limit int) ([]Anchor, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT seq, audit_id, digest, created_at FROM chain_anchors WHERE office_id = ? AND chain_id = ? AND seq > ? ORDER BY seq LIMIT ?`),
		office, chain, after, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: list anchors: %w", err)
	}
	defer rows.Close()
	var out []Anchor
	for rows.Next() {
		var a Anchor
		var created int64
		if err := rows.Scan(&a.Seq, &a.AuditID, &a.Digest, &created); err != nil {
			return nil, fmt.Errorf("store: list anchors: %w", err)
		}
		a.Created = fromNanos(created)
		out = append(out, a)
	}
	return out, rows.Err()
}
