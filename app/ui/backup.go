package ui

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"syscall"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/backup"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// BackupService is バックアップ (in M-5, for administrators): a backup set of the data and the
// key store written to a folder or a removable drive, with a reminder when the last one is
// old; and 「バックアップから復元」 on the first-start screen of a new PC.
type BackupService struct {
	a *App

	mu     sync.Mutex
	folder func() (string, error)
}

func newBackupService(a *App) *BackupService {
	return &BackupService{a: a}
}

// SetFolderDialog sets the folder chooser (main.go: Wails' OpenDirectoryDialog). It returns the
// folder the user chose, or "" when they cancelled.
func (a *App) SetFolderDialog(dialog func() (string, error)) {
	a.Backup.mu.Lock()
	defer a.Backup.mu.Unlock()
	a.Backup.folder = dialog
}

// BackupStatus is the backup panel: when and where the last set was made, and whether the
// reminder is due (never, or older than a week).
type BackupStatus struct {
	LastAt     string `json:"lastAt"` // RFC 3339 UTC, "" when never
	LastFolder string `json:"lastFolder"`
	Due        bool   `json:"due"`
	RemindDays int    `json:"remindDays"`
}

// Status reports the last backup set.
func (s *BackupService) Status() (BackupStatus, error) {
	if _, err := s.a.admin(); err != nil {
		return BackupStatus{}, err
	}
	st, err := s.a.backups.Status(context.Background())
	if err != nil {
		return BackupStatus{}, s.a.fail("backup status", err)
	}
	out := BackupStatus{LastFolder: st.LastDir, Due: st.Due, RemindDays: int(backup.RemindAfter.Hours() / 24)}
	if !st.LastAt.IsZero() {
		out.LastAt = store.FormatTime(st.LastAt)
	}
	return out, nil
}

// ChooseFolder opens the desktop's folder chooser; "" when cancelled. A browser has none
// (ErrNoDialog): the page asks for the folder's path instead. An administrator, or anyone on a
// PC without an office (the restore of the first start).
func (s *BackupService) ChooseFolder() (string, error) {
	if s.a.initialized() { // else the first start, where no one can log in yet
		if _, err := s.a.admin(); err != nil {
			return "", err
		}
	}
	s.mu.Lock()
	dialog := s.folder
	s.mu.Unlock()
	if dialog == nil {
		return "", toError(ErrNoDialog)
	}
	dir, err := dialog()
	if err != nil {
		return "", s.a.fail("folder dialog", err)
	}
	return dir, nil
}

// BackupMade says where a backup set went.
type BackupMade struct {
	Folder    string `json:"folder"`
	CreatedAt string `json:"createdAt"`
	Bytes     int64  `json:"bytes"`
}

// Make writes a backup set (data and key store) into a new folder inside folder.
func (s *BackupService) Make(folder string) (BackupMade, error) {
	sess, err := s.a.admin()
	if err != nil {
		return BackupMade{}, err
	}
	folder = strings.TrimSpace(folder)
	if folder == "" {
		return BackupMade{}, toError(apperr.Invalid("folder", "保存先のフォルダを選んでください。", "Choose the folder to save the backup in."))
	}
	set, err := s.a.backups.Make(context.Background(), sess.Entry(audit.ActionBackup, audit.ResultOK), folder)
	if err != nil {
		return BackupMade{}, s.a.fail("backup", backupError(err))
	}
	return BackupMade{Folder: set.Dir, CreatedAt: set.Data.CreatedAt, Bytes: set.Data.Size + set.Keys.Size}, nil
}

// RestoreRequest is 「バックアップから復元」 on a PC without an office: the backup set's folder,
// the Recovery Kit, and an administrator's login with the new password for this PC.
type RestoreRequest struct {
	Folder      string `json:"folder"`
	RecoveryKey string `json:"recoveryKey"`
	Login       string `json:"login"`
	NewPassword string `json:"newPassword"`
}

// RestoreNew restores a backup set onto this PC, which holds no office yet, and logs the
// administrator in as the Recovery Kit does. The other users set new passwords through an
// administrator (their passwords were bound to the old PC's keychain).
func (s *BackupService) RestoreNew(req RestoreRequest) (SessionState, error) {
	a := s.a
	ctx := context.Background()
	if err := auth.CheckPassword(req.NewPassword, strings.TrimSpace(req.Login)); err != nil {
		return SessionState{}, a.fail("restore", err)
	}
	if strings.TrimSpace(req.Folder) == "" {
		return SessionState{}, toError(apperr.Invalid("folder", "バックアップのフォルダを指定してください。", "Give the backup's folder."))
	}
	set, _, err := backup.RestoreSet(ctx, a.DB, strings.TrimSpace(req.Folder), req.RecoveryKey)
	if err != nil {
		return SessionState{}, a.fail("restore", backupError(err))
	}
	return a.restored(ctx, set, req.RecoveryKey, req.Login, req.NewPassword)
}

// restored finishes a restore onto this PC (from a backup set or from the relay): the Recovery
// Kit logs the administrator in (a new device secret, the audit key back in the keychain, a
// new password), and the history records the restore.
func (a *App) restored(ctx context.Context, set backup.Set, recoveryKey, login, newPassword string) (SessionState, error) {
	st, err := a.Session.Recover(recoveryKey, login, newPassword)
	if err != nil {
		return st, err
	}
	if sess := a.session(); sess != nil {
		if err := a.backups.Restored(ctx, sess.Keys(), sess.Entry(audit.ActionRestore, audit.ResultOK), set); err != nil {
			a.log.Warn("recording the restore", "err", err)
		}
	}
	return st, nil
}

// initialized reports whether the vault holds an office (true when it cannot be read: fail
// closed).
func (a *App) initialized() bool {
	ok := true
	if err := a.DB.View(context.Background(), func(tx *store.Tx) (err error) {
		ok, err = a.Vault.Initialized(tx)
		return err
	}); err != nil {
		return true
	}
	return ok
}

// backupError says in the user's words what went wrong with a backup or a restore.
func backupError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotEmpty):
		return apperr.Wrap(err, "already_set_up", "",
			"このPCにはすでに事務所のデータがあります。バックアップからの復元は、データのないPCでのみ行えます。",
			"This PC already holds an office. A backup can be restored only onto a PC without one.")
	case errors.Is(err, vault.ErrBadRecoveryKey):
		return apperr.Wrap(err, apperr.CodeInvalid, "recoveryKey",
			"リカバリーキーがこのバックアップの事務所のものと一致しません。リカバリーキットの金庫IDと入力を確認してください。",
			"The recovery key does not open this backup's office. Check the vault ID on the Recovery Kit and what you typed.")
	case errors.Is(err, backup.ErrNotSet):
		return apperr.Wrap(err, apperr.CodeInvalid, "folder",
			"このフォルダはバックアップではありません。「MyNumberShelter-日付-時刻」のフォルダ（vault.backup と keys.backup があるもの）を指定してください。",
			"This folder is not a backup. Give a “MyNumberShelter-date-time” folder (the one holding vault.backup and keys.backup).")
	case errors.Is(err, backup.ErrCorrupt), errors.Is(err, store.ErrTooNew):
		return apperr.Wrap(err, "backup_damaged", "folder",
			"バックアップが壊れているか、このアプリより新しい版で作られています。別のバックアップを指定してください（何も変更していません）。",
			"The backup is damaged or was made by a newer version of the app. Give another backup (nothing was changed).")
	case errors.Is(err, backup.ErrLeftover):
		return apperr.Wrap(err, "backup_leftover", "",
			"バックアップの一時フォルダを削除できませんでした（ウイルス対策ソフトなどが使用中）。保存先の「.MyNumberShelter-」で始まるフォルダを削除してから、もう一度お試しください。",
			"The backup's temporary folder could not be removed (an antivirus or another program is using it). Delete the folder starting with “.MyNumberShelter-” in the destination and try again.")
	case errors.Is(err, syscall.ENOSPC):
		return apperr.Wrap(err, "disk_full", "folder",
			"保存先の空き容量が足りません。何も書き込んでいません。空きのあるドライブを選んでください。",
			"The destination is full. Nothing was written. Choose a drive with free space.")
	case errors.Is(err, os.ErrNotExist), errors.Is(err, os.ErrPermission):
		return apperr.Wrap(err, apperr.CodeInvalid, "folder",
			"フォルダが見つからないか、書き込めません。フォルダを選び直してください。",
			"The folder does not exist or cannot be written. Choose the folder again.")
	}
	return err
}
