package share

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/store"
)

// Share is one shared company as the share screen lists it.
type Share struct {
	CompanyID    int64
	CompanyName  string
	RelayCompany string
	PeerOffice   string // the member that offered it to this side, or the first one this side offered it to
	PeerName     string
	Members      []Member // every other member of the group, in the order they joined
	Role         string   // "origin": this side offered it; "peer": this side accepted
	LastSync     time.Time
	Conflicts    int
}

// Member is another installation of a share's group.
type Member struct {
	Office string
	Name   string
}

// Shares lists the shared companies (administrators only).
func (s *Service) Shares(ctx context.Context, p auth.Principal) ([]Share, error) {
	if err := auth.RequireAdmin(p); err != nil {
		return nil, err
	}
	var out []Share
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT s.company_id, c.name, s.relay_company, s.peer_office, s.peer_name, s.role, s.last_sync_at,
			(SELECT count(*) FROM share_conflicts k WHERE k.company_id = s.company_id)
			FROM shares s JOIN companies c ON c.id = s.company_id ORDER BY c.code`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var sh Share
			var at string
			if err := rows.Scan(&sh.CompanyID, &sh.CompanyName, &sh.RelayCompany, &sh.PeerOffice, &sh.PeerName, &sh.Role, &at, &sh.Conflicts); err != nil {
				return err
			}
			sh.LastSync, _ = store.ParseTime(at)
			out = append(out, sh)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for i := range out {
			ms, err := tx.Query(`SELECT office, name FROM share_members WHERE company_id = ? AND removed_at = '' ORDER BY added_at, office`, out[i].CompanyID)
			if err != nil {
				return err
			}
			for ms.Next() {
				var m Member
				if err := ms.Scan(&m.Office, &m.Name); err != nil {
					ms.Close()
					return err
				}
				out[i].Members = append(out[i].Members, m)
			}
			ms.Close()
			if err := ms.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// Conflict is one record where this side's version lost to the peer's. Values are masked
// (numbers) or the fields an administrator recognises (persons).
type Conflict struct {
	ID           int64
	CompanyID    int64
	Kind         string
	LocalID      int64
	WinnerOffice string
	WinnerTime   time.Time
	WinnerValue  string
	LoserOffice  string
	LoserTime    time.Time
	LoserValue   string
	DetectedAt   time.Time
}

// Conflicts lists a shared company's conflicts, newest first (the company's 責任者 /
// 担当者).
func (s *Service) Conflicts(ctx context.Context, p auth.Principal, companyID int64) ([]Conflict, error) {
	var out []Conflict
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		if err := requireShareRole(tx, p, companyID); err != nil {
			return err
		}
		rows, err := tx.Query(`SELECT id, company_id, kind, local_id, winner_origin, winner_clock, winner_value, loser_origin, loser_clock,
			loser_value, detected_at FROM share_conflicts WHERE company_id = ? ORDER BY id DESC LIMIT 500`, companyID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Conflict
			var wc, lc int64
			var at string
			if err := rows.Scan(&c.ID, &c.CompanyID, &c.Kind, &c.LocalID, &c.WinnerOffice, &wc, &c.WinnerValue, &c.LoserOffice, &lc,
				&c.LoserValue, &at); err != nil {
				return err
			}
			c.WinnerTime, c.LoserTime = time.UnixMicro(wc).UTC(), time.UnixMicro(lc).UTC()
			c.DetectedAt, _ = store.ParseTime(at)
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// PeerEntry is one entry of a peer installation's handling history.
type PeerEntry struct {
	ID         int64
	CompanyID  int64
	Source     string // the peer's office id
	SourceName string
	Time       time.Time
	Login      string
	Action     string
	TargetType string
	TargetID   string
	Purpose    string
	Result     string
	Detail     string
}

// PeerFilter selects peer entries for 2-1: by company (0: any), time window [From, To) and
// action (""), newest first, at most Limit (default 100, at most 1000).
type PeerFilter struct {
	CompanyID int64
	Action    string
	From, To  time.Time
	Limit     int
}

// PeerEntriesTx lists peer entries for f inside tx, for 2-1 (the caller checks the role).
func PeerEntriesTx(tx *store.Tx, f PeerFilter) ([]PeerEntry, error) {
	var conds []string
	var args []any
	if f.CompanyID != 0 {
		conds, args = append(conds, "company_id = ?"), append(args, f.CompanyID)
	}
	if f.Action != "" {
		conds, args = append(conds, "action = ?"), append(args, f.Action)
	}
	if !f.From.IsZero() {
		conds, args = append(conds, "at >= ?"), append(args, store.FormatTime(f.From))
	}
	if !f.To.IsZero() {
		conds, args = append(conds, "at < ?"), append(args, store.FormatTime(f.To))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := tx.Query(`SELECT id, company_id, source, source_name, at, login, action, target_type, target_id, purpose, result, detail
		FROM share_peer_audit`+where+` ORDER BY at DESC, id DESC LIMIT ?`, append(args, min(limit, 1000))...)
	if err != nil {
		return nil, fmt.Errorf("reading peer history: %w", err)
	}
	defer rows.Close()
	var out []PeerEntry
	for rows.Next() {
		var e PeerEntry
		var at string
		if err := rows.Scan(&e.ID, &e.CompanyID, &e.Source, &e.SourceName, &at, &e.Login, &e.Action, &e.TargetType, &e.TargetID,
			&e.Purpose, &e.Result, &e.Detail); err != nil {
			return nil, fmt.Errorf("reading peer history: %w", err)
		}
		e.Time, _ = store.ParseTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Syncable lists the shared companies p may sync (a 責任者 / 担当者 of each), for the automatic
// sync of a logged-in user's session.
func (s *Service) Syncable(ctx context.Context, p auth.Principal) ([]int64, error) {
	var out []int64
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT company_id FROM shares ORDER BY company_id`)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if requireShareRole(tx, p, id) == nil {
				out = append(out, id)
			}
		}
		return nil
	})
	return out, err
}
