package ui

// The types of [CollectService] (1-3 取得管理). JSON names are what the frontend sees; times
// are RFC 3339 UTC or "".

// CollectRules is the reference data of the screens: channels, document kinds (with what each
// may be used for and on which channels), statuses and the image limits.
type CollectRules struct {
	Channels      []CollectLabel   `json:"channels"`
	Documents     []CollectDocKind `json:"documents"`
	Statuses      []CollectLabel   `json:"statuses"`
	MaxImageBytes int              `json:"maxImageBytes"`
	MaxImages     int              `json:"maxImages"`
	ContentTypes  []string         `json:"contentTypes"`
}

// CollectLabel is a code with its Japanese and English names.
type CollectLabel struct {
	Code string `json:"code"`
	JA   string `json:"ja"`
	EN   string `json:"en"`
}

// CollectDocKind is one kind of identity document. number: usable for 番号確認; identity: for
// 身元確認; photo: one suffices (otherwise two different ones are needed); alone: satisfies
// 身元確認 without a document; refused: never accepted (個人番号通知書); unconfirmed: its legal
// status is not confirmed (show a note); channels: where it may be used.
type CollectDocKind struct {
	CollectLabel
	Number      bool     `json:"number"`
	Identity    bool     `json:"identity"`
	Photo       bool     `json:"photo"`
	Alone       bool     `json:"alone"`
	Refused     bool     `json:"refused"`
	Unconfirmed bool     `json:"unconfirmed"`
	Channels    []string `json:"channels"`
}

// CollectSubmission is what a checker saw (STEP2). cardDetails answers "did the details on the
// 通知カード change?": "unchanged", "changed" or "" (not asked). imageKinds are the kinds of the
// attached images, one per image.
type CollectSubmission struct {
	Channel      string   `json:"channel"`
	NumberDoc    string   `json:"numberDoc"`
	IdentityDocs []string `json:"identityDocs"`
	CardDetails  string   `json:"cardDetails"`
	ImageKinds   []string `json:"imageKinds"`
}

// CollectProblem is one reason a submission is not acceptable; field is "channel",
// "numberDoc", "identityDocs", "cardDetails" or "images".
type CollectProblem struct {
	Code  string `json:"code"`
	Field string `json:"field"`
	JA    string `json:"ja"`
	EN    string `json:"en"`
}

// CollectRequestInput starts STEP1. deadline is YYYY-MM-DD (和暦 accepted) or ""; validDays 0
// means 14 days; filePassword, when set, encrypts the workbook (for sending it rather than
// printing it).
type CollectRequestInput struct {
	CompanyID    int64    `json:"companyId"`
	Title        string   `json:"title"`
	EmployeeIDs  []int64  `json:"employeeIds"`
	Purposes     []string `json:"purposes"`
	Sender       string   `json:"sender"`
	InPerson     string   `json:"inPerson"`
	Mail         string   `json:"mail"`
	Online       bool     `json:"online"`
	Contact      string   `json:"contact"`
	Deadline     string   `json:"deadline"`
	ValidDays    int      `json:"validDays"`
	FilePassword string   `json:"filePassword"`
	// PerEmployee asks for one workbook per employee in a .zip instead of one workbook with a
	// sheet each (at most 200).
	PerEmployee bool `json:"perEmployee"`
}

// CollectReissueInput is a reminder (再通知) of employees of one request.
type CollectReissueInput struct {
	CompanyID    int64   `json:"companyId"`
	RequestID    int64   `json:"requestId"`
	EmployeeIDs  []int64 `json:"employeeIds"`
	ValidDays    int     `json:"validDays"`
	FilePassword string  `json:"filePassword"`
	PerEmployee  bool    `json:"perEmployee"`
}

// CollectFile is a file for the frontend to save: data is standard base64.
type CollectFile struct {
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Data        string `json:"data"`
}

// CollectNotice is the result of a request or reminder: the notice workbook, which holds the
// only clear copy of the one-time passwords. expiresAt is RFC 3339 UTC, "" without online.
type CollectNotice struct {
	RequestID int64  `json:"requestId"`
	Letters   int    `json:"letters"`
	Persons   int    `json:"persons"`
	ExpiresAt string `json:"expiresAt"`
	// HasPasswords: the letters carry one-time passwords (the online form is offered).
	HasPasswords bool        `json:"hasPasswords"`
	File         CollectFile `json:"file"`
}

// CollectRequest is one request of a company with its targets counted by status code.
type CollectRequest struct {
	ID        int64          `json:"id"`
	Title     string         `json:"title"`
	CreatedAt string         `json:"createdAt"`
	CreatedBy string         `json:"createdBy"`
	Purposes  []string       `json:"purposes"`
	Online    bool           `json:"online"`
	Deadline  string         `json:"deadline"`
	Targets   int            `json:"targets"`
	Counts    map[string]int `json:"counts"`
}

// CollectImage is one image of a check: data is base64, a data: URL, or the ref of a page held
// by [ScanService] ("scan:<handle>/<n>"); contentType is image/jpeg, image/png or
// application/pdf (checked against the bytes).
type CollectImage struct {
	Kind        string `json:"kind"`
	ContentType string `json:"contentType"`
	Data        string `json:"data"`
}

// CollectCheckInput records STEP2 for personId (the employee or a dependent). With sendBack
// the submission is returned with reason and images are not kept.
type CollectCheckInput struct {
	CompanyID int64 `json:"companyId"`
	PersonID  int64 `json:"personId"`
	CollectSubmission
	SendBack bool           `json:"sendBack"`
	Reason   string         `json:"reason"`
	Images   []CollectImage `json:"images"`
}

// CollectCheckResult is the recorded check and the employee's status afterwards.
type CollectCheckResult struct {
	CheckID     int64   `json:"checkId"`
	Status      string  `json:"status"`
	DocumentIDs []int64 `json:"documentIds"`
}

// CollectNumber is one number typed for a person (full-width digits, spaces, hyphens are fine).
type CollectNumber struct {
	PersonID int64  `json:"personId"`
	Number   string `json:"number"`
}

// CollectNumbersInput registers numbers of an employee and their dependents (STEP3).
// acceptDuplicates lists persons whose duplicate warning the user confirmed.
type CollectNumbersInput struct {
	CompanyID        int64           `json:"companyId"`
	EmployeeID       int64           `json:"employeeId"`
	Numbers          []CollectNumber `json:"numbers"`
	AcceptDuplicates []int64         `json:"acceptDuplicates"`
}

// CollectRegistered is the family after registration: masked numbers by person, how many
// persons still lack one, and the employee's status.
type CollectRegistered struct {
	EmployeeID int64            `json:"employeeId"`
	Changed    int              `json:"changed"`
	Missing    int              `json:"missing"`
	Status     string           `json:"status"`
	Masked     map[int64]string `json:"masked"`
}

// CollectBoardFilter selects board rows: status is a status code or ""; pendingDays > 0 lists
// the non-submitters (依頼済 / 差戻し waiting at least that many days); limit defaults to 200.
type CollectBoardFilter struct {
	CompanyID   int64  `json:"companyId"`
	Status      string `json:"status"`
	Search      string `json:"search"`
	PendingDays int    `json:"pendingDays"`
	IncludeLeft bool   `json:"includeLeft"`
	Offset      int    `json:"offset"`
	Limit       int    `json:"limit"`
	// Sort is "" or "code", "name" (by reading), "department", "status" or "waiting"; Desc
	// reverses it.
	Sort string `json:"sort"`
	Desc bool   `json:"desc"`
}

// CollectBoard is the status board: counts of every status over the whole company, the total
// of matching rows, and one page of rows.
type CollectBoard struct {
	Counts map[string]int    `json:"counts"`
	Total  int               `json:"total"`
	Rows   []CollectBoardRow `json:"rows"`
}

// CollectBoardRow is one employee. Times are RFC 3339 UTC or "".
type CollectBoardRow struct {
	EmployeeID     int64  `json:"employeeId"`
	Code           string `json:"code"`
	Name           string `json:"name"`
	NameKana       string `json:"nameKana"`
	Department     string `json:"department"`
	LeftOn         string `json:"leftOn"`
	Status         string `json:"status"`
	RequestID      int64  `json:"requestId"`
	RequestTitle   string `json:"requestTitle"`
	NotifiedAt     string `json:"notifiedAt"`
	Reminders      int    `json:"reminders"`
	LastRemindedAt string `json:"lastRemindedAt"`
	DaysWaiting    int    `json:"daysWaiting"`
	Dependents     int    `json:"dependents"`
	Missing        int    `json:"missing"`
	HasNumber      bool   `json:"hasNumber"` // the employee's own number is stored
	ReturnedReason string `json:"returnedReason"`
	RefusedReason  string `json:"refusedReason"`
	RefusedAt      string `json:"refusedAt"`
	// SharedFrom is the other installation's office when the status came from it (M-6 sharing).
	SharedFrom string `json:"sharedFrom"`
}

// CollectRefusal is one entry of the refusal record (提供拒否の記録).
type CollectRefusal struct {
	RequestID    int64    `json:"requestId"`
	RequestTitle string   `json:"requestTitle"`
	EmployeeID   int64    `json:"employeeId"`
	EmployeeCode string   `json:"employeeCode"`
	Name         string   `json:"name"`
	Department   string   `json:"department"`
	RequestedAt  string   `json:"requestedAt"`
	RemindedAt   []string `json:"remindedAt"`
	RefusedAt    string   `json:"refusedAt"`
	Reason       string   `json:"reason"`
}
