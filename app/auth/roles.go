package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
)

// RoleName is a per-company role of 1-1 マイナンバー取扱者設定.
type RoleName string

const (
	// Manager is 事務取扱責任者: supervises, approves disposals, reads the history.
	Manager RoleName = "manager"
	// Handler is 事務取扱担当者: collects, registers, uses numbers.
	Handler RoleName = "handler"
)

// Role is one assignment of a user to a company.
type Role struct {
	CompanyID   int64
	CompanyName string
	Role        RoleName
}

// Assignment is the 1-1 state of one company.
type Assignment struct {
	CompanyID   int64
	CompanyName string
	Managers    []UserRef
	Handlers    []UserRef
}

// UserRef names a user.
type UserRef struct {
	ID          int64
	Login       string
	DisplayName string
	Disabled    bool
}

func allRoles(tx *store.Tx) (map[int64][]Role, error) {
	rows, err := tx.Query(`SELECT a.user_id, a.company_id, c.name, a.role FROM assignments a
		JOIN companies c ON c.id = a.company_id ORDER BY c.name, a.role`)
	if err != nil {
		return nil, fmt.Errorf("reading roles: %w", err)
	}
	defer rows.Close()
	out := map[int64][]Role{}
	for rows.Next() {
		var uid int64
		var r Role
		if err := rows.Scan(&uid, &r.CompanyID, &r.CompanyName, &r.Role); err != nil {
			return nil, err
		}
		out[uid] = append(out[uid], r)
	}
	return out, rows.Err()
}

// RolesOf returns the effective roles of a user in a company (none for a disabled user).
func RolesOf(tx *store.Tx, userID, companyID int64) ([]RoleName, error) {
	rows, err := tx.Query(`SELECT a.role FROM assignments a JOIN users u ON u.id = a.user_id
		WHERE a.user_id = ? AND a.company_id = ? AND u.disabled = 0`, userID, companyID)
	if err != nil {
		return nil, fmt.Errorf("reading roles: %w", err)
	}
	defer rows.Close()
	var out []RoleName
	for rows.Next() {
		var r RoleName
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RequireCompanyRole returns a user-safe error unless p holds one of roles in the company.
// Being a system administrator is not enough: the administrator sees no numbers unless assigned.
func RequireCompanyRole(tx *store.Tx, p Principal, companyID int64, roles ...RoleName) error {
	have, err := RolesOf(tx, p.UserID, companyID)
	if err != nil {
		return err
	}
	for _, r := range have {
		if slices.Contains(roles, r) {
			return nil
		}
	}
	return apperr.Forbidden("この企業の事務取扱責任者・事務取扱担当者として設定されていないため、操作できません。",
		"You are not assigned as a manager or handler of this company.")
}

// GetAssignment returns the 1-1 state of a company.
func (s *Service) GetAssignment(ctx context.Context, p Principal, companyID int64) (Assignment, error) {
	var a Assignment
	if err := RequireAdmin(p); err != nil {
		return a, err
	}
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		a, err = assignment(tx, companyID)
		return err
	})
	return a, err
}

func assignment(tx *store.Tx, companyID int64) (Assignment, error) {
	a := Assignment{CompanyID: companyID}
	err := tx.QueryRow(`SELECT name FROM companies WHERE id = ?`, companyID).Scan(&a.CompanyName)
	if err != nil {
		return a, apperr.Wrap(err, apperr.CodeNotFound, "", "企業が見つかりません。", "Company not found.")
	}
	rows, err := tx.Query(`SELECT a.role, u.id, u.login, u.display_name, u.disabled FROM assignments a
		JOIN users u ON u.id = a.user_id WHERE a.company_id = ? ORDER BY u.login`, companyID)
	if err != nil {
		return a, err
	}
	defer rows.Close()
	for rows.Next() {
		var role RoleName
		var u UserRef
		if err := rows.Scan(&role, &u.ID, &u.Login, &u.DisplayName, &u.Disabled); err != nil {
			return a, err
		}
		if role == Manager {
			a.Managers = append(a.Managers, u)
		} else {
			a.Handlers = append(a.Handlers, u)
		}
	}
	return a, rows.Err()
}

// UserRefs returns every enabled user, by login (the 1-1 candidates).
func (s *Service) UserRefs(ctx context.Context, p Principal) ([]UserRef, error) {
	if err := RequireAdmin(p); err != nil {
		return nil, err
	}
	var out []UserRef
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT id, login, display_name, disabled FROM users WHERE disabled = 0 ORDER BY login`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var u UserRef
			if err := rows.Scan(&u.ID, &u.Login, &u.DisplayName, &u.Disabled); err != nil {
				return err
			}
			out = append(out, u)
		}
		return rows.Err()
	})
	return out, err
}

// SetAssignment replaces the managers and handlers of a company (1-1).
//
// Rules (PPC guideline, 組織的安全管理措置): at least one 事務取扱責任者; users must exist and be
// enabled; when there are two or more 事務取扱担当者, a 責任者 may not also be a 担当者 (the
// guideline asks to separate the roles then).
func (s *Service) SetAssignment(ctx context.Context, sess *Session, companyID int64, managers, handlers []int64) (Assignment, error) {
	var out Assignment
	if err := s.adminReady(sess); err != nil {
		return out, err
	}
	managers, handlers = dedupe(managers), dedupe(handlers)
	if len(managers) == 0 {
		return out, apperr.Invalid("managers", "事務取扱責任者を一人以上選んでください。", "Choose at least one manager (事務取扱責任者).")
	}
	if len(handlers) >= 2 {
		for _, m := range managers {
			if slices.Contains(handlers, m) {
				return out, apperr.Invalid("handlers",
					"事務取扱担当者が複数いる場合は、事務取扱責任者と事務取扱担当者を別の人にしてください。",
					"With two or more handlers, the manager must not also be a handler.")
			}
		}
	}
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		before, err := assignment(tx, companyID)
		if err != nil {
			return err
		}
		for _, id := range append(slices.Clone(managers), handlers...) {
			u, err := userByID(tx, id)
			if err != nil {
				return err
			}
			if u.Disabled {
				return apperr.Invalid("handlers", "無効化されたユーザー（"+u.Login+"）は設定できません。", "Disabled user "+u.Login+" cannot be assigned.")
			}
		}
		if _, err := tx.Exec(`DELETE FROM assignments WHERE company_id = ?`, companyID); err != nil {
			return err
		}
		for _, set := range []struct {
			role RoleName
			ids  []int64
		}{{Manager, managers}, {Handler, handlers}} {
			for _, id := range set.ids {
				if _, err := tx.Exec(`INSERT INTO assignments(company_id, user_id, role, assigned_at) VALUES(?, ?, ?, ?)`,
					companyID, id, set.role, tx.NowText()); err != nil {
					return fmt.Errorf("assigning: %w", err)
				}
			}
		}
		out, err = assignment(tx, companyID)
		if err != nil {
			return err
		}
		e := sess.Entry(audit.ActionAssignmentChange, audit.ResultOK)
		e.CompanyID, e.TargetType, e.TargetID = companyID, "company", fmt.Sprint(companyID)
		e.Detail = fmt.Sprintf("managers: %s → %s; handlers: %s → %s",
			logins(before.Managers), logins(out.Managers), logins(before.Handlers), logins(out.Handlers))
		_, err = s.Audit.Append(tx, e)
		return err
	})
	return out, err
}

func logins(us []UserRef) string {
	if len(us) == 0 {
		return "-"
	}
	names := make([]string, len(us))
	for i, u := range us {
		names[i] = u.Login
	}
	return strings.Join(names, ",")
}

func dedupe(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// Assignments reports whether p is assigned to any company, and as a manager (事務取扱責任者) of
// any: what the menu and the history's verification need to know.
func (s *Service) Assignments(ctx context.Context, p Principal) (assigned, manager bool, err error) {
	err = s.DB.View(ctx, func(tx *store.Tx) (err error) {
		assigned, manager, err = AssignmentsTx(tx, p)
		return err
	})
	return assigned, manager, err
}

// AssignmentsTx is [Service.Assignments] inside tx.
func AssignmentsTx(tx *store.Tx, p Principal) (assigned, manager bool, err error) {
	err = tx.QueryRow(`SELECT count(*) > 0, coalesce(sum(role = 'manager'), 0) > 0 FROM assignments WHERE user_id = ?`,
		p.UserID).Scan(&assigned, &manager)
	return assigned, manager, err
}
