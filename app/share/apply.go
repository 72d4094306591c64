package share

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// importer applies one batch inside one transaction.
type importer struct {
	tx      *store.Tx
	ck      *vault.CompanyKey // the company key: person keys
	ek      *vault.CompanyKey // the envelope's epoch key: shared numbers
	sh      *shareRow
	origin  string // the member whose batch this is
	x       *recIndex
	w       *roster.Writer
	p       auth.Principal
	log     *audit.Log
	applied int
	lost    int
}

// apply applies r if it is based on the version held here, or wins over it.
func (im *importer) apply(r record) error {
	im.sh.clock = max(im.sh.clock, r.Clock)
	local := im.x.gid(r.Kind, r.ID)
	var conflict bool
	if local != nil {
		if r.Clock == local.clock && r.Origin == local.origin {
			return nil // already held
		}
		if r.BaseClock != local.clock || r.BaseOrigin != local.origin {
			// Both sides changed the record since they last agreed (or r is stale).
			if !newer(r.Clock, r.Origin, local.clock, local.origin) {
				return nil
			}
			// A member's later version of a record whose version here is also its own is no
			// conflict: nobody else changed it in between. (Its base can be missing: a sync whose
			// answer was lost is rolled back and its changes sent again as new versions.)
			conflict = r.Origin != local.origin
		}
	}
	switch r.Kind {
	case KindPerson:
		return im.person(r, local, conflict)
	case KindNumber:
		return im.number(r, local, conflict)
	case KindDisposal:
		return im.disposal(r)
	case KindStatus:
		return im.status(r, local, conflict)
	}
	return nil
}

func (im *importer) conflict(r record, local *localRec, winner, loser string) error {
	_, err := im.tx.Exec(`INSERT INTO share_conflicts(company_id, kind, global_id, local_id, winner_origin, winner_clock, winner_value,
		loser_origin, loser_clock, loser_value, detected_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		im.sh.companyID, r.Kind, r.ID, local.localID, r.Origin, r.Clock, winner, local.origin, local.clock, loser, im.tx.NowText())
	if err != nil {
		return fmt.Errorf("writing share conflict: %w", err)
	}
	im.lost++
	return nil
}

func (im *importer) person(r record, local *localRec, conflict bool) error {
	d := r.Person
	if d == nil {
		return nil
	}
	var employeeID int64
	if d.Kind == "dependent" {
		e := im.x.gid(KindPerson, d.Employee)
		if e == nil {
			return nil // its employee is not shared here
		}
		employeeID = e.localID
	}
	var id int64
	if local == nil {
		var err error
		if d.Kind == "dependent" {
			id, err = im.w.InsertDependent(&roster.Dependent{EmployeeID: employeeID, Relation: roster.Relation(d.Relation), Name: d.Name,
				NameKana: d.NameKana, BirthDate: d.BirthDate, Sex: roster.Sex(d.Sex)})
		} else {
			id, err = im.w.InsertEmployee(&roster.Employee{Code: d.Code, Name: d.Name, NameKana: d.NameKana, BirthDate: d.BirthDate,
				Sex: roster.Sex(d.Sex), HiredOn: d.HiredOn, LeftOn: d.LeftOn, Email: d.Email, Phone: d.Phone})
		}
		if err != nil {
			return fmt.Errorf("importing person: %w", err)
		}
	} else {
		id = local.localID
		cur, err := readPerson(im.tx, im.x, im.sh.companyID, id)
		if err != nil {
			return err
		}
		if conflict {
			if err := im.conflict(r, local, describePerson(*d), describePerson(cur.data)); err != nil {
				return err
			}
		}
		if d.Kind == "dependent" {
			err = im.w.UpdateDependent(&roster.Dependent{ID: id, Relation: roster.Relation(d.Relation), Name: d.Name,
				NameKana: d.NameKana, BirthDate: d.BirthDate, Sex: roster.Sex(d.Sex)})
		} else {
			var dept int64
			im.tx.QueryRow(`SELECT COALESCE(department_id, 0) FROM persons WHERE id = ?`, id).Scan(&dept)
			err = im.w.UpdateEmployee(&roster.Employee{ID: id, Code: d.Code, Name: d.Name, NameKana: d.NameKana, BirthDate: d.BirthDate,
				Sex: roster.Sex(d.Sex), DepartmentID: dept, HiredOn: d.HiredOn, LeftOn: d.LeftOn, Email: d.Email, Phone: d.Phone})
		}
		if err != nil {
			return fmt.Errorf("importing person: %w", err)
		}
	}
	if d.Purposes != nil {
		if err := notifiedPurposes(im.tx, id, *d.Purposes); err != nil {
			return err
		}
	}
	// Record the hash of the row as it now reads, so the next export does not send it back.
	now, err := readPerson(im.tx, im.x, im.sh.companyID, id)
	if err != nil {
		return err
	}
	im.applied++
	return im.x.save(im.tx, im.sh.companyID, &localRec{kind: KindPerson, gid: r.ID, localID: id, clock: r.Clock, origin: r.Origin, hash: personHash(now.data)})
}

func (im *importer) number(r record, local *localRec, conflict bool) error {
	pr := im.x.gid(KindPerson, r.ID)
	if pr == nil {
		return nil
	}
	id := pr.localID
	if conflict {
		loser, _, err := roster.MaskedNumberTx(im.tx, im.ck, id)
		if err != nil {
			return err
		}
		if loser == "" {
			loser = "(削除)"
		}
		if err := im.conflict(r, local, maskedShared(im.ek, r), loser); err != nil {
			return err
		}
	}
	if r.Deleted {
		if _, err := im.tx.Exec(`DELETE FROM person_numbers WHERE person_id = ? AND company_id = ?`, id, im.sh.companyID); err != nil {
			return fmt.Errorf("deleting number of person %d: %w", id, err)
		}
	} else {
		pt, err := im.ek.Open(numberAAD(r.ID), r.Number)
		if err != nil {
			return fmt.Errorf("opening shared number: %w", err)
		}
		n, verr := roster.ValidateNumber(string(pt))
		clear(pt)
		if verr != nil {
			return nil // not a valid number: never stored
		}
		err = im.w.PutNumber(id, n)
		if errors.Is(err, roster.ErrDisposed) {
			return nil // disposed of here: stays disposed
		}
		if err != nil {
			return err
		}
	}
	h, err := numberHash(im.tx, id)
	if err != nil {
		return err
	}
	im.applied++
	return im.x.save(im.tx, im.sh.companyID, &localRec{kind: KindNumber, gid: r.ID, localID: id, clock: r.Clock, origin: r.Origin, hash: h})
}

// disposal carries out, here, a disposal the peer executed: the number (and for "shred" the
// documents and the person key) are destroyed. The certificate stays with the peer.
func (im *importer) disposal(r record) error {
	pr := im.x.gid(KindPerson, r.ID)
	if pr == nil || r.Disposal == nil {
		return nil
	}
	id := pr.localID
	if _, err := im.tx.Exec(`DELETE FROM person_numbers WHERE person_id = ?`, id); err != nil {
		return fmt.Errorf("deleting number of person %d: %w", id, err)
	}
	if r.Disposal.Method == "shred" {
		if _, err := im.tx.Exec(`DELETE FROM person_documents WHERE person_id = ?`, id); err != nil {
			return fmt.Errorf("deleting documents of person %d: %w", id, err)
		}
		if err := vault.ShredPerson(im.tx, id); err != nil && !errors.Is(err, vault.ErrShredded) {
			return err
		}
	}
	if n := im.x.local(KindNumber, id); n != nil {
		n.hash = deletedHash[:]
		if err := im.x.save(im.tx, im.sh.companyID, n); err != nil {
			return err
		}
	}
	e := im.p.Entry(audit.ActionDispose, audit.ResultOK)
	e.CompanyID, e.TargetType, e.TargetID = im.sh.companyID, "person", fmt.Sprint(id)
	e.Detail = fmt.Sprintf("my number disposed (%s) by shared office %s", r.Disposal.Method, im.origin)
	if _, err := im.log.Append(im.tx, e); err != nil {
		return err
	}
	im.applied++
	return im.x.save(im.tx, im.sh.companyID, &localRec{kind: KindDisposal, gid: r.ID, localID: id, clock: r.Clock, origin: r.Origin,
		hash: hashOf([]byte(r.Disposal.Method), []byte(r.Disposal.ExecutedAt))})
}

// facts stores the peer's audit entries for 2-1.
func (im *importer) facts(keys *vault.Keys, b batch) error {
	prevs, chains, err := im.checkHistory(keys, b)
	if err != nil {
		return err
	}
	for i, f := range b.Audit {
		var prev, chain []byte
		if chains != nil {
			prev, chain = prevs[i], chains[i]
		}
		target := f.TargetID
		if f.TargetType == "person" && strings.Contains(target, ".") {
			if r := im.x.gid(KindPerson, target); r != nil {
				target = fmt.Sprint(r.localID)
			}
		}
		at, err := store.ParseTime(f.At)
		if err != nil {
			at = time.Time{}
		}
		// A fact received before keeps what it said. Sent again in a chain that verified (a
		// member sends its whole history again after a rotation, linked on from its head), it
		// takes its place in that chain, which the member's later facts continue.
		_, err = im.tx.Exec(`INSERT INTO share_peer_audit(company_id, source, source_name, source_id, at, login, action,
			target_type, target_id, purpose, result, detail, prev, chain, sent_target) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT(company_id, source, source_id) DO UPDATE SET prev = excluded.prev, chain = excluded.chain
			WHERE excluded.chain IS NOT NULL`,
			im.sh.companyID, b.Origin, b.OriginName, f.ID, store.FormatTime(at), f.Login, f.Action, f.TargetType, target,
			f.Purpose, f.Result, audit.Redact(f.Detail), prev, chain, f.TargetID)
		if err != nil {
			return fmt.Errorf("writing peer history: %w", err)
		}
	}
	return nil
}

// notifiedPurposes makes codes the purposes notified to person id (those of them this
// installation knows: a custom purpose of another office is not in its catalogue).
func notifiedPurposes(tx *store.Tx, id int64, codes []string) error {
	held := map[string]bool{}
	rows, err := tx.Query(`SELECT purpose_code FROM person_purposes WHERE person_id = ?`, id)
	if err != nil {
		return err
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return err
		}
		held[c] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range codes {
		if held[c] {
			delete(held, c)
			continue
		}
		if _, err := tx.Exec(`INSERT INTO person_purposes(person_id, purpose_code, notified_at)
			SELECT ?, code, ? FROM purposes WHERE code = ?`, id, tx.NowText(), c); err != nil {
			return fmt.Errorf("recording notified purposes: %w", err)
		}
	}
	for c := range held {
		if _, err := tx.Exec(`DELETE FROM person_purposes WHERE person_id = ? AND purpose_code = ?`, id, c); err != nil {
			return fmt.Errorf("recording notified purposes: %w", err)
		}
	}
	return nil
}
