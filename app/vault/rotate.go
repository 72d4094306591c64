package vault

import (
	"errors"
	"fmt"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// RotateRecovery replaces the Recovery Kit: a new recovery key wraps the root key and the old
// key stops working at once. Use it when the kit was never confirmed, or may have been seen by
// someone it should not have been. The new kit must be shown now; it is not stored.
func (v *Vault) RotateRecovery(tx *store.Tx, k *Keys) (RecoveryKit, error) {
	vaultID, err := v.VaultID(tx)
	if err != nil {
		return RecoveryKit{}, err
	}
	root, err := k.rootFor(vaultID)
	if err != nil {
		return RecoveryKit{}, err
	}
	defer clear(root)
	recovery, err := randomKey(v.rand())
	if err != nil {
		return RecoveryKit{}, err
	}
	defer clear(recovery)
	kek, err := recoveryKEK(recovery, vaultID)
	if err != nil {
		return RecoveryKit{}, err
	}
	defer clear(kek)
	if err := v.putVaultKey(tx, vaultKeyRecovery, kek, root); err != nil {
		return RecoveryKit{}, err
	}
	return RecoveryKit{VaultID: vaultID, Key: formatRecoveryKey(recovery), CreatedAt: tx.Now}, nil
}

// AuditKeyForVault returns the audit key of vaultID from this computer's keychain, for checking a
// backup before it is restored into an empty directory. [ErrAuditKeyMissing] when absent.
func (v *Vault) AuditKeyForVault(vaultID string) ([]byte, error) {
	k, err := v.keychain().Get(auditKeyAccount(vaultID))
	if errors.Is(err, keychain.ErrNotFound) {
		return nil, ErrAuditKeyMissing
	}
	if err != nil {
		return nil, fmt.Errorf("reading audit key: %w", err)
	}
	if len(k) != keySize {
		clear(k)
		return nil, fmt.Errorf("audit key in keychain is %d bytes: %w", len(k), ErrAuditKeyMissing)
	}
	return k, nil
}

// Burn spends the same time as Unlock would on a password, and discards the result. Login calls
// it for an unknown or disabled account so that the response time does not tell whether a
// login ID exists.
func (v *Vault) Burn(password string) {
	salt := make([]byte, 16)
	k, err := userKey(password, salt, v.kdf(), salt)
	if err == nil {
		clear(k)
	}
}
