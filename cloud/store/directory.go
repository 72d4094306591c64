package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// directorySchema is the offices' key directory, appended to schema by migrate.
const directorySchema = `
CREATE TABLE IF NOT EXISTS office_keys (
	office_id TEXT PRIMARY KEY REFERENCES offices(id),
	public_key {BLOB} NOT NULL,
	updated_at BIGINT NOT NULL
);
`

// OfficeKey is an office's published P-256 public key (the key other installations wrap a
// shared company key to), with the office's name.
type OfficeKey struct {
	Office    string
	Name      string
	PublicKey []byte // uncompressed P-256 point, 65 bytes
	Updated   time.Time
}

// DirectoryStore is the offices' public-key directory used for sharing a company between
// installations (patterns 1 and 3). Everything in it is public data.
type DirectoryStore interface {
	// SetOfficeKey publishes (or replaces) office's public key. ErrNotFound for an unknown
	// office.
	SetOfficeKey(ctx context.Context, office string, publicKey []byte, now time.Time) error
	// OfficeKey returns office's published key, or ErrNotFound.
	OfficeKey(ctx context.Context, office string) (OfficeKey, error)
	// OfficeCompanies lists the companies office is a member of, by id.
	OfficeCompanies(ctx context.Context, office string) ([]string, error)
}

func (s *sqlStore) SetOfficeKey(ctx context.Context, office string, publicKey []byte, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM offices WHERE id = ?`), office).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("store: office: %w", err)
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO office_keys (office_id, public_key, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (office_id) DO UPDATE SET public_key = excluded.public_key, updated_at = excluded.updated_at`),
			office, publicKey, nanos(now))
		if err != nil {
			return fmt.Errorf("store: set office key: %w", err)
		}
		return nil
	})
}

func (s *sqlStore) OfficeKey(ctx context.Context, office string) (OfficeKey, error) {
	k := OfficeKey{Office: office}
	var updated int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT o.name, k.public_key, k.updated_at FROM office_keys k
		JOIN offices o ON o.id = k.office_id WHERE k.office_id = ?`), office).Scan(&k.Name, &k.PublicKey, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return k, ErrNotFound
	}
	if err != nil {
		return k, fmt.Errorf("store: office key: %w", err)
	}
	k.Updated = fromNanos(updated)
	return k, nil
}

func (s *sqlStore) OfficeCompanies(ctx context.Context, office string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT company_id FROM company_members WHERE office_id = ? ORDER BY company_id`), office)
	if err != nil {
		return nil, fmt.Errorf("store: office companies: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("store: office companies: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: office companies: %w", err)
	}
	return out, nil
}
