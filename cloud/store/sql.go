package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// dialect is what differs between SQLite and PostgreSQL.
type dialect struct {
	name     string
	blob     string // column type for bytes
	serial   string // auto-increment primary key that never reuses ids
	numbered bool   // placeholders are $1, $2… instead of ?
	// lock, if set, runs first in the migration transaction (serialises concurrent relays).
	lock string
	// forUpdate ends a SELECT that must lock the rows it reads until the transaction ends
	// (SQLite has one writer at a time and no such clause).
	forUpdate string
}

var (
	sqliteDialect   = dialect{name: "sqlite", blob: "BLOB", serial: "INTEGER PRIMARY KEY AUTOINCREMENT"}
	postgresDialect = dialect{name: "postgres", blob: "BYTEA", serial: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
		numbered: true, lock: "SELECT pg_advisory_xact_lock(7242024)", forUpdate: " FOR UPDATE"}
)

// schema is version 1 (the employee tables and submissions.employee_code were added before
// any release, so there is no upgrade step). Times are Unix nanoseconds (UTC). {BLOB} and {SERIAL} are replaced per
// dialect.
const schema = `
CREATE TABLE IF NOT EXISTS offices (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS enrol_tokens (
	hash {BLOB} PRIMARY KEY,
	office_id TEXT NOT NULL REFERENCES offices(id),
	expires_at BIGINT NOT NULL,
	used_at BIGINT
);
CREATE TABLE IF NOT EXISTS client_certs (
	fingerprint {BLOB} PRIMARY KEY,
	office_id TEXT NOT NULL REFERENCES offices(id),
	not_after BIGINT NOT NULL,
	signing_key {BLOB} NOT NULL,
	key_id {BLOB} NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS revoked_certs (
	fingerprint {BLOB} PRIMARY KEY,
	revoked_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS companies (
	id TEXT PRIMARY KEY,
	submission_key {BLOB} NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS company_members (
	company_id TEXT NOT NULL REFERENCES companies(id),
	office_id TEXT NOT NULL REFERENCES offices(id),
	PRIMARY KEY (company_id, office_id)
);
CREATE TABLE IF NOT EXISTS sequences (
	company_id TEXT NOT NULL REFERENCES companies(id),
	key_id {BLOB} NOT NULL,
	last_seq BIGINT NOT NULL,
	PRIMARY KEY (company_id, key_id)
);
CREATE TABLE IF NOT EXISTS envelopes (
	id {SERIAL},
	company_id TEXT NOT NULL REFERENCES companies(id),
	record_id TEXT NOT NULL,
	key_id {BLOB} NOT NULL,
	seq BIGINT NOT NULL,
	body {BLOB} NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS envelopes_company ON envelopes (company_id, id);
CREATE TABLE IF NOT EXISTS submissions (
	id {SERIAL},
	company_id TEXT NOT NULL REFERENCES companies(id),
	employee_code TEXT NOT NULL DEFAULT '',
	body {BLOB} NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_company ON submissions (company_id, id);
CREATE UNIQUE INDEX IF NOT EXISTS submissions_employee ON submissions (company_id, employee_code) WHERE employee_code <> '';
CREATE TABLE IF NOT EXISTS portals (
	company_id TEXT PRIMARY KEY REFERENCES companies(id),
	name TEXT NOT NULL,
	purposes TEXT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS employee_accounts (
	company_id TEXT NOT NULL REFERENCES companies(id),
	code TEXT NOT NULL,
	verifier TEXT NOT NULL,
	expires_at BIGINT NOT NULL,
	failed INTEGER NOT NULL,
	locked_until BIGINT NOT NULL,
	status TEXT NOT NULL,
	reason TEXT NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (company_id, code)
);
CREATE TABLE IF NOT EXISTS employee_sessions (
	hash {BLOB} PRIMARY KEY,
	company_id TEXT NOT NULL,
	code TEXT NOT NULL,
	expires_at BIGINT NOT NULL,
	FOREIGN KEY (company_id, code) REFERENCES employee_accounts(company_id, code)
);
`

// sqlStore implements Store for both dialects.
type sqlStore struct {
	db *sql.DB
	d  dialect
}

var _ Store = (*sqlStore)(nil)

func (s *sqlStore) q(query string) string {
	if !s.d.numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *sqlStore) migrate(ctx context.Context) error {
	ddl := strings.NewReplacer("{BLOB}", s.d.blob, "{SERIAL}", s.d.serial).Replace(schema + directorySchema + replicaSchema + anchorSchema)
	return s.tx(ctx, func(tx *sql.Tx) error {
		if s.d.lock != "" {
			if _, err := tx.ExecContext(ctx, s.d.lock); err != nil {
				return fmt.Errorf("migration lock: %w", err)
			}
		}
		for _, stmt := range strings.Split(ddl, ";") {
			if strings.TrimSpace(stmt) == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migrating %s schema: %w", s.d.name, err)
			}
		}
		return nil
	})
}

func (s *sqlStore) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

func nanos(t time.Time) int64     { return t.UTC().UnixNano() }
func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

func (s *sqlStore) EnrolOffice(ctx context.Context, o Office, tokenHash [32]byte, expires time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO offices (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`),
			o.ID, o.Name, nanos(o.Created)); err != nil {
			return fmt.Errorf("store: enrol office: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO enrol_tokens (hash, office_id, expires_at) VALUES (?, ?, ?)`),
			tokenHash[:], o.ID, nanos(expires)); err != nil {
			return fmt.Errorf("store: enrol token: %w", err)
		}
		return nil
	})
}

func (s *sqlStore) ConsumeToken(ctx context.Context, tokenHash [32]byte, now time.Time) (Office, error) {
	var o Office
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.q(`UPDATE enrol_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ? RETURNING office_id`),
			nanos(now), tokenHash[:], nanos(now)).Scan(&o.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrTokenUsed
		}
		if err != nil {
			return fmt.Errorf("store: consume token: %w", err)
		}
		var created int64
		if err := tx.QueryRowContext(ctx, s.q(`SELECT name, created_at FROM offices WHERE id = ?`), o.ID).Scan(&o.Name, &created); err != nil {
			return fmt.Errorf("store: token office: %w", err)
		}
		o.Created = fromNanos(created)
		return nil
	})
	return o, err
}

func (s *sqlStore) RegisterClientCert(ctx context.Context, c ClientCert) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO client_certs (fingerprint, office_id, not_after, signing_key, key_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			c.Fingerprint[:], c.Office, nanos(c.NotAfter), c.SigningKey, c.KeyID[:])
		if err != nil {
			return fmt.Errorf("store: register certificate: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrExists
		}
		return nil
	})
}

func (s *sqlStore) clientCert(ctx context.Context, where string, arg []byte) (ClientCert, error) {
	var c ClientCert
	var fp, kid []byte
	var notAfter int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT fingerprint, office_id, not_after, signing_key, key_id FROM client_certs WHERE `+where+` = ?`), arg).
		Scan(&fp, &c.Office, &notAfter, &c.SigningKey, &kid)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("store: client certificate: %w", err)
	}
	copy(c.Fingerprint[:], fp)
	copy(c.KeyID[:], kid)
	c.NotAfter = fromNanos(notAfter)
	return c, nil
}

func (s *sqlStore) ClientCert(ctx context.Context, fingerprint [32]byte) (ClientCert, error) {
	var revoked int
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT count(*) FROM revoked_certs WHERE fingerprint = ?`), fingerprint[:]).Scan(&revoked); err != nil {
		return ClientCert{}, fmt.Errorf("store: client certificate: %w", err)
	}
	if revoked > 0 {
		return ClientCert{}, ErrNotFound
	}
	return s.clientCert(ctx, "fingerprint", fingerprint[:])
}

func (s *sqlStore) RevokeClientCerts(ctx context.Context, office string, keep [32]byte, now time.Time) (int, error) {
	var n int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO revoked_certs (fingerprint, revoked_at)
			SELECT fingerprint, ? FROM client_certs WHERE office_id = ? AND fingerprint <> ?
			ON CONFLICT DO NOTHING`), nanos(now), office, keep[:])
		if err != nil {
			return fmt.Errorf("store: revoke certificates: %w", err)
		}
		m, _ := res.RowsAffected()
		n = int(m)
		return nil
	})
	return n, err
}

func (s *sqlStore) SigningKey(ctx context.Context, keyID [16]byte) (ClientCert, error) {
	return s.clientCert(ctx, "key_id", keyID[:])
}

func (s *sqlStore) isMember(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, office, company string) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, s.q(`SELECT 1 FROM company_members WHERE company_id = ? AND office_id = ?`), company, office).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: membership: %w", err)
	}
	return true, nil
}

func (s *sqlStore) RegisterCompany(ctx context.Context, office, company string, submissionKey []byte, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO companies (id, submission_key, updated_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`),
			company, submissionKey, nanos(now))
		if err != nil {
			return fmt.Errorf("store: register company: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO company_members (company_id, office_id) VALUES (?, ?)`), company, office); err != nil {
				return fmt.Errorf("store: company member: %w", err)
			}
			return nil
		}
		ok, err := s.isMember(ctx, tx, office, company)
		if err != nil {
			return err
		}
		if !ok {
			return ErrForbidden
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE companies SET submission_key = ?, updated_at = ? WHERE id = ?`), submissionKey, nanos(now), company); err != nil {
			return fmt.Errorf("store: update company: %w", err)
		}
		return nil
	})
}

// memberOf locks company's row (see lockCompany) and checks that office is a member:
// ErrForbidden otherwise, also for an unknown company. The membership changes take it first,
// so that two relays on one PostgreSQL adding and removing members of a company apply them one
// after the other, each seeing the other's result.
func (s *sqlStore) memberOf(ctx context.Context, tx *sql.Tx, office, company string) error {
	if err := s.lockCompany(ctx, tx, company); errors.Is(err, ErrNotFound) {
		return ErrForbidden
	} else if err != nil {
		return err
	}
	ok, err := s.isMember(ctx, tx, office, company)
	if err != nil {
		return err
	}
	if !ok {
		return ErrForbidden
	}
	return nil
}

func (s *sqlStore) AddMember(ctx context.Context, office, company, newOffice string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.memberOf(ctx, tx, office, company); err != nil {
			return err
		}
		var one int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM offices WHERE id = ?`), newOffice).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("store: office: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO company_members (company_id, office_id) VALUES (?, ?) ON CONFLICT DO NOTHING`), company, newOffice); err != nil {
			return fmt.Errorf("store: add member: %w", err)
		}
		return nil
	})
}

func (s *sqlStore) RemoveMember(ctx context.Context, office, company, member string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.memberOf(ctx, tx, office, company); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM company_members WHERE company_id = ?`), company).Scan(&n); err != nil {
			return fmt.Errorf("store: count members: %w", err)
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM company_members WHERE company_id = ? AND office_id = ?`), company, member)
		if err != nil {
			return fmt.Errorf("store: remove member: %w", err)
		}
		if k, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("store: remove member: %w", err)
		} else if k == 0 {
			return ErrNotFound
		}
		if n <= 1 {
			return ErrLastMember // the deletion is rolled back
		}
		return nil
	})
}

func (s *sqlStore) IsMember(ctx context.Context, office, company string) (bool, error) {
	return s.isMember(ctx, s.db, office, company)
}

func (s *sqlStore) SubmissionKey(ctx context.Context, company string) ([]byte, error) {
	var k []byte
	err := s.db.QueryRowContext(ctx, s.q(`SELECT submission_key FROM companies WHERE id = ?`), company).Scan(&k)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: submission key: %w", err)
	}
	return k, nil
}

func (s *sqlStore) PutSubmission(ctx context.Context, company string, body []byte, now time.Time) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockCompany(ctx, tx, company); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q(`INSERT INTO submissions (company_id, body, created_at) VALUES (?, ?, ?) RETURNING id`),
			company, body, nanos(now)).Scan(&id); err != nil {
			return fmt.Errorf("store: put submission: %w", err)
		}
		return nil
	})
	return id, err
}

// lockCompany locks the company's row until the transaction ends (ErrNotFound for an unknown
// company). Every insert into a company's submissions or envelopes takes it first, so that the
// ids of one company are handed out and committed in the same order, also by several relays on
// one PostgreSQL: a reader paging with after=ID never passes an id that commits later.
func (s *sqlStore) lockCompany(ctx context.Context, tx *sql.Tx, company string) error {
	var one int
	err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM companies WHERE id = ?`+s.d.forUpdate), company).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: company: %w", err)
	}
	return nil
}

func (s *sqlStore) ListSubmissions(ctx context.Context, company string, after int64, limit int) ([]Submission, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, employee_code, body, created_at FROM submissions WHERE company_id = ? AND id > ? ORDER BY id LIMIT ?`),
		company, after, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: list submissions: %w", err)
	}
	defer rows.Close()
	var out []Submission
	for rows.Next() {
		sub := Submission{Company: company}
		var created int64
		if err := rows.Scan(&sub.ID, &sub.Employee, &sub.Body, &created); err != nil {
			return nil, fmt.Errorf("store: list submissions: %w", err)
		}
		sub.Created = fromNanos(created)
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list submissions: %w", err)
	}
	return out, nil
}

func (s *sqlStore) deleteOne(ctx context.Context, table, company string, id int64) error {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM `+table+` WHERE company_id = ? AND id = ?`), company, id)
	if err != nil {
		return fmt.Errorf("store: delete from %s: %w", table, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

func (s *sqlStore) DeleteSubmission(ctx context.Context, company string, id int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var code string
		err := tx.QueryRowContext(ctx, s.q(`DELETE FROM submissions WHERE company_id = ? AND id = ? RETURNING employee_code`), company, id).Scan(&code)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("store: delete submission: %w", err)
		}
		if code == "" {
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE employee_accounts SET status = ? WHERE company_id = ? AND code = ? AND status = ?`),
			string(StatusReceived), company, code, string(StatusSubmitted)); err != nil {
			return fmt.Errorf("store: mark received: %w", err)
		}
		// 受付: the employee's open sessions end at once.
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM employee_sessions WHERE company_id = ? AND code = ?`), company, code); err != nil {
			return fmt.Errorf("store: end sessions: %w", err)
		}
		return nil
	})
}

func (s *sqlStore) PutEnvelope(ctx context.Context, e Envelope) (int64, error) {
	if e.Seq == 0 || e.Seq > 1<<63-1 {
		return 0, fmt.Errorf("store: envelope sequence %d out of range", e.Seq)
	}
	var id int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockCompany(ctx, tx, e.Company); err != nil {
			return err
		}
		// One statement both compares and advances: under concurrency the loser waits for the
		// winner's row and then finds its WHERE false.
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO sequences (company_id, key_id, last_seq) VALUES (?, ?, ?)
			ON CONFLICT (company_id, key_id) DO UPDATE SET last_seq = excluded.last_seq WHERE sequences.last_seq < excluded.last_seq`),
			e.Company, e.Sender[:], int64(e.Seq))
		if err != nil {
			return fmt.Errorf("store: envelope sequence: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("store: envelope sequence: %w", err)
		} else if n == 0 {
			return ErrReplay
		}
		if err := tx.QueryRowContext(ctx, s.q(`INSERT INTO envelopes (company_id, record_id, key_id, seq, body, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`),
			e.Company, e.Record, e.Sender[:], int64(e.Seq), e.Body, nanos(e.Created)).Scan(&id); err != nil {
			return fmt.Errorf("store: put envelope: %w", err)
		}
		return nil
	})
	return id, err
}

func (s *sqlStore) ListEnvelopes(ctx context.Context, company string, after int64, limit int) ([]Envelope, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, record_id, key_id, seq, body, created_at FROM envelopes WHERE company_id = ? AND id > ? ORDER BY id LIMIT ?`),
		company, after, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: list envelopes: %w", err)
	}
	defer rows.Close()
	var out []Envelope
	for rows.Next() {
		e := Envelope{Company: company}
		var kid []byte
		var seq, created int64
		if err := rows.Scan(&e.ID, &e.Record, &kid, &seq, &e.Body, &created); err != nil {
			return nil, fmt.Errorf("store: list envelopes: %w", err)
		}
		copy(e.Sender[:], kid)
		e.Seq = uint64(seq)
		e.Created = fromNanos(created)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list envelopes: %w", err)
	}
	return out, nil
}

func (s *sqlStore) DeleteEnvelope(ctx context.Context, company string, id int64) error {
	return s.deleteOne(ctx, "envelopes", company, id)
}

func (s *sqlStore) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

func (s *sqlStore) Close() error { return s.db.Close() }
