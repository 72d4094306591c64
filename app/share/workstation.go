package share

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/cloud/envelope"
	"golang.org/x/crypto/argon2"
)

// Workstations of one office (doc.go, "Workstations"): an installation joins the office
// through one of its workstations, an administrator there approves it, and from then on every
// company of each is shared with the other by the share engine, automatically
// ([Service.SyncWorkstations]).

// RecordOffice is the record of an envelope with a workstation's list of the office's
// workstations (officeMsg).
const RecordOffice = "ws-office"

// Errors of the workstation actions (apperr, user-safe).
var (
	ErrPairCode = apperr.New(apperr.CodeInvalid, "code",
		"確認コードが一致しません。両方の画面に表示された確認コードを見比べて、相手の画面のコードを入力してください。",
		"The pair code does not match. Compare the codes shown on both screens and type the one shown on the other screen.")
	errNoWorkstation = apperr.New(apperr.CodeNotFound, "office", "この事務所IDの端末は登録されていません。",
		"No workstation with this office id is registered.")
	errIsWorkstation = apperr.New(apperr.CodeConflict, "office", "この端末は既に事務所の端末として登録されています。",
		"This workstation is registered as one of the office's already.")
)

// WorkstationRights is what a workstation may do with numbers (the PPC guideline's limitation
// of terminals); every workstation may collect, view and read the history.
type WorkstationRights struct {
	Reveal   bool // show a number (3-1)
	Download bool // download files with numbers (3-2)
	Dispose  bool // execute a disposal (4-1)
}

// wsRights are a terminal's rights as applied to it: At is when an administrator set them
// (store time text), By the workstation that sent them.
type wsRights struct {
	Reveal   bool   `json:"reveal"`
	Download bool   `json:"download"`
	Dispose  bool   `json:"dispose"`
	At       string `json:"at"`
	By       string `json:"by"`
}

// wsRole is one role assignment of a company, by login.
type wsRole struct {
	Login string `json:"login"`
	Role  string `json:"role"`
}

// PairCode is the code both screens show when a workstation joins the office: 80 bits derived
// from the two installation keys (in byte order, so that both sides compute the same) by
// Argon2id with 32 MiB of memory, as five groups of four hexadecimal digits. Each
// administrator types the code the other screen shows: a relay that put keys of its own in the
// directory would show two different codes. Both real keys are public, so such a relay could
// prepare keys of its own beforehand until two codes meet: about 2^40 derivations, which the
// memory-hard derivation makes cost thousands of CPU-years (SHA-256 alone would take minutes).
func PairCode(a, b []byte) string {
	if bytes.Compare(a, b) > 0 {
		a, b = b, a
	}
	var in []byte
	for _, k := range [][]byte{a, b} {
		in = binary.BigEndian.AppendUint32(in, uint32(len(k)))
		in = append(in, k...)
	}
	sum := argon2.IDKey(in, []byte("shelter-workstation-pair|v1"), pairTime, pairMemoryKiB, 1, 10)
	x := fmt.Sprintf("%X", sum)
	var out strings.Builder
	for i := 0; i < len(x); i += 4 {
		if i > 0 {
			out.WriteByte('-')
		}
		out.WriteString(x[i : i+4])
	}
	return out.String()
}

// The pair code's derivation cost: about 45 ms on one core (BenchmarkPairCode).
const (
	pairTime      = 2
	pairMemoryKiB = 32 * 1024
)

// Pairing is what a join or an approval screen shows before the code is typed.
type Pairing struct {
	Self   string // this installation's office id (the other screen types it)
	Office string // the other workstation's office id
	Name   string // its office name in the relay directory
	Code   string // PairCode of the two keys
}

// Pair publishes this installation's key and returns the pair code with the workstation of
// office id office (administrators only), for the screen to show before the code the other
// screen shows is typed ([Service.JoinOffice], [Service.ApproveWorkstation]).
func (s *Service) Pair(ctx context.Context, p auth.Principal, keys *vault.Keys, office string) (Pairing, error) {
	pair, _, err := s.pair(ctx, p, keys, office)
	return pair, err
}

// pair is Pair with the other workstation's key the code was computed from.
func (s *Service) pair(ctx context.Context, p auth.Principal, keys *vault.Keys, office string) (Pairing, PeerKey, error) {
	self, err := s.Publish(ctx, p, keys)
	if err != nil {
		return Pairing{}, PeerKey{}, err
	}
	office = strings.TrimSpace(office)
	if !envelope.ValidID(office) || office == self.Office {
		return Pairing{}, PeerKey{}, apperr.Invalid("office", "相手の端末の事務所IDが正しくありません。", "The other workstation's office id is not valid.")
	}
	peer, err := s.transport().PeerKey(ctx, office)
	if errors.Is(err, ErrNotFound) {
		return Pairing{}, PeerKey{}, errNoKey
	}
	if err != nil {
		return Pairing{}, PeerKey{}, fmt.Errorf("peer key: %w", err)
	}
	return Pairing{Self: self.Office, Office: office, Name: peer.Name, Code: PairCode(self.PublicKey, peer.PublicKey)}, peer, nil
}

// JoinOffice makes this installation a workstation of the office that the workstation office
// belongs to (administrators only, on the new PC): code is the pair code the approving
// workstation's screen shows. An administrator there approves this installation the same way;
// its offers of every company are then accepted here by [Service.SyncWorkstations]. Until its
// rights arrive with them, this terminal may not reveal, download or dispose.
func (s *Service) JoinOffice(ctx context.Context, p auth.Principal, keys *vault.Keys, office, code string) error {
	return s.addWorkstation(ctx, p, keys, office, code, "joined", WorkstationRights{})
}

// ApproveWorkstation admits the installation of office id office as a workstation of this
// office (administrators only): code is the pair code its screen shows, r what it may do.
// Every company here is offered to it at once and each new one at the next
// [Service.SyncWorkstations].
func (s *Service) ApproveWorkstation(ctx context.Context, p auth.Principal, keys *vault.Keys, office, code string, r WorkstationRights) error {
	if err := s.addWorkstation(ctx, p, keys, office, code, "approved", r); err != nil {
		return err
	}
	_, err := s.offerToWorkstations(ctx, p, keys)
	// Its rights go with the list of workstations, in the first company offered to it.
	return errors.Join(err, s.sendOfficeList(ctx, keys))
}

func (s *Service) addWorkstation(ctx context.Context, p auth.Principal, keys *vault.Keys, office, code, how string, r WorkstationRights) error {
	// The key pinned is the one the code shown was computed from.
	pair, peer, err := s.pair(ctx, p, keys, office)
	if err != nil {
		return err
	}
	if normCode(code) != normCode(pair.Code) {
		return ErrPairCode
	}
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		var active int
		if err := tx.QueryRow(`SELECT count(*) FROM workstations WHERE office = ? AND removed_at = ''`, pair.Office).Scan(&active); err != nil {
			return err
		}
		if active > 0 {
			return errIsWorkstation
		}
		now, err := afterKnown(tx, pair.Office)
		if err != nil {
			return err
		}
		at := ""
		if how == "approved" {
			at = now
		}
		if _, err := tx.Exec(`INSERT INTO workstations(office, name, public_key, how, reveal, download, dispose, rights_at, added_by, added_at)
			VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(office) DO UPDATE SET name = excluded.name, public_key = excluded.public_key,
			how = excluded.how, reveal = excluded.reveal, download = excluded.download, dispose = excluded.dispose,
			rights_at = excluded.rights_at, list_sent = '', added_by = excluded.added_by, added_at = excluded.added_at,
			removed_by = '', removed_at = ''`,
			pair.Office, peer.Name, peer.PublicKey, how, r.Reveal, r.Download, r.Dispose, at, p.Login, now); err != nil {
			return fmt.Errorf("recording the workstation: %w", err)
		}
		e := p.Entry(audit.ActionSettingChange, audit.ResultOK)
		e.TargetType, e.TargetID = "workstation", pair.Office
		if how == "joined" {
			// No administrator of the office has said what this terminal may do yet.
			if _, err := setTerminalRights(tx, wsRights{}, pair.Office, true); err != nil {
				return err
			}
			e.Detail = "workstation: this PC joined the office through workstation " + pair.Office + " (pair code compared)"
		} else {
			e.Detail = "workstation approved: " + pair.Office + " (pair code compared); " + rightsText(r)
		}
		e.Detail = audit.Redact(e.Detail)
		_, err = s.Audit.Append(tx, e)
		return err
	})
}

// afterKnown is the time of a change to workstation office made now: this PC's clock, or 1 ms
// after the latest time recorded for that workstation (its addition, removal or rights) when
// that is not earlier, set by a PC whose clock ran ahead. The office's PCs order these changes
// by their times (workstation_list.go), so a change made after another was seen here always
// wins over it, whatever the clocks say.
func afterKnown(tx *store.Tx, office string) (string, error) {
	var latest string
	err := tx.QueryRow(`SELECT max(added_at, removed_at, rights_at) FROM workstations WHERE office = ?`, office).Scan(&latest)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	now := tx.Now
	if t, err := store.ParseTime(latest); err == nil && !t.Before(now) {
		now = t.Add(time.Millisecond)
	}
	return store.FormatTime(now), nil
}

func normCode(c string) string {
	return strings.NewReplacer("-", "", " ", "", "　", "").Replace(strings.ToUpper(strings.TrimSpace(c)))
}

func rightsText(r WorkstationRights) string {
	return fmt.Sprintf("may reveal: %t, download: %t, dispose: %t", r.Reveal, r.Download, r.Dispose)
}

// Self is this installation's identity as the workstation screen shows it, without asking
// the relay; left counts the shared companies the relay no longer serves to this side (a
// member removed it, or an administrator removed this PC from the office).
func (s *Service) Self(ctx context.Context, p auth.Principal, keys *vault.Keys) (id Identity, left int, err error) {
	if err := auth.RequireAdmin(p); err != nil {
		return id, 0, err
	}
	if s.transport() == nil {
		return id, 0, ErrNoRelay
	}
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		if id.PublicKey, err = keys.InstallationKey(tx); err != nil {
			return err
		}
		return tx.QueryRow(`SELECT count(*) FROM shares WHERE left_share = 1`).Scan(&left)
	})
	id.Office, id.Fingerprint = s.transport().Office(), vault.Fingerprint(id.PublicKey)
	return id, left, err
}

// Workstation is another workstation of this office as this side knows it.
type Workstation struct {
	Office      string
	Name        string
	Fingerprint string
	// How: "joined" (this PC joined the office through it) or "approved" (approved here).
	How string
	// Rights: what this side last set for it (RightsSet false: never set here).
	Rights    WorkstationRights
	RightsSet bool
	Companies int // companies it is a member of, as this side knows
	AddedBy   string
	AddedAt   string
	RemovedBy string // "" while it is one of the office's
	RemovedAt string
}

// Workstations lists the office's other workstations this side knows, removed ones last
// (administrators only).
func (s *Service) Workstations(ctx context.Context, p auth.Principal) ([]Workstation, error) {
	if err := auth.RequireAdmin(p); err != nil {
		return nil, err
	}
	var out []Workstation
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT w.office, w.name, w.public_key, w.how, w.reveal, w.download, w.dispose, w.rights_at,
			w.added_by, w.added_at, w.removed_by, w.removed_at,
			(SELECT count(*) FROM share_members m JOIN shares sh ON sh.company_id = m.company_id
				WHERE m.office = w.office AND m.removed_at = '' AND sh.left_share = 0)
			FROM workstations w ORDER BY w.removed_at <> '', w.added_at, w.office`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var w Workstation
			var pub []byte
			var rightsAt string
			if err := rows.Scan(&w.Office, &w.Name, &pub, &w.How, &w.Rights.Reveal, &w.Rights.Download, &w.Rights.Dispose, &rightsAt,
				&w.AddedBy, &w.AddedAt, &w.RemovedBy, &w.RemovedAt, &w.Companies); err != nil {
				return err
			}
			w.Fingerprint, w.RightsSet = vault.Fingerprint(pub), rightsAt != ""
			out = append(out, w)
		}
		return rows.Err()
	})
	return out, err
}

// SetWorkstationRights sets what workstation office may do (administrators only). They reach
// it at this side's next [Service.SyncWorkstations] (through a company shared with it) and
// apply there from its next sync of that company.
func (s *Service) SetWorkstationRights(ctx context.Context, p auth.Principal, office string, r WorkstationRights) error {
	if err := auth.RequireAdmin(p); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *store.Tx) error {
		at, err := afterKnown(tx, office)
		if err != nil {
			return err
		}
		res, err := tx.Exec(`UPDATE workstations SET reveal = ?, download = ?, dispose = ?, rights_at = ? WHERE office = ? AND removed_at = ''`,
			r.Reveal, r.Download, r.Dispose, at, office)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNoWorkstation
		}
		e := p.Entry(audit.ActionSettingChange, audit.ResultOK)
		e.TargetType, e.TargetID = "workstation", office
		e.Detail = audit.Redact("workstation rights: " + office + "; " + rightsText(r))
		_, err = s.Audit.Append(tx, e)
		return err
	})
}

// RemoveWorkstation removes workstation office from the office (administrators only; a lost
// laptop, a retired PC): it is recorded removed here at once, then removed from every company
// it is a member of ([Service.RemoveMember]: the relay refuses it, the others move to a key
// epoch it never receives). The rotations name it retired, so that the other workstations
// stop counting it one of the office's too. Companies the relay could not be told of now are
// finished at the next [Service.SyncWorkstations]. It returns the companies it was removed from.
func (s *Service) RemoveWorkstation(ctx context.Context, p auth.Principal, keys *vault.Keys, office string) (int, error) {
	if err := auth.RequireAdmin(p); err != nil {
		return 0, err
	}
	if s.transport() == nil {
		return 0, ErrNoRelay
	}
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		at, err := afterKnown(tx, office)
		if err != nil {
			return err
		}
		res, err := tx.Exec(`UPDATE workstations SET removed_by = ?, removed_at = ? WHERE office = ? AND removed_at = ''`,
			p.Login, at, office)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNoWorkstation
		}
		e := p.Entry(audit.ActionSettingChange, audit.ResultOK)
		e.TargetType, e.TargetID = "workstation", office
		e.Detail = audit.Redact("workstation removed from the office: " + office)
		_, err = s.Audit.Append(tx, e)
		return err
	})
	if err != nil {
		return 0, err
	}
	return s.finishRemovals(ctx, p, keys)
}

// finishRemovals removes every removed workstation from the companies it is still a member of.
func (s *Service) finishRemovals(ctx context.Context, p auth.Principal, keys *vault.Keys) (int, error) {
	type pair struct {
		company int64
		office  string
	}
	var todo []pair
	err := s.DB.View(ctx, func(tx *store.Tx) (err error) {
		todo, err = queryAll(tx, func(r *sql.Rows, x *pair) error { return r.Scan(&x.company, &x.office) },
			`SELECT m.company_id, m.office FROM share_members m JOIN workstations w ON w.office = m.office
			JOIN shares sh ON sh.company_id = m.company_id
			WHERE w.removed_at <> '' AND m.removed_at = '' AND sh.left_share = 0 ORDER BY m.company_id, m.office`)
		return err
	})
	if err != nil {
		return 0, err
	}
	done := 0
	for _, x := range todo {
		// RemoveMember requires an administrator: the removal was an administrator's.
		admin := p
		admin.IsAdmin = true
		if err := s.RemoveMember(ctx, admin, keys, x.company, x.office); err != nil && !errors.Is(err, errNotMember) {
			return done, fmt.Errorf("the workstation is removed here; %d of its companies follow at the next sync: %w", len(todo)-done, err)
		}
		done++
	}
	return done, nil
}

// WorkstationSync says what one [Service.SyncWorkstations] did.
type WorkstationSync struct {
	Accepted int // companies offered by a workstation and accepted here
	Offered  int // companies offered to a workstation
	Removed  int // companies a removed workstation was removed from
}

// SyncWorkstations keeps the office's workstations in step with this one (the automatic sync
// runs it before the companies' syncs): it finishes removals, accepts every offer from a
// workstation of the office (its key the one the pair code confirmed), offers every company
// here to each workstation that is not yet a member (a company a workstation was removed from
// in M-6 is not offered to it again), and sends rights set here to the workstations they are
// for. With no workstation, it does nothing.
func (s *Service) SyncWorkstations(ctx context.Context, p auth.Principal, keys *vault.Keys) (WorkstationSync, error) {
	var res WorkstationSync
	if s.transport() == nil {
		return res, ErrNoRelay
	}
	var n int
	if err := s.DB.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT count(*) FROM workstations`).Scan(&n)
	}); err != nil || n == 0 {
		return res, err
	}
	var err error
	if res.Removed, err = s.finishRemovals(ctx, p, keys); err != nil {
		return res, err
	}
	if err := s.fetchOffers(ctx, keys); err != nil {
		return res, err
	}
	if res.Accepted, err = s.acceptFromWorkstations(ctx, p, keys); err != nil {
		return res, err
	}
	res.Offered, err = s.offerToWorkstations(ctx, p, keys)
	return res, errors.Join(err, s.sendOfficeList(ctx, keys))
}

// acceptFromWorkstations accepts the pending offers of workstations of this office.
func (s *Service) acceptFromWorkstations(ctx context.Context, p auth.Principal, keys *vault.Keys) (int, error) {
	var pending []string
	err := s.DB.View(ctx, func(tx *store.Tx) (err error) {
		pending, err = queryAll(tx, func(r *sql.Rows, rc *string) error { return r.Scan(rc) },
			`SELECT o.relay_company FROM share_offers o JOIN workstations w ON w.office = o.from_office
			WHERE o.status = 'pending' AND w.removed_at = '' ORDER BY o.received_at, o.relay_company`)
		return err
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, rc := range pending {
		err := s.DB.Update(ctx, func(tx *store.Tx) error {
			var pinned []byte
			_, err := s.acceptTx(tx, p, keys, rc, func(from string, fromKey []byte) error {
				err := tx.QueryRow(`SELECT public_key FROM workstations WHERE office = ? AND removed_at = ''`, from).Scan(&pinned)
				if err != nil || !bytes.Equal(pinned, fromKey) {
					return errNoWorkstation // left for an administrator to look at in M-6
				}
				return nil
			}, func(tx *store.Tx, companyID int64, o offer, info offerInfo) error {
				return applyRoles(tx, p, s.Audit, companyID, o.From, info.Roles)
			})
			return err
		})
		if errors.Is(err, errNoWorkstation) {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// offerToWorkstations offers every company here to each workstation that has no membership
// row for it (never offered, never removed from it), or was removed from it before an
// administrator here approved it (again: removed from the office, then approved once more;
// both times by this side's clock).
func (s *Service) offerToWorkstations(ctx context.Context, p auth.Principal, keys *vault.Keys) (int, error) {
	type todo struct {
		company int64
		office  string
		name    string
		pub     []byte
	}
	var list []todo
	err := s.DB.View(ctx, func(tx *store.Tx) (err error) {
		list, err = queryAll(tx, func(r *sql.Rows, t *todo) error { return r.Scan(&t.company, &t.office, &t.name, &t.pub) },
			`SELECT c.id, w.office, w.name, w.public_key FROM companies c CROSS JOIN workstations w
			WHERE w.removed_at = ''
			AND NOT EXISTS (SELECT 1 FROM share_members m WHERE m.company_id = c.id AND m.office = w.office
				AND NOT (m.removed_at <> '' AND w.how <> 'via' AND m.removed_at < w.added_at))
			AND NOT EXISTS (SELECT 1 FROM shares sh WHERE sh.company_id = c.id AND sh.left_share = 1)
			ORDER BY c.id, w.office`)
		return err
	})
	if err != nil {
		return 0, err
	}
	// A workstation the relay cannot reach keeps neither the others from their companies nor
	// the list of workstations (its rights) from going out: the first error is returned at the
	// end, and the offer is made again at the next sync.
	n := 0
	var first error
	for _, t := range list {
		err := s.offerTo(ctx, p, keys, t.company, t.office, t.name, t.pub, true)
		if errors.Is(err, vault.ErrNoCompanyKey) {
			continue // a company whose keys were destroyed at its contract's end: nothing to share
		}
		if err != nil {
			if first == nil {
				first = fmt.Errorf("offering a company to workstation %s: %w", t.office, err)
			}
			continue
		}
		n++
	}
	return n, first
}

// queryAll runs q in tx and scans every row into a T with scan.
func queryAll[T any](tx *store.Tx, scan func(*sql.Rows, *T) error, q string, args ...any) ([]T, error) {
	rows, err := tx.Query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
