package share

import (
	"encoding/json"
	"fmt"

	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/roster"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// A rotation made by a disposal or a deletion carries those records (rekey.Shreds), so that a
// member adopting its epoch applies them first, whatever order the relay lists envelopes in.

// shredsAAD binds a rotation's sealed shreds to its envelope's header.
func shredsAAD(header []byte) vault.AAD {
	return vault.AAD{Table: "share-rekey-shreds", Column: string(header)}
}

// addShreds keeps recs (the deleted numbers and disposals of a rotation just made) with the
// company's pending rotation, for sendRekey.
func addShreds(tx *store.Tx, companyID int64, recs []record) error {
	var cur []byte
	if err := tx.QueryRow(`SELECT rekey_shreds FROM shares WHERE company_id = ?`, companyID).Scan(&cur); err != nil {
		return err
	}
	var all []record
	if len(cur) > 0 {
		if err := json.Unmarshal(cur, &all); err != nil {
			return fmt.Errorf("reading a pending rotation's records: %w", err)
		}
	}
	_, err := tx.Exec(`UPDATE shares SET rekey_shreds = ? WHERE company_id = ?`, mustJSON(append(all, recs...)), companyID)
	return err
}

// applyShreds applies the deleted numbers and disposals a rotation carries (authenticated by
// its MAC, opened with its epoch's key), as their batch would: so that this side, adopting the
// new epoch, never sends a number its member destroyed under it.
func (s *Service) applyShreds(tx *store.Tx, p auth.Principal, keys *vault.Keys, sh *shareRow, r rekey, header []byte) error {
	if len(r.Shreds) == 0 {
		return nil
	}
	ek, err := epochKey(tx, keys, sh, r.Epoch)
	if err != nil {
		return err
	}
	defer ek.Close()
	pt, err := ek.Open(shredsAAD(header), r.Shreds)
	if err != nil {
		return nil // not sealed under the epoch it names: the batch brings them, if it comes
	}
	var recs []record
	if err := json.Unmarshal(pt, &recs); err != nil {
		return nil
	}
	ck, err := keys.Company(tx, sh.companyID)
	if err != nil {
		return err
	}
	defer ck.Close()
	im := &importer{tx: tx, ck: ck, ek: ek, sh: sh, origin: r.From, p: p, log: s.Audit}
	if im.x, err = loadRecs(tx, sh.companyID); err != nil {
		return err
	}
	if im.w, err = roster.NewWriter(tx, ck, p.UserID); err != nil {
		return err
	}
	defer im.w.Close()
	for _, rec := range recs {
		if rec.Origin != r.From || !(rec.Kind == KindNumber && rec.Deleted || rec.Kind == KindDisposal) {
			continue
		}
		if err := im.apply(rec); err != nil {
			return err
		}
	}
	return nil
}
