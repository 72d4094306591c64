package share

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/cloud/envelope"
)

// Offer as the recipient sees it.
type Offer struct {
	RelayCompany string
	FromOffice   string
	FromName     string
	Fingerprint  string // of the sender's installation key
	CompanyCode  string
	CompanyName  string
	Status       string
	ReceivedAt   time.Time
}

// Offers looks for new offers on the relay and lists the pending ones (administrators only).
// An offer whose MAC does not verify is dropped.
func (s *Service) Offers(ctx context.Context, p auth.Principal, keys *vault.Keys) ([]Offer, error) {
	if err := auth.RequireAdmin(p); err != nil {
		return nil, err
	}
	if s.transport() != nil {
		if err := s.fetchOffers(ctx, keys); err != nil {
			return nil, err
		}
	}
	var out []Offer
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT relay_company, from_office, from_name, from_key, box, status, received_at FROM share_offers
			WHERE status = 'pending' ORDER BY received_at, relay_company`)
		if err != nil {
			return err
		}
		type row struct {
			o   Offer
			key []byte
			box []byte
		}
		var list []row
		for rows.Next() {
			var r row
			var at string
			if err := rows.Scan(&r.o.RelayCompany, &r.o.FromOffice, &r.o.FromName, &r.key, &r.box, &r.o.Status, &at); err != nil {
				rows.Close()
				return err
			}
			r.o.ReceivedAt, _ = store.ParseTime(at)
			list = append(list, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range list {
			r.o.Fingerprint = vault.Fingerprint(r.key)
			var of offer
			if json.Unmarshal(r.box, &of) == nil {
				if pt, err := keys.OpenSealed(tx, infoAAD(r.o.RelayCompany, of.To), of.InfoBox); err == nil {
					var info offerInfo
					if json.Unmarshal(pt, &info) == nil {
						r.o.CompanyCode, r.o.CompanyName = info.Code, info.Name
						if info.FromName != "" {
							r.o.FromName = info.FromName
						}
					}
				}
			}
			out = append(out, r.o)
		}
		return nil
	})
	return out, err
}

// fetchOffers reads "company-key" envelopes of relay companies this office belongs to and has
// not yet shared or seen.
func (s *Service) fetchOffers(ctx context.Context, keys *vault.Keys) error {
	companies, err := s.transport().Companies(ctx)
	if err != nil {
		return fmt.Errorf("listing relay companies: %w", err)
	}
	if err := s.noteUnlisted(ctx, companies); err != nil {
		return err
	}
	self := s.transport().Office()
	for _, rc := range companies {
		var known, left, pending int
		err := s.DB.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(`SELECT (SELECT count(*) FROM shares WHERE relay_company = ?) + (SELECT count(*) FROM share_offers WHERE relay_company = ?),
				(SELECT count(*) FROM shares WHERE relay_company = ? AND left_share = 1),
				(SELECT count(*) FROM share_offers WHERE relay_company = ? AND status = 'pending')`,
				rc, rc, rc, rc).Scan(&known, &left, &pending)
		})
		if err != nil {
			return err
		}
		// A share this side was removed from, and that the relay lists again: a member offered
		// it again. Otherwise a company this side knows has nothing new to offer.
		rejoin := left > 0 && pending == 0
		if known > 0 && !rejoin {
			continue
		}
		items, err := s.transport().Receive(ctx, rc, 0)
		if err != nil {
			return fmt.Errorf("reading relay company: %w", err)
		}
		if rejoin {
			slices.Reverse(items) // the newest offer: the one made after the removal
		}
		for _, it := range items {
			e, err := envelope.Parse(it.Body)
			if err != nil || e.Record != RecordOffer || e.Sender == s.transport().Sender() {
				continue
			}
			var o offer
			if json.Unmarshal(e.Ciphertext, &o) != nil || o.V != 1 || o.To != self || o.From == self {
				continue
			}
			var ok bool
			err = s.DB.Update(ctx, func(tx *store.Tx) error {
				if ok, err := keys.CheckPeerMAC(tx, o.FromKey, o.macInput(rc), o.MAC); err != nil || !ok {
					return nil // not from the key it names: dropped
				}
				ok = true
				if rejoin {
					_, err = tx.Exec(`INSERT INTO share_offers(relay_company, from_office, from_key, box, status, received_at)
						VALUES(?, ?, ?, ?, 'pending', ?) ON CONFLICT(relay_company) DO UPDATE SET from_office = excluded.from_office,
						from_name = '', from_key = excluded.from_key, box = excluded.box, status = 'pending', received_at = excluded.received_at`,
						rc, o.From, o.FromKey, e.Ciphertext, tx.NowText())
					return err
				}
				_, err = tx.Exec(`INSERT OR IGNORE INTO share_offers(relay_company, from_office, from_key, box, status, received_at)
					VALUES(?, ?, ?, ?, 'pending', ?)`, rc, o.From, o.FromKey, e.Ciphertext, tx.NowText())
				return err
			})
			if err != nil {
				return err
			}
			if ok {
				break
			}
		}
	}
	return nil
}

// noteUnlisted records as left the shares whose relay company the relay no longer lists for
// this office (listed: every relay company it is a member of) and refuses to serve it: a
// member removed this side, or an administrator removed this PC from the office. A listing
// alone is not enough (one taken while this side registered a new company, a relay's passing
// fault): a share counted left is not offered to new workstations nor finished in removals.
// The workstation screen counts them.
func (s *Service) noteUnlisted(ctx context.Context, listed []string) error {
	type unlisted struct {
		company int64
		relay   string
		cursor  int64
	}
	var gone []unlisted
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT company_id, relay_company, relay_cursor FROM shares WHERE left_share = 0`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var u unlisted
			if err := rows.Scan(&u.company, &u.relay, &u.cursor); err != nil {
				return err
			}
			if !slices.Contains(listed, u.relay) {
				gone = append(gone, u)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	for _, u := range gone {
		if _, err := s.transport().Receive(ctx, u.relay, u.cursor); !errors.Is(err, ErrNotMember) {
			continue // served, or not answered now: still a member
		}
		if err := s.DB.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(`UPDATE shares SET left_share = 1 WHERE company_id = ?`, u.company)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// Accept accepts a pending offer (administrators only): fingerprint must be the sender's, as
// confirmed with its administrator. The company is created with the shared keys (its code gets
// a suffix if taken) and returned; a first Sync brings its data.
func (s *Service) Accept(ctx context.Context, p auth.Principal, keys *vault.Keys, relayCompany, fingerprint string) (roster.Company, error) {
	if err := auth.RequireAdmin(p); err != nil {
		return roster.Company{}, err
	}
	if s.transport() == nil {
		return roster.Company{}, ErrNoRelay
	}
	var c roster.Company
	err := s.DB.Update(ctx, func(tx *store.Tx) (err error) {
		c, err = s.acceptTx(tx, p, keys, relayCompany, func(_ string, fromKey []byte) error {
			if !sameFingerprint(fingerprint, fromKey) {
				return ErrFingerprint
			}
			return nil
		}, nil)
		return err
	})
	return c, err
}

// acceptTx accepts the pending offer of relayCompany inside tx once check (given the sender's
// office and installation key) has passed. then, when set, runs after a new company is made,
// with the offer and what it sealed to this side (a workstation's roles, workstation.go).
func (s *Service) acceptTx(tx *store.Tx, p auth.Principal, keys *vault.Keys, relayCompany string, check func(from string, fromKey []byte) error,
	then func(tx *store.Tx, companyID int64, o offer, info offerInfo) error) (roster.Company, error) {
	var c roster.Company
	self := s.transport().Office()
	err := func() error {
		var from, fromName string
		var fromKey, box []byte
		err := tx.QueryRow(`SELECT from_office, from_name, from_key, box FROM share_offers WHERE relay_company = ? AND status = 'pending'`,
			relayCompany).Scan(&from, &fromName, &fromKey, &box)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoOffer
		}
		if err != nil {
			return err
		}
		if err := check(from, fromKey); err != nil {
			return err
		}
		var o offer
		if err := json.Unmarshal(box, &o); err != nil {
			return fmt.Errorf("reading offer: %w", err)
		}
		if o.Epoch != "" && epochNumber(o.Epoch) < 1 {
			return fmt.Errorf("reading offer: key epoch %q", o.Epoch)
		}
		var existing int64
		switch err := tx.QueryRow(`SELECT company_id FROM shares WHERE relay_company = ?`, relayCompany).Scan(&existing); {
		case err == nil:
			c, err = s.rejoin(tx, p, keys, existing, from, fromKey, o)
			return err
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		pt, err := keys.OpenSealed(tx, infoAAD(relayCompany, self), o.InfoBox)
		if err != nil {
			return err
		}
		var info offerInfo
		if err := json.Unmarshal(pt, &info); err != nil {
			return fmt.Errorf("reading offer: %w", err)
		}
		code, err := freeCode(tx, info.Code)
		if err != nil {
			return err
		}
		res, err := tx.Exec(`INSERT INTO companies(code, name, name_kana, corporate_number, archived, created_at, updated_at)
			VALUES(?, ?, ?, ?, 0, ?, ?)`, code, info.Name, info.NameKana, info.Corp, tx.NowText(), tx.NowText())
		if err != nil {
			return fmt.Errorf("creating shared company: %w", err)
		}
		id, _ := res.LastInsertId()
		base := ""
		if o.Epoch == "" {
			// An offer from before epochs: the company key itself is shared.
			if err := keys.ImportCompany(tx, id, boxAAD(relayCompany, self), o.KeyBox); err != nil {
				return err
			}
		} else {
			// This side's own company key, and the epoch's key beside it (epochs.go).
			base = noBase
			if err := keys.CreateCompanyFromBox(tx, id, boxAAD(relayCompany, self), o.KeyBox); err != nil {
				return err
			}
			if err := keys.ImportShareKey(tx, id, o.Epoch, boxAAD(relayCompany, self), o.KeyBox); err != nil {
				return err
			}
		}
		if err := tx.SetMeta(fmt.Sprintf("relay_company_%d", id), relayCompany); err != nil {
			return err
		}
		if fromName == "" {
			fromName = info.FromName
		}
		if _, err := tx.Exec(`INSERT INTO shares(company_id, relay_company, self_office, peer_office, peer_name, peer_key, role,
			epoch, base_epoch, created_at) VALUES(?, ?, ?, ?, ?, ?, 'peer', ?, ?, ?)`,
			id, relayCompany, self, from, fromName, fromKey, o.Epoch, base, tx.NowText()); err != nil {
			return fmt.Errorf("recording share: %w", err)
		}
		if _, err := tx.Exec(`INSERT INTO share_members(company_id, office, name, public_key, sender_key, added_at) VALUES(?, ?, ?, ?, ?, ?)`,
			id, from, fromName, fromKey, senderKey(o.Sender), tx.NowText()); err != nil {
			return fmt.Errorf("recording share member: %w", err)
		}
		for _, m := range info.Members {
			if !envelope.ValidID(m.Office) || m.Office == self || m.Office == from {
				continue
			}
			if _, err := tx.Exec(`INSERT OR IGNORE INTO share_members(company_id, office, public_key, sender_key, added_at) VALUES(?, ?, ?, ?, ?)`,
				id, m.Office, m.Key, senderKey(m.Sender), tx.NowText()); err != nil {
				return fmt.Errorf("recording a share member: %w", err)
			}
		}
		for _, gone := range info.Removed {
			if !envelope.ValidID(gone) || gone == self || gone == from {
				continue
			}
			if _, err := tx.Exec(`INSERT OR IGNORE INTO share_members(company_id, office, added_at, removed_at) VALUES(?, ?, ?, ?)`,
				id, gone, tx.NowText(), tx.NowText()); err != nil {
				return fmt.Errorf("recording a removed share member: %w", err)
			}
		}
		if _, err := tx.Exec(`UPDATE share_offers SET status = 'accepted' WHERE relay_company = ?`, relayCompany); err != nil {
			return err
		}
		e := p.Entry(audit.ActionCompanyCreate, audit.ResultOK)
		e.CompanyID, e.TargetType, e.TargetID = id, "company", fmt.Sprint(id)
		e.Detail = audit.Redact("code=" + code + "; shared by office " + from)
		if _, err := s.Audit.Append(tx, e); err != nil {
			return err
		}
		if then != nil {
			if err := then(tx, id, o, info); err != nil {
				return err
			}
		}
		c, err = roster.CompanyTx(tx, id)
		return err
	}()
	return c, err
}

// senderKey is an offer's relay signing key id as share_members.sender_key keeps it (nil:
// none stated, an offer of an earlier version, or the zero id of a bridge that did not answer;
// the member's first envelope binds it).
func senderKey(k []byte) []byte {
	var zero envelope.KeyID
	if len(k) != len(zero) || bytes.Equal(k, zero[:]) {
		return nil
	}
	return k
}

// rejoin accepts an offer of a company this side shared before and was removed from: the
// offer's epoch key joins the company's keys here, the records are sent again under it (the
// other members skip what they hold), and the company stays as it is.
func (s *Service) rejoin(tx *store.Tx, p auth.Principal, keys *vault.Keys, companyID int64, from string, fromKey []byte, o offer) (roster.Company, error) {
	sh, err := loadShare(tx, companyID)
	if err != nil {
		return roster.Company{}, err
	}
	// Only an epoch after the one this side holds: an earlier one's key was destroyed here on
	// purpose (epochs.go), and an old offer the relay serves again must not bring it back.
	if o.Epoch != "" && laterEpoch(o.Epoch, sh.epoch) {
		err := keys.ImportShareKey(tx, companyID, o.Epoch, boxAAD(sh.relay, sh.self), o.KeyBox)
		if err != nil && !errors.Is(err, vault.ErrKeyExists) {
			return roster.Company{}, err
		}
		sh.epoch = o.Epoch
	}
	sh.resend = true
	if err := sh.save(tx); err != nil {
		return roster.Company{}, err
	}
	if _, err := tx.Exec(`UPDATE shares SET left_share = 0 WHERE company_id = ?`, companyID); err != nil {
		return roster.Company{}, err
	}
	if _, err := tx.Exec(`INSERT INTO share_members(company_id, office, public_key, added_at) VALUES(?, ?, ?, ?)
		ON CONFLICT(company_id, office) DO UPDATE SET removed_at = ''`, companyID, from, fromKey, tx.NowText()); err != nil {
		return roster.Company{}, fmt.Errorf("recording share member: %w", err)
	}
	if _, err := tx.Exec(`UPDATE share_offers SET status = 'accepted' WHERE relay_company = ?`, sh.relay); err != nil {
		return roster.Company{}, err
	}
	e := p.Entry(audit.ActionSettingChange, audit.ResultOK)
	e.CompanyID, e.TargetType, e.TargetID = companyID, "share", sh.relay
	e.Detail = "share rejoined: offered again by office " + from
	if _, err := s.Audit.Append(tx, e); err != nil {
		return roster.Company{}, err
	}
	return roster.CompanyTx(tx, companyID)
}

// Reject drops a pending offer (administrators only).
func (s *Service) Reject(ctx context.Context, p auth.Principal, relayCompany string) error {
	if err := auth.RequireAdmin(p); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(`UPDATE share_offers SET status = 'rejected' WHERE relay_company = ? AND status = 'pending'`, relayCompany)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNoOffer
		}
		return nil
	})
}

// freeCode returns code, or code with "-2", "-3", … when another company has it.
func freeCode(tx *store.Tx, code string) (string, error) {
	if code == "" {
		code = "SHARED"
	}
	try := code
	for i := 2; ; i++ {
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM companies WHERE code = ?`, try).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			return try, nil
		}
		suffix := fmt.Sprintf("-%d", i)
		try = code[:min(len(code), 20-len(suffix))] + suffix
	}
}
