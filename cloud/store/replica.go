package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// replicaSchema is the offices' replica snapshots and restore codes, appended to schema by
// migrate.
const replicaSchema = `
CREATE TABLE IF NOT EXISTS replica_snapshots (
	office_id TEXT NOT NULL REFERENCES offices(id),
	id TEXT NOT NULL,
	body {BLOB} NOT NULL,
	size BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (office_id, id)
);
CREATE TABLE IF NOT EXISTS restore_codes (
	hash {BLOB} PRIMARY KEY,
	office_id TEXT NOT NULL REFERENCES offices(id),
	expires_at BIGINT NOT NULL,
	used_at BIGINT
);
`

// Snapshot is an office's replica snapshot: sealed end to end by the office (see app/vault's
// "The office replica's seal"); the relay knows its opaque id, its size and when it came.
type Snapshot struct {
	Office  string
	ID      string
	Size    int64
	Created time.Time
	Body    []byte // nil from SnapshotInfo
}

// ErrCodeUsed: the restore code was used already, expired, or never existed. The caller must
// not say which.
var ErrCodeUsed = errors.New("store: restore code used or expired")

// ReplicaStore keeps each office's latest replica snapshot and the one-time codes a new PC
// fetches it with.
type ReplicaStore interface {
	// PutSnapshot stores the office's snapshot id and, in the same transaction, deletes every
	// older snapshot of the office: only the latest is kept, so a superseded snapshot (which may
	// hold keys destroyed since) is gone from the live database at once. Snapshot ids order
	// by time (the workstation makes them so, see app/replica): a snapshot older than the one
	// kept (a retry that arrives late) is not stored, and storing the same id again changes
	// nothing. ErrNotFound for an unknown office.
	PutSnapshot(ctx context.Context, office, id string, body []byte, now time.Time) error
	// SnapshotInfo returns the office's snapshot without its body, or ErrNotFound.
	SnapshotInfo(ctx context.Context, office string) (Snapshot, error)
	// LatestSnapshot returns the office's snapshot with its body, or ErrNotFound.
	LatestSnapshot(ctx context.Context, office string) (Snapshot, error)
	// CreateRestoreCode stores a one-time restore code for office as SHA-256(code) until
	// expires. ErrNotFound for an unknown office.
	CreateRestoreCode(ctx context.Context, office string, codeHash [32]byte, expires time.Time) error
	// UseRestoreCode marks the code used and returns its office. It succeeds at most once per
	// code, across all relays; otherwise ErrCodeUsed (also for unknown or expired codes).
	UseRestoreCode(ctx context.Context, codeHash [32]byte, now time.Time) (string, error)
}

func (s *sqlStore) officeExists(ctx context.Context, tx *sql.Tx, office string) error {
	var one int
	err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM offices WHERE id = ?`), office).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: office: %w", err)
	}
	return nil
}

func (s *sqlStore) PutSnapshot(ctx context.Context, office, id string, body []byte, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.officeExists(ctx, tx, office); err != nil {
			return err
		}
		var newer int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM replica_snapshots WHERE office_id = ? AND id > ?`), office, id).Scan(&newer); err != nil {
			return fmt.Errorf("store: put snapshot: %w", err)
		}
		if newer > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO replica_snapshots (office_id, id, body, size, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (office_id, id) DO NOTHING`), office, id, body, int64(len(body)), nanos(now)); err != nil {
			return fmt.Errorf("store: put snapshot: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM replica_snapshots WHERE office_id = ? AND id < ?`), office, id); err != nil {
			return fmt.Errorf("store: drop superseded snapshots: %w", err)
		}
		return nil
	})
}

func (s *sqlStore) snapshot(ctx context.Context, office string, body bool) (Snapshot, error) {
	sn := Snapshot{Office: office}
	cols := `id, size, created_at`
	if body {
		cols += `, body`
	}
	row := s.db.QueryRowContext(ctx, s.q(`SELECT `+cols+` FROM replica_snapshots WHERE office_id = ? ORDER BY id DESC LIMIT 1`), office)
	var created int64
	dest := []any{&sn.ID, &sn.Size, &created}
	if body {
		dest = append(dest, &sn.Body)
	}
	err := row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return sn, ErrNotFound
	}
	if err != nil {
		return sn, fmt.Errorf("store: snapshot: %w", err)
	}
	sn.Created = fromNanos(created)
	return sn, nil
}

func (s *sqlStore) SnapshotInfo(ctx context.Context, office string) (Snapshot, error) {
	return s.snapshot(ctx, office, false)
}

func (s *sqlStore) LatestSnapshot(ctx context.Context, office string) (Snapshot, error) {
	return s.snapshot(ctx, office, true)
}

func (s *sqlStore) CreateRestoreCode(ctx context.Context, office string, codeHash [32]byte, expires time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.officeExists(ctx, tx, office); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO restore_codes (hash, office_id, expires_at) VALUES (?, ?, ?)`),
			codeHash[:], office, nanos(expires)); err != nil {
			return fmt.Errorf("store: restore code: %w", err)
		}
		return nil
	})
}

func (s *sqlStore) UseRestoreCode(ctx context.Context, codeHash [32]byte, now time.Time) (string, error) {
	var office string
	err := s.db.QueryRowContext(ctx, s.q(`UPDATE restore_codes SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ? RETURNING office_id`),
		nanos(now), codeHash[:], nanos(now)).Scan(&office)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrCodeUsed
	}
	if err != nil {
		return "", fmt.Errorf("store: use restore code: %w", err)
	}
	return office, nil
}
