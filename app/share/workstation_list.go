package share

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/terminal"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/cloud/envelope"
)

// The office's list of workstations (officeMsg), passed between its workstations, with the
// rights each terminal applies to itself and the removals rotations name.

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
	// SettingsBox: the role assignments of the companies shared with To, sealed to it
	// (workstation_settings.go).
	SettingsBox []byte `json:"settingsBox,omitempty"`
	MAC         []byte `json:"mac"`
}

func (m *officeMsg) macInput(relayCompany string) []byte {
	sum := sha256.Sum256(mustJSON(m.Members))
	in := append([]byte("shelter-workstation-office|v1|"+relayCompany+"|"+m.From+"|"+m.To+"|"), sum[:]...)
	if len(m.SettingsBox) > 0 {
		rs := sha256.Sum256(m.SettingsBox)
		in = append(append(in, "|settings="...), rs[:]...)
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
		roles         []wsCompanySettings
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
			if t.roles, err = settingsFor(tx, t.office); err != nil {
				return err
			}
			sum := sha256.Sum256(mustJSON(struct {
				M []wsMember          `json:"m"`
				R []wsCompanySettings `json:"r"`
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
			if m.SettingsBox, err = vault.SealTo(s.rand(), t.pub, settingsAAD(m.From, m.To), mustJSON(t.roles)); err != nil {
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
	if ok, err := keys.CheckPeerMAC(tx, pub, m.macInput(sh.relay), m.MAC); err != nil || !ok {
		return err
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
	if err := s.importSettings(tx, p, keys, m.From, sh.self, m.SettingsBox); err != nil {
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
		at, err := afterKnown(tx, o)
		if err != nil {
			return nil, err
		}
		res, err := tx.Exec(`UPDATE workstations SET removed_by = ?, removed_at = ? WHERE office = ? AND removed_at = ''`,
			"workstation "+r.From, at, o)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			out = append(out, o)
		}
	}
	return out, nil
}
