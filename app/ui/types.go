package ui

// The types below are what bound methods take and return. JSON names are what the frontend sees
// (frontend/src/contract.gen.ts is generated from them by app/ui/tsgen: `make contract`).

// SessionState is everything the frontend needs to decide which screen to show.
type SessionState struct {
	AppName     string `json:"appName"`
	Version     string `json:"version"`
	Initialized bool   `json:"initialized"` // false → the setup wizard
	LoggedIn    bool   `json:"loggedIn"`
	Locked      bool   `json:"locked"` // idle lock: show the unlock screen
	// MustChangePassword: an administrator set the password; the user must choose a new one first.
	MustChangePassword bool `json:"mustChangePassword"`
	// RecoveryKitPending: setup finished but the Recovery Kit was never confirmed; the administrator
	// must generate and confirm a new one.
	RecoveryKitPending bool `json:"recoveryKitPending"`
	// BackupDue: an administrator is logged in and the last backup set is older than a week
	// (or there is none): the home screen reminds them.
	BackupDue bool        `json:"backupDue"`
	User      *UserInfo   `json:"user,omitempty"`
	Office    *OfficeInfo `json:"office,omitempty"`
	// PreviousIn / PreviousOut are the user's previous session (前回ログイン情報), RFC 3339, "" when none.
	PreviousIn  string `json:"previousIn"`
	PreviousOut string `json:"previousOut"`
	// IdleMinutes and AbsoluteHours are the session policy in force.
	IdleMinutes   int    `json:"idleMinutes"`
	AbsoluteHours int    `json:"absoluteHours"`
	Lang          string `json:"lang"` // "ja" or "en"
	// Problem is set when the vault cannot be used at all (e.g. the keychain entry is gone): the
	// frontend shows it with the recovery screen.
	Problem *Error `json:"problem,omitempty"`
	// TerminalRights are this workstation's rights (取扱端末の限定), once the vault is set up:
	// screens say why a reveal, a download or a disposal is refused here. Go enforces them.
	TerminalRights *TerminalRights `json:"terminalRights,omitempty"`
}

// TerminalRights are what this workstation may do with numbers (app/terminal): an
// administrator limits them per workstation in M-5. All true when never limited.
type TerminalRights struct {
	Reveal   bool `json:"reveal"`   // show a number (3-1)
	Download bool `json:"download"` // download numbers, copy a shown number (3-1)
	Dispose  bool `json:"dispose"`  // execute a disposal (4-1)
}

// UserInfo is the logged-in user as shown in the header.
type UserInfo struct {
	ID          int64  `json:"id"`
	Login       string `json:"login"`
	DisplayName string `json:"displayName"`
	IsAdmin     bool   `json:"isAdmin"`
}

// OfficeInfo is the operating office as shown in the header.
type OfficeInfo struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// Office is M-1 企業情報設定. Kind is one of "sharoushi" (社労士事務所), "zeirishi" (税理士事務所),
// "employer" (the employer itself), "other".
type Office struct {
	Name            string `json:"name"`
	NameKana        string `json:"nameKana"`
	Kind            string `json:"kind"`
	CorporateNumber string `json:"corporateNumber"`
	PostalCode      string `json:"postalCode"`
	Address         string `json:"address"`
	Phone           string `json:"phone"`
	Representative  string `json:"representative"`
}

// SetupRequest is the first-run wizard's input.
type SetupRequest struct {
	Office     Office `json:"office"`
	AdminLogin string `json:"adminLogin"`
	AdminName  string `json:"adminName"`
	Password   string `json:"password"`
}

// RecoveryKitView is the Recovery Kit, shown exactly once.
type RecoveryKitView struct {
	VaultID    string `json:"vaultId"`
	Key        string `json:"key"`
	CreatedAt  string `json:"createdAt"`
	OfficeName string `json:"officeName"`
	// Text is the printable page (plain text, Japanese with English).
	Text string `json:"text"`
}

// User is a row of M-2 ユーザー設定.
type User struct {
	ID                 int64         `json:"id"`
	Login              string        `json:"login"`
	DisplayName        string        `json:"displayName"`
	Email              string        `json:"email"`
	IsAdmin            bool          `json:"isAdmin"`
	Disabled           bool          `json:"disabled"`
	MustChangePassword bool          `json:"mustChangePassword"`
	Locked             bool          `json:"locked"` // temporarily locked after failed logins
	LastIn             string        `json:"lastIn"`
	LastOut            string        `json:"lastOut"`
	Roles              []CompanyRole `json:"roles"`
}

// CompanyRole is one 1-1 assignment of a user.
type CompanyRole struct {
	CompanyID   int64  `json:"companyId"`
	CompanyName string `json:"companyName"`
	Role        string `json:"role"` // "manager" (事務取扱責任者) or "handler" (事務取扱担当者)
}

// UserInput creates (ID 0) or edits a user.
type UserInput struct {
	ID          int64  `json:"id"`
	Login       string `json:"login"`
	DisplayName string `json:"displayName"`
	Email       string `json:"email"`
	IsAdmin     bool   `json:"isAdmin"`
}

// TemporaryPassword is returned once when an administrator creates a user or resets a password.
// The user must change it at next login; it expires at ExpiresAt.
type TemporaryPassword struct {
	User      User   `json:"user"`
	Password  string `json:"password"`
	ExpiresAt string `json:"expiresAt"`
}

// Company is a client company of M-3 契約企業情報.
type Company struct {
	ID              int64  `json:"id"`
	Code            string `json:"code"`
	Name            string `json:"name"`
	NameKana        string `json:"nameKana"`
	CorporateNumber string `json:"corporateNumber"`
	PostalCode      string `json:"postalCode"`
	Address         string `json:"address"`
	Phone           string `json:"phone"`
	Representative  string `json:"representative"`
	ConsignFrom     string `json:"consignFrom"` // 委託期間 start, YYYY-MM-DD or ""
	ConsignTo       string `json:"consignTo"`   // 委託期間 end, YYYY-MM-DD or ""
	Note            string `json:"note"`
	Archived        bool   `json:"archived"`
	Managers        int    `json:"managers"` // number of 事務取扱責任者
	Handlers        int    `json:"handlers"` // number of 事務取扱担当者
}

// UserRef names a user in lists.
type UserRef struct {
	ID          int64  `json:"id"`
	Login       string `json:"login"`
	DisplayName string `json:"displayName"`
	Disabled    bool   `json:"disabled"`
}

// HandlerAssignment is 1-1 マイナンバー取扱者設定 for one company.
type HandlerAssignment struct {
	CompanyID   int64     `json:"companyId"`
	CompanyName string    `json:"companyName"`
	Managers    []UserRef `json:"managers"`
	Handlers    []UserRef `json:"handlers"`
	Candidates  []UserRef `json:"candidates"` // every enabled user
}

// HistoryFilter selects 2-1 history entries. Zero values mean "any". From/To are YYYY-MM-DD
// (inclusive, local office dates are treated as JST).
type HistoryFilter struct {
	CompanyID int64  `json:"companyId"`
	UserID    int64  `json:"userId"`
	Action    string `json:"action"`
	From      string `json:"from"`
	To        string `json:"to"`
	BeforeID  int64  `json:"beforeId"` // paging: entries older than this id
	Limit     int    `json:"limit"`
}

// HistoryEntry is one row of the history.
type HistoryEntry struct {
	ID          int64  `json:"id"`
	Time        string `json:"time"` // RFC 3339 UTC
	Login       string `json:"login"`
	Workstation string `json:"workstation"`
	Action      string `json:"action"`
	ActionJA    string `json:"actionJa"`
	ActionEN    string `json:"actionEn"`
	CompanyID   int64  `json:"companyId"`
	CompanyName string `json:"companyName"`
	TargetType  string `json:"targetType"`
	TargetID    string `json:"targetId"`
	Purpose     string `json:"purpose"`
	Result      string `json:"result"`
	Detail      string `json:"detail"`
	// What a supervisor reads, in the UI language (app/history): the user as "display name
	// (login)", the record by name ("従業員 E0001 山田 太郎"), the purpose's name, the result's
	// label and the detail translated. The fields above are the entry as recorded.
	UserLabel    string `json:"userLabel"`
	TargetLabel  string `json:"targetLabel"`
	PurposeLabel string `json:"purposeLabel"`
	ResultLabel  string `json:"resultLabel"`
	DetailText   string `json:"detailText"`
	// Source is "" for this installation's entries, or the peer installation's name and office
	// id for a shared company's entries made there (2-1 取扱元; see share.go).
	Source string `json:"source,omitempty"`
}

// HistoryPage is one page, newest first. NextBeforeID is 0 on the last page.
type HistoryPage struct {
	Entries      []HistoryEntry `json:"entries"`
	NextBeforeID int64          `json:"nextBeforeId"`
	Total        int64          `json:"total"`
}

// VerifyResult is the audit chain's state.
type VerifyResult struct {
	Entries     int64  `json:"entries"`
	OK          bool   `json:"ok"`
	FirstBroken int64  `json:"firstBroken"`
	ReasonJA    string `json:"reasonJa"`
	ReasonEN    string `json:"reasonEn"`
	// Anchors is how many of the relay's anchors (digests of this history kept outside the PC)
	// were compared (0: none, or the relay could not be asked); AnchoredAt when the newest was
	// taken (RFC 3339 UTC).
	Anchors    int    `json:"anchors"`
	AnchoredAt string `json:"anchoredAt"`
	// Diverged counts the relay's records from the last restore (entry RestoredAt) on that
	// belong to the history before that restore (an older copy was restored).
	Diverged   int   `json:"diverged"`
	RestoredAt int64 `json:"restoredAt"`
	// SealedSince is the entry from which a session's entries are sealed (under the root key),
	// LastSealed the newest sealed entry (0: none), and Unsealed how many entries after it were
	// written with nobody logged in.
	SealedSince int64 `json:"sealedSince"`
	LastSealed  int64 `json:"lastSealed"`
	Unsealed    int64 `json:"unsealed"`
	// Chains are the other members' histories of the shared companies (the office's other
	// workstations, the client's installation), each recomputed here (app/share history.go).
	Chains []PeerChainResult `json:"chains"`
}

// PeerChainResult is one member's history of one shared company as the verification found it.
type PeerChainResult struct {
	CompanyName   string `json:"companyName"`
	Source        string `json:"source"`
	SourceName    string `json:"sourceName"`
	Entries       int    `json:"entries"`
	Chained       int    `json:"chained"`
	Gaps          int    `json:"gaps"`
	Broken        int    `json:"broken"`
	Bad           int    `json:"bad"`
	Authenticated bool   `json:"authenticated"`
	FirstBroken   int64  `json:"firstBroken"`
	OK            bool   `json:"ok"`
}

// MenuSection is a group of the main menu (導入・設定, 1. 取得・収集, …).
type MenuSection struct {
	ID      string     `json:"id"`
	TitleJA string     `json:"titleJa"`
	TitleEN string     `json:"titleEn"`
	Items   []MenuItem `json:"items"`
}

// MenuItem is one screen (M-1 … 4-1). Available is false for screens that are not built yet;
// Enabled is false when this user may not open it (ReasonJA/EN say why).
type MenuItem struct {
	ID        string `json:"id"`
	TitleJA   string `json:"titleJa"`
	TitleEN   string `json:"titleEn"`
	SummaryJA string `json:"summaryJa"`
	SummaryEN string `json:"summaryEn"`
	PointJA   string `json:"pointJa"` // the seed's ポイント text
	PointEN   string `json:"pointEn"`
	Available bool   `json:"available"`
	Enabled   bool   `json:"enabled"`
	ReasonJA  string `json:"reasonJa"`
	ReasonEN  string `json:"reasonEn"`
}
