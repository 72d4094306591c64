package audit

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/store"
)

// DefaultLimit is the page size Query uses when Filter.Limit is zero or negative.
const DefaultLimit = 100

// MaxLimit is the largest page Query returns; a larger Filter.Limit is reduced to it.
const MaxLimit = 1000

// Filter selects entries for [Query] and [Count]. Every zero field means "any"; set fields are
// combined with AND.
type Filter struct {
	// CompanyID and UserID select one client company or one acting user.
	CompanyID, UserID int64
	// Actions selects entries whose action is any of these.
	Actions []Action
	// TargetType selects one kind of record; with TargetID, one record. (TargetID without
	// TargetType has no index of its own and is checked entry by entry.)
	TargetType, TargetID string
	// From (inclusive) and To (exclusive) bound the entry time, to the millisecond.
	From, To time.Time
	// Result selects one outcome.
	Result Result
	// BeforeID pages backwards: only entries older than entry BeforeID, that is before it in
	// the order of (Time, ID). Pass the ID of the last entry of a page to get the next, older
	// page. Since Append numbers entries in time order this is "id < BeforeID"; it differs only
	// if the clock was set back. Count ignores it.
	BeforeID int64
	// Limit is the page size for Query: DefaultLimit when ≤ 0, at most MaxLimit.
	Limit int
}

// where returns the filter's conditions and their arguments, except for Actions and paging.
func (f *Filter) where() (conds []string, args []any) {
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	if f.CompanyID != 0 {
		add("company_id = ?", f.CompanyID)
	}
	if f.UserID != 0 {
		add("user_id = ?", f.UserID)
	}
	if f.TargetType != "" {
		add("target_type = ?", f.TargetType)
	}
	if f.TargetID != "" {
		add("target_id = ?", f.TargetID)
	}
	if !f.From.IsZero() {
		add("at >= ?", store.FormatTime(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", store.FormatTime(f.To))
	}
	if f.Result != "" {
		add("result = ?", string(f.Result))
	}
	return conds, args
}

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

const entryColumns = `id, at, user_id, login, workstation, action, company_id, target_type,
	target_id, purpose, result, detail, mac, seal`

// Query returns the entries that match f, newest first, at most f.Limit of them. Newest
// first is by (Time, ID) descending, which every index of audit_log provides directly, so a
// page costs the same however many entries match and however deep the page is (keyset
// paging with Filter.BeforeID).
func Query(tx *store.Tx, f Filter) ([]Entry, error) {
	query, args, limit, err := pageQuery(tx, f)
	if err != nil || query == "" {
		return nil, err
	}
	rows, err := tx.Query(query, args...)
	if err != nil {
		return nil, fmt.Errorf("querying audit log: %w", err)
	}
	defer rows.Close()
	entries := make([]Entry, 0, min(limit, 64))
	for rows.Next() {
		var e Entry
		var at, action, result string
		var seal sql.RawBytes
		if err := rows.Scan(&e.ID, &at, &e.UserID, &e.Login, &e.Workstation, &action, &e.CompanyID,
			&e.TargetType, &e.TargetID, &e.Purpose, &result, &e.Detail, &e.MAC, &seal); err != nil {
			return nil, fmt.Errorf("reading audit entry: %w", err)
		}
		e.Sealed = len(seal) > 0
		if e.Time, err = store.ParseTime(at); err != nil {
			return nil, fmt.Errorf("reading audit entry %d: %w", e.ID, err)
		}
		e.Action, e.Result = Action(action), Result(result)
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading audit log: %w", err)
	}
	return entries, nil
}

// pageQuery builds the SQL for one page of f. It returns an empty query when the page is
// empty without asking (BeforeID is below the first entry).
func pageQuery(tx *store.Tx, f Filter) (query string, args []any, limit int, err error) {
	limit = f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	var conds []string
	conds, args = f.where()
	if f.BeforeID != 0 {
		// The page starts below the entry BeforeID; if that entry is gone, below the
		// nearest older id.
		var at string
		var id int64
		err := tx.QueryRow(`SELECT at, id FROM audit_log WHERE id <= ? ORDER BY id DESC LIMIT 1`, f.BeforeID).Scan(&at, &id)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil, 0, nil
		}
		if err != nil {
			return "", nil, 0, fmt.Errorf("querying audit log: %w", err)
		}
		if id == f.BeforeID {
			conds = append(conds, "(at, id) < (?, ?)")
		} else {
			conds = append(conds, "(at, id) <= (?, ?)")
		}
		args = append(args, at, id)
	}
	// One action is one index range. Several actions are several ranges, each read newest
	// first and cut at the page size, then merged; an "action IN (…)" over one index would
	// have to sort every matching entry to find the newest.
	actions := slices.Compact(slices.Sorted(slices.Values(f.Actions)))
	switch len(actions) {
	case 0:
		query = `SELECT ` + entryColumns + ` FROM audit_log` + whereClause(conds) + ` ORDER BY at DESC, id DESC LIMIT ?`
		args = append(args, limit)
	case 1:
		query = `SELECT ` + entryColumns + ` FROM audit_log` + whereClause(append(conds, "action = ?")) +
			` ORDER BY at DESC, id DESC LIMIT ?`
		args = append(append(args, string(actions[0])), limit)
	default:
		part := `SELECT * FROM (SELECT ` + entryColumns + ` FROM audit_log` + whereClause(append(conds, "action = ?")) +
			` ORDER BY at DESC, id DESC LIMIT ?)`
		parts := make([]string, len(actions))
		var all []any
		for i, a := range actions {
			parts[i] = part
			all = append(append(append(all, args...), string(a)), limit)
		}
		query = strings.Join(parts, " UNION ALL ") + ` ORDER BY at DESC, id DESC LIMIT ?`
		args = append(all, limit)
	}
	return query, args, limit, nil
}

// Count returns how many entries match f (ignoring BeforeID and Limit).
func Count(tx *store.Tx, f Filter) (int64, error) {
	conds, args := f.where()
	if len(f.Actions) > 0 {
		conds = append(conds, "action IN ("+strings.Repeat(",?", len(f.Actions))[1:]+")")
		for _, a := range f.Actions {
			args = append(args, string(a))
		}
	}
	var n int64
	if err := tx.QueryRow(`SELECT count(*) FROM audit_log`+whereClause(conds), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting audit entries: %w", err)
	}
	return n, nil
}

// Tally counts the entries f selects by action and by acting user (user id 0: no user, e.g. a
// failed login with an unknown id), for the summary of a report. Paging fields are ignored.
func Tally(tx *store.Tx, f Filter) (byAction map[Action]int64, byUser map[int64]int64, err error) {
	conds, args := f.where()
	if len(f.Actions) > 0 {
		conds = append(conds, "action IN ("+strings.Repeat(",?", len(f.Actions))[1:]+")")
		for _, a := range f.Actions {
			args = append(args, string(a))
		}
	}
	byAction, byUser = map[Action]int64{}, map[int64]int64{}
	rows, err := tx.Query(`SELECT action, COALESCE(user_id, 0), count(*) FROM audit_log`+whereClause(conds)+` GROUP BY action, user_id`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("counting audit entries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		var u, n int64
		if err := rows.Scan(&a, &u, &n); err != nil {
			return nil, nil, fmt.Errorf("counting audit entries: %w", err)
		}
		byAction[Action(a)] += n
		byUser[u] += n
	}
	return byAction, byUser, rows.Err()
}
