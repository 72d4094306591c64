package share

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/terminal"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/cloud/envelope"
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

// PairCode is the code both screens show when a workstation joins the office: 80 bits of
// SHA-256 over the two installation keys (in byte order, so that both sides compute the same),
// as five groups of four hexadecimal digits. Each administrator types the code the other
// screen shows: a relay that put keys of its own in the directory would show two different
// codes, and finding keys that give equal ones takes about 2^40 key pairs.
func PairCode(a, b []byte) string {
	if bytes.Compare(a, b) > 0 {
		a, b = b, a
	}
	h := sha256.New()
	h.Write([]byte("shelter-workstation-pair|v1|"))
	for _, k := range [][]byte{a, b} {
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(k))))
		h.Write(k)
	}
	x := fmt.Sprintf("%X", h.Sum(nil)[:10])
	var out strings.Builder
	for i := 0; i < len(x); i += 4 {
		if i > 0 {
			out.WriteByte('-')
		}
		out.WriteString(x[i : i+4])
	}
	return out.String()
}

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
	self, err := s.Publish(ctx, p, keys)
	if err != nil {
		return Pairing{}, err
	}
	office = strings.TrimSpace(office)
	if !envelope.ValidID(office) || office == self.Office {
		return Pairing{}, apperr.Invalid("office", "相手の端末の事務所IDが正しくありません。", "The other workstation's office id is not valid.")
	}
	peer, err := s.transport().PeerKey(ctx, office)
	if errors.Is(err, ErrNotFound) {
		return Pairing{}, errNoKey
	}
	if err != nil {
		return Pairing{}, fmt.Errorf("peer key: %w", err)
	}
	return Pairing{Self: self.Office, Office: office, Name: peer.Name, Code: PairCode(self.PublicKey, peer.PublicKey)}, nil
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
	pair, err := s.Pair(ctx, p, keys, office)
	if err != nil {
		return err
	}
	if normCode(code) != normCode(pair.Code) {
		return ErrPairCode
	}
	peer, err := s.transport().PeerKey(ctx, pair.Office)
	if err != nil {
		return fmt.Errorf("peer key: %w", err)
	}
	// The key the code was computed from is the one pinned: a directory that changed between
	// the two reads is refused.
	var own []byte
	if err := s.DB.View(ctx, func(tx *store.Tx) (err error) { own, err = keys.InstallationKey(tx); return err }); err != nil {
		return err
	}
	if PairCode(own, peer.PublicKey) != pair.Code {
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
		at := ""
		if how == "approved" {
			at = tx.NowText()
		}
		if _, err := tx.Exec(`INSERT INTO workstations(office, name, public_key, how, reveal, download, dispose, rights_at, added_by, added_at)
			VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(office) DO UPDATE SET name = excluded.name, public_key = excluded.public_key,
			how = excluded.how, reveal = excluded.reveal, download = excluded.download, dispose = excluded.dispose,
			rights_at = excluded.rights_at, list_sent = '', added_by = excluded.added_by, added_at = excluded.added_at,
			removed_by = '', removed_at = ''`,
			pair.Office, peer.Name, peer.PublicKey, how, r.Reveal, r.Download, r.Dispose, at, p.Login, tx.NowText()); err != nil {
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
		_, err := s.Audit.Append(tx, e)
		return err
	})
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
		res, err := tx.Exec(`UPDATE workstations SET reveal = ?, download = ?, dispose = ?, rights_at = ? WHERE office = ? AND removed_at = ''`,
			r.Reveal, r.Download, r.Dispose, tx.NowText(), office)
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
		res, err := tx.Exec(`UPDATE workstations SET removed_by = ?, removed_at = ? WHERE office = ? AND removed_at = ''`,
			p.Login, tx.NowText(), office)
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
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT m.company_id, m.office FROM share_members m JOIN workstations w ON w.office = m.office
			JOIN shares sh ON sh.company_id = m.company_id
			WHERE w.removed_at <> '' AND m.removed_at = '' AND sh.left_share = 0 ORDER BY m.company_id, m.office`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var x pair
			if err := rows.Scan(&x.company, &x.office); err != nil {
				return err
			}
			todo = append(todo, x)
		}
		return rows.Err()
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
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT o.relay_company FROM share_offers o JOIN workstations w ON w.office = o.from_office
			WHERE o.status = 'pending' AND w.removed_at = '' ORDER BY o.received_at, o.relay_company`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var rc string
			if err := rows.Scan(&rc); err != nil {
				return err
			}
			pending = append(pending, rc)
		}
		return rows.Err()
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
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT c.id, w.office, w.name, w.public_key FROM companies c CROSS JOIN workstations w
			WHERE w.removed_at = ''
			AND NOT EXISTS (SELECT 1 FROM share_members m WHERE m.company_id = c.id AND m.office = w.office
				AND NOT (m.removed_at <> '' AND w.how <> 'via' AND m.removed_at < w.added_at))
			AND NOT EXISTS (SELECT 1 FROM shares sh WHERE sh.company_id = c.id AND sh.left_share = 1)
			ORDER BY c.id, w.office`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t todo
			if err := rows.Scan(&t.company, &t.office, &t.name, &t.pub); err != nil {
				return err
			}
			list = append(list, t)
		}
		return rows.Err()
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

// companyRoles lists the company's role assignments by login.
func companyRoles(tx *store.Tx, companyID int64) ([]wsRole, error) {
	rows, err := tx.Query(`SELECT u.login, a.role FROM assignments a JOIN users u ON u.id = a.user_id
		WHERE a.company_id = ? AND u.disabled = 0 ORDER BY u.login, a.role`, companyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []wsRole
	for rows.Next() {
		var r wsRole
		if err := rows.Scan(&r.Login, &r.Role); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// applyRoles gives the users here with the logins of roles their roles in companyID (a
// company a workstation of the office offered), with one history entry.
func applyRoles(tx *store.Tx, p auth.Principal, log *audit.Log, companyID int64, from string, roles []wsRole) error {
	var given []string
	for _, r := range roles {
		if r.Role != string(auth.Manager) && r.Role != string(auth.Handler) {
			continue
		}
		res, err := tx.Exec(`INSERT OR IGNORE INTO assignments(company_id, user_id, role, assigned_at)
			SELECT ?, id, ?, ? FROM users WHERE login = ? AND disabled = 0`, companyID, r.Role, tx.NowText(), r.Login)
		if err != nil {
			return fmt.Errorf("assigning a role: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			given = append(given, r.Login+"="+r.Role)
		}
	}
	if len(given) == 0 {
		return nil
	}
	e := p.Entry(audit.ActionAssignmentChange, audit.ResultOK)
	e.CompanyID, e.TargetType, e.TargetID = companyID, "company", fmt.Sprint(companyID)
	e.Detail = audit.Redact("roles as on workstation " + from + ": " + strings.Join(given, ", "))
	_, err := log.Append(tx, e)
	return err
}

// wsMember is one workstation of the office in an officeMsg: what the sending side knows of it.
type wsMember struct {
	Office    string `json:"office"`
	Name      string `json:"name"`
	Key       []byte `json:"key"`
	AddedAt   string `json:"addedAt"`
	RemovedAt string `json:"removedAt,omitempty"`
	// Rights and RightsAt: what an administrator last set for it, and when ("" never).
	Rights   WorkstationRights `json:"rights"`
	RightsAt string            `json:"rightsAt,omitempty"`
}

// officeMsg is the plaintext of a RecordOffice envelope: the sending workstation's list of the
// office's workstations, itself included (not secret: office ids, names, public keys and
// rights), authenticated to its recipient To by a MAC under the two installations' static
// ECDH secret. The recipient adds the workstations it did not know, records removals and
// newer rights, and applies its own entry's rights to itself: so every workstation learns
// of each one approved, removed or limited anywhere in the office.
type officeMsg struct {
	V       int        `json:"v"`
	From    string     `json:"from"`
	To      string     `json:"to"`
	Members []wsMember `json:"members"`
	// RolesBox: the role assignments of the companies shared with To, sealed to it
	// (workstation_roles.go).
	RolesBox []byte `json:"rolesBox,omitempty"`
	MAC      []byte `json:"mac"`
}

func (m *officeMsg) macInput(relayCompany string) []byte {
	sum := sha256.Sum256(mustJSON(m.Members))
	in := append([]byte("shelter-workstation-office|v1|"+relayCompany+"|"+m.From+"|"+m.To+"|"), sum[:]...)
	if len(m.RolesBox) > 0 {
		rs := sha256.Sum256(m.RolesBox)
		in = append(append(in, "|roles="...), rs[:]...)
	}
	return in
}

// officeList is this side's list of the office's workstations, itself first.
func (s *Service) officeList(tx *store.Tx, keys *vault.Keys) ([]wsMember, error) {
	self, err := keys.InstallationKey(tx)
	if err != nil {
		return nil, err
	}
	office, _, err := roster.OfficeTx(tx)
	if err != nil {
		return nil, err
	}
	me := wsMember{Office: s.transport().Office(), Name: office.Name, Key: self}
	if r, ok, err := terminalRights(tx); err != nil {
		return nil, err
	} else if ok {
		me.Rights, me.RightsAt = WorkstationRights{Reveal: r.Reveal, Download: r.Download, Dispose: r.Dispose}, r.At
	}
	out := []wsMember{me}
	rows, err := tx.Query(`SELECT office, name, public_key, added_at, removed_at, reveal, download, dispose, rights_at
		FROM workstations ORDER BY office`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m wsMember
		if err := rows.Scan(&m.Office, &m.Name, &m.Key, &m.AddedAt, &m.RemovedAt, &m.Rights.Reveal, &m.Rights.Download,
			&m.Rights.Dispose, &m.RightsAt); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// sendOfficeList sends this side's list of workstations to each active workstation that has
// not received this version of it, through one company shared with it (a workstation with no
// company shared yet gets it once it has one).
func (s *Service) sendOfficeList(ctx context.Context, keys *vault.Keys) error {
	type todo struct {
		office, relay string
		pub           []byte
		roles         []wsCompanyRoles
		digest        string
	}
	var (
		list  []todo
		body  []wsMember
		first error
	)
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		if body, err = s.officeList(tx, keys); err != nil {
			return err
		}
		rows, err := tx.Query(`SELECT w.office, w.public_key, w.list_sent,
			(SELECT sh.relay_company FROM share_members m JOIN shares sh ON sh.company_id = m.company_id
				WHERE m.office = w.office AND m.removed_at = '' AND sh.left_share = 0 ORDER BY sh.company_id LIMIT 1)
			FROM workstations w WHERE w.removed_at = ''`)
		if err != nil {
			return err
		}
		var all []todo
		var sent []string
		for rows.Next() {
			var t todo
			var last string
			var relay sql.NullString
			if err := rows.Scan(&t.office, &t.pub, &last, &relay); err != nil {
				rows.Close()
				return err
			}
			if relay.Valid {
				t.relay = relay.String
				all, sent = append(all, t), append(sent, last)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i, t := range all {
			if t.roles, err = rolesFor(tx, t.office); err != nil {
				return err
			}
			sum := sha256.Sum256(mustJSON(struct {
				M []wsMember       `json:"m"`
				R []wsCompanyRoles `json:"r"`
			}{body, t.roles}))
			if t.digest = fmt.Sprintf("%x", sum); t.digest != sent[i] {
				list = append(list, t)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, t := range list {
		m := officeMsg{V: 1, From: s.transport().Office(), To: t.office, Members: body}
		if len(t.roles) > 0 {
			if m.RolesBox, err = vault.SealTo(s.rand(), t.pub, rolesAAD(m.From, m.To), mustJSON(t.roles)); err != nil {
				return err
			}
		}
		err := s.DB.Update(ctx, func(tx *store.Tx) (err error) {
			m.MAC, err = keys.PeerMAC(tx, t.pub, m.macInput(t.relay))
			return err
		})
		if err != nil {
			return err
		}
		msg := mustJSON(m)
		if err := s.transport().Send(ctx, t.relay, RecordOffice, func([]byte) ([]byte, error) { return msg, nil }); err != nil {
			// One workstation out of reach (its company refused, a relay fault) does not keep
			// the list from the others; it goes again at the next sync.
			first = cmp.Or(first, fmt.Errorf("sending the office's workstations: %w", err))
			continue
		}
		if err := s.DB.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(`UPDATE workstations SET list_sent = ? WHERE office = ?`, t.digest, t.office)
			return err
		}); err != nil {
			return err
		}
	}
	return first
}

// importOfficeList merges a RecordOffice envelope meant for this side from an active
// workstation of the office (anything else is ignored): workstations it did not know are
// added, a removal or a return later than what this side holds is taken, newer rights are
// taken, and this terminal's own entry's rights apply here.
func (s *Service) importOfficeList(tx *store.Tx, p auth.Principal, keys *vault.Keys, sh *shareRow, body []byte) error {
	var m officeMsg
	if json.Unmarshal(body, &m) != nil || m.V != 1 || m.To != sh.self || m.From == sh.self {
		return nil
	}
	var pub []byte
	err := tx.QueryRow(`SELECT public_key FROM workstations WHERE office = ? AND removed_at = ''`, m.From).Scan(&pub)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	want, err := keys.PeerMAC(tx, pub, m.macInput(sh.relay))
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(want, m.MAC) != 1 {
		return nil
	}
	by := "workstation " + m.From
	var changes []string
	for _, w := range m.Members {
		if !envelope.ValidID(w.Office) || len(w.Key) == 0 {
			continue
		}
		if w.Office == sh.self {
			if w.RightsAt == "" {
				continue
			}
			r := wsRights{Reveal: w.Rights.Reveal, Download: w.Rights.Download, Dispose: w.Rights.Dispose, At: w.RightsAt, By: m.From}
			changed, err := setTerminalRights(tx, r, m.From, false)
			if err != nil {
				return err
			}
			if changed {
				changes = append(changes, "this terminal's rights set", rightsText(w.Rights))
			}
			continue
		}
		var addedAt, removedAt, rightsAt string
		err := tx.QueryRow(`SELECT added_at, removed_at, rights_at FROM workstations WHERE office = ?`, w.Office).Scan(&addedAt, &removedAt, &rightsAt)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.Exec(`INSERT INTO workstations(office, name, public_key, how, reveal, download, dispose, rights_at,
				added_by, added_at, removed_by, removed_at) VALUES(?, ?, ?, 'via', ?, ?, ?, ?, ?, ?, ?, ?)`,
				w.Office, w.Name, w.Key, w.Rights.Reveal, w.Rights.Download, w.Rights.Dispose, w.RightsAt, by, w.AddedAt,
				cond(w.RemovedAt != "", by), w.RemovedAt); err != nil {
				return err
			}
			if w.RemovedAt == "" {
				changes = append(changes, "workstation added: "+w.Office)
			}
			continue
		case err != nil:
			return err
		}
		switch {
		case w.RemovedAt != "" && removedAt == "" && w.RemovedAt > addedAt:
			if _, err := tx.Exec(`UPDATE workstations SET removed_by = ?, removed_at = ? WHERE office = ?`, by, w.RemovedAt, w.Office); err != nil {
				return err
			}
			changes = append(changes, "workstation removed from the office: "+w.Office)
		case w.RemovedAt == "" && removedAt != "" && w.AddedAt > removedAt:
			if _, err := tx.Exec(`UPDATE workstations SET public_key = ?, name = ?, added_by = ?, added_at = ?, removed_by = '', removed_at = ''
				WHERE office = ?`, w.Key, w.Name, by, w.AddedAt, w.Office); err != nil {
				return err
			}
			changes = append(changes, "workstation added again: "+w.Office)
		}
		if w.RightsAt > rightsAt {
			if _, err := tx.Exec(`UPDATE workstations SET reveal = ?, download = ?, dispose = ?, rights_at = ? WHERE office = ?`,
				w.Rights.Reveal, w.Rights.Download, w.Rights.Dispose, w.RightsAt, w.Office); err != nil {
				return err
			}
			changes = append(changes, "workstation rights: "+w.Office, rightsText(w.Rights))
		}
	}
	if err := s.importRoles(tx, p, keys, m.From, sh.self, m.RolesBox); err != nil {
		return err
	}
	if len(changes) == 0 {
		return nil
	}
	e := p.Entry(audit.ActionSettingChange, audit.ResultOK)
	e.TargetType, e.TargetID = "workstation", m.From
	e.Detail = audit.Redact("the office's workstations as " + by + " knows them; " + strings.Join(changes, "; "))
	_, err = s.Audit.Append(tx, e)
	return err
}

func cond(ok bool, s string) string {
	if ok {
		return s
	}
	return ""
}

// setTerminalRights records r as this terminal's rights, set by workstation from, when they
// are later than the ones it has (terminal.Apply); initial: the rights a joining PC starts
// with (none, undated), which any administrator's setting replaces.
func setTerminalRights(tx *store.Tx, r wsRights, from string, initial bool) (bool, error) {
	by := "workstation " + from
	if initial {
		return true, terminal.Set(tx, terminal.Rights{}, by)
	}
	at, err := store.ParseTime(r.At)
	if err != nil {
		return false, fmt.Errorf("terminal rights from %s: %w", from, err)
	}
	return terminal.Apply(tx, terminal.Rights{Reveal: r.Reveal, Download: r.Download, Dispose: r.Dispose, SetAt: at}, by)
}

// terminalRights returns this terminal's rights as an administrator set them (ok false: never,
// or only the undated ones of a PC that joined).
func terminalRights(tx *store.Tx) (wsRights, bool, error) {
	r, err := terminal.Get(tx)
	if err != nil || r.SetAt.IsZero() {
		return wsRights{}, false, err
	}
	return wsRights{Reveal: r.Reveal, Download: r.Download, Dispose: r.Dispose, At: store.FormatTime(r.SetAt), By: r.SetBy}, true, nil
}

// retireWorkstations records as removed the workstations a rotation from a workstation of
// this office names retired (an administrator there removed them from the office), and
// returns them.
func retireWorkstations(tx *store.Tx, r rekey) ([]string, error) {
	if len(r.Retired) == 0 {
		return nil, nil
	}
	var trusted int
	if err := tx.QueryRow(`SELECT count(*) FROM workstations WHERE office = ? AND removed_at = ''`, r.From).Scan(&trusted); err != nil || trusted == 0 {
		return nil, err
	}
	var out []string
	for _, o := range r.Retired {
		if !slices.Contains(r.Removed, o) {
			continue
		}
		res, err := tx.Exec(`UPDATE workstations SET removed_by = ?, removed_at = ? WHERE office = ? AND removed_at = ''`,
			"workstation "+r.From, tx.NowText(), o)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			out = append(out, o)
		}
	}
	return out, nil
}
