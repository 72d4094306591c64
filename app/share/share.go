package share

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/collect"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/cloud/envelope"
)

// Record ids of the envelopes this package sends.
const (
	RecordOffer = "company-key"
	RecordBatch = "batch"
)

// Service implements sharing. DB and Audit are required; without a Transport (set in the
// literal, or later with SetTransport once the bridge is enrolled) the relay actions answer
// ErrNoRelay.
type Service struct {
	DB        *store.DB
	Audit     *audit.Log
	Transport Transport // read through transport(); change it with SetTransport
	// Rand defaults to crypto/rand.Reader.
	Rand io.Reader

	mu sync.RWMutex // guards Transport after construction
}

// SetTransport connects the service to the relay; safe while other calls run.
func (s *Service) SetTransport(t Transport) {
	s.mu.Lock()
	s.Transport = t
	s.mu.Unlock()
}

// HasTransport reports whether a transport is set.
func (s *Service) HasTransport() bool { return s.transport() != nil }

func (s *Service) transport() Transport {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.Transport
}

func (s *Service) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

// Errors the caller must tell apart (all apperr, user-safe).
var (
	ErrFingerprint = apperr.New(apperr.CodeInvalid, "fingerprint", "フィンガープリントが一致しません。相手の管理者に電話等で確認してください。",
		"The fingerprint does not match. Check it with the other administrator by phone.")
	ErrNoRelay = apperr.New(apperr.CodeConflict, "relay", "中継サーバーに接続する設定がありません。", "No relay connection is configured.")
	ErrShared  = apperr.New(apperr.CodeConflict, "office", "この企業は既にこの事務所と共有しています。", "This company is already shared with this office.")
	errNoOffer = apperr.New(apperr.CodeNotFound, "", "共有の申し出が見つかりません。", "Share offer not found.")
	errNoShare = apperr.New(apperr.CodeNotFound, "", "この企業は共有されていません。", "This company is not shared.")
	errNoKey   = apperr.New(apperr.CodeNotFound, "office", "この事務所IDの公開鍵は中継サーバーにありません。", "No key is published for this office id.")
)

// Identity is this installation as peers see it.
type Identity struct {
	Office      string
	PublicKey   []byte
	Fingerprint string
}

// Publish makes the installation key if needed, publishes it in the relay directory and
// returns it with its fingerprint (administrators only).
func (s *Service) Publish(ctx context.Context, p auth.Principal, keys *vault.Keys) (Identity, error) {
	if err := auth.RequireAdmin(p); err != nil {
		return Identity{}, err
	}
	if s.transport() == nil {
		return Identity{}, ErrNoRelay
	}
	var pub []byte
	err := s.DB.Update(ctx, func(tx *store.Tx) (err error) {
		pub, err = keys.InstallationKey(tx)
		return err
	})
	if err != nil {
		return Identity{}, err
	}
	if err := s.transport().PublishKey(ctx, pub); err != nil {
		return Identity{}, fmt.Errorf("publishing installation key: %w", err)
	}
	return Identity{Office: s.transport().Office(), PublicKey: pub, Fingerprint: vault.Fingerprint(pub)}, nil
}

// Peer is another office's directory entry with its key's fingerprint.
type Peer struct {
	Office      string
	Name        string
	Fingerprint string
}

// LookupPeer returns office's directory entry, for the administrator to compare its
// fingerprint with the other administrator before offering.
func (s *Service) LookupPeer(ctx context.Context, p auth.Principal, office string) (Peer, error) {
	if err := auth.RequireAdmin(p); err != nil {
		return Peer{}, err
	}
	if s.transport() == nil {
		return Peer{}, ErrNoRelay
	}
	k, err := s.transport().PeerKey(ctx, office)
	if errors.Is(err, ErrNotFound) {
		return Peer{}, errNoKey
	}
	if err != nil {
		return Peer{}, err
	}
	return Peer{Office: k.Office, Name: k.Name, Fingerprint: vault.Fingerprint(k.PublicKey)}, nil
}

// sameFingerprint compares what the administrator typed with the key's fingerprint, ignoring
// case, spaces and hyphens.
func sameFingerprint(typed string, pub []byte) bool {
	norm := func(s string) string {
		return strings.NewReplacer("-", "", " ", "", "　", "").Replace(strings.ToUpper(strings.TrimSpace(s)))
	}
	return subtle.ConstantTimeCompare([]byte(norm(typed)), []byte(norm(vault.Fingerprint(pub)))) == 1
}

// boxAAD binds a wrapped company key to the relay company and the recipient.
func boxAAD(relayCompany, to string) []byte {
	return []byte("shelter-share|" + relayCompany + "|" + to)
}

func infoAAD(relayCompany, to string) []byte {
	return []byte("shelter-share-info|" + relayCompany + "|" + to)
}

// offer is the plaintext of a "company-key" envelope. KeyBox and InfoBox are sealed to the
// recipient; MAC authenticates everything to the recipient (see vault.Keys.PeerMAC).
type offer struct {
	V       int    `json:"v"`
	From    string `json:"from"`
	To      string `json:"to"`
	FromKey []byte `json:"fromKey"`
	KeyBox  []byte `json:"keyBox"`
	InfoBox []byte `json:"infoBox"`
	MAC     []byte `json:"mac"`
	// Epoch is the key epoch KeyBox holds (epochs.go): the share's current one. "" for the
	// company key of a share made before epochs.
	Epoch string `json:"epoch,omitempty"`
	// Sender is the key id of the offering installation's relay signing key: the recipient
	// imports as the offerer's only envelopes signed by it, from the first one (another member
	// holding the epoch's key cannot write in the offerer's name before the offerer has sent
	// anything under that epoch).
	Sender []byte `json:"sender,omitempty"`
}

// offerInfo is sealed in InfoBox.
type offerInfo struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	NameKana string `json:"nameKana"`
	Corp     string `json:"corporateNumber"`
	FromName string `json:"fromName"`
	// Roles: an offer to a workstation carries the company's 責任者 / 担当者 by login; a user of
	// the same login there gets the same role.
	Roles []wsRole `json:"roles,omitempty"`
	// Removed: the offices removed from the company's group, as the offering side knows them.
	// The new member counts them removed too: it imports nothing of theirs, and it does not
	// offer the company to one of them (a workstation removed from the company in M-6).
	Removed []string `json:"removed,omitempty"`
	// Members: the other members as the offering side knows them, with their installation key
	// and relay signing key. The new member binds them from the start, so that no member can
	// write in another's name to it before that one's first envelope reached it.
	Members []memberInfo `json:"members,omitempty"`
}

// memberInfo is a member of a company's group as an offer names it.
type memberInfo struct {
	Office string `json:"office"`
	Key    []byte `json:"key,omitempty"`
	Sender []byte `json:"sender,omitempty"`
}

func (o *offer) macInput(relayCompany string) []byte {
	kb, ib := sha256.Sum256(o.KeyBox), sha256.Sum256(o.InfoBox)
	m := []byte("shelter-share-offer|v1|" + relayCompany + "|" + o.From + "|" + o.To + "|")
	if o.Epoch != "" {
		m = append(m, "epoch="+o.Epoch+"|"...)
	}
	if len(o.Sender) > 0 {
		m = append(m, "sender="+hex.EncodeToString(o.Sender)+"|"...)
	}
	m = append(m, kb[:]...)
	return append(m, ib[:]...)
}

// firstEpoch is the first key epoch of a share of companyID that is not recorded yet: the one
// an earlier offer made, when that offer may have reached the relay (its answer lost, the
// share not recorded) and been accepted, else a new one, kept until the share is recorded.
func firstEpoch(tx *store.Tx, keys *vault.Keys, companyID int64) (string, error) {
	meta := firstEpochMeta(companyID)
	if epoch, ok, err := tx.Meta(meta); err != nil {
		return "", err
	} else if ok {
		ek, err := keys.ShareKey(tx, companyID, epoch)
		if err == nil {
			ek.Close()
			return epoch, nil
		}
		if !errors.Is(err, vault.ErrNoCompanyKey) {
			return "", err
		}
	}
	first, err := newEpochName("e0-00000000")
	if err != nil {
		return "", err
	}
	if err := keys.NewShareKey(tx, companyID, first); err != nil {
		return "", err
	}
	return first, tx.SetMeta(meta, first)
}

// relayCompanyID returns the company's relay id from meta (made by SYNC or by an earlier
// share), or makes one ("c-" + 20 base32 characters) and reports that it is new.
func (s *Service) relayCompanyID(tx *store.Tx, companyID int64) (string, bool, error) {
	return collect.EnsureRelayCompanyTx(tx, companyID, s.rand())
}

// firstEpochMeta is the meta key of the first epoch of company companyID's share, made by
// its first offer (kept while the offer may be interrupted and made again).
func firstEpochMeta(companyID int64) string { return fmt.Sprintf("share_first_epoch_%d", companyID) }

// submissionKeyDER is the key the relay company is registered with when this package creates
// it: the company's submission key when SYNC made one, else the installation key (SYNC's
// registration replaces it: a member may rotate the key).
func submissionKeyDER(tx *store.Tx, companyID int64, installation []byte) ([]byte, error) {
	pub := installation
	var k []byte
	err := tx.QueryRow(`SELECT public_key FROM sync_submission_keys WHERE company_id = ?`, companyID).Scan(&k)
	if err == nil {
		pub = k
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("reading submission key: %w", err)
	}
	ek, err := ecdh.P256().NewPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("submission key: %w", err)
	}
	return x509.MarshalPKIXPublicKey(ek)
}

// Offer shares company companyID with office peerOffice (administrators only): the first
// member of its group, or one more when the company is shared already (by this side or with
// this side: every member may add one). peerFingerprint is what the administrator confirmed
// with the other administrator; it must match the key the relay directory gives for
// peerOffice ([ErrFingerprint]). An office that is a member already gives [ErrShared].
func (s *Service) Offer(ctx context.Context, p auth.Principal, keys *vault.Keys, companyID int64, peerOffice, peerFingerprint string) error {
	if err := auth.RequireAdmin(p); err != nil {
		return err
	}
	if s.transport() == nil {
		return ErrNoRelay
	}
	if !envelope.ValidID(peerOffice) || peerOffice == s.transport().Office() {
		return apperr.Invalid("office", "相手の事務所IDが正しくありません。", "The other office id is not valid.")
	}
	peer, err := s.transport().PeerKey(ctx, peerOffice)
	if errors.Is(err, ErrNotFound) {
		return errNoKey // not published yet: the other administrator opens M-6 first
	}
	if err != nil {
		return fmt.Errorf("peer key: %w", err)
	}
	if !sameFingerprint(peerFingerprint, peer.PublicKey) {
		return ErrFingerprint
	}
	return s.offerTo(ctx, p, keys, companyID, peerOffice, peer.Name, peer.PublicKey, false)
}

// offerTo makes and sends the offer of companyID to peerOffice, whose installation key peerKey
// the caller has confirmed (a typed fingerprint, a workstation's pair code). ws is set when
// the peer is a workstation of this office: the offer then carries the company's role
// assignments (workstation.go).
func (s *Service) offerTo(ctx context.Context, p auth.Principal, keys *vault.Keys, companyID int64, peerOffice, peerName string, peerKey []byte, ws bool) error {
	self := s.transport().Office()
	var (
		relay   string
		shared  bool // the company has a group already: peerOffice joins it
		subKey  []byte
		first   string // a new share's first epoch
		rotated bool   // a removed member offered again: the others learn it from a rotation
		sender  = s.transport().Sender()
		o       = offer{V: 1, From: self, To: peerOffice, Sender: sender[:]}
		offerPT []byte
	)
	peer := PeerKey{Office: peerOffice, Name: peerName, PublicKey: peerKey}
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		var n, member int
		if err := tx.QueryRow(`SELECT (SELECT count(*) FROM shares WHERE company_id = ?),
			(SELECT count(*) FROM share_members WHERE company_id = ? AND office = ? AND removed_at = '')`, companyID, companyID, peerOffice).Scan(&n, &member); err != nil {
			return err
		}
		if member > 0 {
			return ErrShared
		}
		shared = n > 0
		c, err := roster.CompanyTx(tx, companyID)
		if err != nil {
			return err
		}
		office, _, err := roster.OfficeTx(tx)
		if err != nil {
			return err
		}
		if o.FromKey, err = keys.InstallationKey(tx); err != nil {
			return err
		}
		if relay, _, err = s.relayCompanyID(tx, companyID); err != nil {
			return err
		}
		if !shared {
			// Registered again when an earlier offer was interrupted before or after the relay
			// registered it (the relay takes a member's registration again).
			if subKey, err = submissionKeyDER(tx, companyID, o.FromKey); err != nil {
				return err
			}
		}
		// The new member receives the current epoch's key (epochs.go); a new share begins its
		// first epoch. A share made before epochs, still on the company key, gives that. An
		// offer interrupted after the relay took it gave the first epoch's key already: the
		// same one is offered again, so that a member that accepted either holds the epoch.
		sh, err := loadShare(tx, companyID)
		if errors.Is(err, errNoShare) {
			if first, err = firstEpoch(tx, keys, companyID); err != nil {
				return err
			}
			sh = &shareRow{companyID: companyID, epoch: first, base: noBase}
		} else if err != nil {
			return err
		}
		if sh.epoch == sh.base {
			o.KeyBox, err = keys.WrapCompanyTo(tx, companyID, peer.PublicKey, boxAAD(relay, peerOffice))
		} else {
			o.Epoch = sh.epoch
			var ek *vault.CompanyKey
			if ek, err = epochKey(tx, keys, sh, sh.epoch); err != nil {
				return err
			}
			o.KeyBox, err = keys.WrapKeyTo(ek, peer.PublicKey, boxAAD(relay, peerOffice))
			ek.Close()
		}
		if err != nil {
			return err
		}
		inf := offerInfo{Code: c.Code, Name: c.Name, NameKana: c.NameKana, Corp: c.CorporateNumber, FromName: office.Name}
		if ws {
			if inf.Roles, err = companyRoles(tx, companyID); err != nil {
				return err
			}
		}
		if inf.Removed, err = removedMembers(tx, companyID, peerOffice); err != nil {
			return err
		}
		if inf.Members, err = knownMembers(tx, companyID, peerOffice); err != nil {
			return err
		}
		info := mustJSON(inf)
		if o.InfoBox, err = vault.SealTo(s.rand(), peer.PublicKey, infoAAD(relay, peerOffice), info); err != nil {
			return err
		}
		if o.MAC, err = keys.PeerMAC(tx, peer.PublicKey, o.macInput(relay)); err != nil {
			return err
		}
		offerPT = mustJSON(o)
		return nil
	})
	if err != nil {
		return err
	}
	if !shared {
		if err := s.transport().RegisterCompany(ctx, relay, subKey); err != nil {
			return fmt.Errorf("registering relay company: %w", err)
		}
	}
	if err := s.transport().AddMember(ctx, relay, peerOffice); err != nil {
		return fmt.Errorf("adding relay member: %w", err)
	}
	// The offer is opened by the recipient's private key and authenticated by the MAC; the
	// envelope carries it as it is.
	if err := s.transport().Send(ctx, relay, RecordOffer, func([]byte) ([]byte, error) { return offerPT, nil }); err != nil {
		return fmt.Errorf("sending offer: %w", err)
	}
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		if !shared {
			_, err := tx.Exec(`INSERT INTO shares(company_id, relay_company, self_office, peer_office, peer_name, peer_key, role,
				epoch, base_epoch, created_at) VALUES(?, ?, ?, ?, ?, ?, 'origin', ?, ?, ?)`,
				companyID, relay, self, peerOffice, peer.Name, peer.PublicKey, first, noBase, tx.NowText())
			if err != nil {
				return fmt.Errorf("recording share: %w", err)
			}
		}
		var again int // offered again after its removal
		if err := tx.QueryRow(`SELECT count(*) FROM share_members WHERE company_id = ? AND office = ? AND removed_at <> ''`,
			companyID, peerOffice).Scan(&again); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO share_members(company_id, office, name, public_key, added_at) VALUES(?, ?, ?, ?, ?)
			ON CONFLICT(company_id, office) DO UPDATE SET name = excluded.name, public_key = excluded.public_key,
			readded_at = CASE WHEN share_members.removed_at <> '' THEN excluded.added_at ELSE share_members.readded_at END, removed_at = ''`,
			companyID, peerOffice, peer.Name, peer.PublicKey, tx.NowText()); err != nil {
			return fmt.Errorf("recording share member: %w", err)
		}
		if again > 0 {
			// The other members still count it removed: a rotation tells them it is back (and
			// reaches it too). Sent below, or at the next sync.
			sh, err := loadShare(tx, companyID)
			if err != nil {
				return err
			}
			if err := s.rotate(tx, p, keys, sh, "share member offered again: office "+peerOffice); err != nil {
				return err
			}
			if err := sh.save(tx); err != nil {
				return err
			}
			rotated = true
		} else if shared {
			// A rotation imported while the offer was on its way (another sync of this side's):
			// the new member got the epoch before it, and this side passes the current one on.
			sh, err := loadShare(tx, companyID)
			if err != nil {
				return err
			}
			if sh.epoch != o.Epoch && !sh.rekeyFrom.Valid {
				sh.rekeyFrom = sql.NullString{String: sh.epoch, Valid: true}
				if err := sh.save(tx); err != nil {
					return err
				}
				rotated = true
			}
		}
		e := p.Entry(audit.ActionSettingChange, audit.ResultOK)
		e.CompanyID, e.TargetType, e.TargetID = companyID, "share", relay
		e.Detail = "share offered to office " + peerOffice
		if shared {
			e.Detail = "share group: offered to one more office, " + peerOffice
		}
		if ws {
			e.Detail = "workstation " + peerOffice + ": company offered to it (every company of the office is)"
		}
		_, err = s.Audit.Append(tx, e)
		return err
	})
	if err != nil || !rotated {
		return err
	}
	if err := s.sendRekey(ctx, keys, companyID); err != nil {
		return fmt.Errorf("the offer is sent; the other members learn of it at the next sync: %w", err)
	}
	return nil
}

// removedMembers lists the offices removed from companyID's group, but office.
func removedMembers(tx *store.Tx, companyID int64, office string) ([]string, error) {
	return queryAll(tx, func(r *sql.Rows, o *string) error { return r.Scan(o) },
		`SELECT office FROM share_members WHERE company_id = ? AND removed_at <> '' AND office <> ? ORDER BY office`, companyID, office)
}

// knownMembers lists the company's members other than office whose installation key or relay
// signing key this side holds.
func knownMembers(tx *store.Tx, companyID int64, office string) ([]memberInfo, error) {
	return queryAll(tx, func(r *sql.Rows, m *memberInfo) error { return r.Scan(&m.Office, &m.Key, &m.Sender) },
		`SELECT office, public_key, sender_key FROM share_members WHERE company_id = ? AND removed_at = ''
		AND office <> ? AND (public_key IS NOT NULL OR sender_key IS NOT NULL) ORDER BY office`, companyID, office)
}
