package vault

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/mynumber-shelter/shelter/app/jpdate"
)

// # Recovery key text format
//
// The 256-bit recovery key is written in Crockford base32 (0-9 A-Z without I L O U): 52 symbols,
// the last carrying 1 key bit and 4 zero bits. Pairs of symbols are read as elements of GF(2^10)
// and two Reed–Solomon check elements (4 symbols) are appended, so the key is 56 symbols shown as
// 14 groups of 4: "ABCD-EFGH-…". The code has distance 3 over 10-bit elements, which guarantees
// that any one mistyped character and any swap of two neighbouring characters is detected;
// other typos go undetected with probability about 2^-20.
//
// Parsing ignores case, spaces and dashes of any width and reads O as 0 and I, L as 1.

const (
	crockford         = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	recoveryDataSyms  = 52 // ceil(256 / 5)
	recoveryCheckSyms = 4  // two GF(2^10) elements
	recoverySyms      = recoveryDataSyms + recoveryCheckSyms
	recoveryGroup     = 4
	recoveryGroups    = recoverySyms / recoveryGroup

	gfPoly = 0x409 // x^10 + x^3 + 1, primitive over GF(2)
	// g(x) = (x + α)(x + α²) = x² + (α + α²)x + α³ with α = x = 2.
	gfG1 = 2 ^ 4
	gfG0 = 8
)

// gfMul multiplies in GF(2^10) modulo gfPoly.
func gfMul(a, b uint16) uint16 {
	var p uint16
	for b != 0 {
		if b&1 != 0 {
			p ^= a
		}
		b >>= 1
		a <<= 1
		if a&0x400 != 0 {
			a ^= gfPoly
		}
	}
	return p
}

// rsCheck returns the two check elements for data symbols (5-bit values, even count).
func rsCheck(syms []byte) (uint16, uint16) {
	var r1, r0 uint16
	for i := 0; i < len(syms); i += 2 {
		fb := (uint16(syms[i])<<5 | uint16(syms[i+1])) ^ r1
		r1 = r0 ^ gfMul(fb, gfG1)
		r0 = gfMul(fb, gfG0)
	}
	return r1, r0
}

// formatRecoveryKey encodes a 32-byte key as 14 hyphen-separated groups of 4 symbols.
func formatRecoveryKey(key []byte) string {
	syms := make([]byte, 0, recoverySyms)
	var acc uint32
	var bits uint
	for _, b := range key {
		acc = acc<<8 | uint32(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			syms = append(syms, byte(acc>>bits)&31)
		}
	}
	if bits > 0 {
		syms = append(syms, byte(acc<<(5-bits))&31)
	}
	r1, r0 := rsCheck(syms)
	syms = append(syms, byte(r1>>5), byte(r1&31), byte(r0>>5), byte(r0&31))
	var sb strings.Builder
	for i, s := range syms {
		if i > 0 && i%recoveryGroup == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(crockford[s])
	}
	return sb.String()
}

// parseRecoveryKey decodes a typed recovery key. Its errors wrap ErrBadRecoveryKey and never
// repeat what was typed.
func parseRecoveryKey(s string) ([]byte, error) {
	syms := make([]byte, 0, recoverySyms)
	for _, r := range norm.NFKC.String(s) {
		if unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) || r == '−' || r == 'ー' {
			continue
		}
		switch r = unicode.ToUpper(r); r {
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		i := strings.IndexRune(crockford, r)
		if i < 0 {
			return nil, fmt.Errorf("%w: group %d has a character that is not used in recovery keys (0-9, A-Z except U)",
				ErrBadRecoveryKey, len(syms)/recoveryGroup+1)
		}
		if len(syms) == recoverySyms {
			return nil, fmt.Errorf("%w: too long (a recovery key is %d groups of %d)", ErrBadRecoveryKey, recoveryGroups, recoveryGroup)
		}
		syms = append(syms, byte(i))
	}
	if len(syms) != recoverySyms {
		return nil, fmt.Errorf("%w: %d characters, want %d (%d groups of %d)",
			ErrBadRecoveryKey, len(syms), recoverySyms, recoveryGroups, recoveryGroup)
	}
	typo := fmt.Errorf("%w: there is a typo (the check group does not match): compare each group with the Recovery Kit", ErrBadRecoveryKey)
	data := syms[:recoveryDataSyms]
	r1, r0 := rsCheck(data)
	c := syms[recoveryDataSyms:]
	if uint16(c[0])<<5|uint16(c[1]) != r1 || uint16(c[2])<<5|uint16(c[3]) != r0 {
		return nil, typo
	}
	key := make([]byte, 0, keySize)
	var acc uint32
	var bits uint
	for _, s := range data {
		acc = acc<<5 | uint32(s)
		bits += 5
		if bits >= 8 {
			bits -= 8
			key = append(key, byte(acc>>bits))
		}
	}
	if acc&(1<<bits-1) != 0 { // the padding bits of the last symbol must be zero
		clear(key)
		return nil, typo
	}
	return key, nil
}

// CheckRecoveryKey reports whether s is a well-formed recovery key with a matching check group,
// so a form can point out a typo before asking for a new password. It does not tell whether the
// key opens this vault; [Vault.Recover] does. Errors wrap [ErrBadRecoveryKey].
func CheckRecoveryKey(s string) error {
	k, err := parseRecoveryKey(s)
	clear(k)
	return err
}

// RecoveryKit is what the office prints once at setup: the vault id and the recovery key that
// opens the vault when every password or this computer's keychain is lost.
type RecoveryKit struct {
	VaultID   string    // hex vault id, as in meta 'vault_id'
	Key       string    // formatted recovery key, "ABCD-EFGH-…" (14 groups of 4)
	CreatedAt time.Time // printed in JST
}

// Text is the printable Recovery Kit page (Japanese, plain text) for officeName. It contains the
// recovery key in clear: hand it only to the printer or the screen shown once at setup.
func (r RecoveryKit) Text(officeName string) string {
	groups := strings.Split(r.Key, "-")
	var lines []string
	for i := 0; i < len(groups); i += 7 {
		lines = append(lines, "    "+strings.Join(groups[i:min(i+7, len(groups))], "-"))
	}
	if officeName == "" {
		officeName = "(未設定)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `MyNumber Shelter リカバリーキット (Recovery Kit)
================================================

事業所名:   %s
作成日時:   %s (日本時間)
金庫ID:     %s

リカバリーキー:
%s

■ これは何ですか
  マイナンバー保管庫（金庫）を開くための非常用の鍵です。
  次のようなときに、このキーで金庫を開き、新しいパスワードを設定します。
  ・全員がパスワードを忘れたとき
  ・パソコンの故障・交換、OS の再インストールなどで、
    このパソコンのキーチェーン（資格情報）が失われたとき
  ・バックアップから別のパソコンに復元したとき
  このキーがなく、パスワードもキーチェーンも失われた場合、
  保管しているマイナンバーは誰にも（開発元にも）復元できません。

■ 保管方法
  ・印刷して封筒に入れ、金庫など施錠できる場所に保管してください。
  ・保管場所は事務取扱責任者が管理し、利用したときは記録してください。
  ・パソコン、メール、クラウド、写真には保存しないでください。
  ・このキーは、上記の金庫ID の保管庫にだけ使えます。

■ 入力するとき
  大文字・小文字、空白、ハイフンは区別しません（O と 0、I・L と 1 は同じ扱い）。
  入力ミスは最後のグループで検出されます。

このキーは二度と表示されません。
`, officeName, r.CreatedAt.In(jpdate.JST).Format("2006-01-02 15:04"), r.VaultID, strings.Join(lines, "\n"))
	return b.String()
}
