// Package firstrun is the office's first day and its Recovery Kit: the first-run wizard's one
// transaction (office, first administrator, key hierarchy, history), the kit's confirmation by
// typing it back, and a new kit. The desktop app's bound services call it; nothing here knows a
// window.
package firstrun

import (
	"context"
	"errors"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// metaKitConfirmed is "1" once the current Recovery Kit was typed back, "0" while it waits.
const metaKitConfirmed = "recovery_kit_confirmed"

// ErrWrongPassword: the administrator's password did not open the vault (field "password").
var ErrWrongPassword = apperr.New(apperr.CodeInvalid, "password", "パスワードが違います。", "The password is incorrect.")

// State is what the first screen needs to know of the vault.
type State struct {
	Initialized  bool
	Office       roster.Office
	KitConfirmed bool
}

// Read reports whether the vault is set up, its office and whether its kit was confirmed.
func Read(ctx context.Context, db *store.DB, v *vault.Vault) (State, error) {
	var st State
	err := db.View(ctx, func(tx *store.Tx) error {
		ok, err := v.Initialized(tx)
		if err != nil || !ok {
			return err
		}
		st.Initialized = true
		if st.Office, _, err = roster.OfficeTx(tx); err != nil {
			return err
		}
		c, _, err := tx.Meta(metaKitConfirmed)
		st.KitConfirmed = c == "1"
		return err
	})
	return st, err
}

// Run is the first-run wizard's transaction: it records office, creates the first administrator
// and the key hierarchy with password, and writes the first history entry (with the audit key
// it made). It returns the Recovery Kit (to show once) and the audit key (for the app's log).
// Inputs are checked first; a vault that is already set up is a conflict.
func Run(ctx context.Context, db *store.DB, v *vault.Vault, workstation string, office roster.Office, admin auth.UserInput, password string) (vault.RecoveryKit, []byte, error) {
	if err := office.Validate(); err != nil {
		return vault.RecoveryKit{}, nil, err
	}
	admin.IsAdmin = true
	if err := admin.Validate(); err != nil {
		return vault.RecoveryKit{}, nil, err
	}
	if err := auth.CheckPassword(password, admin.Login); err != nil {
		return vault.RecoveryKit{}, nil, err
	}
	var kit vault.RecoveryKit
	var auditKey []byte
	err := db.Update(ctx, func(tx *store.Tx) error {
		ok, err := v.Initialized(tx)
		if err != nil {
			return err
		}
		if ok {
			return apperr.New(apperr.CodeConflict, "", "初期設定は既に完了しています。", "Setup has already been completed.")
		}
		if err := roster.SaveOfficeTx(tx, office); err != nil {
			return err
		}
		id, err := auth.CreateFirstAdmin(tx, admin)
		if err != nil {
			return err
		}
		var keys *vault.Keys
		kit, keys, err = v.Init(tx, id, password)
		if err != nil {
			return err
		}
		defer keys.Close()
		if auditKey, err = keys.AuditKey(tx); err != nil {
			return err
		}
		if err := tx.SetMeta(metaKitConfirmed, "0"); err != nil {
			return err
		}
		// The history is sealed from its first entry (app/audit, "Seals").
		log := &audit.Log{Key: auditKey, Workstation: workstation}
		defer log.Unseal(keys)
		if err := auth.BeginSeal(tx, log, keys, keys, auth.Principal{UserID: id, Login: admin.Login, IsAdmin: true}); err != nil {
			return err
		}
		e := audit.Entry{UserID: id, Login: admin.Login, Action: audit.ActionSetup, Result: audit.ResultOK,
			TargetType: "office", TargetID: "1", Detail: audit.Redact("vault created; office=" + office.Name)}
		_, err = log.Append(tx, e)
		return err
	})
	if err != nil {
		return vault.RecoveryKit{}, nil, err
	}
	return kit, auditKey, nil
}

// ConfirmKit records that administrator p typed the current Recovery Kit back.
func ConfirmKit(ctx context.Context, db *store.DB, log *audit.Log, p auth.Principal) error {
	if err := auth.RequireAdmin(p); err != nil {
		return err
	}
	return db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.SetMeta(metaKitConfirmed, "1"); err != nil {
			return err
		}
		e := p.Entry(audit.ActionSettingChange, audit.ResultOK)
		e.TargetType, e.Detail = "recovery_kit", "recovery kit confirmed by typing it back"
		_, err := log.Append(tx, e)
		return err
	})
}

// NewKit replaces the Recovery Kit after checking administrator p's password again: the old kit
// stops working at once and the new one waits to be confirmed. It returns the kit and the
// office's name (printed on it). A wrong password is [ErrWrongPassword].
func NewKit(ctx context.Context, db *store.DB, v *vault.Vault, log *audit.Log, p auth.Principal, password string) (vault.RecoveryKit, string, error) {
	if err := auth.RequireAdmin(p); err != nil {
		return vault.RecoveryKit{}, "", err
	}
	var kit vault.RecoveryKit
	var office roster.Office
	wrong := false
	err := db.Update(ctx, func(tx *store.Tx) error {
		check, err := v.Unlock(tx, p.UserID, password)
		if errors.Is(err, vault.ErrWrongPassword) {
			wrong = true
			return nil
		}
		if err != nil {
			return err
		}
		defer check.Close()
		if kit, err = v.RotateRecovery(tx, check); err != nil {
			return err
		}
		if office, _, err = roster.OfficeTx(tx); err != nil {
			return err
		}
		if err := tx.SetMeta(metaKitConfirmed, "0"); err != nil {
			return err
		}
		e := p.Entry(audit.ActionSettingChange, audit.ResultOK)
		e.TargetType, e.Detail = "recovery_kit", "new recovery kit generated; the previous one no longer works"
		_, err = log.Append(tx, e)
		return err
	})
	if err == nil && wrong {
		err = ErrWrongPassword
	}
	return kit, office.Name, err
}
