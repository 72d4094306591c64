package share

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/cloud/envelope"
)

// maxRecords bounds the records of one envelope; a larger export is several envelopes.
const maxRecords = 500

// shareRow is a shares row.
type shareRow struct {
	companyID               int64
	relay, self             string
	clock, cursor, auditCur int64
	// epoch is the key epoch this side sends under, base the one whose key is the company key
	// (epochs.go); resend asks the next export for every record again.
	epoch, base string
	resend      bool
	// rekeyFrom is valid while a rotation made or received here is still to be sent (it holds
	// the epoch before it).
	rekeyFrom sql.NullString
	// histHead is this side's history chain of the company after the last fact sent (history.go).
	histHead []byte
}

func loadShare(tx *store.Tx, companyID int64) (*shareRow, error) {
	sh := &shareRow{companyID: companyID}
	err := tx.QueryRow(`SELECT relay_company, self_office, clock, relay_cursor, audit_cursor, epoch, base_epoch, resend, rekey_from,
		history_head FROM shares WHERE company_id = ?`, companyID).Scan(&sh.relay, &sh.self, &sh.clock, &sh.cursor, &sh.auditCur,
		&sh.epoch, &sh.base, &sh.resend, &sh.rekeyFrom, &sh.histHead)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoShare
	}
	if err != nil {
		return nil, fmt.Errorf("reading share: %w", err)
	}
	return sh, nil
}

func (sh *shareRow) save(tx *store.Tx) error {
	_, err := tx.Exec(`UPDATE shares SET clock = ?, relay_cursor = ?, audit_cursor = ?, last_sync_at = ?, epoch = ?, resend = ?, rekey_from = ?,
		history_head = ? WHERE company_id = ?`, sh.clock, sh.cursor, sh.auditCur, tx.NowText(), sh.epoch, sh.resend, sh.rekeyFrom,
		sh.histHead, sh.companyID)
	if err != nil {
		return fmt.Errorf("writing share: %w", err)
	}
	return nil
}

// tick returns the next clock for a version written at physical time t (microseconds).
func (sh *shareRow) tick(physical int64) int64 {
	sh.clock = max(physical, sh.clock+1)
	return sh.clock
}

// SyncResult says what one Sync did.
type SyncResult struct {
	Sent      int // records sent
	Received  int // records applied
	Conflicts int // records where this side's version lost
}

// requireShareRole refuses anyone but the company's 責任者 / 担当者. Being an administrator is
// not enough (auth.RequireCompanyRole): syncing opens every number of the company, and the
// conflicts name its employees.
func requireShareRole(tx *store.Tx, p auth.Principal, companyID int64) error {
	return auth.RequireCompanyRole(tx, p, companyID, auth.Manager, auth.Handler)
}

// Sync sends this side's changes to the shared company companyID and applies the peer's
// (the company's 責任者 / 担当者; an administrator must be assigned like anyone else).
func (s *Service) Sync(ctx context.Context, p auth.Principal, keys *vault.Keys, companyID int64) (SyncResult, error) {
	var res SyncResult
	if s.transport() == nil {
		return res, ErrNoRelay
	}
	if err := s.DB.View(ctx, func(tx *store.Tx) error { return requireShareRole(tx, p, companyID) }); err != nil {
		return res, err
	}
	if err := s.sendRekey(ctx, keys, companyID); err != nil {
		return res, err
	}
	n, err := s.sendChanges(ctx, p, keys, companyID)
	res.Sent += n
	if err != nil {
		return res, s.noteLeft(ctx, companyID, err)
	}
	var sh *shareRow
	if err := s.DB.View(ctx, func(tx *store.Tx) (err error) { sh, err = loadShare(tx, companyID); return err }); err != nil {
		return res, err
	}
	items, err := s.transport().Receive(ctx, sh.relay, sh.cursor)
	if err != nil {
		return res, s.noteLeft(ctx, companyID, fmt.Errorf("receiving changes: %w", err))
	}
	for _, it := range items {
		n, c, err := s.importEnvelope(ctx, p, keys, companyID, it.ID, it.Body)
		if err != nil {
			return res, err
		}
		res.Received += n
		res.Conflicts += c
	}
	// A rotation received just now: its key goes on to the members it missed, and every record
	// goes out again under it, in this same sync.
	if err := s.DB.View(ctx, func(tx *store.Tx) (err error) { sh, err = loadShare(tx, companyID); return err }); err != nil {
		return res, err
	}
	if sh.resend || sh.rekeyFrom.Valid {
		if err := s.sendRekey(ctx, keys, companyID); err != nil {
			return res, err
		}
		n, err := s.sendChanges(ctx, p, keys, companyID)
		res.Sent += n
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// noteLeft records that the relay no longer counts this side a member of the share when err
// says so (another member removed it): an offer of the company made afterwards is then looked
// for (fetchOffers). It returns err.
func (s *Service) noteLeft(ctx context.Context, companyID int64, err error) error {
	if errors.Is(err, ErrNotMember) {
		if uerr := s.DB.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(`UPDATE shares SET left_share = 1 WHERE company_id = ?`, companyID)
			return err
		}); uerr != nil {
			return uerr
		}
	}
	return err
}

// sendChanges exports this side's changes and sends them, in one transaction: the new hashes
// and clocks are kept only when the relay took the envelopes. It returns the records sent.
func (s *Service) sendChanges(ctx context.Context, p auth.Principal, keys *vault.Keys, companyID int64) (int, error) {
	// Every change of a company's data writes an entry of its history, and the export sends
	// each one as a fact: with no entry after the last one sent (and no resend asked), nothing
	// changed here, and the scan of the company's records is skipped.
	var idle bool
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		sh, err := loadShare(tx, companyID)
		if err != nil {
			return err
		}
		var head int64
		if err := tx.QueryRow(`SELECT coalesce(max(id), 0) FROM audit_log WHERE company_id = ?`, companyID).Scan(&head); err != nil {
			return err
		}
		idle = !sh.resend && head <= sh.auditCur
		return nil
	})
	if err != nil || idle {
		return 0, err
	}
	sent := 0
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		if err := requireShareRole(tx, p, companyID); err != nil {
			return err
		}
		sh, err := loadShare(tx, companyID)
		if err != nil {
			return err
		}
		b, err := s.export(tx, keys, sh)
		if err != nil {
			return err
		}
		ek, err := epochKey(tx, keys, sh, sh.epoch)
		if err != nil {
			return err
		}
		defer ek.Close()
		for len(b.Records) > 0 || len(b.Audit) > 0 {
			part := *b
			part.Records = b.Records[:min(len(b.Records), maxRecords)]
			b.Records = b.Records[len(part.Records):]
			b.Audit, b.History = nil, nil
			pt := mustJSON(part)
			err := s.transport().Send(ctx, sh.relay, batchRecord(sh.epoch), func(aad []byte) ([]byte, error) {
				return ek.Seal(envelopeAAD(aad), pt)
			})
			clear(pt)
			if err != nil {
				return fmt.Errorf("sending changes: %w", err)
			}
			sent += len(part.Records)
		}
		if b.shredded {
			// A number left this side (a disposal, a deletion): the members move to a new epoch
			// and the keys before it are destroyed, so that no copy of the relay's database
			// opens the number with a key anyone holds (epochs.go).
			if err := s.rotate(tx, p, keys, sh, "shared numbers destroyed"); err != nil {
				return err
			}
			if err := addShreds(tx, sh.companyID, b.shreds); err != nil {
				return err
			}
		}
		return sh.save(tx)
	})
	if err != nil {
		sent = 0 // rolled back: sent again next time
	}
	return sent, err
}

// export collects the records changed since the last export and the new audit entries, and
// records their new versions.
func (s *Service) export(tx *store.Tx, keys *vault.Keys, sh *shareRow) (*batch, error) {
	ck, err := keys.Company(tx, sh.companyID)
	if err != nil {
		return nil, err
	}
	defer ck.Close()
	ek, err := epochKey(tx, keys, sh, sh.epoch)
	if err != nil {
		return nil, err
	}
	defer ek.Close()
	x, err := loadRecs(tx, sh.companyID)
	if err != nil {
		return nil, err
	}
	office, _, err := roster.OfficeTx(tx)
	if err != nil {
		return nil, err
	}
	b := &batch{V: 1, Origin: sh.self, OriginName: office.Name}
	if b.OriginKey, err = keys.InstallationKey(tx); err != nil {
		return nil, err
	}
	// A resend (after a rotation) sends every record again, each as the version held here, and
	// every audit entry of the company: members that hold them skip them, a member joining later
	// reads the whole company from the current epoch.
	full := sh.resend
	if full {
		sh.resend, sh.auditCur = false, 0
	}
	// changed returns the record for a local row whose hash differs, and its new share record.
	// In a resend, an unchanged row gives its record as held (and a share record that is
	// already saved).
	changed := func(kind string, localID int64, hash []byte, physical int64) (*record, *localRec) {
		prev := x.local(kind, localID)
		if prev != nil && string(prev.hash) == string(hash) {
			if !full {
				return nil, nil
			}
			return &record{Kind: kind, ID: prev.gid, Clock: prev.clock, Origin: prev.origin}, prev
		}
		r := &record{Kind: kind, Origin: sh.self}
		lr := &localRec{kind: kind, localID: localID, origin: sh.self, hash: hash}
		if prev != nil {
			r.ID, r.BaseClock, r.BaseOrigin = prev.gid, prev.clock, prev.origin
		} else if kind == KindPerson {
			r.ID = fmt.Sprintf("%s.%d", sh.self, localID)
		} else if p := x.local(KindPerson, localID); p != nil {
			r.ID = p.gid
		} else {
			return nil, nil // the person is not shared yet
		}
		lr.gid = r.ID
		r.Clock = sh.tick(physical)
		lr.clock = r.Clock
		return r, lr
	}

	// Persons: employees first, so that dependents can name their employee's global id.
	rows, err := tx.Query(`SELECT `+personColumns+` FROM persons p WHERE p.company_id = ? ORDER BY p.kind = 'dependent', p.id`, sh.companyID)
	if err != nil {
		return nil, fmt.Errorf("reading persons: %w", err)
	}
	var persons []personRow
	for rows.Next() {
		r, err := scanPerson(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading persons: %w", err)
		}
		persons = append(persons, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, pr := range persons {
		if pr.employeeID != 0 {
			e := x.local(KindPerson, pr.employeeID)
			if e == nil {
				continue
			}
			pr.data.Employee = e.gid
		}
		r, lr := changed(KindPerson, pr.id, personHash(pr.data), pr.updated.UnixMicro())
		if r == nil {
			continue
		}
		d := pr.data
		r.Person = &d
		if err := x.save(tx, sh.companyID, lr); err != nil {
			return nil, err
		}
		b.Records = append(b.Records, *r)
	}

	// Numbers: every shared person, so that a deleted number is sent as deleted.
	for _, pr := range persons {
		if x.local(KindPerson, pr.id) == nil {
			continue
		}
		h, err := numberHash(tx, pr.id)
		if err != nil {
			return nil, err
		}
		if x.local(KindNumber, pr.id) == nil && string(h) == string(deletedHash[:]) {
			continue // never had one
		}
		var at string
		tx.QueryRow(`SELECT registered_at FROM person_numbers WHERE person_id = ?`, pr.id).Scan(&at)
		t, _ := store.ParseTime(at)
		prev := x.local(KindNumber, pr.id)
		fresh := prev == nil || string(prev.hash) != string(h) // a new version, not a resend's copy
		r, lr := changed(KindNumber, pr.id, h, t.UnixMicro())
		if r == nil {
			continue
		}
		if string(h) == string(deletedHash[:]) {
			r.Deleted = true
		} else if r.Number, err = sealForShare(tx, ck, ek, pr.id, r.ID); errors.Is(err, vault.ErrShredded) {
			r.Deleted, lr.hash = true, deletedHash[:]
		} else if err != nil {
			return nil, err
		}
		if r.Deleted && fresh {
			b.shredded, b.shreds = true, append(b.shreds, *r)
		}
		if err := x.save(tx, sh.companyID, lr); err != nil {
			return nil, err
		}
		b.Records = append(b.Records, *r)
	}

	// Executed disposals of shared persons.
	drows, err := tx.Query(`SELECT di.person_id, d.method, d.executed_at FROM disposal_items di JOIN disposals d ON d.id = di.disposal_id
		WHERE d.company_id = ? AND d.status = 'executed' ORDER BY d.id, di.person_id`, sh.companyID)
	if err != nil {
		return nil, fmt.Errorf("reading disposals: %w", err)
	}
	type disp struct {
		pid int64
		d   disposalData
	}
	var disps []disp
	for drows.Next() {
		var d disp
		if err := drows.Scan(&d.pid, &d.d.Method, &d.d.ExecutedAt); err != nil {
			drows.Close()
			return nil, err
		}
		disps = append(disps, d)
	}
	drows.Close()
	for _, d := range disps {
		t, _ := store.ParseTime(d.d.ExecutedAt)
		h := hashOf([]byte(d.d.Method), []byte(d.d.ExecutedAt))
		prev := x.local(KindDisposal, d.pid)
		r, lr := changed(KindDisposal, d.pid, h, t.UnixMicro())
		if r == nil {
			continue
		}
		dd := d.d
		r.Disposal = &dd
		if prev == nil || string(prev.hash) != string(h) {
			b.shredded, b.shreds = true, append(b.shreds, *r)
		}
		if err := x.save(tx, sh.companyID, lr); err != nil {
			return nil, err
		}
		b.Records = append(b.Records, *r)
	}

	// Collection statuses of shared persons.
	if err := exportStatuses(tx, x, sh, changed, b); err != nil {
		return nil, err
	}

	// The company's new audit entries, as facts.
	arows, err := tx.Query(`SELECT id, at, login, action, target_type, target_id, purpose, result, detail FROM audit_log
		WHERE company_id = ? AND id > ? ORDER BY id LIMIT 5000`, sh.companyID, sh.auditCur)
	if err != nil {
		return nil, fmt.Errorf("reading audit entries: %w", err)
	}
	defer arows.Close()
	for arows.Next() {
		var f auditFact
		if err := arows.Scan(&f.ID, &f.At, &f.Login, &f.Action, &f.TargetType, &f.TargetID, &f.Purpose, &f.Result, &f.Detail); err != nil {
			return nil, err
		}
		if f.TargetType == "person" {
			var id int64
			if _, err := fmt.Sscan(f.TargetID, &id); err == nil {
				if r := x.local(KindPerson, id); r != nil {
					f.TargetID = r.gid
				}
			}
		}
		b.Audit = append(b.Audit, f)
		sh.auditCur = f.ID
	}
	if err := arows.Err(); err != nil {
		return nil, err
	}
	return b, proveHistory(tx, keys, sh, b)
}

// sealForShare opens person personID's number with its person key (under the company key ck)
// and seals it again under the epoch's key ek at numberAAD(gid). The plaintext is zeroed.
func sealForShare(tx *store.Tx, ck, ek *vault.CompanyKey, personID int64, gid string) ([]byte, error) {
	var ct []byte
	if err := tx.QueryRow(`SELECT ciphertext FROM person_numbers WHERE person_id = ?`, personID).Scan(&ct); err != nil {
		return nil, fmt.Errorf("reading number of person %d: %w", personID, err)
	}
	pk, err := ck.Person(tx, personID)
	if err != nil {
		return nil, err
	}
	defer pk.Close()
	pt, err := pk.Open(roster.NumberAAD(personID), ct)
	if err != nil {
		return nil, err
	}
	defer clear(pt)
	return ek.Seal(numberAAD(gid), pt)
}

// importEnvelope applies one envelope listed by the relay under relay id relayID. It returns
// the records applied and the conflicts this side lost. Envelopes of this installation, offers,
// and envelopes not newer than the last one imported from the same member are skipped.
func (s *Service) importEnvelope(ctx context.Context, p auth.Principal, keys *vault.Keys, companyID, relayID int64, body []byte) (applied, lost int, err error) {
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		sh, err := loadShare(tx, companyID)
		if err != nil {
			return err
		}
		sh.cursor = max(sh.cursor, relayID)
		e, perr := envelope.Parse(body)
		if perr != nil || e.Company != sh.relay || e.Sender == s.transport().Sender() {
			return sh.save(tx)
		}
		if e.Record == RecordOffice {
			if err := s.importOfficeList(tx, p, keys, sh, e.Ciphertext); err != nil {
				return err
			}
			return sh.save(tx)
		}
		kind, epoch, ok := parseRecord(e.Record)
		if !ok {
			return sh.save(tx)
		}
		if kind == RecordRekey {
			header, _ := e.AAD()
			return s.importRekey(tx, p, keys, sh, e.Sender, e.Seq, header, e.Ciphertext)
		}
		ek, err := epochKey(tx, keys, sh, epoch)
		if errors.Is(err, vault.ErrNoCompanyKey) {
			return sh.save(tx) // an epoch this side never held (before it joined)
		}
		if err != nil {
			return err
		}
		defer ek.Close()
		aad, _ := e.AAD()
		pt, err := ek.Open(envelopeAAD(aad), e.Ciphertext)
		if err != nil {
			return sh.save(tx) // not sealed under this company's key: not ours to read
		}
		defer clear(pt)
		var b batch
		err = json.Unmarshal(pt, &b)
		if err != nil || b.V != 1 || b.Origin == sh.self || !envelope.ValidID(b.Origin) {
			return sh.save(tx)
		}
		if fresh, err := s.fromMember(tx, sh, b.Origin, b.OriginName, b.OriginKey, e.Sender, e.Seq); err != nil || !fresh {
			if err != nil {
				return err
			}
			return sh.save(tx) // a replay, or older than what was imported from that member
		}
		if epoch != sh.epoch && laterEpoch(sh.epoch, epoch) && !sh.rekeyFrom.Valid {
			// The member still sends under an earlier epoch: no rotation reached it (it was known
			// to none of the members that rotated). Its batch states its key; this side sends the
			// current epoch's key to every member it knows, at the end of this sync.
			sh.rekeyFrom = sql.NullString{String: sh.epoch, Valid: true}
		}
		ck, err := keys.Company(tx, companyID)
		if err != nil {
			return err
		}
		defer ck.Close()
		im := &importer{tx: tx, ck: ck, ek: ek, sh: sh, origin: b.Origin, p: p, log: s.Audit}
		if im.x, err = loadRecs(tx, companyID); err != nil {
			return err
		}
		if im.w, err = roster.NewWriter(tx, ck, p.UserID); err != nil {
			return err
		}
		defer im.w.Close()
		for _, r := range b.Records {
			if err := im.apply(r); err != nil {
				return err
			}
		}
		if err := im.facts(keys, b); err != nil {
			return err
		}
		applied, lost = im.applied, im.lost
		if applied > 0 {
			en := p.Entry(audit.ActionModify, audit.ResultOK)
			en.CompanyID, en.TargetType, en.TargetID = companyID, "share", sh.relay
			// The office id comes from another member: redacted if it looks like a number, so
			// that the history refuses nothing here and the sync cannot be stopped by it.
			en.Detail = audit.Redact(fmt.Sprintf("share sync: %d records from office %s, %d conflicts lost", applied, b.Origin, lost))
			if _, err := s.Audit.Append(tx, en); err != nil {
				return err
			}
		}
		return sh.save(tx)
	})
	return applied, lost, err
}

// describePerson is a conflict's value of a person: the fields an administrator recognises.
func describePerson(d personData) string {
	return strings.Join([]string{d.Code, d.Name, d.NameKana, d.BirthDate}, " / ")
}

// masked describes a sealed shared number masked, or "(削除)" when deleted.
func maskedShared(ck *vault.CompanyKey, r record) string {
	if r.Deleted {
		return "(削除)"
	}
	pt, err := ck.Open(numberAAD(r.ID), r.Number)
	if err != nil {
		return "(?)"
	}
	defer clear(pt)
	return roster.MaskDigits(pt)
}
