package collect

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/jtext"
	"github.com/mynumber-shelter/shelter/app/roster"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/store"
)

// BoardFilter selects rows of [Service.StatusBoard]. Zero fields mean "any".
type BoardFilter struct {
	CompanyID int64
	// Status selects one status (Unrequested for employees never asked).
	Status Status
	// Search matches the start of the employee code or any part of the name or reading.
	Search string
	// PendingDays > 0 selects the non-submitters (未提出者): 依頼済 or 差戻し whose last notice
	// (the request or the last reminder) is at least this many days old.
	PendingDays int
	// IncludeLeft includes employees whose leaving date has passed.
	IncludeLeft bool
	// Offset and Limit page the rows; Limit defaults to 200 and is at most 2000.
	Offset, Limit int
	// Sort orders the rows by Key "" or "code", "name" (the reading, folded by app/jtext),
	// "department", "status" (in the order of [Statuses]) or "waiting" (days waiting).
	Sort roster.Sort
}

// BoardRow is one employee on the status board.
type BoardRow struct {
	EmployeeID                       int64
	Code, Name, NameKana, Department string
	LeftOn                           string
	Status                           Status
	// RequestID is the employee's latest request (0 when Unrequested).
	RequestID    int64
	RequestTitle string
	NotifiedAt   time.Time
	Reminders    int
	LastReminded time.Time
	// DaysWaiting counts the days since the last notice for 依頼済 / 差戻し, else 0.
	DaysWaiting int
	Dependents  int
	// Missing is the number of persons of the family (employee and dependents) without a number.
	Missing int
	// HasNumber: the employee's own number is stored. An employee never asked whose number
	// was entered in 1-2 or by a CSV import is 登録済, not 未依頼.
	HasNumber      bool
	ReturnedReason string
	RefusedReason  string
	RefusedAt      time.Time
	UpdatedAt      time.Time
	// SharedFrom names the other installation's office when the status is theirs (a shared
	// company whose employee this installation has not asked itself); RequestID is then 0.
	SharedFrom string
}

// Board is the 1-3 status board (状況確認) of one company.
type Board struct {
	// Counts has every status, over every employee of the company (IncludeLeft applies), not
	// only the rows selected.
	Counts map[Status]int
	// Total is the number of rows matching the filter; Rows is the page asked for.
	Total int
	Rows  []BoardRow
}

// boardQuery reads each employee's latest target. An employee this installation never asked
// but whose status came from the other installation of a shared company (app/share,
// share_remote_status) shows that status and reason, with SharedFrom naming the other office.
const boardQuery = `SELECT p.id, p.employee_code, p.name, p.name_kana, COALESCE(d.name, ''), p.left_on,
	COALESCE(t.request_id, 0), COALESCE(t.status, rs.status, ''), COALESCE(r.title, ''), COALESCE(t.notified_at, ''),
	COALESCE(t.reminders, 0), COALESCE(t.last_reminded_at, ''),
	COALESCE(t.returned_reason, CASE WHEN rs.status = 'returned' THEN rs.reason END, ''),
	COALESCE(t.refused_reason, CASE WHEN rs.status = 'refused' THEN rs.reason END, ''), COALESCE(t.refused_at, ''),
	COALESCE(t.updated_at, rs.changed_at, ''),
	CASE WHEN t.person_id IS NULL THEN COALESCE(rs.origin, '') ELSE '' END,
	(SELECT count(*) FROM persons c WHERE c.employee_id = p.id),
	(NOT EXISTS (SELECT 1 FROM person_numbers n WHERE n.person_id = p.id)) +
		(SELECT count(*) FROM persons c WHERE c.employee_id = p.id
			AND NOT EXISTS (SELECT 1 FROM person_numbers n WHERE n.person_id = c.id)),
	EXISTS (SELECT 1 FROM person_numbers n WHERE n.person_id = p.id)
	FROM persons p
	LEFT JOIN departments d ON d.id = p.department_id
	LEFT JOIN collection_targets t ON t.person_id = p.id
		AND t.request_id = (SELECT max(request_id) FROM collection_targets x WHERE x.person_id = p.id)
	LEFT JOIN collection_requests r ON r.id = t.request_id
	LEFT JOIN share_remote_status rs ON rs.company_id = p.company_id AND rs.person_id = p.id
	WHERE p.company_id = ? AND p.kind = 'employee'`

// StatusBoard returns the status of every employee of the company with counts per status,
// filtered, sorted and paged as f says (by default in employee-code order, numeric codes
// numerically).
func (s *Service) StatusBoard(ctx context.Context, p auth.Principal, f BoardFilter) (Board, error) {
	b := Board{Counts: map[Status]int{}}
	if f.Status != "" && !f.Status.Valid() {
		return b, apperr.Invalid("status", "状況の指定が正しくありません。", "Unknown status.")
	}
	if f.PendingDays < 0 || f.Offset < 0 {
		return b, apperr.Invalid("pendingDays", "日数・位置は0以上で指定してください。", "Days and offset must not be negative.")
	}
	if f.Limit <= 0 {
		f.Limit = 200
	}
	f.Limit = min(f.Limit, 2000)
	order, err := boardOrder(f.Sort)
	if err != nil {
		return b, err
	}
	for _, st := range Statuses() {
		b.Counts[st] = 0
	}
	err = s.DB.View(ctx, func(tx *store.Tx) error {
		if err := requireRole(tx, p, f.CompanyID); err != nil {
			return err
		}
		rows, err := boardRowsTx(tx, f.CompanyID, tx.Now)
		if err != nil {
			return err
		}
		if order != nil {
			slices.SortStableFunc(rows, order)
		}
		today := jpdate.ISO(jpdate.JapanDate(tx.Now))
		search := strings.TrimSpace(f.Search)
		for _, r := range rows {
			if !f.IncludeLeft && r.LeftOn != "" && r.LeftOn <= today {
				continue
			}
			b.Counts[r.Status]++
			if f.Status != "" && r.Status != f.Status {
				continue
			}
			if f.PendingDays > 0 && (r.DaysWaiting < f.PendingDays || !(r.Status == Requested || r.Status == Returned)) {
				continue
			}
			if search != "" && !strings.HasPrefix(r.Code, roster.NormalizeEmployeeCode(search)) && !jtext.Contains(r.Name, search) && !jtext.Contains(r.NameKana, search) {
				continue
			}
			b.Total++
			if b.Total > f.Offset && len(b.Rows) < f.Limit {
				b.Rows = append(b.Rows, r)
			}
		}
		return nil
	})
	if err != nil {
		return Board{}, err
	}
	return b, nil
}

// boardRowsTx reads every employee of the company with their latest target, sorted by code.
func boardRowsTx(tx *store.Tx, companyID int64, now time.Time) ([]BoardRow, error) {
	rows, err := tx.Query(boardQuery, companyID)
	if err != nil {
		return nil, fmt.Errorf("reading status board: %w", err)
	}
	defer rows.Close()
	var out []BoardRow
	for rows.Next() {
		var r BoardRow
		var status, notified, reminded, refused, updated string
		if err := rows.Scan(&r.EmployeeID, &r.Code, &r.Name, &r.NameKana, &r.Department, &r.LeftOn, &r.RequestID, &status,
			&r.RequestTitle, &notified, &r.Reminders, &reminded, &r.ReturnedReason, &r.RefusedReason, &refused, &updated,
			&r.SharedFrom, &r.Dependents, &r.Missing, &r.HasNumber); err != nil {
			return nil, fmt.Errorf("reading status board: %w", err)
		}
		r.Status = Status(status)
		switch {
		case status == "" && r.HasNumber:
			// Registered without a request: typed in 1-2, read from a card, imported by CSV.
			r.Status = Registered
		case status == "":
			r.Status = Unrequested
		}
		r.NotifiedAt, _ = store.ParseTime(notified)
		r.LastReminded, _ = store.ParseTime(reminded)
		r.RefusedAt, _ = store.ParseTime(refused)
		r.UpdatedAt, _ = store.ParseTime(updated)
		if r.Status == Requested || r.Status == Returned {
			last := r.NotifiedAt
			if r.LastReminded.After(last) {
				last = r.LastReminded
			}
			r.DaysWaiting = int(now.Sub(last) / (24 * time.Hour))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b BoardRow) int { return compareCodes(a.Code, b.Code) })
	return out, nil
}

// boardOrder compares two board rows (already in code order) as s asks; nil keeps code order.
// Ties keep code order; an empty department stays last either way.
func boardOrder(s roster.Sort) (func(a, b BoardRow) int, error) {
	dir := 1
	if s.Desc {
		dir = -1
	}
	rank := map[Status]int{}
	for i, st := range Statuses() {
		rank[st] = i
	}
	reading := func(r BoardRow) string {
		if strings.TrimSpace(r.NameKana) != "" {
			return jtext.Fold(r.NameKana)
		}
		return jtext.Fold(r.Name)
	}
	switch s.Key {
	case "", "code":
		if !s.Desc {
			return nil, nil
		}
		return func(a, b BoardRow) int { return -compareCodes(a.Code, b.Code) }, nil
	case "name":
		return func(a, b BoardRow) int { return dir * strings.Compare(reading(a), reading(b)) }, nil
	case "department":
		return func(a, b BoardRow) int {
			if (a.Department == "") != (b.Department == "") {
				if a.Department == "" {
					return 1
				}
				return -1
			}
			return dir * strings.Compare(a.Department, b.Department)
		}, nil
	case "status":
		return func(a, b BoardRow) int { return dir * (rank[a.Status] - rank[b.Status]) }, nil
	case "waiting":
		return func(a, b BoardRow) int { return dir * (a.DaysWaiting - b.DaysWaiting) }, nil
	}
	return nil, apperr.Invalid("sort", "この列では並べ替えられません。", "The list cannot be sorted by this column.")
}

// compareCodes orders employee codes: numeric codes numerically, before other codes.
func compareCodes(a, b string) int {
	na, ea := strconv.ParseUint(a, 10, 64)
	nb, eb := strconv.ParseUint(b, 10, 64)
	switch {
	case ea == nil && eb == nil:
		return cmp.Or(cmp.Compare(na, nb), cmp.Compare(a, b))
	case ea == nil:
		return -1
	case eb == nil:
		return 1
	}
	return cmp.Compare(a, b)
}

// Purpose is a 利用目的 that a request may notify.
type Purpose struct {
	Code, JA, EN string
}

// Purposes lists the purposes a request may notify, in display order ('OTHER' is for reveals
// only and is not listed). Reference data: no role is needed.
func (s *Service) Purposes(ctx context.Context) ([]Purpose, error) {
	var out []Purpose
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT code, label_ja, label_en FROM purposes WHERE code <> 'OTHER' ORDER BY sort, code`)
		if err != nil {
			return fmt.Errorf("reading purposes: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var p Purpose
			if err := rows.Scan(&p.Code, &p.JA, &p.EN); err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
}

// RequestSummary is one collection request of a company with its targets counted by status.
type RequestSummary struct {
	ID        int64
	Title     string
	CreatedAt time.Time
	CreatedBy string // login of the user who made it
	Purposes  []string
	Online    bool
	Deadline  string
	Targets   int
	Counts    map[Status]int
}

// Requests lists the company's collection requests, newest first.
func (s *Service) Requests(ctx context.Context, p auth.Principal, companyID int64) ([]RequestSummary, error) {
	var out []RequestSummary
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		if err := requireRole(tx, p, companyID); err != nil {
			return err
		}
		rows, err := tx.Query(`SELECT r.id, r.title, r.created_at, COALESCE(u.login, ''), r.notice_online, r.deadline,
			(SELECT group_concat(purpose_code) FROM collection_request_purposes WHERE request_id = r.id)
			FROM collection_requests r LEFT JOIN users u ON u.id = r.created_by WHERE r.company_id = ? ORDER BY r.id DESC`, companyID)
		if err != nil {
			return fmt.Errorf("reading requests: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r RequestSummary
			var created string
			var purposes *string
			if err := rows.Scan(&r.ID, &r.Title, &created, &r.CreatedBy, &r.Online, &r.Deadline, &purposes); err != nil {
				return fmt.Errorf("reading requests: %w", err)
			}
			r.CreatedAt, _ = store.ParseTime(created)
			if purposes != nil {
				r.Purposes = strings.Split(*purposes, ",")
				slices.Sort(r.Purposes)
			}
			r.Counts = map[Status]int{}
			out = append(out, r)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for i := range out {
			cr, err := tx.Query(`SELECT status, count(*) FROM collection_targets WHERE request_id = ? GROUP BY status`, out[i].ID)
			if err != nil {
				return fmt.Errorf("counting targets: %w", err)
			}
			for cr.Next() {
				var st Status
				var n int
				if err := cr.Scan(&st, &n); err != nil {
					cr.Close()
					return err
				}
				out[i].Counts[st] = n
				out[i].Targets += n
			}
			cr.Close()
			if err := cr.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
