package share

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/cloud/envelope"
)

// RecordRekey is the record of a rotation's envelope (not sealed as a whole: each member's part
// is, see rekey). A batch sealed under an epoch's key is "batch.<epoch>".
const RecordRekey = "rekey"

var errNotMember = apperr.New(apperr.CodeNotFound, "office", "この事務所はこの共有のメンバーではありません。",
	"This office is not a member of this share.")

// batchRecord is the record of a batch sealed under epoch's key.
func batchRecord(epoch string) string {
	if epoch == "" {
		return RecordBatch
	}
	return RecordBatch + "." + epoch
}

// parseRecord splits a batch's or a rotation's record into its kind and epoch.
func parseRecord(rec string) (kind, epoch string, ok bool) {
	kind, epoch, _ = strings.Cut(rec, ".")
	if kind == RecordRekey && rec == RecordRekey {
		return kind, "", true
	}
	if kind != RecordBatch {
		return "", "", false
	}
	if epoch != "" && epochNumber(epoch) < 1 {
		return "", "", false
	}
	return kind, epoch, true
}

// noBase is the base epoch of a share made by this version: no epoch's key is the company key
// (which stays on this installation and wraps its person keys), so every epoch's key can be
// destroyed once the members have moved on.
const noBase = "none"

// epochNumber is an epoch's place in its company's sequence: 1 for the company key ("", shares
// made before epochs) and for a share's first epoch "e1-<hex>", N for "e<N>-<hex>", 0 for a
// name of another form.
func epochNumber(epoch string) int {
	if epoch == "" {
		return 1
	}
	num, tail, ok := strings.Cut(strings.TrimPrefix(epoch, "e"), "-")
	n, err := strconv.Atoi(num)
	if !ok || !strings.HasPrefix(epoch, "e") || err != nil || n < 1 || len(tail) != 8 {
		return 0
	}
	if _, err := hex.DecodeString(tail); err != nil {
		return 0
	}
	return n
}

// maxEpochStep bounds how far past the epoch a member holds a rotation it imports may be (a
// member passes one epoch per rotation it misses). Without it, a rotation named with the
// greatest number would leave no later name for the next one (a removal), and the relay could
// list an unauthenticated one whose name the audit log refuses, stopping every later sync.
const maxEpochStep = 1 << 16

// laterEpoch reports whether epoch a comes after b: a greater number, or, for two rotations
// made at once on two members, the greater name (every member picks the same one).
func laterEpoch(a, b string) bool {
	na, nb := epochNumber(a), epochNumber(b)
	return na > nb || na == nb && a > b
}

// epochKey returns the key of epoch for the share sh: the company key for the epoch this side
// began with, else the epoch's key from the vault (vault.ErrNoCompanyKey when this side never
// held it: it joined later).
func epochKey(tx *store.Tx, keys *vault.Keys, sh *shareRow, epoch string) (*vault.CompanyKey, error) {
	if epoch == sh.base {
		return keys.Company(tx, sh.companyID)
	}
	if epochNumber(epoch) <= epochNumber(sh.base) {
		return nil, fmt.Errorf("epoch before this side joined: %w", vault.ErrNoCompanyKey)
	}
	return keys.ShareKey(tx, sh.companyID, epoch)
}

// rekey is a rotation's envelope as it travels (the envelope's ciphertext, not sealed as a
// whole, so that a member reads it whatever epoch it holds and two rotations made at once
// reach each other). Boxes holds the new epoch's key sealed to each remaining member's
// installation key (aad epochBoxAAD), and MACs a MAC to each of them under the static ECDH
// secret of the sender's and that member's installation keys ([vault.Keys.PeerMAC]) over
// everything the member acts on: the relay can neither learn the key nor forge or alter a
// rotation.
type rekey struct {
	V       int      `json:"v"`
	From    string   `json:"from"`
	Epoch   string   `json:"epoch"`
	Removed []string `json:"removed"`
	// Readded: members offered the company again after a removal, with when (RFC 3339 UTC).
	Readded map[string]string `json:"readded,omitempty"`
	// Retired: removed members that were workstations of the rotating member's office and were
	// removed from it (workstation.go): that office's other workstations stop counting them.
	Retired []string `json:"retired,omitempty"`
	// Shreds: the deleted numbers and disposals that made the rotation, sealed under its
	// epoch's key (shredsAAD): a member applies them before it sends anything under the new
	// epoch, even when the relay lists the rotation before the batch that carried them.
	Shreds []byte            `json:"shreds,omitempty"`
	Boxes  map[string][]byte `json:"boxes"`
	MACs   map[string][]byte `json:"macs"`
}

func epochBoxAAD(relayCompany, epoch, to string) []byte {
	return []byte("shelter-share-epoch|" + relayCompany + "|" + epoch + "|" + to)
}

// macInput is what a rotation's MAC to member to covers: with header, the envelope's header
// ([envelope.Envelope.AAD]: its sequence above all), which the relay could otherwise change on
// an envelope that is not sealed (an old rotation served again as the member's newest
// envelope would make the others ignore that member's later ones).
func (r *rekey) macInput(relayCompany, to string, header []byte) []byte {
	h := sha256.Sum256(r.Boxes[to])
	hh := sha256.Sum256(header)
	m := []byte("shelter-share-rekey|v1|" + relayCompany + "|" + r.From + "|" + to + "|" + r.Epoch + "|" + strings.Join(r.Removed, ",") + "|")
	if len(r.Readded) > 0 {
		offices := slices.Sorted(maps.Keys(r.Readded))
		for _, o := range offices {
			m = append(m, "readded="+o+"@"+r.Readded[o]+"|"...)
		}
	}
	if len(r.Retired) > 0 {
		m = append(m, "retired="+strings.Join(r.Retired, ",")+"|"...)
	}
	if len(r.Shreds) > 0 {
		sh := sha256.Sum256(r.Shreds)
		m = append(m, "shreds="...)
		m = append(m, sh[:]...)
		m = append(m, '|')
	}
	m = append(m, h[:]...)
	return append(m, hh[:]...)
}

// newEpochName names the epoch after prev: "e<N>-<8 hex>".
func newEpochName(prev string) (string, error) {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return fmt.Sprintf("e%d-%s", epochNumber(prev)+1, hex.EncodeToString(b)), nil
}

// RemoveMember removes office from the group that shares company companyID (administrators
// only): the relay stops letting it read or write the company, and the remaining members move
// to a new key epoch that it never receives, so it cannot open anything sent afterwards even
// with a copy of the relay's database. What it received before stays with it.
//
// The relay is told first: a removal the relay refused changes nothing here. The new epoch is
// then made and recorded here, with the member's removal and a history entry, in one
// transaction; its key goes to the other members in a "rekey" envelope, now or, when the relay
// cannot be reached, at the next Sync (every Sync sends a pending rotation before anything
// else). Every record is sent again under the new epoch at the next Sync, for members that join
// later.
func (s *Service) RemoveMember(ctx context.Context, p auth.Principal, keys *vault.Keys, companyID int64, office string) error {
	if err := auth.RequireAdmin(p); err != nil {
		return err
	}
	if s.transport() == nil {
		return ErrNoRelay
	}
	var relay string
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		sh, err := loadShare(tx, companyID)
		if err != nil {
			return err
		}
		relay = sh.relay
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM share_members WHERE company_id = ? AND office = ? AND removed_at = ''`,
			companyID, office).Scan(&n); err != nil {
			return err
		}
		if n == 0 || office == sh.self {
			return errNotMember
		}
		return nil
	})
	if err != nil {
		return err
	}
	// A removal interrupted after the relay's part finds it done there.
	if err := s.transport().RemoveMember(ctx, relay, office); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("removing the relay member: %w", err)
	}
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		sh, err := loadShare(tx, companyID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE share_members SET removed_at = ? WHERE company_id = ? AND office = ?`,
			tx.NowText(), companyID, office); err != nil {
			return fmt.Errorf("recording the removal: %w", err)
		}
		if err := s.rotate(tx, p, keys, sh, "share member removed: office "+office); err != nil {
			return err
		}
		return sh.save(tx)
	})
	if err != nil {
		return err
	}
	if err := s.sendRekey(ctx, keys, companyID); err != nil {
		// Recorded here; the next Sync sends it. The relay has removed the member already.
		return fmt.Errorf("the member is removed; its successor key goes to the other members at the next sync: %w", err)
	}
	return nil
}

// rotate moves the share sh to a new key epoch inside tx: the key made and kept, the rotation
// pending until [Service.sendRekey] has sent it, every record to be sent again under it, and a
// history entry that starts with why. The caller saves sh.
func (s *Service) rotate(tx *store.Tx, p auth.Principal, keys *vault.Keys, sh *shareRow, why string) error {
	next, err := newEpochName(sh.epoch)
	if err != nil {
		return err
	}
	if err := keys.NewShareKey(tx, sh.companyID, next); err != nil {
		return err
	}
	if !sh.rekeyFrom.Valid {
		sh.rekeyFrom = sql.NullString{String: sh.epoch, Valid: true}
	}
	sh.epoch, sh.resend = next, true
	e := p.Entry(audit.ActionSettingChange, audit.ResultOK)
	e.CompanyID, e.TargetType, e.TargetID = sh.companyID, "share", sh.relay
	e.Detail = audit.Redact(why + "; the remaining members move to key epoch " + next) // may name another member's office
	_, err = s.Audit.Append(tx, e)
	return err
}

// sendRekey sends the company's pending rotation, if any: the current epoch's key sealed and
// authenticated to every member this side knows. Once the relay has it, the keys of the epochs
// before it are destroyed here.
func (s *Service) sendRekey(ctx context.Context, keys *vault.Keys, companyID int64) error {
	var pending bool
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		sh, err := loadShare(tx, companyID)
		pending = err == nil && sh.rekeyFrom.Valid
		return err
	})
	if err != nil || !pending {
		return err
	}
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		sh, err := loadShare(tx, companyID)
		if err != nil || !sh.rekeyFrom.Valid {
			return err // sent meanwhile
		}
		members, err := memberKeys(tx, companyID)
		if err != nil {
			return err
		}
		msg := rekey{V: 1, From: sh.self, Epoch: sh.epoch, Readded: map[string]string{}, Boxes: map[string][]byte{}, MACs: map[string][]byte{}}
		rows, err := tx.Query(`SELECT office, removed_at, readded_at FROM share_members WHERE company_id = ? ORDER BY office`, companyID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var o, removed, readded string
			if err := rows.Scan(&o, &removed, &readded); err != nil {
				rows.Close()
				return err
			}
			switch {
			case removed != "":
				msg.Removed = append(msg.Removed, o)
				var retired int
				if err := tx.QueryRow(`SELECT count(*) FROM workstations WHERE office = ? AND removed_at <> ''`, o).Scan(&retired); err != nil {
					rows.Close()
					return err
				}
				if retired > 0 {
					msg.Retired = append(msg.Retired, o)
				}
			case readded != "":
				msg.Readded[o] = readded
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		nk, err := epochKey(tx, keys, sh, sh.epoch)
		if err != nil {
			return err
		}
		defer nk.Close()
		var shreds []byte
		if err := tx.QueryRow(`SELECT rekey_shreds FROM shares WHERE company_id = ?`, companyID).Scan(&shreds); err != nil {
			return err
		}
		// A member whose key this side has not received under an epoch's key, nor confirmed by
		// fingerprint, gets no box: never the relay directory's key, which the relay could
		// replace with one of its own. A member that knows it passes the key on (importRekey),
		// and so does this side once the member's own batch states its key (importEnvelope).
		pubs := map[string][]byte{}
		for _, m := range members {
			if m.pub == nil {
				continue
			}
			pubs[m.office] = m.pub
			if msg.Boxes[m.office], err = keys.WrapKeyTo(nk, m.pub, epochBoxAAD(sh.relay, sh.epoch, m.office)); err != nil {
				return fmt.Errorf("sealing the epoch key to member %s: %w", m.office, err)
			}
		}
		err = s.transport().Send(ctx, sh.relay, RecordRekey, func(header []byte) ([]byte, error) {
			if len(shreds) > 0 {
				if msg.Shreds, err = nk.Seal(shredsAAD(header), shreds); err != nil {
					return nil, err
				}
			}
			for o, pub := range pubs {
				mac, err := keys.PeerMAC(tx, pub, msg.macInput(sh.relay, o, header))
				if err != nil {
					return nil, fmt.Errorf("authenticating the epoch key to member %s: %w", o, err)
				}
				msg.MACs[o] = mac
			}
			return mustJSON(msg), nil
		})
		if err != nil {
			return fmt.Errorf("sending the new key epoch: %w", err)
		}
		sh.rekeyFrom = sql.NullString{}
		if _, err := tx.Exec(`UPDATE shares SET rekey_shreds = NULL WHERE company_id = ?`, companyID); err != nil {
			return err
		}
		// Every member has the new epoch from here on (or gets it from a member that knows it):
		// the keys before it go.
		if err := keys.DropShareKeys(tx, companyID, sh.epoch); err != nil {
			return err
		}
		return sh.save(tx)
	})
}

type memberKey struct {
	office string
	pub    []byte
}

// memberKeys lists the share's members with the keys they stated (nil when none yet).
func memberKeys(tx *store.Tx, companyID int64) ([]memberKey, error) {
	rows, err := tx.Query(`SELECT office, public_key FROM share_members WHERE company_id = ? AND removed_at = '' ORDER BY office`, companyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []memberKey
	for rows.Next() {
		var m memberKey
		if err := rows.Scan(&m.office, &m.pub); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// fromMember records an envelope of sequence seq, signed by relay key sender, from member
// office and reports whether it is to be imported: newer than the last one imported from that
// member, signed by the key the member's first envelope was signed by (the relay checks that a
// key belongs to the office that sends with it, so another member cannot sign as this one), and
// the member not removed. A member not seen yet is added (any installation holding the key is a
// member, since only members receive it from an administrator who compared its fingerprint).
// The key a member states is kept the first time; a member's later batch cannot replace it.
func (s *Service) fromMember(tx *store.Tx, sh *shareRow, office, name string, pub []byte, sender envelope.KeyID, seq uint64) (bool, error) {
	var (
		seen          int64
		removed       string
		known, signer []byte
	)
	err := tx.QueryRow(`SELECT peer_seq, removed_at, public_key, sender_key FROM share_members WHERE company_id = ? AND office = ?`,
		sh.companyID, office).Scan(&seen, &removed, &known, &signer)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = tx.Exec(`INSERT INTO share_members(company_id, office, added_at) VALUES(?, ?, ?)`, sh.companyID, office, tx.NowText())
	}
	if err != nil {
		return false, err
	}
	if removed != "" || seq <= uint64(seen) || (signer != nil && subtle.ConstantTimeCompare(signer, sender[:]) != 1) {
		return false, nil
	}
	if known != nil || len(pub) != 65 {
		pub = known
	}
	_, err = tx.Exec(`UPDATE share_members SET peer_seq = ?, name = CASE WHEN ? <> '' THEN ? ELSE name END, public_key = ?, sender_key = ?
		WHERE company_id = ? AND office = ?`, int64(seq), name, name, pub, sender[:], sh.companyID, office)
	return true, err
}

// importRekey applies a rotation: its MAC checked with the key this side holds for the member
// that sent it, this side's box opened and the key kept, the epoch adopted when it is the
// latest, the removed members recorded, every record sent again under it at the end of this
// sync (for members that join later), and the key passed on to members the rotation missed.
func (s *Service) importRekey(tx *store.Tx, p auth.Principal, keys *vault.Keys, sh *shareRow, sender envelope.KeyID, seq uint64, header, body []byte) error {
	var r rekey
	if err := json.Unmarshal(body, &r); err != nil || r.V != 1 || r.From == sh.self || !envelope.ValidID(r.From) ||
		epochNumber(r.Epoch) < 2 || epochNumber(r.Epoch) > epochNumber(sh.epoch)+maxEpochStep {
		return sh.save(tx)
	}
	box, mac := r.Boxes[sh.self], r.MACs[sh.self]
	if box == nil {
		return sh.save(tx) // not for this side: removed, or unknown to the member that rotated
	}
	var from []byte
	err := tx.QueryRow(`SELECT public_key FROM share_members WHERE company_id = ? AND office = ? AND removed_at = ''`,
		sh.companyID, r.From).Scan(&from)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && from == nil) {
		// A member whose key this side does not know cannot be authenticated: a member that
		// knows both passes the key on.
		return sh.save(tx)
	}
	if err != nil {
		return err
	}
	ok, err := keys.CheckPeerMAC(tx, from, r.macInput(sh.relay, sh.self, header), mac)
	if err != nil {
		return err
	}
	if !ok {
		return s.rekeyRefused(tx, p, sh, r)
	}
	if fresh, err := s.fromMember(tx, sh, r.From, "", nil, sender, seq); err != nil || !fresh {
		if err != nil {
			return err
		}
		return sh.save(tx)
	}
	err = keys.ImportShareKey(tx, sh.companyID, r.Epoch, epochBoxAAD(sh.relay, r.Epoch, sh.self), box)
	if errors.Is(err, vault.ErrKeyExists) {
		return sh.save(tx)
	}
	if errors.Is(err, vault.ErrDecrypt) {
		return s.rekeyRefused(tx, p, sh, r)
	}
	if err != nil {
		return err
	}
	if err := s.applyShreds(tx, p, keys, sh, r, header); err != nil {
		return err
	}
	// A rotation of this side's still to be sent (a disposal's: what this side destroyed went
	// under the epoch before it) that loses to a later one made elsewhere, maybe before its
	// maker learnt of the disposal and sent the numbers again under it: the group moves on once
	// more, from here, after the disposal.
	superseded := false
	if laterEpoch(r.Epoch, sh.epoch) {
		superseded = sh.rekeyFrom.Valid
		sh.epoch, sh.resend = r.Epoch, true
	}
	// Members offered the company again after their removal count again here, unless this side
	// is on a later epoch (made after it learnt of the offer, or by a later removal).
	for o, at := range r.Readded {
		if o == sh.self || !envelope.ValidID(o) || sh.epoch != r.Epoch {
			continue
		}
		if _, err := tx.Exec(`UPDATE share_members SET removed_at = '', readded_at = ? WHERE company_id = ? AND office = ?
			AND removed_at <> ''`, at, sh.companyID, o); err != nil {
			return err
		}
	}
	slices.Sort(r.Removed)
	var gone []string
	for _, o := range r.Removed {
		if o == sh.self || !envelope.ValidID(o) {
			continue
		}
		res, err := tx.Exec(`UPDATE share_members SET removed_at = ? WHERE company_id = ? AND office = ? AND removed_at = ''`,
			tx.NowText(), sh.companyID, o)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			gone = append(gone, o)
		}
	}
	// The epoch this side now sends under may be known to a member removed here: one made by
	// a member before this side learnt of its removal (this rotation removes it, and this side
	// stays on a later epoch), or one boxed to it (a rotation made by a member that did not know
	// of the removal yet). The group moves on once more, to an epoch no removed member holds.
	exposed := superseded || len(gone) > 0 && sh.epoch != r.Epoch
	if sh.epoch == r.Epoch && !exposed {
		for o := range r.Boxes {
			var n int
			if err := tx.QueryRow(`SELECT count(*) FROM share_members WHERE company_id = ? AND office = ? AND removed_at <> ''`,
				sh.companyID, o).Scan(&n); err != nil {
				return err
			}
			exposed = exposed || n > 0
		}
	}
	if exposed {
		why := "share key epoch " + sh.epoch + " may be held by a removed member"
		if superseded {
			why = "share key epoch " + sh.epoch + " superseded a rotation of this side's"
		}
		if err := s.rotate(tx, p, keys, sh, why); err != nil {
			return err
		}
	}
	// Members this side knows that the rotation has no box for (invited by another member, and
	// unknown to the one that rotated) get the epoch's key from here: a rotation of this side's
	// own, sealed under the epoch the rotation came under, which they hold.
	known, err := memberKeys(tx, sh.companyID)
	if err != nil {
		return err
	}
	for _, m := range known {
		if _, ok := r.Boxes[m.office]; !ok && m.office != r.From && !sh.rekeyFrom.Valid {
			sh.rekeyFrom = sql.NullString{String: sh.epoch, Valid: true}
		}
	}
	if !sh.rekeyFrom.Valid {
		// Nothing of this side's own still to be sent under an earlier epoch: the earlier keys
		// go (what other members sent under them comes again under the new one).
		if err := keys.DropShareKeys(tx, sh.companyID, sh.epoch); err != nil {
			return err
		}
	}
	retired, err := retireWorkstations(tx, r)
	if err != nil {
		return err
	}
	e := p.Entry(audit.ActionModify, audit.ResultOK)
	e.CompanyID, e.TargetType, e.TargetID = sh.companyID, "share", sh.relay
	e.Detail = "share key epoch " + r.Epoch + " received from office " + r.From
	if len(gone) > 0 {
		e.Detail += "; removed members: " + strings.Join(gone, ", ")
	}
	if len(retired) > 0 {
		e.Detail += "; workstations removed from the office: " + strings.Join(retired, ", ")
	}
	e.Detail = audit.Redact(e.Detail) // names from another member
	if _, err := s.Audit.Append(tx, e); err != nil {
		return err
	}
	return sh.save(tx)
}

// rekeyRefused records a rotation meant for this side that does not open or authenticate with
// its keys (sealed to another key, or altered), and lets the sync go on: it must not stop at
// this envelope for ever. The other members' later envelopes stay unreadable here until a
// member passes the key on or an administrator offers the company to this side again.
func (s *Service) rekeyRefused(tx *store.Tx, p auth.Principal, sh *shareRow, r rekey) error {
	e := p.Entry(audit.ActionModify, audit.ResultFailed)
	e.CompanyID, e.TargetType, e.TargetID = sh.companyID, "share", sh.relay
	e.Detail = audit.Redact("share key epoch " + r.Epoch + " from office " + r.From + " does not open with this installation's key")
	if _, err := s.Audit.Append(tx, e); err != nil {
		return err
	}
	return sh.save(tx)
}
