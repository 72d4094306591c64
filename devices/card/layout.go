package card

import (
	"errors"
	"fmt"
)

// # Card generations
//
// Where a generation of the My Number card keeps what this package reads (the applications'
// AIDs and their elementary files) is a [Layout]. Everything else (PIN counters and
// verification, TLV parsing, the digests and signature of the 券面事項入力補助AP, the JPKI
// challenge) is written against a Layout, so that a new generation of the card is one new file
// declaring its Layout and appending it to [Layouts]; which generation a card is, is found by
// [DetectLayout] before each operation.
//
// Known today: [Gen1], the card issued since 2016 (layout_gen1.go). A next-generation card is
// planned by the government from 2026 with fewer applications; its AIDs and files were not
// published when this was written. Its Layout may leave Kenhojo empty (no 券面事項入力補助AP):
// reading the number then fails with [ErrNoKenhojo], and the app asks for the number by hand or
// from the card's 署名用 certificate where the law allows it.

// Layout is one generation of the card.
type Layout struct {
	// Name says which generation, for logs and errors.
	Name string
	// Kenhojo is the 券面事項入力補助AP; a nil AID means the generation has none.
	Kenhojo KenhojoFiles
	// JPKI is the 公的個人認証 AP.
	JPKI JPKIFiles
}

// KenhojoFiles are the 券面事項入力補助AP's AID and files.
type KenhojoFiles struct {
	AID      []byte
	Number   uint16 // 個人番号 (FF10 TLV)
	Basic4   uint16 // 基本4情報 (FF20 TLV)
	Digests  uint16 // the digests of Number and Basic4 (the signed object)
	TextCert uint16 // the certificate that signed Digests; 0: none on this generation
	PIN      uint16 // 券面事項入力補助用暗証番号
}

// JPKIFiles are the JPKI AP's AID and files.
type JPKIFiles struct {
	AID      []byte
	Token    uint16 // "JPKIAPICCTOKEN2"
	AuthCert uint16 // 利用者証明用電子証明書
	AuthKey  uint16 // its private key
	AuthPIN  uint16 // its 4-digit PIN
}

// Layouts are the generations this package knows, tried in this order by [DetectLayout].
var Layouts = []*Layout{&Gen1}

// ErrNoKenhojo: the card's generation has no 券面事項入力補助AP, so its number cannot be read
// with the 4-digit PIN.
var ErrNoKenhojo = errors.New("card: this generation of the card has no 券面事項入力補助AP")

// DetectLayout finds the generation of the card in t, inside a transaction the caller holds:
// with one known generation it is that one, without a command; otherwise the first of
// [Layouts] whose JPKI application the card selects. A card that selects none gives an error
// wrapping [ErrNotMyNumberCard].
func DetectLayout(t Transport) (*Layout, error) {
	if len(Layouts) == 1 {
		return Layouts[0], nil
	}
	for _, l := range Layouts {
		err := selectDF(t, l.JPKI.AID)
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrUnsupported) {
			return nil, fmt.Errorf("selecting JPKI (%s): %w", l.Name, err)
		}
	}
	return nil, fmt.Errorf("%w: no known JPKI application", ErrNotMyNumberCard)
}

// kenhojoOf is the card's 券面事項入力補助AP, or ErrNoKenhojo.
func kenhojoOf(t Transport) (*KenhojoFiles, error) {
	l, err := DetectLayout(t)
	if err != nil {
		return nil, err
	}
	if l.Kenhojo.AID == nil {
		return nil, fmt.Errorf("%w (%s)", ErrNoKenhojo, l.Name)
	}
	return &l.Kenhojo, nil
}

// jpkiOf is the card's JPKI AP.
func jpkiOf(t Transport) (*JPKIFiles, error) {
	l, err := DetectLayout(t)
	if err != nil {
		return nil, err
	}
	return &l.JPKI, nil
}
