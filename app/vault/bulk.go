package vault

import (
	"database/sql"
	"fmt"

	"github.com/mynumber-shelter/shelter/app/store"
)

// PersonKeyWriter creates person keys in bulk inside one transaction (an import of thousands
// of employees): its statements are prepared once, and Create returns the new key so that it
// need not be read back and unwrapped. It applies the same rules as [CompanyKey.CreatePerson].
// Close it before the transaction ends. Not safe for concurrent use.
type PersonKeyWriter struct {
	c          *CompanyKey
	tx         *store.Tx
	check, ins *sql.Stmt
}

// PersonKeyWriter prepares a bulk writer of person keys for this company in tx.
func (c *CompanyKey) PersonKeyWriter(tx *store.Tx) (*PersonKeyWriter, error) {
	check, err := tx.Prepare(`SELECT (SELECT count(*) FROM keys.person_keys WHERE person_id = ?),
		(SELECT count(*) FROM keys.shredded_keys WHERE person_id = ? AND whole = 1)`)
	if err != nil {
		return nil, fmt.Errorf("preparing person key check: %w", err)
	}
	ins, err := tx.Prepare(`INSERT INTO keys.person_keys(person_id, company_id, key_id, wrapped, created_at) VALUES(?, ?, ?, ?, ?)`)
	if err != nil {
		check.Close()
		return nil, fmt.Errorf("preparing person key insert: %w", err)
	}
	return &PersonKeyWriter{c: c, tx: tx, check: check, ins: ins}, nil
}

// Create makes and stores a key for personID and returns it (the caller closes it).
// [ErrKeyExists] when the person has one, [ErrShredded] when their key was destroyed.
func (w *PersonKeyWriter) Create(personID int64) (*PersonKey, error) {
	var n, shredded int
	if err := w.check.QueryRow(personID, personID).Scan(&n, &shredded); err != nil {
		return nil, fmt.Errorf("reading person %d key: %w", personID, err)
	}
	if n > 0 {
		return nil, fmt.Errorf("person %d: %w", personID, ErrKeyExists)
	}
	if shredded > 0 {
		return nil, fmt.Errorf("person %d: %w", personID, ErrShredded)
	}
	var pk *PersonKey
	id, wrapped, err := w.c.newPersonKey(personID, &pk)
	if err != nil {
		return nil, err
	}
	pk.rotated = false // a new person, not a rotation
	if _, err := w.ins.Exec(personID, w.c.id, id, wrapped, w.tx.NowText()); err != nil {
		pk.Close()
		return nil, fmt.Errorf("writing person %d key: %w", personID, err)
	}
	return pk, nil
}

// Close releases the prepared statements.
func (w *PersonKeyWriter) Close() {
	w.check.Close()
	w.ins.Close()
}
