package audit

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mynumber-shelter/shelter/app/store"
)

// KeySize is the length of the audit MAC key in bytes.
const KeySize = 32

// MaxTextLen is the longest text field, in bytes, that Append accepts. Entries are short
// records of ids and codes, not documents.
const MaxTextLen = 4096

// headKey is the meta key of the head anchor: "id:hex(mac)" of the last entry.
const headKey = "audit_head"

// genesisLabel is the input of mac_0.
const genesisLabel = "mynumber-shelter audit genesis"

var (
	// ErrUnavailable means the history cannot be written (no usable key, or the database write
	// failed) or verified (no usable key). A caller that gets it from Append must refuse the
	// action it was about to record: return the error from the store.Update so the action
	// rolls back.
	ErrUnavailable = errors.New("audit log unavailable")

	// ErrInvalidEntry means Append refused an entry: an unknown action or result, a text field
	// that is too long or not UTF-8, or a text field that looks like it holds a My Number or a
	// corporate number (a run of twelve or more digits, or "dddd-dddd-dddd"). The error names
	// the field, never its content. It is a programming error in the caller, and the action
	// must be refused like for ErrUnavailable.
	ErrInvalidEntry = errors.New("invalid audit entry")
)

// Entry is one row of the history. Text fields hold ids, codes and short descriptions, never a
// My Number, PIN or password.
type Entry struct {
	// ID is the entry's position in the chain, 1 for the first entry. Set by Append.
	ID int64
	// Time is when the transaction that wrote the entry began (UTC, millisecond precision).
	// Set by Append from store.Tx.Now.
	Time time.Time
	// UserID is the acting user, 0 when none is known (a failed login for an unknown name, a
	// command-line job).
	UserID int64
	// Login is the acting user's login name as it was at the time.
	Login string
	// Workstation is the host the action was done on. Set by Append from [Log.Workstation].
	Workstation string
	// Action is what was done. Required.
	Action Action
	// CompanyID is the client company concerned, 0 for office-wide actions.
	CompanyID int64
	// TargetType is the kind of record acted on ("person", "user", "company", "export", …).
	TargetType string
	// TargetID is the record's own id (never a My Number or corporate number).
	TargetID string
	// Purpose is the purpose code (利用目的) chosen for a view or export.
	Purpose string
	// Result is the outcome. Required.
	Result Result
	// Detail is a short human-readable description.
	Detail string
	// MAC is the entry's chain value, HMAC-SHA256 over the previous MAC and this entry.
	// Set by Append.
	MAC []byte
	// Sealed is true when the entry was written while a session's seal key was set
	// ([Log.Seal]). Set by Append and by Query.
	Sealed bool
}

// Log appends entries to the history. It holds the audit key; the zero value has none, so its
// Append fails with ErrUnavailable. A Log is safe for concurrent use.
type Log struct {
	// Key is the 32-byte HMAC key of the chain, unwrapped by app/vault. A nil or wrong-length
	// key makes Append return ErrUnavailable.
	// Set it before the Log is shared; afterwards use SetKey.
	Key []byte
	// Workstation names this host in every entry. Defaults to os.Hostname(). Like every text
	// field it must pass the digit guard (see [ErrInvalidEntry]), or every Append fails.
	Workstation string

	mu    sync.RWMutex // guards Key after construction, and seals
	seals []sealer     // the sessions that seal, the newest last
}

// sealer is a session's seal key.
type sealer struct {
	owner any
	key   []byte
}

// Seal makes every entry written from now on carry a seal under key (32 bytes, derived from
// the root key by app/vault's Keys.AuditSealKey) until owner calls [Log.Unseal]: a logged-in
// session seals what it writes. When several owners seal, the newest one's key is used; a
// second Seal by the same owner replaces its key. The Log keeps its own copy of key.
func (l *Log) Seal(owner any, key []byte) {
	if len(key) != KeySize {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dropLocked(owner)
	l.seals = append(l.seals, sealer{owner: owner, key: bytes.Clone(key)})
}

// Unseal stops sealing for owner (its session ended) and forgets its key; the entries are
// sealed with the key of the owner that sealed before it, if it is still sealing.
func (l *Log) Unseal(owner any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dropLocked(owner)
}

func (l *Log) dropLocked(owner any) {
	l.seals = slices.DeleteFunc(l.seals, func(s sealer) bool {
		if s.owner == owner {
			clear(s.key)
			return true
		}
		return false
	})
}

// SetKey replaces the audit key (after setup or a recovery), safely with concurrent Appends.
func (l *Log) SetKey(key []byte) {
	l.mu.Lock()
	l.Key = key
	l.mu.Unlock()
}

// CurrentKey returns the key in use (for Verify).
func (l *Log) CurrentKey() []byte {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.Key
}

// HasKey reports whether the Log holds a usable key.
func (l *Log) HasKey() bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.Key) == KeySize
}

// Append writes e as the next entry of the chain inside tx, and updates the head record in the
// same transaction. It sets e.ID (the last id plus one), e.Time (tx.Now), e.Workstation and
// e.MAC, and returns the entry as stored.
//
// Append fails closed: it returns an error wrapping ErrUnavailable when the key is missing or
// any read or write fails, and ErrInvalidEntry when the entry is refused (then it has written
// nothing). The caller must run Append in the same store.Update as the action it records and
// return the error, so that the whole transaction, the action and any part of the entry, is
// rolled back:
//
//	err := db.Update(ctx, func(tx *store.Tx) error {
//		if err := doTheAction(tx); err != nil {
//			return err
//		}
//		_, err := log.Append(tx, audit.Entry{Action: audit.ActionView, Result: audit.ResultOK, …})
//		return err
//	})
func (l *Log) Append(tx *store.Tx, e Entry) (Entry, error) {
	b, err := l.Batch(tx)
	if err != nil {
		return Entry{}, err
	}
	e, err = b.Append(e)
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Entry{}, err
	}
	return e, nil
}

// Batch appends many entries in one transaction (an import of thousands of employees) faster
// than repeated Appends: it reads the chain's position and prepares the insert once, and
// writes the head record at Close. Close must be called, and its error returned, before the
// transaction commits; a transaction committed without it leaves the head behind the last
// entry, which Verify reports. A Batch is not safe for concurrent use.
type Batch struct {
	tx     *store.Tx
	ws     string
	at     string
	time   time.Time
	lastID int64
	prev   []byte
	ins    *sql.Stmt
	c      *chain
	seal   hash.Hash // HMAC under the seal key, nil when entries are not sealed
	buf    []byte
	n      int
	closed bool
}

// Batch starts a batch of entries in tx. It fails closed like Append.
func (l *Log) Batch(tx *store.Tx) (*Batch, error) {
	if l == nil {
		return nil, fmt.Errorf("%w: no usable audit key", ErrUnavailable)
	}
	l.mu.RLock()
	key := l.Key
	var seal hash.Hash
	if n := len(l.seals); n > 0 {
		seal = hmac.New(sha256.New, l.seals[n-1].key)
	}
	l.mu.RUnlock()
	if len(key) != KeySize {
		return nil, fmt.Errorf("%w: no usable audit key", ErrUnavailable)
	}
	ws := l.Workstation
	if ws == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("%w: reading host name: %w", ErrUnavailable, err)
		}
		ws = h
	}
	at := store.FormatTime(tx.Now)
	t, err := store.ParseTime(at)
	if err != nil || at == "" {
		return nil, fmt.Errorf("%w: transaction has no time", ErrUnavailable)
	}
	lastID, prev, err := position(tx, key)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	ins, err := tx.Prepare(`INSERT INTO audit_log(id, at, user_id, login, workstation, action, company_id,
		target_type, target_id, purpose, result, detail, mac, seal) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return nil, fmt.Errorf("%w: preparing insert: %w", ErrUnavailable, err)
	}
	// A host name like a container id can be all digits; record it redacted rather than refuse.
	return &Batch{tx: tx, ws: Redact(ws), at: at, time: t, lastID: lastID, prev: prev, ins: ins, c: newChain(key), seal: seal}, nil
}

// Append writes e as the next entry of the chain. It sets e.ID, e.Time (the transaction's
// time), e.Workstation and e.MAC. Errors are as for [Log.Append]; after an error the batch
// must not be used further (return the error so the transaction rolls back).
func (b *Batch) Append(e Entry) (Entry, error) {
	if b.closed {
		return Entry{}, fmt.Errorf("%w: batch already closed", ErrUnavailable)
	}
	e.Workstation, e.Time = b.ws, b.time
	if err := validate(&e); err != nil {
		return Entry{}, err
	}
	if b.lastID == math.MaxInt64 {
		return Entry{}, fmt.Errorf("%w: entry ids exhausted", ErrUnavailable)
	}
	e.ID = b.lastID + 1
	r := record[string]{
		id: e.ID, at: b.at, userID: e.UserID, login: e.Login, workstation: e.Workstation,
		action: string(e.Action), companyID: e.CompanyID, targetType: e.TargetType,
		targetID: e.TargetID, purpose: e.Purpose, result: string(e.Result), detail: e.Detail,
	}
	b.buf = r.appendCanonical(b.buf[:0])
	e.MAC = b.c.next(nil, b.prev, b.buf)
	var seal []byte
	if b.seal != nil {
		seal, e.Sealed = sealOf(nil, b.seal, e.MAC), true
	}
	_, err := b.ins.Exec(e.ID, b.at, e.UserID, e.Login, e.Workstation, string(e.Action), e.CompanyID,
		e.TargetType, e.TargetID, e.Purpose, string(e.Result), e.Detail, e.MAC, seal)
	if err != nil {
		return Entry{}, fmt.Errorf("%w: inserting entry: %w", ErrUnavailable, err)
	}
	b.lastID, b.prev = e.ID, e.MAC
	b.n++
	return e, nil
}

// Close writes the head record (when any entry was appended) and releases the statement.
func (b *Batch) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	b.ins.Close()
	if b.n == 0 {
		return nil
	}
	if err := b.tx.SetMeta(headKey, formatHead(b.lastID, b.prev)); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// position returns the id and MAC the next entry continues from. Normally the last row and the
// head agree. When the head is ahead of the last row (the tail was deleted), the chain
// continues from the head so that the deletion remains a visible gap; when the head is behind
// or missing, from the last row; when both name the same id, from the head's MAC, so that a
// row whose MAC column was altered stays detectable.
func position(tx *store.Tx, key []byte) (int64, []byte, error) {
	var rowID int64
	var rowMAC []byte
	err := tx.QueryRow(`SELECT id, mac FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&rowID, &rowMAC)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, nil, fmt.Errorf("reading last entry: %w", err)
	}
	v, ok, err := tx.Meta(headKey)
	if err != nil {
		return 0, nil, err
	}
	var headID int64
	var headMAC []byte
	if ok {
		// A malformed head is treated as missing here; Verify reports it.
		headID, headMAC, _ = parseHead(v)
	}
	switch {
	case headID > rowID || (headID == rowID && headID > 0):
		return headID, headMAC, nil
	case rowID > 0:
		return rowID, rowMAC, nil
	default:
		return 0, newChain(key).genesis(), nil
	}
}

// NextID returns the id the next entry appended in tx will get.
func NextID(tx *store.Tx) (int64, error) {
	id, _, err := position(tx, make([]byte, KeySize))
	if err != nil {
		return 0, err
	}
	return id + 1, nil
}

// FirstSealed returns the id of the oldest entry that carries a seal (0 when none does).
func FirstSealed(tx *store.Tx) (int64, error) {
	var id sql.NullInt64
	if err := tx.QueryRow(`SELECT min(id) FROM audit_log WHERE seal IS NOT NULL`).Scan(&id); err != nil {
		return 0, fmt.Errorf("reading the first sealed entry: %w", err)
	}
	return id.Int64, nil
}

func formatHead(id int64, mac []byte) string {
	// Base64, not hex: a hex MAC often holds a run of 12 decimal digits, which leak scanners
	// (and people) would take for a My Number; base64 practically never does.
	return strconv.FormatInt(id, 10) + ":" + base64.RawURLEncoding.EncodeToString(mac)
}

func parseHead(v string) (int64, []byte, error) {
	idText, macText, ok := strings.Cut(v, ":")
	if !ok {
		return 0, nil, errors.New("malformed audit head")
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id < 1 {
		return 0, nil, errors.New("malformed audit head id")
	}
	var mac []byte
	if len(macText) == 2*sha256.Size {
		mac, err = hex.DecodeString(macText) // heads written before base64
	} else {
		mac, err = base64.RawURLEncoding.DecodeString(macText)
	}
	if err != nil || len(mac) != sha256.Size {
		return 0, nil, errors.New("malformed audit head mac")
	}
	return id, mac, nil
}

// record is one entry as the chain sees it: every column except the MAC. T is string when
// appending and []byte when verifying raw columns.
type record[T ~string | ~[]byte] struct {
	id                            int64
	at                            T
	userID                        int64
	login, workstation, action    T
	companyID                     int64
	targetType, targetID, purpose T
	result, detail                T
}

// canonicalVersion starts every canonical encoding, so that a future format cannot collide
// with this one.
const canonicalVersion = 1

// appendCanonical appends the canonical encoding of r to b: a version byte, then each column
// in table order, integers as 8 bytes big-endian and text as a 4-byte big-endian length
// followed by the bytes. Every field has a fixed length or a length prefix, so the encoding
// is unambiguous.
func (r *record[T]) appendCanonical(b []byte) []byte {
	b = append(b, canonicalVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(r.id))
	b = appendText(b, r.at)
	b = binary.BigEndian.AppendUint64(b, uint64(r.userID))
	b = appendText(b, r.login)
	b = appendText(b, r.workstation)
	b = appendText(b, r.action)
	b = binary.BigEndian.AppendUint64(b, uint64(r.companyID))
	b = appendText(b, r.targetType)
	b = appendText(b, r.targetID)
	b = appendText(b, r.purpose)
	b = appendText(b, r.result)
	b = appendText(b, r.detail)
	return b
}

func appendText[T ~string | ~[]byte](b []byte, s T) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// sealOf appends an entry's seal to dst: HMAC(seal key, mac) with h, an HMAC under the seal
// key. The MAC covers the entry and, through the chain, every entry before it.
func sealOf(dst []byte, h hash.Hash, mac []byte) []byte {
	h.Reset()
	h.Write(mac)
	return h.Sum(dst)
}

// chain computes chain MACs with one reusable HMAC state.
type chain struct{ h hash.Hash }

func newChain(key []byte) *chain { return &chain{h: hmac.New(sha256.New, key)} }

// genesis returns mac_0.
func (c *chain) genesis() []byte {
	c.h.Reset()
	c.h.Write([]byte(genesisLabel))
	return c.h.Sum(nil)
}

// next appends HMAC(key, prev ‖ canonical) to dst.
func (c *chain) next(dst, prev, canonical []byte) []byte {
	c.h.Reset()
	c.h.Write(prev)
	c.h.Write(canonical)
	return c.h.Sum(dst)
}
