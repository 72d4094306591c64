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
	c   *CompanyKey
	tx  *store.Tx
	ins *sql.Stmt
	// shredded holds the ids on the shred list (read once: usually few). A restored old data
	// backup can hand out such an id again, and it must never get a key.
	shredded map[int64]bool
}

// PersonKeyWriter prepares a bulk writer of person keys for this company in tx.
func (c *CompanyKey) PersonKeyWriter(tx *store.Tx) (*PersonKeyWriter, error) {
	shredded := map[int64]bool{}
	rows, err := tx.Query(`SELECT person_id FROM keys.shredded_keys WHERE whole = 1`)
	if err != nil {
		return nil, fmt.Errorf("reading shred list: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading shred list: %w", err)
		}
		shredded[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading shred list: %w", err)
	}
	// ON CONFLICT DO NOTHING: an existing key leaves no row changed, reported as ErrKeyExists.
	ins, err := tx.Prepare(`INSERT INTO keys.person_keys(person_id, company_id, key_id, wrapped, created_at)
		VALUES(?, ?, ?, ?, ?) ON CONFLICT(person_id) DO NOTHING`)
	if err != nil {
		return nil, fmt.Errorf("preparing person key insert: %w", err)
	}
	return &PersonKeyWriter{c: c, tx: tx, ins: ins, shredded: shredded}, nil
}

// Create makes and stores a key for personID and returns it (the caller closes it).
// [ErrKeyExists] when the person has one, [ErrShredded] when their key was destroyed.
func (w *PersonKeyWriter) Create(personID int64) (*PersonKey, error) {
	if w.shredded[personID] {
		return nil, fmt.Errorf("person %d: %w", personID, ErrShredded)
	}
	var pk *PersonKey
	id, wrapped, err := w.c.newPersonKey(personID, &pk)
	if err != nil {
		return nil, err
	}
	pk.rotated = false // a new person, not a rotation
	res, err := w.ins.Exec(personID, w.c.id, id, wrapped, w.tx.NowText())
	if err != nil {
		pk.Close()
		return nil, fmt.Errorf("writing person %d key: %w", personID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		pk.Close()
		return nil, fmt.Errorf("person %d: %w", personID, ErrKeyExists)
	}
	return pk, nil
}

// Close releases the prepared statement.
func (w *PersonKeyWriter) Close() { w.ins.Close() }
