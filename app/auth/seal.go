package auth

import (
	"errors"
	"fmt"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// sealToken stands for one session on the Log's list of sealing sessions (not zero-sized, so
// that two tokens never share an address).
type sealToken struct{ _ byte }

// BeginSeal makes log seal the entries written from now on with the seal key of keys, for
// owner (a session's token; the session calls log.Unseal(owner) when it ends), so that what a
// logged-in user does cannot be rewritten by someone holding only the keychain's audit key.
// A vault made before seals records, under the root key, that sealing begins with the next
// entry, which p writes to say so. Call it in the transaction that opens the session, before
// the session's first entry.
//
// A record that is missing, altered or older than the seals already written (a copy kept from
// before the upgrade) is left as it is, for the verification to report (app/history): the
// session still seals, and refusing every login would help whoever did it.
func BeginSeal(tx *store.Tx, log *audit.Log, keys *vault.Keys, owner any, p Principal) error {
	if err := sealWith(log, keys, owner); err != nil {
		return err
	}
	_, ok, err := keys.AuditSealSince(tx)
	if errors.Is(err, vault.ErrAuditRecordMissing) || errors.Is(err, vault.ErrDecrypt) {
		return nil
	}
	if err != nil || ok {
		return err
	}
	if first, err := audit.FirstSealed(tx); err != nil || first > 0 {
		return err
	}
	since, err := audit.NextID(tx)
	if err != nil {
		return err
	}
	if err := keys.BeginAuditSeal(tx, since); err != nil {
		return err
	}
	e := p.Entry(audit.ActionSettingChange, audit.ResultOK)
	e.TargetType, e.Detail = "audit_seal", fmt.Sprintf("history entries of sessions are sealed under the root key from entry %d on", since)
	_, err = log.Append(tx, e)
	return err
}

// sealWith makes log seal its entries with the seal key of keys, for owner.
func sealWith(log *audit.Log, keys *vault.Keys, owner any) error {
	sk, err := keys.AuditSealKey()
	if err != nil {
		return err
	}
	log.Seal(owner, sk)
	clear(sk)
	return nil
}

// dropKeys stops the seals of owner and closes keys (a session that was being opened failed).
func dropKeys(log *audit.Log, keys *vault.Keys, owner any) {
	log.Unseal(owner)
	keys.Close()
}
