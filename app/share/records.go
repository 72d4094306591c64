package share

import (
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// Kinds of shared records.
const (
	KindPerson   = "person"
	KindNumber   = "number"
	KindDisposal = "disposal"
	KindStatus   = "status" // a person's collection status (status.go)
)

// batch is the plaintext of a "batch" envelope.
type batch struct {
	V          int    `json:"v"`
	Origin     string `json:"origin"`
	OriginName string `json:"originName"`
	// OriginKey is the origin's installation key, stated under the company's key: what a
	// rotation wraps the next epoch's key to (epochs.go).
	OriginKey []byte      `json:"originKey,omitempty"`
	Records   []record    `json:"records"`
	Audit     []auditFact `json:"audit,omitempty"`
	// History links Audit into the origin's chain of the company (history.go).
	History *historyProof `json:"history,omitempty"`
	// shredded: the batch carries a new deleted number or disposal (not sent); shreds are
	// those records, which the rotation they cause carries too (epochs.go).
	shredded bool
	shreds   []record
}

// record is one version of one shared record. Base is the version it replaced as its writer
// knew it (zero for a new record).
type record struct {
	Kind       string        `json:"kind"`
	ID         string        `json:"id"`
	Clock      int64         `json:"clock"`
	Origin     string        `json:"origin"`
	BaseClock  int64         `json:"baseClock,omitempty"`
	BaseOrigin string        `json:"baseOrigin,omitempty"`
	Person     *personData   `json:"person,omitempty"`
	Number     []byte        `json:"number,omitempty"` // sealed under the epoch's key, numberAAD
	Deleted    bool          `json:"deleted,omitempty"`
	Disposal   *disposalData `json:"disposal,omitempty"`
	Status     *statusData   `json:"status,omitempty"`
}

// personData is what is shared of a person (not the department: ids differ per installation).
type personData struct {
	Kind      string `json:"kind"`
	Employee  string `json:"employee,omitempty"` // global id of a dependent's employee
	Code      string `json:"code,omitempty"`
	Name      string `json:"name"`
	NameKana  string `json:"nameKana"`
	BirthDate string `json:"birthDate"`
	Sex       string `json:"sex"`
	Relation  string `json:"relation,omitempty"`
	HiredOn   string `json:"hiredOn,omitempty"`
	LeftOn    string `json:"leftOn,omitempty"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
	// Purposes are the codes of the 利用目的 notified to the person (3-1 reveals a number only
	// for one of them): nil when none, and from versions before they were shared.
	Purposes *[]string `json:"purposes,omitempty"`
}

type disposalData struct {
	Method     string `json:"method"`
	ExecutedAt string `json:"executedAt"`
}

// auditFact is one audit entry of the sending side, for the receiver's 2-1.
type auditFact struct {
	ID         int64  `json:"id"`
	At         string `json:"at"`
	Login      string `json:"login"`
	Action     string `json:"action"`
	TargetType string `json:"targetType"`
	TargetID   string `json:"targetId"`
	Purpose    string `json:"purpose"`
	Result     string `json:"result"`
	Detail     string `json:"detail"`
}

// numberAAD is where a shared number is sealed under the company key: share/<global id>/number.
func numberAAD(globalID string) vault.AAD {
	return vault.AAD{Table: "share", Column: globalID + "|number"}
}

// envelopeAAD binds a batch to its envelope header.
func envelopeAAD(header []byte) vault.AAD {
	return vault.AAD{Table: "share-envelope", Column: string(header)}
}

var deletedHash = sha256.Sum256([]byte("shelter-share deleted"))

func hashOf(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

// localRec is a share_records row.
type localRec struct {
	kind, gid string
	localID   int64
	clock     int64
	origin    string
	hash      []byte
}

// newer reports whether version (c1, o1) wins over (c2, o2): greater clock, then greater
// origin office id.
func newer(c1 int64, o1 string, c2 int64, o2 string) bool {
	if c1 != c2 {
		return c1 > c2
	}
	return o1 > o2
}

// recIndex holds a company's share_records by kind, by global id and by local id.
type recIndex struct {
	byGID   map[string]*localRec // kind + "/" + gid
	byLocal map[string]*localRec // kind + "/" + local id
}

func loadRecs(tx *store.Tx, companyID int64) (*recIndex, error) {
	x := &recIndex{byGID: map[string]*localRec{}, byLocal: map[string]*localRec{}}
	rows, err := tx.Query(`SELECT kind, global_id, local_id, clock, origin, hash FROM share_records WHERE company_id = ?`, companyID)
	if err != nil {
		return nil, fmt.Errorf("reading share records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r := &localRec{}
		if err := rows.Scan(&r.kind, &r.gid, &r.localID, &r.clock, &r.origin, &r.hash); err != nil {
			return nil, fmt.Errorf("reading share records: %w", err)
		}
		x.put(r)
	}
	return x, rows.Err()
}

func (x *recIndex) put(r *localRec) {
	x.byGID[r.kind+"/"+r.gid] = r
	x.byLocal[fmt.Sprintf("%s/%d", r.kind, r.localID)] = r
}

func (x *recIndex) gid(kind, gid string) *localRec { return x.byGID[kind+"/"+gid] }
func (x *recIndex) local(kind string, id int64) *localRec {
	return x.byLocal[fmt.Sprintf("%s/%d", kind, id)]
}

func (x *recIndex) save(tx *store.Tx, companyID int64, r *localRec) error {
	_, err := tx.Exec(`INSERT INTO share_records(company_id, kind, global_id, local_id, clock, origin, hash) VALUES(?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(company_id, kind, global_id) DO UPDATE SET local_id = excluded.local_id, clock = excluded.clock,
		origin = excluded.origin, hash = excluded.hash`, companyID, r.kind, r.gid, r.localID, r.clock, r.origin, r.hash)
	if err != nil {
		return fmt.Errorf("writing share record: %w", err)
	}
	x.put(r)
	return nil
}

const personColumns = `p.id, p.kind, COALESCE(p.employee_id, 0), COALESCE(p.employee_code, ''), p.name, p.name_kana,
	p.birth_date, p.sex, p.relation, p.hired_on, p.left_on, p.email, p.phone, p.updated_at,
	COALESCE((SELECT group_concat(purpose_code, ',') FROM (SELECT purpose_code FROM person_purposes WHERE person_id = p.id
		ORDER BY purpose_code)), '')`

// personRow is a persons row as shared.
type personRow struct {
	id, employeeID int64
	data           personData
	updated        time.Time
}

func scanPerson(sc interface{ Scan(...any) error }) (personRow, error) {
	var r personRow
	var at string
	d := &r.data
	var purposes string
	err := sc.Scan(&r.id, &d.Kind, &r.employeeID, &d.Code, &d.Name, &d.NameKana, &d.BirthDate, &d.Sex, &d.Relation,
		&d.HiredOn, &d.LeftOn, &d.Email, &d.Phone, &at, &purposes)
	if err != nil {
		return r, err
	}
	if purposes != "" {
		list := strings.Split(purposes, ",")
		d.Purposes = &list
	}
	r.updated, _ = store.ParseTime(at)
	return r, nil
}

// personHash is the content hash of a person as shared (employee named by global id).
func personHash(d personData) []byte { return hashOf(mustJSON(d)) }

// readPerson reads one person as shared, with its employee's global id filled in.
func readPerson(tx *store.Tx, x *recIndex, companyID, id int64) (personRow, error) {
	r, err := scanPerson(tx.QueryRow(`SELECT `+personColumns+` FROM persons p WHERE p.id = ? AND p.company_id = ?`, id, companyID))
	if err != nil {
		return r, fmt.Errorf("reading person %d: %w", id, err)
	}
	if r.employeeID != 0 {
		if e := x.local(KindPerson, r.employeeID); e != nil {
			r.data.Employee = e.gid
		}
	}
	return r, nil
}

// numberHash is the content hash of a person's stored number: of its local ciphertext (never of
// the number), or deletedHash when there is none.
func numberHash(tx *store.Tx, personID int64) ([]byte, error) {
	var ct []byte
	err := tx.QueryRow(`SELECT ciphertext FROM person_numbers WHERE person_id = ?`, personID).Scan(&ct)
	if errors.Is(err, sql.ErrNoRows) {
		return deletedHash[:], nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading number of person %d: %w", personID, err)
	}
	return hashOf(ct), nil
}
