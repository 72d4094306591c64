package auth

import (
	"errors"
	"fmt"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// BeginSeal makes log seal the entries written from now on with the seal key of keys (owner:
// keys; the session that holds them calls log.Unseal(keys) when it drops them), so that what
// a logged-in user does cannot be rewritten by someone holding only the keychain's audit key.
// The first time in a vault it also records, under the root key, where sealing began (a vault
// made by this version: entry 1; an older vault: the next entry, written here by p to say so
// in the history). Call it in the transaction that opens the session, before the session's
// first entry.
func BeginSeal(tx *store.Tx, log *audit.Log, keys *vault.Keys, p Principal) error {
	if err := sealWith(log, keys); err != nil {
		return err
	}
	_, ok, err := keys.AuditSealSince(tx)
	if errors.Is(err, vault.ErrDecrypt) {
		// An altered record: it stays for the verification to report (app/history), and the
		// session still seals; refusing every login would help whoever altered it.
		return nil
	}
	if err != nil || ok {
		return err
	}
	since, err := audit.NextID(tx)
	if err != nil {
		return err
	}
	// Entries sealed before the record was written (the record was removed) keep their place.
	if first, err := audit.FirstSealed(tx); err != nil {
		return err
	} else if first > 0 {
		since = first
	}
	if err := keys.BeginAuditSeal(tx, since); err != nil {
		return err
	}
	if since == 1 {
		return nil // a new vault: its history is sealed from the start
	}
	e := p.Entry(audit.ActionSettingChange, audit.ResultOK)
	e.TargetType, e.Detail = "audit_seal", fmt.Sprintf("history entries of sessions are sealed under the root key from entry %d on", since)
	_, err = log.Append(tx, e)
	return err
}

// sealWith makes log seal its entries with the seal key of keys, owner keys.
func sealWith(log *audit.Log, keys *vault.Keys) error {
	sk, err := keys.AuditSealKey()
	if err != nil {
		return err
	}
	log.Seal(keys, sk)
	clear(sk)
	return nil
}

// dropKeys stops sealing with keys and closes them (a session that was being opened failed).
func dropKeys(log *audit.Log, keys *vault.Keys) {
	log.Unseal(keys)
	keys.Close()
}
