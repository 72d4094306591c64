package audit

import "strings"

// Action is what an entry records. Its string value is stored in the audit_log table and is
// part of the MAC, so a constant's value must never change once released.
type Action string

const (
	// ActionSetup: the vault was created (first-run wizard). 初期設定
	ActionSetup Action = "setup"
	// ActionLogin: a user logged in. ログイン
	ActionLogin Action = "login"
	// ActionLoginFailed: a login attempt failed (wrong password, second factor, locked account).
	// ログイン失敗
	ActionLoginFailed Action = "login_failed"
	// ActionLogout: a user logged out or the session ended. ログアウト
	ActionLogout Action = "logout"
	// ActionLock: the session was locked (idle or by the user). 画面ロック
	ActionLock Action = "lock"
	// ActionUnlock: a locked session was unlocked. ロック解除
	ActionUnlock Action = "unlock"
	// ActionRecovery: the vault was opened with the Recovery Kit, or a new kit was issued.
	// リカバリー
	ActionRecovery Action = "recovery"
	// ActionOfficeUpdate: M-1 the operating office was changed. 企業情報変更
	ActionOfficeUpdate Action = "office_update"
	// ActionUserCreate: M-2 a login user was created. ユーザー登録
	ActionUserCreate Action = "user_create"
	// ActionUserUpdate: M-2 a login user's details were changed. ユーザー変更
	ActionUserUpdate Action = "user_update"
	// ActionUserDisable: M-2 a login user was disabled. ユーザー無効化
	ActionUserDisable Action = "user_disable"
	// ActionUserEnable: M-2 a disabled user was enabled again. ユーザー有効化
	ActionUserEnable Action = "user_enable"
	// ActionPasswordReset: an administrator set another user's password. パスワード再設定
	ActionPasswordReset Action = "password_reset"
	// ActionPasswordChange: a user changed their own password. パスワード変更
	ActionPasswordChange Action = "password_change"
	// ActionRoleChange: a user's administrator flag changed. 権限変更
	ActionRoleChange Action = "role_change"
	// ActionCompanyCreate: M-3 a client company was registered. 契約企業登録
	ActionCompanyCreate Action = "company_create"
	// ActionCompanyUpdate: M-3 a client company was changed. 契約企業変更
	ActionCompanyUpdate Action = "company_update"
	// ActionAssignmentChange: 1-1 事務取扱責任者 / 事務取扱担当者 of a company changed.
	// 取扱者設定変更
	ActionAssignmentChange Action = "assignment_change"
	// ActionSettingChange: a vault setting changed (session policy, purposes, export formats).
	// 設定変更
	ActionSettingChange Action = "setting_change"
	// ActionRegister: a number, person or identity document was registered. 登録
	ActionRegister Action = "register"
	// ActionModify: a registered record was changed. 修正
	ActionModify Action = "modify"
	// ActionDelete: a record was deleted (other than by disposal). 削除
	ActionDelete Action = "delete"
	// ActionView: a number was revealed on screen, with a purpose. 照会
	ActionView Action = "view"
	// ActionExport: numbers left the vault in a file (CSV, Excel): 持出し.
	ActionExport Action = "export"
	// ActionPrint: a document with personal data was printed or saved for printing. 印刷
	ActionPrint Action = "print"
	// ActionDispose: numbers were disposed of (crypto-shredded) or a certificate issued. 廃棄
	ActionDispose Action = "dispose"
	// ActionBackup: a backup of the vault was written. バックアップ
	ActionBackup Action = "backup"
	// ActionRestore: the vault was restored from a backup. 復元
	ActionRestore Action = "restore"
	// ActionAuditVerify: the audit chain was verified ([Verify]). 履歴検証
	ActionAuditVerify Action = "audit_verify"
	// ActionReplica: the office replica on the cloud relay changed state (snapshots reach the
	// relay, or fail to). クラウド複製
	ActionReplica Action = "replica"
)

type labels struct{ ja, en string }

// actionLabels lists every action in display order.
var actionLabels = []struct {
	a Action
	l labels
}{
	{ActionSetup, labels{"初期設定", "Setup"}},
	{ActionLogin, labels{"ログイン", "Login"}},
	{ActionLoginFailed, labels{"ログイン失敗", "Login failed"}},
	{ActionLogout, labels{"ログアウト", "Logout"}},
	{ActionLock, labels{"画面ロック", "Lock"}},
	{ActionUnlock, labels{"ロック解除", "Unlock"}},
	{ActionRecovery, labels{"リカバリー", "Recovery"}},
	{ActionOfficeUpdate, labels{"企業情報変更", "Office updated"}},
	{ActionUserCreate, labels{"ユーザー登録", "User created"}},
	{ActionUserUpdate, labels{"ユーザー変更", "User updated"}},
	{ActionUserDisable, labels{"ユーザー無効化", "User disabled"}},
	{ActionUserEnable, labels{"ユーザー有効化", "User enabled"}},
	{ActionPasswordReset, labels{"パスワード再設定", "Password reset"}},
	{ActionPasswordChange, labels{"パスワード変更", "Password changed"}},
	{ActionRoleChange, labels{"権限変更", "Role changed"}},
	{ActionCompanyCreate, labels{"契約企業登録", "Company created"}},
	{ActionCompanyUpdate, labels{"契約企業変更", "Company updated"}},
	{ActionAssignmentChange, labels{"取扱者設定変更", "Handlers changed"}},
	{ActionSettingChange, labels{"設定変更", "Setting changed"}},
	{ActionRegister, labels{"登録", "Register"}},
	{ActionModify, labels{"修正", "Modify"}},
	{ActionDelete, labels{"削除", "Delete"}},
	{ActionView, labels{"照会", "View"}},
	{ActionExport, labels{"持出し", "Export"}},
	{ActionPrint, labels{"印刷", "Print"}},
	{ActionDispose, labels{"廃棄", "Dispose"}},
	{ActionBackup, labels{"バックアップ", "Backup"}},
	{ActionRestore, labels{"復元", "Restore"}},
	{ActionAuditVerify, labels{"履歴検証", "Audit verified"}},
	{ActionReplica, labels{"クラウド複製", "Cloud replica"}},
}

// Sessionless reports whether entries of action a may be written with no session's keys (so
// without a seal, see [Log.Seal]): failed logins, locks and unlocks, a logout that ends a
// locked session, and the replica's state, which the app's background upload records and which
// a screen lock may overtake. Every other action happens in a logged-in session. Allowing one
// costs little: an unsealed entry before a seal is still covered by that seal.
func (a Action) Sessionless() bool {
	switch a {
	case ActionLoginFailed, ActionLock, ActionUnlock, ActionLogout, ActionReplica:
		return true
	}
	return false
}

// Actions returns every known action in display order (for filter menus).
func Actions() []Action {
	as := make([]Action, len(actionLabels))
	for i, x := range actionLabels {
		as[i] = x.a
	}
	return as
}

// Valid reports whether a is one of the constants of this package.
func (a Action) Valid() bool {
	_, ok := a.labels()
	return ok
}

func (a Action) labels() (labels, bool) {
	for _, x := range actionLabels {
		if x.a == a {
			return x.l, true
		}
	}
	return labels{}, false
}

// Label is the action's name for display: English when lang is "en" or starts with "en-",
// Japanese otherwise (the product is Japanese first). An unknown action is shown as its raw
// value.
func (a Action) Label(lang string) string {
	l, ok := a.labels()
	if !ok {
		return string(a)
	}
	return pick(l, lang)
}

// Result is the outcome of the recorded action. Like [Action], its value is part of the MAC.
type Result string

const (
	// ResultOK: the action happened. 成功
	ResultOK Result = "ok"
	// ResultDenied: the action was refused by a rule (role, purpose, lockout). 拒否
	ResultDenied Result = "denied"
	// ResultFailed: the action was attempted and failed (wrong password, device error). 失敗
	ResultFailed Result = "failed"
)

// Valid reports whether r is one of the constants of this package.
func (r Result) Valid() bool {
	return r == ResultOK || r == ResultDenied || r == ResultFailed
}

// Label is the result's name for display, chosen by lang as for [Action.Label].
func (r Result) Label(lang string) string {
	switch r {
	case ResultOK:
		return pick(labels{"成功", "OK"}, lang)
	case ResultDenied:
		return pick(labels{"拒否", "Denied"}, lang)
	case ResultFailed:
		return pick(labels{"失敗", "Failed"}, lang)
	}
	return string(r)
}

func pick(l labels, lang string) string {
	if lang == "en" || strings.HasPrefix(lang, "en-") || strings.HasPrefix(lang, "en_") {
		return l.en
	}
	return l.ja
}
