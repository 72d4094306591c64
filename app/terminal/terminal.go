// Package terminal is this workstation's rights: which of the acts that take a My Number out of
// the vault's control may be done on this PC. It is the PPC guideline's 取扱端末の限定
// (事業者編 別添 安全管理措置 F 技術的安全管理措置 a アクセス制御: 特定個人情報ファイルを取り扱う
// 情報システムを限定する; for a small business, 取り扱う機器を特定する).
//
// # The rule
//
// An office may run the app on several workstations. Its administrator marks which of them may
//
//   - reveal a number on screen ([RightReveal]: 3-1's reveal, and the copy of a revealed number
//     to the clipboard);
//   - take numbers out in a file or on the clipboard ([RightDownload]: 3-1's downloads, every
//     one of which has the number column, and the clipboard copy, which the history records as
//     a 持出し too);
//   - carry out a disposal ([RightDispose]: 4-1's execution; proposing, approving and rejecting
//     a disposal, its certificate and the 台帳 stay allowed, as they touch no number).
//
// Everything else works on every workstation: collection (1-3, including the check of identity
// documents, whose images can show a number), the roster, the masked lists, the history (2-1),
// and the sharing of companies with other installations and workstations (app/share sends
// numbers sealed, never shown). The rights belong to the PC, not to a user: they add to the roles
// (事務取扱責任者 / 担当者), never replace them, and are checked right after the role check of
// each use case, inside its transaction ([Require]). A refusal is a user-safe forbidden error
// that says what was refused, why and how to go on; the use case records it in the history as a
// denied entry, in the same transaction, like its other refusals.
//
// # Storage
//
// One row of vault.db's terminal_rights. No row means everything is allowed: a single
// installation, or the first workstation of an office, needs no setting. An administrator
// approves a joining workstation and sets or edits its rights on another PC (M-5, app/share);
// they travel to this one and are applied here ([Apply]: the newest setting wins), and a PC that
// joins an office may be limited before any arrive ([Set] with undated rights). The caller
// records each change in the history in the same transaction. A backup or the office replica
// carries the row: a PC restored from them keeps its rights.
//
// # What it does not do
//
// It is an operating control, not a cryptographic one: someone who can write vault.db outside
// the app (an administrator of the PC, with the file) can delete the row. The keys do not depend
// on it. It never sees a number.
package terminal

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/store"
)

// Right is one act that may be limited to some workstations.
type Right string

// The rights.
const (
	RightReveal   Right = "reveal"   // show a number on screen (and copy it)
	RightDownload Right = "download" // take numbers out: a download file, a clipboard copy
	RightDispose  Right = "dispose"  // carry out a disposal
)

// Rights are this workstation's rights.
type Rights struct {
	Reveal, Download, Dispose bool
	// SetBy names who set them: the office or workstation id, or the login of the
	// administrator. "" when they were never set (everything allowed).
	SetBy string
	// SetAt is when an administrator set them (UTC); zero when never, or when they are
	// undated (see [Set]).
	SetAt time.Time
}

// All is the rights of a workstation nobody limited.
var All = Rights{Reveal: true, Download: true, Dispose: true}

// Allows reports whether r allows what. An unknown right is not allowed.
func (r Rights) Allows(what Right) bool {
	switch what {
	case RightReveal:
		return r.Reveal
	case RightDownload:
		return r.Download
	case RightDispose:
		return r.Dispose
	}
	return false
}

// ErrNotOnThisTerminal is what every refusal of [Require] matches with errors.Is. The refusal
// itself is an *apperr.Error (code forbidden) whose messages name the act.
var ErrNotOnThisTerminal = errors.New("not permitted on this terminal")

// Get returns this workstation's rights; [All] when none were set.
func Get(tx *store.Tx) (Rights, error) {
	var r Rights
	var at string
	err := tx.QueryRow(`SELECT reveal, download, dispose, set_by, set_at FROM terminal_rights WHERE id = 1`).
		Scan(&r.Reveal, &r.Download, &r.Dispose, &r.SetBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return All, nil
	}
	if err != nil {
		return Rights{}, fmt.Errorf("reading terminal rights: %w", err)
	}
	if r.SetAt, err = store.ParseTime(at); err != nil {
		return Rights{}, fmt.Errorf("reading terminal rights: %w", err)
	}
	return r, nil
}

// Set replaces this workstation's rights with r's Reveal, Download and Dispose, recording setBy
// (required: an office or workstation id, or a login; never a number) and r.SetAt, the time the
// administrator set them, as given: rights that travelled from another workstation keep the
// time they were set there. A zero SetAt stores undated rights (e.g. "nothing allowed" when
// this PC joins an office, before any administrator has said what it may do), which any dated
// rights replace in [Apply]. r.SetBy is ignored. The caller records the change in the history in
// the same transaction.
func Set(tx *store.Tx, r Rights, setBy string) error {
	setBy = strings.TrimSpace(setBy)
	if setBy == "" {
		return errors.New("setting terminal rights: who sets them is required")
	}
	_, err := tx.Exec(`INSERT INTO terminal_rights(id, reveal, download, dispose, set_by, set_at) VALUES(1, ?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET reveal = excluded.reveal, download = excluded.download, dispose = excluded.dispose,
		set_by = excluded.set_by, set_at = excluded.set_at`, r.Reveal, r.Download, r.Dispose, setBy, store.FormatTime(r.SetAt))
	if err != nil {
		return fmt.Errorf("setting terminal rights: %w", err)
	}
	return nil
}

// Apply sets rights that arrived from another workstation, dated r.SetAt (required), unless
// the rights already here were set at the same time or later: of several settings arriving in
// any order, the newest wins. changed reports whether what this workstation may do changed
// (so that the caller records it in the history).
func Apply(tx *store.Tx, r Rights, setBy string) (changed bool, err error) {
	if r.SetAt.IsZero() {
		return false, errors.New("applying terminal rights: the time they were set is required")
	}
	cur, err := Get(tx)
	if err != nil {
		return false, err
	}
	if !cur.SetAt.IsZero() && !r.SetAt.After(cur.SetAt) {
		return false, nil
	}
	if err := Set(tx, r, setBy); err != nil {
		return false, err
	}
	return cur.Reveal != r.Reveal || cur.Download != r.Download || cur.Dispose != r.Dispose, nil
}

// Require returns nil when this workstation may do what, and otherwise a user-safe forbidden
// error (matching [ErrNotOnThisTerminal]) that says what is refused, why, and how to go on. It
// fails closed: a right it does not know, or rights it cannot read, refuse.
func Require(tx *store.Tx, what Right) error {
	r, err := Get(tx)
	if err != nil {
		return err
	}
	if r.Allows(what) {
		return nil
	}
	return refusal(what)
}

// how is the end of every refusal's message: why, and how to go on.
const (
	howJA = "管理者がこの端末での取扱いを許可していません（取扱端末の限定）。許可された端末で行うか、管理者に「M-5」でこの端末を許可するよう依頼してください。"
	howEN = "The administrator has not allowed it on this workstation (workstations that handle My Numbers are limited). Do it on a permitted workstation, or ask the administrator to allow this one in M-5."
)

func refusal(what Right) error {
	var ja, en string
	switch what {
	case RightReveal:
		ja, en = "この端末では個人番号を表示できません。", "My Numbers cannot be revealed on this workstation."
	case RightDownload:
		ja, en = "この端末では個人番号の持出し（ダウンロード・クリップボードへのコピー）はできません。",
			"My Numbers cannot be taken out (downloaded or copied to the clipboard) on this workstation."
	case RightDispose:
		ja, en = "この端末では廃棄を実行できません。", "Disposals cannot be executed on this workstation."
	default:
		ja, en = "この端末ではこの操作はできません。", "This cannot be done on this workstation."
	}
	return apperr.Wrap(ErrNotOnThisTerminal, apperr.CodeForbidden, "", ja+howJA, en+" "+howEN)
}
