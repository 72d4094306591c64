package ui

import (
	"context"
	"encoding/base64"

	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/use"
	"github.com/mynumber-shelter/shelter/internal/mynumber"
)

// UseService is 3-1 法人・個人マイナンバー照会: the masked list of a company's people, revealing a
// number for a purpose notified to that person, the company's 法人番号, download formats and
// My Number downloads. Every method requires a ready session and refuses (code "forbidden")
// anyone but the company's 事務取扱責任者 / 事務取扱担当者, the system administrator included.
// See app/use for the rules.
type UseService struct {
	a   *App
	svc *use.Service
}

func newUseService(a *App) *UseService {
	return &UseService{a: a, svc: &use.Service{DB: a.DB, Audit: a.Audit, Vault: a.Vault}}
}

// UsePeopleQuery selects a page of people. Kind is "" (both), "employee" or "dependent"; Status
// is "" (all), "active" or "left"; Limit defaults to 50 (at most 500).
type UsePeopleQuery struct {
	CompanyID    int64  `json:"companyId"`
	Search       string `json:"search"`
	DepartmentID int64  `json:"departmentId"`
	Kind         string `json:"kind"`
	Status       string `json:"status"`
	WithNumber   bool   `json:"withNumber"`
	Offset       int    `json:"offset"`
	Limit        int    `json:"limit"`
	// Sort is "" or "code", "name" (by reading) or "department", of the employee (a dependent
	// stays under them); Desc reverses it.
	Sort string `json:"sort"`
	Desc bool   `json:"desc"`
}

// UsePerson is one row of the list: an employee, each followed by their dependents.
type UsePerson struct {
	ID           int64  `json:"id"`
	Kind         string `json:"kind"`       // "employee" or "dependent"
	EmployeeID   int64  `json:"employeeId"` // the employee (itself for an employee)
	EmployeeCode string `json:"employeeCode"`
	Name         string `json:"name"`
	NameKana     string `json:"nameKana"`
	BirthDate    string `json:"birthDate"` // YYYY-MM-DD or ""
	BirthDateJA  string `json:"birthDateJa"`
	Relation     string `json:"relation"` // dependents: spouse, child, …
	RelationJA   string `json:"relationJa"`
	Department   string `json:"department"`
	LeftOn       string `json:"leftOn"`
	HasNumber    bool   `json:"hasNumber"`
	MaskedNumber string `json:"maskedNumber"` // "**** **** 9018" or ""
	// Purposes are the codes of the purposes notified to the person.
	Purposes []string `json:"purposes"`
}

// UsePeoplePage is one page; Total counts every match.
type UsePeoplePage struct {
	People []UsePerson `json:"people"`
	Total  int         `json:"total"`
}

// People returns a page of the company's people with numbers masked. Not recorded (no number is
// shown).
func (s *UseService) People(q UsePeopleQuery) (UsePeoplePage, error) {
	sess, err := s.a.ready()
	if err != nil {
		return UsePeoplePage{}, err
	}
	page, err := s.svc.People(context.Background(), sess, use.PeopleQuery{CompanyID: q.CompanyID, Search: q.Search,
		DepartmentID: q.DepartmentID, Kind: q.Kind, Status: q.Status, WithNumber: q.WithNumber, Offset: q.Offset, Limit: q.Limit,
		Sort: roster.Sort{Key: q.Sort, Desc: q.Desc}})
	if err != nil {
		return UsePeoplePage{}, s.a.fail("listing people", err)
	}
	out := UsePeoplePage{People: make([]UsePerson, len(page.People)), Total: page.Total}
	for i, p := range page.People {
		out.People[i] = UsePerson{ID: p.ID, Kind: p.Kind, EmployeeID: p.EmployeeID, EmployeeCode: p.EmployeeCode, Name: p.Name,
			NameKana: p.NameKana, BirthDate: p.BirthDate, BirthDateJA: warekiOf(p.BirthDate), Relation: string(p.Relation),
			RelationJA: p.Relation.Label("ja"), Department: p.Department, LeftOn: p.LeftOn, HasNumber: p.HasNumber,
			MaskedNumber: p.MaskedNumber, Purposes: p.Purposes}
	}
	return out, nil
}

// UsePurpose is one choice of the reason dropdown. NeedsReason is true for "OTHER" (その他):
// the user must type a reason of at least 4 characters.
type UsePurpose struct {
	Code        string `json:"code"`
	LabelJA     string `json:"labelJa"`
	LabelEN     string `json:"labelEn"`
	NotifiedAt  string `json:"notifiedAt"` // RFC 3339, "" for OTHER
	NeedsReason bool   `json:"needsReason"`
}

// Purposes returns the purposes a number of the person may be revealed for: those notified to
// that person, then OTHER.
func (s *UseService) Purposes(personID int64) ([]UsePurpose, error) {
	sess, err := s.a.ready()
	if err != nil {
		return nil, err
	}
	ps, err := s.svc.PurposesFor(context.Background(), sess.Principal, personID)
	if err != nil {
		return nil, s.a.fail("reading purposes", err)
	}
	out := make([]UsePurpose, len(ps))
	for i, p := range ps {
		out[i] = UsePurpose{Code: p.Code, LabelJA: p.LabelJA, LabelEN: p.LabelEN, NotifiedAt: store.FormatTime(p.NotifiedAt), NeedsReason: p.NeedsReason}
	}
	return out, nil
}

// RevealRequest asks for one number. Reason is required (≥ 4 characters) when Purpose is
// "OTHER", and ignored otherwise.
type RevealRequest struct {
	PersonID int64  `json:"personId"`
	Purpose  string `json:"purpose"`
	Reason   string `json:"reason"`
}

// RevealedNumber is a number to show for HideAfterSeconds, then hide again (HideAt). Number is
// the 12 digits (what a copy puts on the clipboard: call RecordCopy when the user copies);
// Formatted is "1234 5678 9018" for reading.
type RevealedNumber struct {
	PersonID         int64  `json:"personId"`
	Number           string `json:"number"`
	Formatted        string `json:"formatted"`
	Purpose          string `json:"purpose"`
	RevealedAt       string `json:"revealedAt"` // RFC 3339 UTC, the time of the history entry
	HideAt           string `json:"hideAt"`
	HideAfterSeconds int    `json:"hideAfterSeconds"`
}

// Reveal shows a number for a purpose notified to that person (or OTHER with a reason). The
// view is recorded in the history first; if it cannot be, no number is returned (code
// "audit_unavailable"). Other codes: "purpose_not_notified" (field purpose), "invalid" (field
// purpose or reason), "no_number", "disposed", "not_found", "forbidden".
func (s *UseService) Reveal(req RevealRequest) (RevealedNumber, error) {
	sess, err := s.a.readyStepUp() // step-up: a factor within 5 minutes (factors.go)
	if err != nil {
		return RevealedNumber{}, err
	}
	r, err := s.svc.Reveal(context.Background(), sess, req.PersonID, req.Purpose, req.Reason)
	if err != nil {
		return RevealedNumber{}, s.a.fail("revealing a number", err)
	}
	return RevealedNumber{PersonID: r.PersonID, Number: r.Number, Formatted: mynumber.FormatIndividual(r.Number), Purpose: r.Purpose,
		RevealedAt: store.FormatTime(r.RevealedAt), HideAt: store.FormatTime(r.HideAt), HideAfterSeconds: int(r.HideAfter.Seconds())}, nil
}

// RecordCopy records that the user copied the shown number of the person. The frontend calls it
// before writing the clipboard and writes it only when this succeeds; it fails with code
// "not_revealed" when the number is no longer shown (hideAfterSeconds passed).
func (s *UseService) RecordCopy(personID int64) error {
	sess, err := s.a.ready()
	if err != nil {
		return err
	}
	return s.a.fail("recording a copy", s.svc.RecordCopy(context.Background(), sess.Principal, personID))
}

// CorporateNumberView is a client company's 法人番号 (public). Number is the 13 digits ("" when
// none is registered); Formatted groups them as "7 0000 1205 0002".
type CorporateNumberView struct {
	CompanyID   int64  `json:"companyId"`
	CompanyName string `json:"companyName"`
	Number      string `json:"number"`
	Formatted   string `json:"formatted"`
}

// CorporateNumber shows the company's 法人番号. No purpose is needed; the view is recorded.
func (s *UseService) CorporateNumber(companyID int64) (CorporateNumberView, error) {
	sess, err := s.a.ready()
	if err != nil {
		return CorporateNumberView{}, err
	}
	c, err := s.svc.CorporateNumber(context.Background(), sess.Principal, companyID)
	if err != nil {
		return CorporateNumberView{}, s.a.fail("reading the corporate number", err)
	}
	return CorporateNumberView{CompanyID: c.CompanyID, CompanyName: c.CompanyName, Number: c.Number, Formatted: mynumber.FormatCorporate(c.Number)}, nil
}

// FormatColumn is one column of a download format, in file order. Field is one of the values of
// FormatFields; Title "" means the field's Japanese label; MaxWidth (> 0) limits the value in
// half-width units (全角 = 2); NoSpaces removes spaces from the value.
type FormatColumn struct {
	Field    string `json:"field"`
	Title    string `json:"title"`
	MaxWidth int    `json:"maxWidth"`
	NoSpaces bool   `json:"noSpaces"`
}

// DownloadFormat is a saved format (id > 0) or a built-in preset (id 0, preset set, read only).
// Encoding is "cp932" or "utf8bom"; Dates "western" (1985/04/01) or "wareki" (昭和60年4月1日);
// LineEnding "crlf" or "lf". Exactly one column must be "number".
type DownloadFormat struct {
	ID         int64          `json:"id"`
	Preset     string         `json:"preset"`
	Name       string         `json:"name"`
	Columns    []FormatColumn `json:"columns"`
	Encoding   string         `json:"encoding"`
	Header     bool           `json:"header"`
	Dates      string         `json:"dates"`
	LineEnding string         `json:"lineEnding"`
	UpdatedAt  string         `json:"updatedAt"`
	NoteJA     string         `json:"noteJa"`
	NoteEN     string         `json:"noteEn"`
}

func formatOut(f use.Format) DownloadFormat {
	out := DownloadFormat{ID: f.ID, Preset: f.Preset, Name: f.Name, Columns: make([]FormatColumn, len(f.Spec.Columns)),
		Encoding: string(f.Spec.Encoding), Header: f.Spec.Header, Dates: string(f.Spec.Dates), LineEnding: string(f.Spec.LineEnding),
		UpdatedAt: store.FormatTime(f.UpdatedAt), NoteJA: f.NoteJA, NoteEN: f.NoteEN}
	for i, c := range f.Spec.Columns {
		out.Columns[i] = FormatColumn{Field: string(c.Field), Title: c.Title, MaxWidth: c.MaxWidth, NoSpaces: c.NoSpaces}
	}
	return out
}

func formatIn(f DownloadFormat) use.Format {
	out := use.Format{ID: f.ID, Name: f.Name, Spec: use.Spec{Columns: make([]use.Column, len(f.Columns)),
		Encoding: use.Encoding(f.Encoding), Header: f.Header, Dates: use.DateStyle(f.Dates), LineEnding: use.LineEnding(f.LineEnding)}}
	for i, c := range f.Columns {
		out.Spec.Columns[i] = use.Column{Field: use.Field(c.Field), Title: c.Title, MaxWidth: c.MaxWidth, NoSpaces: c.NoSpaces}
	}
	return out
}

// FormatField is one choice of the column editor.
type FormatField struct {
	Field   string `json:"field"`
	LabelJA string `json:"labelJa"`
	LabelEN string `json:"labelEn"`
}

// FormatFields lists the fields a column may hold, in display order.
func (s *UseService) FormatFields() ([]FormatField, error) {
	if _, err := s.a.ready(); err != nil {
		return nil, err
	}
	fs := use.Fields()
	out := make([]FormatField, len(fs))
	for i, f := range fs {
		out[i] = FormatField{Field: string(f.Field), LabelJA: f.LabelJA, LabelEN: f.LabelEN}
	}
	return out, nil
}

// Formats returns the built-in presets, then the company's saved formats by name.
func (s *UseService) Formats(companyID int64) ([]DownloadFormat, error) {
	sess, err := s.a.ready()
	if err != nil {
		return nil, err
	}
	fs, err := s.svc.Formats(context.Background(), sess.Principal, companyID)
	if err != nil {
		return nil, s.a.fail("reading formats", err)
	}
	out := make([]DownloadFormat, len(fs))
	for i, f := range fs {
		out[i] = formatOut(f)
	}
	return out, nil
}

// SaveFormat adds (id 0) or replaces a saved format. Codes: "invalid" (field name, columns,
// encoding, dates, lineEnding), "conflict" (name taken), "not_found".
func (s *UseService) SaveFormat(companyID int64, f DownloadFormat) (DownloadFormat, error) {
	sess, err := s.a.ready()
	if err != nil {
		return DownloadFormat{}, err
	}
	saved, err := s.svc.SaveFormat(context.Background(), sess.Principal, companyID, formatIn(f))
	if err != nil {
		return DownloadFormat{}, s.a.fail("saving a format", err)
	}
	return formatOut(saved), nil
}

// DeleteFormat deletes a saved format.
func (s *UseService) DeleteFormat(companyID, id int64) error {
	sess, err := s.a.ready()
	if err != nil {
		return err
	}
	return s.a.fail("deleting a format", s.svc.DeleteFormat(context.Background(), sess.Principal, companyID, id))
}

// NumberDownloadRequest is one My Number download. FormatID names a saved format, or Preset a
// built-in one (FormatID 0). PersonIDs / All / IncludeDependents select the people. Purpose is a
// notified purpose code (not OTHER). FileType is "csv" or "xlsx"; FilePassword (≥ 8 characters)
// encrypts an xlsx file. Password is the user's login password, required when more than one
// person may be in the file (All, IncludeDependents, or two or more PersonIDs); it is never
// stored.
type NumberDownloadRequest struct {
	CompanyID         int64   `json:"companyId"`
	FormatID          int64   `json:"formatId"`
	Preset            string  `json:"preset"`
	PersonIDs         []int64 `json:"personIds"`
	All               bool    `json:"all"`
	IncludeDependents bool    `json:"includeDependents"`
	Purpose           string  `json:"purpose"`
	FileType          string  `json:"fileType"`
	FilePassword      string  `json:"filePassword"`
	Password          string  `json:"password"`
	// Substitute and Omit are the user's choice for rows the format cannot hold as they are
	// (after a first answer listed them in NumberDownload.Problems): write the characters
	// CP932 lacks as their everyday form (𠮷 → 吉) or 〓, and leave out rows still in trouble.
	Substitute bool `json:"substitute"`
	Omit       bool `json:"omit"`
}

// SkippedPerson is a selected person left out of the file. Reason: "not_notified" (the purpose
// was not notified to them), "no_number", "disposed". The person is named by employee code,
// name and relation ("本人" or the dependent's 続柄).
type SkippedPerson struct {
	PersonID     int64  `json:"personId"`
	Reason       string `json:"reason"`
	EmployeeCode string `json:"employeeCode"`
	Name         string `json:"name"`
	Relation     string `json:"relation"`
}

// DownloadProblem is a value of one person the format cannot hold as it is: Kind
// "unencodable" (a character CP932 lacks) or "too_long"; Message says which and what to do,
// in both languages. Written is the value as written after a substitution.
type DownloadProblem struct {
	PersonID     int64  `json:"personId"`
	EmployeeCode string `json:"employeeCode"`
	Name         string `json:"name"`
	Relation     string `json:"relation"`
	Column       string `json:"column"`
	Kind         string `json:"kind"`
	Written      string `json:"written"`
	MessageJA    string `json:"messageJa"`
	MessageEN    string `json:"messageEn"`
}

// NumberDownload is the file to save: Data is base64. Rows counts the people in it. When
// Problems is not empty nothing was written or recorded (FileName and Data are empty): the
// user chooses Substitute / Omit, or fixes the people in 1-2, and asks again. Substituted and
// Omitted say what the choice did.
type NumberDownload struct {
	FileName    string            `json:"fileName"`
	ContentType string            `json:"contentType"`
	Data        string            `json:"data"`
	Rows        int               `json:"rows"`
	Skipped     []SkippedPerson   `json:"skipped"`
	Problems    []DownloadProblem `json:"problems"`
	Substituted []DownloadProblem `json:"substituted"`
	Omitted     []DownloadProblem `json:"omitted"`
}

func downloadProblems(ps []use.RowProblem) []DownloadProblem {
	out := make([]DownloadProblem, len(ps))
	for i, p := range ps {
		out[i] = DownloadProblem{PersonID: p.PersonID, EmployeeCode: p.EmployeeCode, Name: p.Name, Relation: p.Relation,
			Column: p.Column, Kind: p.Kind, Written: p.Written, MessageJA: p.Japanese(), MessageEN: p.English()}
	}
	return out
}

// Download writes the file and records it as 持出し (purpose, row count) in the history. Codes:
// "password_required" / "bad_credentials" (field password; after 5 wrong passwords the session
// locks: "locked"), "invalid" (purpose, fileType, filePassword, selection), "not_found"
// (format, selection), "no_rows" (nobody selected was notified of the purpose or has a
// number, or every row was left out), "forbidden",
// "audit_unavailable".
func (s *UseService) Download(req NumberDownloadRequest) (NumberDownload, error) {
	sess, err := s.a.readyStepUp() // step-up: a factor within 5 minutes (factors.go)
	if err != nil {
		return NumberDownload{}, err
	}
	f, err := s.svc.Download(context.Background(), sess, use.DownloadRequest{CompanyID: req.CompanyID, FormatID: req.FormatID,
		Preset: req.Preset, Selection: use.Selection{PersonIDs: req.PersonIDs, All: req.All, IncludeDependents: req.IncludeDependents},
		Purpose: req.Purpose, FileType: use.FileType(req.FileType), FilePassword: req.FilePassword, Password: req.Password,
		OnProblem: use.ProblemChoice{Substitute: req.Substitute, Omit: req.Omit}})
	if err != nil {
		return NumberDownload{}, s.a.fail("downloading", err)
	}
	out := NumberDownload{FileName: f.Name, ContentType: f.ContentType, Rows: f.Rows, Skipped: make([]SkippedPerson, len(f.Skipped)),
		Problems: downloadProblems(f.Problems), Substituted: downloadProblems(f.Substituted), Omitted: downloadProblems(f.Omitted)}
	if f.Data != nil {
		out.Data = base64.StdEncoding.EncodeToString(f.Data)
		clear(f.Data)
	}
	for i, sk := range f.Skipped {
		out.Skipped[i] = SkippedPerson{PersonID: sk.PersonID, Reason: sk.Reason, EmployeeCode: sk.EmployeeCode, Name: sk.Name, Relation: sk.Relation}
	}
	return out, nil
}

// warekiOf writes an ISO date in 和暦 for display, or "" when it is empty or unreadable.
func warekiOf(iso string) string {
	t, err := jpdate.ParseISO(iso)
	if iso == "" || err != nil {
		return ""
	}
	return jpdate.Wareki(t)
}
