// Package ui is the boundary between the frontend and the Go services: one bound struct per menu
// area (SessionService, OfficeService, UserService, CompanyService, HandlerService,
// HistoryService, EmployeeService). Wails binds them in main.go; app/ui/webrpc serves the same structs over
// loopback HTTP for browser tests.
//
// # Contract
//
// Every bound method checks the session (idle lock, absolute lifetime, forced password change)
// and the user's role, calls the domain packages, and returns (T, error). A returned error is
// always an [*Error] whose Error() is a JSON object {code, ja, en, field}: the frontend parses it
// and shows the message in the user's language. Internal details go to the debug log only.
//
// # What it must never do
//
// Put a My Number, PIN or password in an error, an event or a log line; decide a permission in
// the frontend only.
package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/backup"
	"github.com/mynumber-shelter/shelter/app/collect"
	"github.com/mynumber-shelter/shelter/app/replica"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/share"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/internal/appdir"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// AppName is shown in the header.
const AppName = "MYNUMBER SHELTER"

// Config configures New.
type Config struct {
	// VaultDir holds vault.db. Created when missing, and made private to the user (appdir.MkdirPrivate).
	VaultDir string
	// Keychain defaults to the OS keychain.
	Keychain keychain.Keychain
	// KDF defaults to vault.DefaultKDF; tests lower it.
	KDF vault.KDFParams
	// Version is shown in the header.
	Version string
	// Now defaults to time.Now.
	Now func() time.Time
	// Log is the debug log; defaults to discarding. It never receives a number or a password.
	Log *slog.Logger
	// Policy defaults to auth.DefaultPolicy.
	Policy auth.Policy
	// BridgeSocket is the shelter-bridge socket the card reader is used through; defaults to
	// bridge.SocketPath(). The app works without the bridge.
	BridgeSocket string
	// BridgeCommand starts the bridge when it does not answer ([App.StartBridge]); nil means
	// "shelter-bridge run" from beside the executable, else from PATH; an empty non-nil slice
	// means never start one.
	BridgeCommand []string
	// SecondFactor is the second-factor policy until an administrator sets one: "required" (the
	// desktop app) or "optional" (empty: vaults and tools that predate second factors).
	SecondFactor string
}

// ShippedConfig is the configuration the desktop app runs with: the vault in vaultDir, the OS
// keychain, shelter-bridge on its default socket (started from beside the executable), the
// session policy of auth.DefaultPolicy and a second factor required until an administrator
// decides otherwise. main.go builds the app from it, and so do the browser tests (which change
// only the keychain and the key-derivation cost, see app/ui/e2e) and, through main.go, the
// window test: a test of the first run meets what a new user meets.
func ShippedConfig(vaultDir, version string, log *slog.Logger) Config {
	return Config{VaultDir: vaultDir, Version: version, Log: log, SecondFactor: string(auth.FactorRequired)}
}

// App owns the open vault and the current session of this desktop window.
type App struct {
	DB     *store.DB
	Vault  *vault.Vault
	Audit  *audit.Log
	Auth   *auth.Service
	Roster *roster.Service
	// CloudLink is the office's link with the relay: its replica and its history entries.
	CloudLink *replica.Service

	version string
	log     *slog.Logger

	mu      sync.Mutex
	sess    *auth.Session
	lang    string
	problem *Error
	// pendingKit is the Recovery Kit between Setup and ConfirmRecoveryKit (memory only).
	pendingKit *vault.RecoveryKit

	Session  *SessionService
	Office   *OfficeService
	Users    *UserService
	Company  *CompanyService
	Handlers *HandlerService
	History  *HistoryService
	// Employees is 1-2 従業員設定 (departments, employees, dependents, CSV import).
	Employees *EmployeeService
	// Use is 3-1 法人・個人マイナンバー照会 (reveal with a purpose, formats, downloads).
	Use *UseService
	// Collect is 1-3 取得管理 (requests, notices, identity checks, registration, status).
	Collect *CollectService
	// Dispose is 4-1 廃棄処理 / 廃棄証明書 (due list, approval, crypto-shredding, certificate).
	Dispose *DisposeService
	// Card is the My Number card read of 1-3 (through the shelter-bridge).
	Card *CardService
	// Factors is 二要素認証 (second factors, the login step, factor unlock, step-up).
	Factors *FactorService
	// Devices is M-4 機器の状態 (the bridge, its devices and settings); it owns the bridge supervisor.
	Devices *DeviceService
	// Scan is the scanner and folder inbox of 1-3 STEP2.
	Scan *ScanService
	// Sync is M-5 クラウド連携 and the online submissions of 1-3 STEP2.
	Sync *SyncService
	// Share is M-6 データ共有 (a client company shared with another installation).
	Share *ShareService
	Files *FileService
	// Backup is バックアップ (M-5) and 「バックアップから復元」 of the first start.
	Backup *BackupService
	// Replica is クラウド複製 (M-5) and 「クラウドから復元」 of the first start.
	Replica *ReplicaService

	// What several bound services use, owned here so that no service reaches into another's
	// fields (internal/repocheck checks it): the collection, backup and sharing use cases, the bridge connection of
	// the relay sync and the replica, and the bridge supervisor.
	collect   *collect.Service
	backups   *backup.Service
	share     *share.Service
	shareAuto shareAuto // the automatic share sync's errors (share_auto.go)
	relay     *bridge.Client
	sup       *supervisor
	// held are 1-3's scanned pages until a check seals them; inbox is whether the bridge has
	// this vault's folder inbox key.
	held  *heldPages
	inbox inboxState
}

// New opens (or creates) the vault in cfg.VaultDir.
func New(cfg Config) (*App, error) {
	if cfg.VaultDir == "" {
		return nil, errors.New("no vault directory given")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Keychain == nil {
		cfg.Keychain = keychain.OS()
	}
	if err := appdir.MkdirPrivate(cfg.VaultDir); err != nil {
		return nil, fmt.Errorf("creating vault directory: %w", err)
	}
	db, err := store.Open(context.Background(), filepath.Join(cfg.VaultDir, store.FileName))
	if err != nil {
		return nil, openError(err)
	}
	db.Now = cfg.Now
	a := &App{
		DB:      db,
		Vault:   &vault.Vault{Keychain: cfg.Keychain, KDF: cfg.KDF},
		Audit:   &audit.Log{},
		version: cfg.Version,
		log:     cfg.Log,
		lang:    "ja",
	}
	a.Auth = &auth.Service{DB: db, Vault: a.Vault, Audit: a.Audit, Policy: cfg.Policy}
	a.Roster = &roster.Service{DB: db, Audit: a.Audit}
	a.Session = &SessionService{a}
	a.Office = &OfficeService{a}
	a.Users = &UserService{a}
	a.Company = &CompanyService{a}
	a.Handlers = &HandlerService{a}
	a.History = &HistoryService{a}
	a.Employees = &EmployeeService{a: a}
	a.collect = &collect.Service{DB: db, Audit: a.Audit}
	a.backups = &backup.Service{DB: db, Audit: a.Audit}
	socket := cfg.BridgeSocket
	if socket == "" {
		socket = bridge.SocketPath()
	}
	a.relay = &bridge.Client{Path: socket}
	a.sup = newSupervisor(a, cfg.BridgeSocket, cfg.BridgeCommand)
	a.Use = newUseService(a)
	a.Collect = newCollectService(a)
	a.Dispose = newDisposeService(a)
	a.Card = newCardService(a, cfg.BridgeSocket)
	a.Factors = newFactorService(a, cfg.BridgeSocket, cfg.SecondFactor)
	a.Devices = &DeviceService{a: a}
	a.held = newHeldPages(a.now, a.session)
	a.Scan = newScanService(a)
	a.Sync = newSyncService(a)
	a.Share = newShareService(a)
	a.Files = &FileService{a: a}
	a.Backup = newBackupService(a)
	a.CloudLink = &replica.Service{DB: a.DB, Audit: a.Audit}
	a.Replica = newReplicaService(a)
	a.loadAuditKey()
	return a, nil
}

// loadAuditKey reads the audit key from the keychain; without it nothing can be audited, so the
// app shows the recovery screen (fail closed).
func (a *App) loadAuditKey() {
	err := a.DB.View(context.Background(), func(tx *store.Tx) error {
		ok, err := a.Vault.Initialized(tx)
		if err != nil || !ok {
			return err
		}
		key, err := a.Vault.AuditKey(tx)
		if err != nil {
			return err
		}
		a.Audit.SetKey(key)
		return nil
	})
	if err != nil {
		a.log.Warn("audit key unavailable", "err", err)
		a.problem = toError(auth.ErrKeychainMissing)
	}
}

// Services returns the structs to bind (Wails) or serve (webrpc).
func (a *App) Services() []any {
	return []any{a.Session, a.Office, a.Users, a.Company, a.Handlers, a.History, a.Employees, a.Use, a.Collect, a.Dispose, a.Card, a.Devices, a.Scan, a.Sync, a.Factors, a.Share, a.Files, a.Backup, a.Replica}
}

// Close logs out any open session and closes the database.
func (a *App) Close() error {
	a.mu.Lock()
	sess := a.sess
	a.sess = nil
	a.mu.Unlock()
	if sess != nil {
		if err := a.Auth.Logout(context.Background(), sess); err != nil {
			a.log.Warn("logout on close", "err", err)
		}
	}
	return a.DB.Close()
}

func (a *App) now() time.Time { return a.DB.Now() }

func (a *App) session() *auth.Session {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sess
}

// ready returns the session when it may act (logged in, not locked, not expired, password not
// pending change). An expired session is logged out.
func (a *App) ready() (*auth.Session, error) {
	sess := a.session()
	if sess == nil {
		return nil, toError(auth.ErrNotLoggedIn)
	}
	if err := sess.CheckReady(a.now()); err != nil {
		if apperr.HasCode(err, apperr.CodeSessionExpired) {
			a.endSession(sess)
		}
		return nil, toError(err)
	}
	return sess, nil
}

// unlocked is ready plus the session's unlocked vault keys: every bound method that reads or
// writes numbers starts here (a session whose keys are gone answers "locked").
func (a *App) unlocked() (*auth.Session, *vault.Keys, error) {
	sess, err := a.ready()
	if err != nil {
		return nil, nil, err
	}
	keys := sess.Keys()
	if keys == nil {
		return nil, nil, toError(auth.ErrLocked)
	}
	return sess, keys, nil
}

// adminUnlocked is unlocked plus the system administrator role.
func (a *App) adminUnlocked() (*auth.Session, *vault.Keys, error) {
	if _, err := a.admin(); err != nil {
		return nil, nil, err
	}
	return a.unlocked()
}

// admin is ready plus the system administrator role.
func (a *App) admin() (*auth.Session, error) {
	sess, err := a.ready()
	if err != nil {
		return nil, err
	}
	if err := auth.RequireAdmin(sess.Principal); err != nil {
		return nil, toError(err)
	}
	return sess, nil
}

func (a *App) endSession(sess *auth.Session) {
	if err := a.Auth.Logout(context.Background(), sess); err != nil {
		a.log.Warn("logout", "err", err)
	}
	a.mu.Lock()
	if a.sess == sess {
		a.sess = nil
	}
	a.mu.Unlock()
}

// Error is what every bound method returns on failure. Error() is JSON for the frontend.
type Error struct {
	Code  string `json:"code"`
	JA    string `json:"ja"`
	EN    string `json:"en"`
	Field string `json:"field,omitempty"`
}

func (e *Error) Error() string {
	b, _ := json.Marshal(e)
	return string(b)
}

// UserCode, UserField, Japanese and English make it an apperr.Coded.
func (e *Error) UserCode() string  { return e.Code }
func (e *Error) UserField() string { return e.Field }
func (e *Error) Japanese() string  { return e.JA }
func (e *Error) English() string   { return e.EN }

var errInternal = &Error{Code: apperr.CodeInternal,
	JA: "内部エラーが発生しました。操作は保存されていません。もう一度お試しください。続く場合は管理者に連絡してください。",
	EN: "An internal error occurred. Nothing was saved. Please try again; if it persists, contact your administrator."}

// toError maps any error to a user-safe *Error. Unknown errors become a generic message.
func toError(err error) *Error {
	if err == nil {
		return nil
	}
	var ue *Error
	if errors.As(err, &ue) {
		return ue
	}
	if e, ok := apperr.As(err); ok {
		return &Error{Code: e.Code, JA: e.JA, EN: e.EN, Field: e.Field}
	}
	if errors.Is(err, audit.ErrUnavailable) {
		return &Error{Code: "audit_unavailable",
			JA: "履歴を記録できないため、操作を中止しました（記録できない操作は行いません）。",
			EN: "The history could not be written, so the action was not performed."}
	}
	if errors.Is(err, vault.ErrDeviceSecretMissing) || errors.Is(err, vault.ErrAuditKeyMissing) {
		return toError(auth.ErrKeychainMissing)
	}
	return errInternal
}

// bridgeErr maps the error of a bridge call to a user-safe *Error: a refusal of the bridge in
// the words of its one table (bridge/messages.go, through apperr.Coded), another user-safe
// error as itself, and anything else (the daemon does not answer) as unavailable.
func (a *App) bridgeErr(err error, unavailable *Error) error {
	if err == nil {
		return nil
	}
	var be *bridge.Error
	if errors.As(err, &be) {
		// The bridge's messages carry no secret (its API never echoes a number, PIN or key).
		if !bridge.Known(be.Code) {
			a.log.Warn("bridge answered with an unknown code", "code", be.Code, "msg", be.Message)
		} else {
			a.log.Info("bridge refused", "code", be.Code, "msg", be.Message)
		}
		return toError(err)
	}
	if _, ok := apperr.As(err); ok {
		return toError(err)
	}
	a.log.Info("bridge unavailable", "err", err)
	return unavailable
}

// fail logs an internal error (never a secret: errors in this product carry none) and returns
// the user-safe form. Use as `return x, a.fail("what", err)`.
func (a *App) fail(what string, err error) error {
	if err == nil {
		return nil
	}
	ue := toError(err)
	var own *apperr.Error
	var mine *Error
	switch {
	case ue.Code == apperr.CodeInternal:
		a.log.Error(what, "err", err)
	case !errors.As(err, &own) && !errors.As(err, &mine):
		// A typed error of another package (a date, a CSV cell, the bridge…) shown as its own
		// words: logged too, so that one that did not come from the user's input is seen.
		a.log.Info(what, "code", ue.Code, "err", err)
	}
	return ue
}

// openError says in Japanese and English what to do when the vault cannot be opened.
func openError(err error) error {
	switch {
	case errors.Is(err, store.ErrKeyStoreMissing):
		return apperr.Wrap(err, "key_store_missing", "",
			"保管庫の鍵ストア（keys.db）が見つかりません。新しく作ると全員の個人番号が読めなくなるため、起動を中止しました。最新の鍵バックアップから keys.db を戻してください（shelterctl keys restore）。",
			"The vault's key store (keys.db) is missing. Making a new one would leave every number unreadable, so the app stopped. Put keys.db back from the latest key backup (shelterctl keys restore).")
	case errors.Is(err, store.ErrKeysMissing):
		return apperr.Wrap(err, "keys_missing", "",
			"鍵ストア（keys.db）に、保存されている個人番号の鍵がありません（古い鍵ストアに置き換えられた可能性があります）。最新の鍵バックアップから戻してください（shelterctl keys restore）。",
			"The key store (keys.db) lacks the keys of stored numbers (an older copy may have replaced it). Restore the latest key backup (shelterctl keys restore).")
	case errors.Is(err, store.ErrKeyStoreMismatch):
		return apperr.Wrap(err, "key_store_mismatch", "",
			"保管庫の鍵ストア（keys.db）が別の保管庫のものです。この保管庫の keys.db を戻してください。",
			"The key store (keys.db) belongs to another vault. Put back this vault's keys.db.")
	case errors.Is(err, store.ErrDamaged):
		return apperr.Wrap(err, "vault_damaged", "",
			"保管庫のファイルが破損しています。これ以上書き込まず、最新のバックアップ（データと鍵ストア）から復元してください。ディスクの点検もおすすめします。",
			"The vault files are damaged. Do not write to them: restore the latest backup (data and key store), and have the disk checked.")
	case errors.Is(err, store.ErrTooNew):
		return apperr.Wrap(err, "vault_too_new", "",
			"この保管庫は新しいバージョンのアプリで作られています。アプリを更新してください。",
			"This vault was written by a newer version of the app. Update the app.")
	}
	return err
}
