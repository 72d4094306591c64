package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/collect"
	"github.com/mynumber-shelter/shelter/bridge"
)

// CardService is the front-desk My Number card read of 1-3 取得管理: the employee's card on the
// reader, the 4-digit PIN (券面事項入力補助用暗証番号) typed on the handler's screen, the number
// and the basic 4 facts read through the shelter-bridge daemon (which checks the card's own
// digests, EF 0003), and the identity check (channel ic_card) and the number recorded at once.
//
// The app works without the bridge: every method then fails with code "bridge_unavailable".
// The number never leaves Go except masked; the PIN is passed to the bridge and forgotten (never
// logged, stored or put in an error). The bridge never retries a PIN; neither does this service.
type CardService struct {
	a      *App
	socket string

	mu     sync.Mutex
	client *bridge.Client
}

func newCardService(a *App, socket string) *CardService {
	if socket == "" {
		socket = bridge.SocketPath()
	}
	return &CardService{a: a, socket: socket}
}

// CardReadResult is what [CardService.ReadForCheck] read and recorded. The number is masked.
type CardReadResult struct {
	CheckID int64  `json:"checkId"`
	Status  string `json:"status"` // the employee's collection status afterwards
	Masked  string `json:"masked"` // "**** **** 9018"
	// Changed is false when the person already had this number.
	Changed   bool   `json:"changed"`
	Name      string `json:"name"`
	Address   string `json:"address"`
	BirthDate string `json:"birthDate"` // YYYY-MM-DD
	Sex       string `json:"sex"`       // ISO 5218 digit
	SexLabel  string `json:"sexLabel"`
	// Integrity is the EF 0003 digest variant that matched.
	Integrity string `json:"integrity"`
	// Warnings are differences from the record that did not block (name spelling, no birth date).
	Warnings []CollectProblem `json:"warnings"`
}

// bridgeClient creates the client on first use.
func (s *CardService) bridgeClient() *bridge.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client == nil {
		s.client = &bridge.Client{Path: s.socket}
	}
	return s.client
}

// cardTimeout bounds one call to the bridge (a read takes about a second on a real reader).
const cardTimeout = 30 * time.Second

// Readers lists the IC card readers the bridge sees. No bridge fails with code
// "bridge_unavailable", no reader with "no_reader".
func (s *CardService) Readers() ([]string, error) {
	if _, err := s.a.ready(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), cardTimeout)
	defer cancel()
	rs, err := s.bridgeClient().Readers(ctx)
	if err != nil {
		return nil, s.a.cardErr(err)
	}
	if len(rs) == 0 {
		return nil, s.a.cardErr(&bridge.Error{Code: "no_reader"})
	}
	return rs, nil
}

// Retries returns the PIN tries left on the card on reader ("" = the only reader), to show
// before the PIN is asked for.
func (s *CardService) Retries(reader string) (int, error) {
	if _, err := s.a.ready(); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), cardTimeout)
	defer cancel()
	n, err := s.bridgeClient().CardRetries(ctx, reader)
	if err != nil {
		return 0, s.a.cardErr(err)
	}
	return n, nil
}

// ReadForCheck reads the card on reader with pin and, when the card's birth date matches the
// person's record, records the identity check (channel ic_card, the My Number card for both
// checks, no image) and registers the number for the person in one transaction
// ([collect.Service.RecordCardCheck]). A name that differs from the record (after removing
// spaces) is a warning in the result, not a refusal; a different birth date is refused with
// code "conflict" on field "birthDate". allowLastTry must be true to try the PIN when one try
// is left (the bridge answers "last_try" otherwise). Card errors carry the bridge's code
// (wrong_pin with the tries left in the message, pin_locked, card_removed, no_card,
// choose_reader, not_mynumber_card, integrity, …); nothing is written then. A wrong PIN is
// recorded in the history as denied (without the PIN).
func (s *CardService) ReadForCheck(companyID, personID int64, reader, pin string, allowLastTry bool) (CardReadResult, error) {
	sess, keys, err := s.a.unlocked()
	if err != nil {
		return CardReadResult{}, err
	}
	rec, err := s.a.collect.CardHolderOnRecord(context.Background(), sess.Principal, companyID, personID)
	if err != nil {
		return CardReadResult{}, s.a.collectFail(sess, companyID, audit.ActionRegister, "card read", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cardTimeout)
	defer cancel()
	d, err := s.bridgeClient().ReadCard(ctx, reader, pin, allowLastTry)
	pin = ""
	if err != nil {
		var be *bridge.Error
		if errors.As(err, &be) && (be.Code == bridge.CodeWrongPIN || be.Code == bridge.CodePINLocked) {
			if err := s.a.collect.RecordCardRefused(context.Background(), sess.Principal, companyID, personID, be.Code); err != nil {
				s.a.log.Warn("recording a refused card read", "err", err)
			}
		}
		return CardReadResult{}, s.a.cardErr(err)
	}
	sex := sexCode(d.Sex)
	out := CardReadResult{Name: d.Name, Address: d.Address, BirthDate: d.BirthDate, Sex: sex,
		SexLabel: sexLabel(sex), Integrity: d.Integrity, Warnings: []CollectProblem{}}
	if rec.BirthDate != "" && rec.BirthDate != d.BirthDate {
		return CardReadResult{}, toError(collect.ErrBirthMismatch)
	}
	if rec.BirthDate == "" {
		out.Warnings = append(out.Warnings, CollectProblem{Code: "birth_unknown", Field: "birthDate",
			JA: "登録されている生年月日がないため、照合していません。", EN: "No birth date is on record, so it was not compared."})
	}
	if squeeze(rec.Name) != squeeze(d.Name) {
		out.Warnings = append(out.Warnings, CollectProblem{Code: "name_differs", Field: "name",
			JA: "カードの氏名（" + d.Name + "）が登録されている氏名（" + rec.Name + "）と異なります。旧字体や表記の違いでないか確認してください。",
			EN: "The name on the card (" + d.Name + ") differs from the record (" + rec.Name + "). Check for old kanji or spelling."})
	}
	res, err := s.a.collect.RecordCardCheck(context.Background(), sess.Principal, keys, companyID, personID, d.Number)
	d.Number = ""
	if err != nil {
		return CardReadResult{}, s.a.collectFail(sess, companyID, audit.ActionRegister, "card check", err)
	}
	out.CheckID, out.Status, out.Masked, out.Changed = res.CheckID, string(res.Status), res.Masked, res.Changed
	return out, nil
}

// squeeze removes every space (half- and full-width) for the name comparison.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// sexCode returns the ISO 5218 digit. The bridge (as of this writing) sends the byte value of the
// digit ("50" for '2'); both forms are accepted.
func sexCode(s string) string {
	if d, ok := map[string]string{"48": "0", "49": "1", "50": "2", "57": "9"}[s]; ok {
		return d
	}
	return s
}

func sexLabel(code string) string {
	switch code {
	case "1":
		return "男"
	case "2":
		return "女"
	case "9":
		return "適用不能"
	}
	return "不明"
}

// cardErr maps the error of a card call (a bridge.Error's words are the bridge's own table).
func (a *App) cardErr(err error) error { return a.bridgeErr(err, errCardBridgeDown) }

var errCardBridgeDown = &Error{Code: CodeBridgeUnavailable,
	JA: "カードリーダー連携（shelter-bridge）が起動していません。起動してから、もう一度お試しください。カードを使わない確認はこのまま行えます。",
	EN: "The card reader service (shelter-bridge) is not running. Start it and try again; checks without the card work as usual."}
