package share

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/store"
)

// Collection statuses (the values of collection_targets.status, see app/collect). A record of
// kind "status" carries one of them.
var statusLabels = map[string]string{
	"requested":  "依頼済",
	"submitted":  "提出済",
	"checked":    "確認済",
	"registered": "登録済",
	"returned":   "差戻し",
	"refused":    "提供拒否",
}

// maxStatusReason bounds an imported reason, in characters (app/collect allows 200).
const maxStatusReason = 200

// statusData is what is shared of a person's collection status: the status of the latest
// collection target and, for 差戻し / 提供拒否, the reason. Never a number, a one-time password,
// a request id or the notified purposes (those stay with the installation that asked).
type statusData struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	At     string `json:"at,omitempty"` // when the status was last set on the writing side
}

func statusHash(d statusData) []byte { return hashOf([]byte(d.Status), []byte(d.Reason)) }

// describeStatus is a conflict's value of a status: its Japanese name and the reason.
func describeStatus(d statusData) string {
	l := statusLabels[d.Status]
	if l == "" {
		l = "未依頼"
	}
	if d.Reason != "" {
		return l + ": " + d.Reason
	}
	return l
}

// localStatus is a person's collection status as this side holds it: from the person's latest
// collection target, or else from share_remote_status. ok is false when there is neither
// (未依頼). hasTarget says which; requestID names the target.
type localStatus struct {
	data      statusData
	updated   time.Time
	hasTarget bool
	requestID int64
}

// readStatus reads person personID's collection status.
func readStatus(tx *store.Tx, companyID, personID int64) (st localStatus, ok bool, err error) {
	var returned, refused, at string
	err = tx.QueryRow(`SELECT request_id, status, returned_reason, refused_reason, updated_at FROM collection_targets
		WHERE person_id = ? ORDER BY request_id DESC LIMIT 1`, personID).Scan(&st.requestID, &st.data.Status, &returned, &refused, &at)
	switch {
	case err == nil:
		st.hasTarget = true
		st.data.Reason = reasonFor(st.data.Status, returned, refused)
		st.updated, _ = store.ParseTime(at)
		st.data.At = at
		return st, true, nil
	case !errors.Is(err, sql.ErrNoRows):
		return st, false, fmt.Errorf("reading collection status of person %d: %w", personID, err)
	}
	err = tx.QueryRow(`SELECT status, reason, changed_at FROM share_remote_status WHERE company_id = ? AND person_id = ?`,
		companyID, personID).Scan(&st.data.Status, &st.data.Reason, &st.data.At)
	if errors.Is(err, sql.ErrNoRows) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("reading shared status of person %d: %w", personID, err)
	}
	st.updated, _ = store.ParseTime(st.data.At)
	return st, true, nil
}

// reasonFor is the reason shared with status: the 差戻し reason or the 提供拒否 reason.
func reasonFor(status, returned, refused string) string {
	switch status {
	case "returned":
		return returned
	case "refused":
		return refused
	}
	return ""
}

// changedFunc is export's test for a changed local row (see Service.export).
type changedFunc func(kind string, localID int64, hash []byte, physical int64) (*record, *localRec)

// exportStatuses adds to b the collection status of every shared person whose status changed
// since the last export or import. A person with no status (未依頼) is not sent.
func exportStatuses(tx *store.Tx, x *recIndex, sh *shareRow, changed changedFunc, b *batch) error {
	rows, err := tx.Query(`SELECT id FROM persons WHERE company_id = ? AND (
		EXISTS (SELECT 1 FROM collection_targets t WHERE t.person_id = persons.id) OR
		EXISTS (SELECT 1 FROM share_remote_status r WHERE r.company_id = persons.company_id AND r.person_id = persons.id))
		ORDER BY id`, sh.companyID)
	if err != nil {
		return fmt.Errorf("reading collection statuses: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("reading collection statuses: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading collection statuses: %w", err)
	}
	for _, id := range ids {
		if x.local(KindPerson, id) == nil {
			continue // the person is not shared yet
		}
		st, ok, err := readStatus(tx, sh.companyID, id)
		if err != nil {
			return err
		}
		if !ok || statusLabels[st.data.Status] == "" {
			continue
		}
		r, lr := changed(KindStatus, id, statusHash(st.data), st.updated.UnixMicro())
		if r == nil {
			continue
		}
		d := st.data
		r.Status = &d
		if err := x.save(tx, sh.companyID, lr); err != nil {
			return err
		}
		b.Records = append(b.Records, *r)
	}
	return nil
}

// status applies the peer's collection status of a shared person. It is written onto the
// person's latest collection target here when there is one (status and reason only: no
// transition rule of app/collect is run, and nothing is queued to the relay — the side that
// changed the status did that). A person with no target here gets a share_remote_status row
// instead: requests, one-time passwords and notified purposes belong to the installation that
// asked, so no target is made up.
func (im *importer) status(r record, local *localRec, conflict bool) error {
	pr := im.x.gid(KindPerson, r.ID)
	if pr == nil || r.Status == nil || statusLabels[r.Status.Status] == "" {
		return nil
	}
	id := pr.localID
	d := *r.Status
	d.Reason = audit.Redact(truncateRunes(d.Reason, maxStatusReason))
	if _, err := store.ParseTime(d.At); err != nil {
		d.At = ""
	}
	cur, _, err := readStatus(im.tx, im.sh.companyID, id)
	if err != nil {
		return err
	}
	if conflict && local != nil {
		if err := im.conflict(r, local, describeStatus(d), describeStatus(cur.data)); err != nil {
			return err
		}
	}
	if cur.hasTarget {
		q := `UPDATE collection_targets SET status = ?, updated_at = ? WHERE request_id = ? AND person_id = ?`
		args := []any{d.Status, im.tx.NowText(), cur.requestID, id}
		switch d.Status {
		case "returned":
			q = `UPDATE collection_targets SET status = ?, updated_at = ?, returned_reason = ? WHERE request_id = ? AND person_id = ?`
			args = []any{d.Status, im.tx.NowText(), d.Reason, cur.requestID, id}
		case "refused":
			at := d.At
			if at == "" {
				at = im.tx.NowText()
			}
			q = `UPDATE collection_targets SET status = ?, updated_at = ?, refused_reason = ?, refused_at = ? WHERE request_id = ? AND person_id = ?`
			args = []any{d.Status, im.tx.NowText(), d.Reason, at, cur.requestID, id}
		}
		if _, err := im.tx.Exec(q, args...); err != nil {
			return fmt.Errorf("updating collection target of person %d: %w", id, err)
		}
	} else {
		_, err := im.tx.Exec(`INSERT INTO share_remote_status(company_id, person_id, status, reason, origin, changed_at, received_at)
			VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(company_id, person_id) DO UPDATE SET status = excluded.status,
			reason = excluded.reason, origin = excluded.origin, changed_at = excluded.changed_at, received_at = excluded.received_at`,
			im.sh.companyID, id, d.Status, d.Reason, r.Origin, d.At, im.tx.NowText())
		if err != nil {
			return fmt.Errorf("writing shared status of person %d: %w", id, err)
		}
	}
	now, _, err := readStatus(im.tx, im.sh.companyID, id)
	if err != nil {
		return err
	}
	im.applied++
	return im.x.save(im.tx, im.sh.companyID, &localRec{kind: KindStatus, gid: r.ID, localID: id, clock: r.Clock, origin: r.Origin,
		hash: statusHash(now.data)})
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// RemoteStatus is the peer's collection status of a shared person who has no collection
// target on this installation (the peer asked for the number). Persons with a target here
// show the shared status on the 1-3 status board itself.
type RemoteStatus struct {
	PersonID     int64
	EmployeeCode string
	Name         string
	Status       string // a collection_targets.status value, e.g. "returned"
	Label        string // its Japanese name, e.g. "差戻し"
	Reason       string // 差戻し / 提供拒否 reason; "" otherwise
	Office       string // the office that set it
	Changed      time.Time
	Received     time.Time
}

// RemoteStatuses lists the shared company's statuses set by the peer for persons with no
// collection target here, by employee code (the company's 責任者 / 担当者).
func (s *Service) RemoteStatuses(ctx context.Context, p auth.Principal, companyID int64) ([]RemoteStatus, error) {
	var out []RemoteStatus
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		if err := requireShareRole(tx, p, companyID); err != nil {
			return err
		}
		rows, err := tx.Query(`SELECT r.person_id, COALESCE(p.employee_code, ''), p.name, r.status, r.reason, r.origin, r.changed_at, r.received_at
			FROM share_remote_status r JOIN persons p ON p.id = r.person_id AND p.company_id = r.company_id
			WHERE r.company_id = ? AND NOT EXISTS (SELECT 1 FROM collection_targets t WHERE t.person_id = r.person_id)
			ORDER BY p.employee_code, p.id`, companyID)
		if err != nil {
			return fmt.Errorf("reading shared statuses: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var rs RemoteStatus
			var changed, received string
			if err := rows.Scan(&rs.PersonID, &rs.EmployeeCode, &rs.Name, &rs.Status, &rs.Reason, &rs.Office, &changed, &received); err != nil {
				return fmt.Errorf("reading shared statuses: %w", err)
			}
			rs.Label = statusLabels[rs.Status]
			rs.Changed, _ = store.ParseTime(changed)
			rs.Received, _ = store.ParseTime(received)
			out = append(out, rs)
		}
		return rows.Err()
	})
	return out, err
}
