// Package card reads My Number cards (個人番号カード) and staff cards through PC/SC.
//
// # Model
//
// A [Transport] carries APDUs to one card. [OpenPCSC] gives a [*PCSC] that lists readers,
// watches them ([PCSC.Watch], [PCSC.WaitForCard]) and connects ([PCSC.Connect]) to a card
// as a [*Conn], the Transport over github.com/ebfe/scard. Everything else takes a Transport,
// so tests run the same code against the virtual card in devices/sim/card, either in process
// or through a real pcscd with the vsmartcard vpcd driver.
//
// The operations:
//
//   - [PINRetries] then [ReadKenhojo]: the My Number and the basic four facts (氏名, 住所,
//     生年月日, 性別) from the 券面事項入力補助AP, checked against the card's own digests
//     ([Integrity]).
//   - [CheckMyNumberCard]: is this a My Number card (JPKI token JPKIAPICCTOKEN2)?
//   - [AuthPINRetries], [Authenticate] and [AuthVerifier]: "log in with the IC card" with the
//     JPKI 利用者証明用 key: the card signs a random challenge, the verifier checks the
//     signature, the certificate chain to J-LIS's roots and the dates.
//   - [UID]: the UID of a contactless staff card.
//
// Where a generation of the card keeps its applications and files is a [Layout] (layout.go):
// [Gen1] today; the next generation (planned from 2026) is one more file and an entry in
// [Layouts], and [DetectLayout] tells the generations apart.
//
// Each APDU cites the clause of ISO/IEC 7816-4:2013 (or PC/SC Part 3, or the proprietary JPKI
// command as OpenSC implements it) it uses; the byte layouts and what is not publicly known
// about them are in /work/shared/reference/mynumber-card.md.
//
// # PINs
//
// PINs have three tries and only the municipality can unlock them. So: the tries left can be
// read without using one ([PINRetries], [AuthPINRetries]) and must be shown before the user
// types; an operation reads the counter again before sending the PIN, never sends it to a
// locked PIN, sends it to a PIN with one try left only with [Options.AllowLastTry], and never
// retries by itself. A rejected PIN is a [*WrongPINError] with the tries left. After an
// operation that used a PIN the card is reset, so the verified state does not outlive it.
//
// # Errors
//
// Status words become typed errors that unwrap to sentinels ([ErrWrongPIN], [ErrPINLocked],
// [ErrSecurityStatus], [ErrNotFound], ...); PC/SC failures unwrap to [ErrCardRemoved],
// [ErrNoReader], [ErrNoService] and the like as well as to the scard.Error. A card pulled
// mid-read gives [ErrCardRemoved] and no partial data.
//
// # What this package must never do
//
// It never logs, and never puts a PIN, a My Number or any data read from a card into an
// error. A My Number it returns is a [Number], which prints masked; only [Number.Reveal]
// gives the digits. It does not use encoding/asn1 for the card's private-class BER-TLV
// ([ParseTLV] does). It never claims more than it checked: [Integrity] is the card vouching
// for itself, not proof that J-LIS issued it, and [AuthVerifier] does not check revocation.
package card
