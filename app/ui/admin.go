package ui

import (
	"context"

	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
)

// OfficeService is M-1 企業情報設定.
type OfficeService struct{ a *App }

func officeIn(o Office) roster.Office {
	return roster.Office{Name: o.Name, NameKana: o.NameKana, Kind: o.Kind, CorporateNumber: o.CorporateNumber,
		PostalCode: o.PostalCode, Address: o.Address, Phone: o.Phone, Representative: o.Representative}
}

// Get returns the office (any logged-in user; it is shown in the header).
func (s *OfficeService) Get() (Office, error) {
	if _, err := s.a.ready(); err != nil {
		return Office{}, err
	}
	o, err := s.a.Roster.Office(context.Background())
	if err != nil {
		return Office{}, s.a.fail("reading office", err)
	}
	return Office{Name: o.Name, NameKana: o.NameKana, Kind: o.Kind, CorporateNumber: o.CorporateNumber,
		PostalCode: o.PostalCode, Address: o.Address, Phone: o.Phone, Representative: o.Representative}, nil
}

// Update saves the office (administrators).
func (s *OfficeService) Update(o Office) error {
	sess, err := s.a.admin()
	if err != nil {
		return err
	}
	return s.a.fail("updating office", s.a.Roster.UpdateOffice(context.Background(), sess.Principal, officeIn(o)))
}

// UserService is M-2 ユーザー設定 (administrators).
type UserService struct{ a *App }

func userOut(u auth.User, now func() string) User {
	out := User{ID: u.ID, Login: u.Login, DisplayName: u.DisplayName, Email: u.Email, IsAdmin: u.IsAdmin,
		Disabled: u.Disabled, MustChangePassword: u.MustChangePassword, LastIn: store.FormatTime(u.LastIn),
		LastOut: store.FormatTime(u.LastOut), Roles: []CompanyRole{}}
	out.Locked = store.FormatTime(u.LockedUntil) > now()
	for _, r := range u.Roles {
		out.Roles = append(out.Roles, CompanyRole{CompanyID: r.CompanyID, CompanyName: r.CompanyName, Role: string(r.Role)})
	}
	return out
}

func (s *UserService) nowText() string { return store.FormatTime(s.a.now()) }

// List returns every user.
func (s *UserService) List() ([]User, error) {
	sess, err := s.a.admin()
	if err != nil {
		return nil, err
	}
	users, err := s.a.Auth.ListUsers(context.Background(), sess.Principal)
	if err != nil {
		return nil, s.a.fail("listing users", err)
	}
	out := make([]User, len(users))
	for i, u := range users {
		out[i] = userOut(u, s.nowText)
	}
	return out, nil
}

func tempOut(t auth.TemporaryPassword, now func() string) TemporaryPassword {
	return TemporaryPassword{User: userOut(t.User, now), Password: t.Password, ExpiresAt: store.FormatTime(t.ExpiresAt)}
}

// Create adds a user and returns their temporary password (shown once).
func (s *UserService) Create(in UserInput) (TemporaryPassword, error) {
	sess, err := s.a.admin()
	if err != nil {
		return TemporaryPassword{}, err
	}
	t, err := s.a.Auth.CreateUser(context.Background(), sess, auth.UserInput{Login: in.Login, DisplayName: in.DisplayName, Email: in.Email, IsAdmin: in.IsAdmin})
	if err != nil {
		return TemporaryPassword{}, s.a.fail("creating user", err)
	}
	return tempOut(t, s.nowText), nil
}

// Update edits a user.
func (s *UserService) Update(in UserInput) (User, error) {
	sess, err := s.a.admin()
	if err != nil {
		return User{}, err
	}
	u, err := s.a.Auth.UpdateUser(context.Background(), sess, auth.UserInput{ID: in.ID, Login: in.Login, DisplayName: in.DisplayName, Email: in.Email, IsAdmin: in.IsAdmin})
	if err != nil {
		return User{}, s.a.fail("updating user", err)
	}
	return userOut(u, s.nowText), nil
}

// SetDisabled disables or enables a user.
func (s *UserService) SetDisabled(id int64, disabled bool) error {
	sess, err := s.a.admin()
	if err != nil {
		return err
	}
	return s.a.fail("disabling user", s.a.Auth.SetDisabled(context.Background(), sess, id, disabled))
}

// ResetPassword issues a new temporary password.
func (s *UserService) ResetPassword(id int64) (TemporaryPassword, error) {
	sess, err := s.a.admin()
	if err != nil {
		return TemporaryPassword{}, err
	}
	t, err := s.a.Auth.ResetPassword(context.Background(), sess, id)
	if err != nil {
		return TemporaryPassword{}, s.a.fail("resetting password", err)
	}
	return tempOut(t, s.nowText), nil
}

// Unlock lifts a failed-login lock.
func (s *UserService) Unlock(id int64) error {
	sess, err := s.a.admin()
	if err != nil {
		return err
	}
	return s.a.fail("unlocking user", s.a.Auth.UnlockUser(context.Background(), sess, id))
}

// CompanyService is M-3 契約企業情報 照会・設定.
type CompanyService struct{ a *App }

func companyOut(c roster.Company) Company {
	return Company{ID: c.ID, Code: c.Code, Name: c.Name, NameKana: c.NameKana, CorporateNumber: c.CorporateNumber,
		PostalCode: c.PostalCode, Address: c.Address, Phone: c.Phone, Representative: c.Representative,
		ConsignFrom: c.ConsignFrom, ConsignTo: c.ConsignTo, Note: c.Note, Archived: c.Archived,
		Managers: c.Managers, Handlers: c.Handlers}
}

func companyIn(c Company) roster.Company {
	return roster.Company{ID: c.ID, Code: c.Code, Name: c.Name, NameKana: c.NameKana, CorporateNumber: c.CorporateNumber,
		PostalCode: c.PostalCode, Address: c.Address, Phone: c.Phone, Representative: c.Representative,
		ConsignFrom: c.ConsignFrom, ConsignTo: c.ConsignTo, Note: c.Note, Archived: c.Archived}
}

// List returns the companies this user may see (administrators: all).
func (s *CompanyService) List(includeArchived bool) ([]Company, error) {
	sess, err := s.a.ready()
	if err != nil {
		return nil, err
	}
	cs, err := s.a.Roster.Companies(context.Background(), sess.Principal, includeArchived)
	if err != nil {
		return nil, s.a.fail("listing companies", err)
	}
	out := make([]Company, len(cs))
	for i, c := range cs {
		out[i] = companyOut(c)
	}
	return out, nil
}

// Get returns one company.
func (s *CompanyService) Get(id int64) (Company, error) {
	sess, err := s.a.ready()
	if err != nil {
		return Company{}, err
	}
	c, err := s.a.Roster.Company(context.Background(), sess.Principal, id)
	if err != nil {
		return Company{}, s.a.fail("reading company", err)
	}
	return companyOut(c), nil
}

// Create adds a company (administrators).
func (s *CompanyService) Create(c Company) (Company, error) {
	sess, keys, err := s.a.adminUnlocked()
	if err != nil {
		return Company{}, err
	}
	out, err := s.a.Roster.CreateCompany(context.Background(), sess.Principal, keys, companyIn(c))
	if err != nil {
		return Company{}, s.a.fail("creating company", err)
	}
	return companyOut(out), nil
}

// Update edits a company (administrators).
func (s *CompanyService) Update(c Company) (Company, error) {
	sess, err := s.a.admin()
	if err != nil {
		return Company{}, err
	}
	out, err := s.a.Roster.UpdateCompany(context.Background(), sess.Principal, companyIn(c))
	if err != nil {
		return Company{}, s.a.fail("updating company", err)
	}
	return companyOut(out), nil
}

// HandlerService is 1-1 マイナンバー取扱者設定 (administrators).
type HandlerService struct{ a *App }

func refs(us []auth.UserRef) []UserRef {
	out := make([]UserRef, len(us))
	for i, u := range us {
		out[i] = UserRef{ID: u.ID, Login: u.Login, DisplayName: u.DisplayName, Disabled: u.Disabled}
	}
	return out
}

func (s *HandlerService) view(sess *auth.Session, as auth.Assignment) (HandlerAssignment, error) {
	cands, err := s.a.Auth.UserRefs(context.Background(), sess.Principal)
	if err != nil {
		return HandlerAssignment{}, s.a.fail("listing users", err)
	}
	return HandlerAssignment{CompanyID: as.CompanyID, CompanyName: as.CompanyName, Managers: refs(as.Managers),
		Handlers: refs(as.Handlers), Candidates: refs(cands)}, nil
}

// Get returns the managers and handlers of a company, and the users to choose from.
func (s *HandlerService) Get(companyID int64) (HandlerAssignment, error) {
	sess, err := s.a.admin()
	if err != nil {
		return HandlerAssignment{}, err
	}
	as, err := s.a.Auth.GetAssignment(context.Background(), sess.Principal, companyID)
	if err != nil {
		return HandlerAssignment{}, s.a.fail("reading assignment", err)
	}
	return s.view(sess, as)
}

// Set replaces the managers and handlers of a company.
func (s *HandlerService) Set(companyID int64, managerIDs, handlerIDs []int64) (HandlerAssignment, error) {
	sess, err := s.a.admin()
	if err != nil {
		return HandlerAssignment{}, err
	}
	as, err := s.a.Auth.SetAssignment(context.Background(), sess, companyID, managerIDs, handlerIDs)
	if err != nil {
		return HandlerAssignment{}, s.a.fail("saving assignment", err)
	}
	return s.view(sess, as)
}
