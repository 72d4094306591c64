package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// anchorSchema is the offices' audit anchors, appended to schema by migrate.
const anchorSchema = `
CREATE TABLE IF NOT EXISTS audit_anchors (
	seq {SERIAL},
	office_id TEXT NOT NULL REFERENCES offices(id),
	audit_id BIGINT NOT NULL,
	digest {BLOB} NOT NULL,
	created_at BIGINT NOT NULL,
	UNIQUE (office_id, audit_id)
);
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
	// PutAnchor records office's anchor at auditID. The first digest for an auditID stays:
	// a second one for the same entry is ignored (a retried upload), and a different one is
	// kept out too (a rewritten chain cannot replace what was anchored). ErrNotFound for an
	// unknown office.
	PutAnchor(ctx context.Context, office string, auditID int64, digest []byte, now time.Time) error
	// ListAnchors lists office's anchors with seq greater than after, in seq order.
	ListAnchors(ctx context.Context, office string, after int64, limit int) ([]Anchor, error)
}

func (s *sqlStore) PutAnchor(ctx context.Context, office string, auditID int64, digest []byte, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.officeExists(ctx, tx, office); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO audit_anchors (office_id, audit_id, digest, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (office_id, audit_id) DO NOTHING`), office, auditID, digest, nanos(now)); err != nil {
			return fmt.Errorf("store: put anchor: %w", err)
		}
		return nil
	})
}

func (s *sqlStore) ListAnchors(ctx context.Context, office string, after int64, limit int) ([]Anchor, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT seq, audit_id, digest, created_at FROM audit_anchors WHERE office_id = ? AND seq > ? ORDER BY seq LIMIT ?`),
		office, after, clampLimit(limit))
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
