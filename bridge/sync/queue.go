package relaysync

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/cloud/envelope"
)

// OutboxItem is one request the app hands over for the relay. Either Method, Path and Body
// (JSON) or Envelope are set.
type OutboxItem struct {
	// Key is the idempotency key (1-200 printable characters): an item whose key was already
	// queued, delivered or given up on is ignored.
	Key string `json:"key"`
	// Method is PUT, POST or DELETE; Path a relay route under /v1/bridge/.
	Method string          `json:"method,omitempty"`
	Path   string          `json:"path,omitempty"`
	Body   json.RawMessage `json:"body,omitempty"`
	// Envelope is a record to share: the bridge signs it with the office's key and the next
	// sequence number when it is queued, and POSTs it to /v1/bridge/envelopes.
	Envelope *EnvelopeItem `json:"envelope,omitempty"`
}

// EnvelopeItem is the content of an envelope (see cloud/envelope); Ciphertext is already
// encrypted by the app.
type EnvelopeItem struct {
	Company    string `json:"company"`
	Record     string `json:"record"`
	Ciphertext []byte `json:"ciphertext"`
}

// ErrBadItem wraps every refusal of [Syncer.Enqueue].
var ErrBadItem = errors.New("relay sync: bad outbox item")

var pathRE = regexp.MustCompile(`^/v1/bridge/[A-Za-z0-9._/-]+$`)

func (it OutboxItem) check() error {
	if it.Key == "" || len(it.Key) > 200 || strings.ContainsFunc(it.Key, func(r rune) bool { return r < 0x21 || r == 0x7f }) {
		return fmt.Errorf("%w: key", ErrBadItem)
	}
	if it.Envelope != nil {
		if it.Method != "" || it.Path != "" || len(it.Body) > 0 {
			return fmt.Errorf("%w: an envelope item has no method, path or body", ErrBadItem)
		}
		if !validID(it.Envelope.Company) || !validID(it.Envelope.Record) || len(it.Envelope.Ciphertext) > envelope.MaxCiphertext {
			return fmt.Errorf("%w: envelope ids or size", ErrBadItem)
		}
		return nil
	}
	switch it.Method {
	case http.MethodPut, http.MethodPost, http.MethodDelete:
	default:
		return fmt.Errorf("%w: method", ErrBadItem)
	}
	if !pathRE.MatchString(it.Path) || strings.Contains(it.Path, "..") || strings.Contains(it.Path, "//") {
		return fmt.Errorf("%w: path", ErrBadItem)
	}
	if len(it.Body) > 0 && !json.Valid(it.Body) {
		return fmt.Errorf("%w: body is not JSON", ErrBadItem)
	}
	return nil
}

// Enqueue adds items to the outbox in order, in one transaction, skipping keys already known,
// and returns how many were new. Envelopes are signed here. The next round sends them; call
// [Syncer.Kick] to have it now.
func (s *Syncer) Enqueue(ctx context.Context, items []OutboxItem) (int, error) {
	if err := s.open(ctx); err != nil {
		return 0, err
	}
	for _, it := range items {
		if err := it.check(); err != nil {
			return 0, err
		}
	}
	var sign func(*envelope.Envelope) error
	for _, it := range items {
		if it.Envelope != nil {
			_, key, _, err := s.connect()
			if err != nil {
				return 0, err
			}
			sign = func(e *envelope.Envelope) error { return e.Sign(key) }
			break
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("queueing: %w", err)
	}
	defer tx.Rollback()
	now := s.now().UTC().Format(time.RFC3339Nano)
	added := 0
	for _, it := range items {
		var dup int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE key = ?`, it.Key).Scan(&dup); err != nil {
			return 0, fmt.Errorf("queueing: %w", err)
		}
		if dup > 0 {
			continue
		}
		method, path, body, kind := it.Method, it.Path, []byte(it.Body), "json"
		if e := it.Envelope; e != nil {
			seq, err := nextSeq(ctx, tx, s.now())
			if err != nil {
				return 0, err
			}
			env := &envelope.Envelope{Company: e.Company, Record: e.Record, Seq: seq, Ciphertext: e.Ciphertext}
			if err := sign(env); err != nil {
				return 0, fmt.Errorf("signing envelope: %w", err)
			}
			if body, err = env.Marshal(); err != nil {
				return 0, fmt.Errorf("%w: %v", ErrBadItem, err)
			}
			method, path, kind = http.MethodPost, "/v1/bridge/envelopes", "envelope"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox(key, method, path, body, kind, queued_at) VALUES(?, ?, ?, ?, ?, ?)`,
			it.Key, method, path, body, kind, now); err != nil {
			return 0, fmt.Errorf("queueing: %w", err)
		}
		added++
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("queueing: %w", err)
	}
	return added, nil
}

// nextSeq is the next envelope sequence number: greater than every one used before and at least
// the current time in microseconds, so that a bridge whose state was lost still moves forward.
func nextSeq(ctx context.Context, tx *sql.Tx, now time.Time) (uint64, error) {
	var last uint64
	var v string
	err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'envelope_seq'`).Scan(&v)
	if err == nil {
		last, _ = strconv.ParseUint(v, 10, 64)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	seq := max(last+1, uint64(now.UnixMicro()))
	_, err = tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES('envelope_seq', ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, strconv.FormatUint(seq, 10))
	return seq, err
}

// send does one request to the relay and returns the status; a transport error is returned.
func (s *Syncer) send(ctx context.Context, hc *http.Client, base, method, path, contentType string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if len(body) > 0 {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("relay not reachable: %w", err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("reading the relay's answer: %w", err)
	}
	return resp.StatusCode, rb, nil
}

var companyPathRE = regexp.MustCompile(`^/v1/bridge/companies/([A-Za-z0-9._-]{1,64})$`)

// flush sends pending outbox items in order until none is left or the relay must be retried.
func (s *Syncer) flush(ctx context.Context, res *Result) error {
	hc, _, r, err := s.connect()
	if err != nil {
		return err
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE state = 'pending'`).Scan(&total); err != nil {
		return fmt.Errorf("reading outbox: %w", err)
	}
	for step := 0; ; step++ {
		var seq int64
		var method, path, kind string
		var body []byte
		err := s.db.QueryRowContext(ctx, `SELECT seq, method, path, body, kind FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1`).
			Scan(&seq, &method, &path, &body, &kind)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading outbox: %w", err)
		}
		ct := "application/json"
		if kind == "envelope" {
			ct = "application/octet-stream"
		}
		code, _, err := s.send(ctx, hc, r.URL, method, path, ct, body)
		if err == nil && retryable(code) {
			err = &relayError{code}
		}
		if err != nil {
			s.db.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, last_code = ? WHERE seq = ?`, code, seq)
			return err
		}
		ok := code >= 200 && code < 300 ||
			kind == "envelope" && code == http.StatusConflict || // stored before: sequence already taken
			method == http.MethodDelete && code == http.StatusNotFound // already gone
		state := "sent"
		if !ok {
			state = "failed"
			res.Failed++
			s.log().Warn("relay refused an outbox item", "seq", seq, "method", method, "status", code)
		} else {
			res.Sent++
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE outbox SET state = ?, attempts = attempts + 1, last_code = ?, done_at = ?,
			body = CASE WHEN ? = 'sent' THEN NULL ELSE body END WHERE seq = ?`,
			state, code, s.now().UTC().Format(time.RFC3339Nano), state, seq); err != nil {
			return fmt.Errorf("updating outbox: %w", err)
		}
		if m := companyPathRE.FindStringSubmatch(path); ok && method == http.MethodPut && m != nil {
			if _, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO companies(company) VALUES(?)`, m[1]); err != nil {
				return fmt.Errorf("recording company: %w", err)
			}
		}
		s.progress(Progress{Phase: "outbox", Step: step + 1, Steps: total})
	}
}

// listAnswer is the relay's list answer.
type listAnswer struct {
	Items []struct {
		ID       int64  `json:"id"`
		Body     []byte `json:"body"`
		Employee string `json:"employee"`
	} `json:"items"`
}

// pull stores every company's submissions after its cursor, a page per transaction.
func (s *Syncer) pull(ctx context.Context, res *Result) error {
	hc, _, r, err := s.connect()
	if err != nil {
		return err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT company, cursor FROM companies ORDER BY company`)
	if err != nil {
		return fmt.Errorf("reading companies: %w", err)
	}
	type cur struct {
		company string
		after   int64
	}
	var cs []cur
	for rows.Next() {
		var c cur
		if err := rows.Scan(&c.company, &c.after); err != nil {
			rows.Close()
			return err
		}
		cs = append(cs, c)
	}
	rows.Close()
	for _, c := range cs {
		pulled := 0
		for {
			code, body, err := s.send(ctx, hc, r.URL, http.MethodGet,
				fmt.Sprintf("/v1/bridge/companies/%s/submissions?after=%d&limit=%d", c.company, c.after, PageSize), "", nil)
			if err != nil {
				return err
			}
			if code != http.StatusOK {
				if retryable(code) {
					return &relayError{code}
				}
				s.log().Warn("relay refused a pull", "company", c.company, "status", code)
				break
			}
			var la listAnswer
			if err := json.Unmarshal(body, &la); err != nil {
				return fmt.Errorf("relay list answer: %w", err)
			}
			if len(la.Items) == 0 {
				break
			}
			if err := s.store(ctx, c.company, la, &c.after); err != nil {
				return err
			}
			pulled += len(la.Items)
			res.Pulled += len(la.Items)
			s.progress(Progress{Phase: "pull", Company: c.company, Step: pulled})
			if len(la.Items) < PageSize {
				break
			}
		}
	}
	return nil
}

// store writes one page into the inbox and moves the company's cursor, in one transaction.
func (s *Syncer) store(ctx context.Context, company string, la listAnswer, after *int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("storing submissions: %w", err)
	}
	defer tx.Rollback()
	now := s.now().UTC().Format(time.RFC3339Nano)
	last := *after
	for _, it := range la.Items {
		if it.ID <= last || len(it.Body) == 0 {
			continue
		}
		emp := it.Employee
		if !validID(emp) {
			emp = ""
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO inbox(company, relay_id, employee, box, received) VALUES(?, ?, ?, ?, ?)`,
			company, it.ID, emp, it.Body, now); err != nil {
			return fmt.Errorf("storing submissions: %w", err)
		}
		last = it.ID
	}
	if _, err := tx.ExecContext(ctx, `UPDATE companies SET cursor = ? WHERE company = ?`, last, company); err != nil {
		return fmt.Errorf("storing cursor: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("storing submissions: %w", err)
	}
	*after = last
	return nil
}

// Watch adds companies whose submissions are pulled (registering a company through the outbox
// adds it too).
func (s *Syncer) Watch(ctx context.Context, company string) error {
	if err := s.open(ctx); err != nil {
		return err
	}
	if !validID(company) {
		return fmt.Errorf("%w: company id", ErrBadItem)
	}
	_, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO companies(company) VALUES(?)`, company)
	return err
}

// InboxItem describes one pulled submission (not its content).
type InboxItem struct {
	ID      int64  `json:"id"`
	Company string `json:"company"`
	RelayID int64  `json:"relayId"`
	// Employee is the employee code the relay recorded ("" when it did not say).
	Employee string `json:"employee,omitempty"`
	Size     int    `json:"size"`
	Received string `json:"received"`
}

// Inbox lists pulled submissions of company ("" = all) in arrival order, at most limit (0 = 1000).
func (s *Syncer) Inbox(ctx context.Context, company string, limit int) ([]InboxItem, error) {
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, company, relay_id, employee, length(box), received FROM inbox
		WHERE ? = '' OR company = ? ORDER BY id LIMIT ?`, company, company, limit)
	if err != nil {
		return nil, fmt.Errorf("reading inbox: %w", err)
	}
	defer rows.Close()
	out := []InboxItem{}
	for rows.Next() {
		var it InboxItem
		if err := rows.Scan(&it.ID, &it.Company, &it.RelayID, &it.Employee, &it.Size, &it.Received); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// ErrNoItem: no inbox item with that id.
var ErrNoItem = errors.New("relay sync: no such inbox item")

// Box returns an inbox item and its sealed box.
func (s *Syncer) Box(ctx context.Context, id int64) (InboxItem, []byte, error) {
	if err := s.open(ctx); err != nil {
		return InboxItem{}, nil, err
	}
	it := InboxItem{ID: id}
	var box []byte
	err := s.db.QueryRowContext(ctx, `SELECT company, relay_id, employee, box, received FROM inbox WHERE id = ?`, id).
		Scan(&it.Company, &it.RelayID, &it.Employee, &box, &it.Received)
	if errors.Is(err, sql.ErrNoRows) {
		return it, nil, ErrNoItem
	}
	if err != nil {
		return it, nil, fmt.Errorf("reading inbox: %w", err)
	}
	it.Size = len(box)
	return it, box, nil
}

// Ack acknowledges an inbox item: it is deleted here and the relay's DELETE is queued (and
// sent on the next round). Acknowledging an unknown or already acknowledged id does nothing.
func (s *Syncer) Ack(ctx context.Context, id int64) error {
	if err := s.open(ctx); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("acknowledging: %w", err)
	}
	defer tx.Rollback()
	var company string
	var relayID int64
	err = tx.QueryRowContext(ctx, `SELECT company, relay_id FROM inbox WHERE id = ?`, id).Scan(&company, &relayID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("acknowledging: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM inbox WHERE id = ?`, id); err != nil {
		return fmt.Errorf("acknowledging: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO outbox(key, method, path, kind, queued_at) VALUES(?, 'DELETE', ?, 'json', ?)`,
		fmt.Sprintf("ack/%s/%d", company, relayID), fmt.Sprintf("/v1/bridge/companies/%s/submissions/%d", company, relayID),
		s.now().UTC().Format(time.RFC3339Nano)); err != nil {
		return fmt.Errorf("acknowledging: %w", err)
	}
	return tx.Commit()
}
