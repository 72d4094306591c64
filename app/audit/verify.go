package audit

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"hash"
	"runtime"
	"strings"
	"sync"

	"github.com/mynumber-shelter/shelter/app/store"
)

// Break is the kind of damage Verify found.
type Break string

const (
	// BreakNone: the chain is intact.
	BreakNone Break = ""
	// BreakMAC: an entry's MAC does not match its content and the previous entry. The entry was
	// edited, moved, or written without the key — or the key is wrong (then entry 1 breaks).
	BreakMAC Break = "mac"
	// BreakGap: an entry's id is not the previous id plus one. Entries before it were deleted.
	BreakGap Break = "gap"
	// BreakHead: the last entry is not the one the head record names. The tail was deleted,
	// entries were added without the head, or the head record was altered or removed.
	BreakHead Break = "head"
	// BreakSeal: an entry's seal does not match its MAC. The history up to that entry was
	// re-chained by someone who had the audit key but not the root key (see [VerifySealed]).
	BreakSeal Break = "seal"
	// BreakUnsealed: an entry that only a session writes has no seal although sealing had
	// begun: its seal was removed and the entry rewritten (see [VerifySealed]).
	BreakUnsealed Break = "unsealed"
)

// Label describes the break for display, chosen by lang as for [Action.Label].
func (b Break) Label(lang string) string {
	switch b {
	case BreakNone:
		return pick(labels{"改ざんは検出されませんでした", "No tampering detected"}, lang)
	case BreakMAC:
		return pick(labels{"履歴が書き換え・入れ替え・偽造されているか、検証の鍵が違います", "An entry was altered, moved or forged, or the key is wrong"}, lang)
	case BreakGap:
		return pick(labels{"履歴の一部が削除されています", "Entries were deleted"}, lang)
	case BreakHead:
		return pick(labels{"最新の履歴が削除されたか、記録の外で追加されています", "The newest entries were deleted, or entries were added outside the log"}, lang)
	case BreakSeal:
		return pick(labels{"ログイン中に封印された履歴が、その後に書き換えられています", "Entries sealed during a session were rewritten afterwards"}, lang)
	case BreakUnsealed:
		return pick(labels{"ログイン中の履歴から封印が取り除かれ、書き換えられています", "A session's entry lost its seal and was rewritten"}, lang)
	}
	return string(b)
}

// VerifyResult is the outcome of [Verify].
type VerifyResult struct {
	// Entries is the number of entries read.
	Entries int64
	// OK is true when every entry and the head check out.
	OK bool
	// FirstBroken is the id of the first entry that does not check out (0 when OK). For a
	// deleted entry it is the id of the entry that follows the gap; when the tail was deleted
	// it is the first missing id; when the head record is missing or malformed, 1.
	FirstBroken int64
	// Kind says what is wrong at FirstBroken.
	Kind Break
	// Broken counts the entries that do not check out (a head mismatch counts as one).
	Broken int64
	// Reason explains FirstBroken in English, for logs and the command line.
	Reason string
	// SealChecked is true when the seals were checked ([VerifySealed] with a seal key).
	SealChecked bool
	// Sealed counts the entries that carry a seal, and LastSealed is the id of the newest of
	// them (0 when none). Everything up to LastSealed is covered by its seal.
	Sealed, LastSealed int64
}

// Unsealed returns the number of entries after the last sealed one (written with no session:
// failed logins, a locked screen), which someone with the audit key alone can rewrite
// unnoticed by the seals. Meaningful when r.OK.
func (r VerifyResult) Unsealed() int64 {
	return max(r.Entries-r.LastSealed, 0)
}

// verifyCheckEvery is how often (in rows) Verify looks at its context.
const verifyCheckEvery = 1 << 14

// Verify splits long logs into contiguous id ranges read in parallel, one read transaction
// each: at most verifyMaxWorkers (the store's reader pool) and GOMAXPROCS ranges, each at
// least verifyMinRange entries long.
const (
	verifyMaxWorkers = 4
	verifyMinRange   = 100_000
)

// Verify recomputes the whole chain with key and reports the first broken entry. Each MAC is
// checked against the stored MAC of the row before it, so damage is pinned to where it
// happened and later entries still verify. A broken chain is a result, not an error: the
// error is for a missing key (ErrUnavailable), a cancelled context or a database failure.
//
// Rows are streamed in id order, never held in memory. A long log is cut into contiguous id
// ranges that are verified in parallel, each in its own read transaction; each range starts
// from the stored MAC of the row before it, so the result is the same as one pass. The range
// holding the newest entries is read in the same transaction as the head record.
//
// What the chain cannot see is described in the package documentation: a truncated tail is
// caught only through the head record, which someone with write access to the database file
// can rewrite too.
func Verify(ctx context.Context, db *store.DB, key []byte) (VerifyResult, error) {
	return verify(ctx, db, key, nil, min(runtime.GOMAXPROCS(0), verifyMaxWorkers), verifyMinRange)
}

// VerifySealed is [Verify] that also checks every entry's seal with sealKey (the session's,
// from app/vault's Keys.AuditSealKey; see "Seals" in the package documentation). A seal that
// does not match its entry's MAC breaks the history at that entry ([BreakSeal]): the entries
// up to it were rewritten and re-chained with the audit key, which the keychain gives any
// process of the user, but not re-sealed, which needs the root key.
//
// since is the first entry written under seals (app/vault's Keys.AuditSealSince; 0: none
// recorded). From it on, an entry without a seal must be one that is written with no session
// ([Action.Sessionless]); any other breaks the history there ([BreakUnsealed]): its seal was
// removed so that it could be rewritten.
func VerifySealed(ctx context.Context, db *store.DB, key, sealKey []byte, since int64) (VerifyResult, error) {
	if len(sealKey) != KeySize {
		return VerifyResult{}, fmt.Errorf("%w: no usable seal key", ErrUnavailable)
	}
	return verify(ctx, db, key, &sealing{key: sealKey, since: since}, min(runtime.GOMAXPROCS(0), verifyMaxWorkers), verifyMinRange)
}

// sealing is what VerifySealed checks the seals with.
type sealing struct {
	key   []byte
	since int64
}

// verify is Verify with at most workers ranges of at least minRange ids each, checking seals
// when seals is not nil.
func verify(ctx context.Context, db *store.DB, key []byte, seals *sealing, workers int, minRange int64) (VerifyResult, error) {
	if len(key) != KeySize {
		return VerifyResult{}, fmt.Errorf("%w: no usable audit key", ErrUnavailable)
	}
	var lo, hi sql.NullInt64
	err := db.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT min(id), max(id) FROM audit_log`).Scan(&lo, &hi)
	})
	if err != nil {
		return VerifyResult{}, fmt.Errorf("reading audit log bounds: %w", err)
	}
	// bounds[i] is where range i starts; range 0 has no lower bound and the last range no upper.
	// Ids are not trusted to be small or dense (a forged row may carry any id), so the span
	// is computed in uint64, where hi-lo cannot overflow.
	bounds := []int64{lo.Int64}
	if span := uint64(hi.Int64-lo.Int64) + 1; lo.Valid && hi.Int64 > lo.Int64 && span >= 2*uint64(minRange) {
		n := min(uint64(workers), span/uint64(minRange))
		for i := uint64(1); i < n; i++ {
			bounds = append(bounds, lo.Int64+int64(span/n*i))
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]VerifyResult, len(bounds))
	errs := make([]error, len(bounds))
	var wg sync.WaitGroup
	for i := range bounds {
		r := idRange{first: i == 0, last: i == len(bounds)-1, from: bounds[i]}
		if !r.last {
			r.to = bounds[i+1]
		}
		wg.Go(func() {
			errs[i] = db.View(ctx, func(tx *store.Tx) error {
				results[i] = VerifyResult{}
				return verifyRange(ctx, tx, key, seals, r, &results[i])
			})
			if errs[i] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return VerifyResult{}, err
	}
	res := VerifyResult{SealChecked: seals != nil}
	for _, r := range results {
		res.Entries += r.Entries
		res.Sealed += r.Sealed
		res.LastSealed = max(res.LastSealed, r.LastSealed)
		if r.Broken > 0 && (res.Broken == 0 || r.FirstBroken < res.FirstBroken) {
			res.FirstBroken, res.Kind, res.Reason = r.FirstBroken, r.Kind, r.Reason
		}
		res.Broken += r.Broken
	}
	res.OK = res.Broken == 0
	return res, nil
}

// idRange is a part of the log: ids in [from, to), without the lower bound for the first
// range and the upper bound for the last.
type idRange struct {
	first, last bool
	from, to    int64
}

// verifyRange verifies the entries of r (and their seals, when seals is not nil) and, for the
// last range, the head.
func verifyRange(ctx context.Context, tx *store.Tx, key []byte, seals *sealing, r idRange, res *VerifyResult) error {
	broken := func(id int64, kind Break, reason string) {
		if res.Broken == 0 || id < res.FirstBroken {
			res.FirstBroken, res.Kind, res.Reason = id, kind, reason
		}
		res.Broken++
	}

	c := newChain(key)
	prev := c.genesis()
	var sealer hash.Hash
	if seals != nil {
		sealer = hmac.New(sha256.New, seals.key)
	}
	var lastID int64 // id of the row before the current one, 0 before the first
	var conds []string
	var args []any
	if !r.first {
		err := tx.QueryRow(`SELECT id, mac FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT 1`, r.from).Scan(&lastID, &prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("reading audit entry before %d: %w", r.from, err)
		}
		conds, args = append(conds, "id >= ?"), append(args, r.from)
	}
	if !r.last {
		conds, args = append(conds, "id < ?"), append(args, r.to)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := tx.Query(`SELECT `+entryColumns+` FROM audit_log`+where+` ORDER BY id`, args...)
	if err != nil {
		return fmt.Errorf("reading audit log: %w", err)
	}
	defer rows.Close()

	var (
		e         record[sql.RawBytes]
		mac, seal sql.RawBytes
		canonical []byte
		sum, want []byte
	)
	for rows.Next() {
		if err := rows.Scan(&e.id, &e.at, &e.userID, &e.login, &e.workstation, &e.action, &e.companyID,
			&e.targetType, &e.targetID, &e.purpose, &e.result, &e.detail, &mac, &seal); err != nil {
			return fmt.Errorf("reading audit entry: %w", err)
		}
		sealBroken, unsealed := false, false
		if len(seal) > 0 {
			res.Sealed++
			res.LastSealed = e.id
			if sealer != nil {
				want = sealOf(want[:0], sealer, mac)
				sealBroken = !hmac.Equal(want, seal)
			}
		} else if seals != nil && seals.since > 0 && e.id >= seals.since {
			unsealed = !Action(e.action).Sessionless()
		}
		res.Entries++
		if res.Entries%verifyCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		canonical = e.appendCanonical(canonical[:0])
		sum = c.next(sum[:0], prev, canonical)
		switch {
		case e.id != lastID+1 && lastID == 0:
			broken(e.id, BreakGap, fmt.Sprintf("entry %d is the first entry; entries before it are missing", e.id))
		case e.id != lastID+1:
			broken(e.id, BreakGap, fmt.Sprintf("entry %d follows entry %d; entries between them are missing", e.id, lastID))
		case !hmac.Equal(sum, mac):
			broken(e.id, BreakMAC, fmt.Sprintf("entry %d does not match its MAC", e.id))
		case sealBroken:
			broken(e.id, BreakSeal, fmt.Sprintf("entry %d does not match its seal: entries up to it were rewritten and re-chained without the root key", e.id))
		case unsealed:
			broken(e.id, BreakUnsealed, fmt.Sprintf("entry %d (%s) is written only in a session but has no seal: its seal was removed", e.id, e.action))
		}
		prev = append(prev[:0], mac...)
		lastID = e.id
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading audit log: %w", err)
	}
	rows.Close()
	if r.last {
		return verifyHead(tx, lastID, prev, broken)
	}
	return nil
}

// verifyHead checks that the last entry (lastID with MAC lastMAC, 0 when the log is empty) is
// the one the head record names.
func verifyHead(tx *store.Tx, lastID int64, lastMAC []byte, broken func(int64, Break, string)) error {
	v, ok, err := tx.Meta(headKey)
	if err != nil {
		return err
	}
	if !ok {
		if lastID != 0 {
			broken(1, BreakHead, "the head record is missing")
		}
		return nil
	}
	headID, headMAC, err := parseHead(v)
	switch {
	case err != nil:
		broken(1, BreakHead, "the head record is malformed")
	case headID > lastID:
		broken(lastID+1, BreakHead, fmt.Sprintf("the head names entry %d but the last entry is %d; the newest entries were deleted", headID, lastID))
	case headID < lastID:
		broken(headID+1, BreakHead, fmt.Sprintf("the head names entry %d but the log goes on to entry %d", headID, lastID))
	case !bytes.Equal(headMAC, lastMAC):
		broken(lastID, BreakHead, fmt.Sprintf("entry %d does not match the head record", lastID))
	}
	return nil
}
