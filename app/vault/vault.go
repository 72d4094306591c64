package vault

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// Vault opens and manages the office vault in one database. Its zero value is ready to use with
// the OS keychain, crypto/rand and [DefaultKDF]. A Vault holds no secrets itself; it is safe for
// concurrent use when its fields are.
type Vault struct {
	// Keychain holds this computer's device secret and audit key. Nil means keychain.OS().
	Keychain keychain.Keychain
	// Rand is the source of keys, salts and nonces. Nil means crypto/rand.Reader.
	Rand io.Reader
	// KDF is the Argon2id cost used for new password wraps. Zero means DefaultKDF. Tests lower it;
	// wraps keep their own parameters, so changing it never locks anyone out.
	KDF KDFParams
}

const (
	metaVaultID   = store.MetaVaultID
	metaCreatedAt = "vault_created_at"

	vaultKeyRecovery = "recovery"
	vaultKeyAudit    = "audit"
)

func vaultKeyAAD(name string) AAD {
	return AAD{Table: "vault_keys", Column: name}
}

func userWrapAAD(userID int64) AAD {
	return AAD{Table: "user_keys", RowID: userID, Column: "wrapped_root"}
}

func (v *Vault) keychain() keychain.Keychain {
	if v.Keychain == nil {
		return keychain.OS()
	}
	return v.Keychain
}

func (v *Vault) rand() io.Reader {
	if v.Rand == nil {
		return rand.Reader
	}
	return v.Rand
}

func (v *Vault) kdf() KDFParams {
	if v.KDF == (KDFParams{}) {
		return DefaultKDF
	}
	return v.KDF
}

// Initialized reports whether the database holds a vault.
func (v *Vault) Initialized(tx *store.Tx) (bool, error) {
	_, ok, err := tx.Meta(metaVaultID)
	return ok, err
}

// VaultID returns the vault's id (32 hex digits), or [ErrNotInitialized].
func (v *Vault) VaultID(tx *store.Tx) (string, error) {
	id, ok, err := tx.Meta(metaVaultID)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", ErrNotInitialized
	}
	return id, nil
}

// Init creates the vault: a vault id, the root key, the recovery key, the audit key, and this
// computer's device secret; it wraps the root key for adminUserID (who must exist in users) under
// password. It returns the Recovery Kit, which must be shown or printed now, because the
// recovery key is not stored anywhere and cannot be shown again, and the unlocked keys.
//
// The keychain entries are written before tx commits; if tx rolls back they are left unused.
func (v *Vault) Init(tx *store.Tx, adminUserID int64, password string) (RecoveryKit, *Keys, error) {
	if ok, err := v.Initialized(tx); err != nil {
		return RecoveryKit{}, nil, err
	} else if ok {
		return RecoveryKit{}, nil, ErrAlreadyInitialized
	}
	if password == "" {
		return RecoveryKit{}, nil, errors.New("password is empty")
	}
	r := v.rand()
	idb := make([]byte, 16)
	if _, err := io.ReadFull(r, idb); err != nil {
		return RecoveryKit{}, nil, fmt.Errorf("reading vault id: %w", err)
	}
	vaultID := hex.EncodeToString(idb)

	var secrets [4][]byte // root, recovery, audit, device
	for i := range secrets {
		k, err := randomKey(r)
		if err != nil {
			return RecoveryKit{}, nil, err
		}
		secrets[i] = k
	}
	root, recovery, audit, device := secrets[0], secrets[1], secrets[2], secrets[3]
	defer clear(recovery)
	defer clear(audit)
	defer clear(device)
	keys, err := newKeys(vaultID, root, r)
	if err != nil {
		return RecoveryKit{}, nil, err
	}
	fail := func(err error) (RecoveryKit, *Keys, error) {
		keys.Close()
		return RecoveryKit{}, nil, err
	}

	if err := tx.SetMeta(metaVaultID, vaultID); err != nil {
		return fail(err)
	}
	// Bind the key store (keys.db) to this vault. One left over from another vault is refused:
	// its keys would belong to other people.
	if other, ok, err := tx.KeysMeta(store.MetaVaultID); err != nil {
		return fail(err)
	} else if ok && other != vaultID {
		return fail(fmt.Errorf("%w: move keys.db out of the vault directory first", store.ErrKeyStoreMismatch))
	}
	if err := tx.SetKeysMeta(store.MetaVaultID, vaultID); err != nil {
		return fail(err)
	}
	if err := tx.SetMeta(metaCreatedAt, tx.NowText()); err != nil {
		return fail(err)
	}
	kek, err := recoveryKEK(recovery, vaultID)
	if err != nil {
		return fail(err)
	}
	defer clear(kek)
	if err := v.putVaultKey(tx, vaultKeyRecovery, kek, root); err != nil {
		return fail(err)
	}
	// The history of a new vault is sealed from its first entry (session.go).
	if err := v.putVaultKey(tx, vaultKeyAudit, root, auditRecord(audit, 1)); err != nil {
		return fail(err)
	}
	if err := v.keychain().Set(deviceSecretAccount(vaultID), device); err != nil {
		return fail(fmt.Errorf("storing device secret: %w", err))
	}
	if err := v.keychain().Set(auditKeyAccount(vaultID), audit); err != nil {
		return fail(fmt.Errorf("storing audit key: %w", err))
	}
	if err := v.wrapForUser(tx, root, device, adminUserID, password); err != nil {
		return fail(err)
	}
	kit := RecoveryKit{VaultID: vaultID, Key: formatRecoveryKey(recovery), CreatedAt: tx.Now}
	return kit, keys, nil
}

func (v *Vault) putVaultKey(tx *store.Tx, name string, kek, key []byte) error {
	w, err := wrap(kek, v.rand(), vaultKeyAAD(name), key)
	if err != nil {
		return fmt.Errorf("wrapping %s key: %w", name, err)
	}
	_, err = tx.Exec(`INSERT INTO vault_keys(name, wrapped, created_at) VALUES(?, ?, ?)
		ON CONFLICT(name) DO UPDATE SET wrapped = excluded.wrapped, created_at = excluded.created_at`,
		name, w, tx.NowText())
	if err != nil {
		return fmt.Errorf("writing %s key: %w", name, err)
	}
	return nil
}

// deviceSecret reads this computer's device secret for the vault.
func (v *Vault) deviceSecret(vaultID string) ([]byte, error) {
	s, err := v.keychain().Get(deviceSecretAccount(vaultID))
	if errors.Is(err, keychain.ErrNotFound) {
		return nil, ErrDeviceSecretMissing
	}
	if err != nil {
		return nil, fmt.Errorf("reading device secret: %w", err)
	}
	if len(s) != keySize {
		clear(s)
		return nil, fmt.Errorf("device secret in keychain is %d bytes: %w", len(s), ErrDeviceSecretMissing)
	}
	return s, nil
}

// wrapForUser creates or replaces the user's wrap of root under a fresh salt and v's KDF.
func (v *Vault) wrapForUser(tx *store.Tx, root, device []byte, userID int64, password string) error {
	if password == "" {
		return errors.New("password is empty")
	}
	salt := make([]byte, argonSaltSize)
	if _, err := io.ReadFull(v.rand(), salt); err != nil {
		return fmt.Errorf("reading salt: %w", err)
	}
	rec := kdfRecord{params: v.kdf(), deviceID: deviceID(device), nfkc: true}
	uk, err := userKey(kdfInput(password, true), salt, rec.params, device)
	if err != nil {
		return fmt.Errorf("deriving user key: %w", err)
	}
	defer clear(uk)
	w, err := wrap(uk, v.rand(), userWrapAAD(userID), root)
	if err != nil {
		return fmt.Errorf("wrapping root key for user %d: %w", userID, err)
	}
	_, err = tx.Exec(`INSERT INTO user_keys(user_id, salt, kdf, wrapped_root, updated_at) VALUES(?, ?, ?, ?, ?)
		ON CONFLICT(user_id) DO UPDATE SET salt = excluded.salt, kdf = excluded.kdf,
		wrapped_root = excluded.wrapped_root, updated_at = excluded.updated_at`,
		userID, salt, rec.String(), w, tx.NowText())
	if err != nil {
		return fmt.Errorf("writing key for user %d: %w", userID, err)
	}
	return nil
}

// Unlock opens the vault with the user's password and this computer's device secret.
//
// Errors: [ErrNotInitialized]; [ErrNoUserKey] when the user has no wrap; [ErrDeviceSecretMissing]
// when the keychain lost the device secret (use the Recovery Kit); [ErrUserKeyStale] when the wrap
// predates a recovery on this computer (an administrator must set the password again);
// [ErrWrongPassword].
func (v *Vault) Unlock(tx *store.Tx, userID int64, password string) (*Keys, error) {
	vaultID, err := v.VaultID(tx)
	if err != nil {
		return nil, err
	}
	var salt, wrapped []byte
	var kdfText string
	err = tx.QueryRow(`SELECT salt, kdf, wrapped_root FROM user_keys WHERE user_id = ?`, userID).
		Scan(&salt, &kdfText, &wrapped)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoUserKey
	}
	if err != nil {
		return nil, fmt.Errorf("reading key for user %d: %w", userID, err)
	}
	rec, err := parseKDFRecord(kdfText)
	if err != nil {
		return nil, fmt.Errorf("user %d: %w", userID, err)
	}
	device, err := v.deviceSecret(vaultID)
	if err != nil {
		return nil, err
	}
	defer clear(device)
	if deviceID(device) != rec.deviceID {
		return nil, ErrUserKeyStale
	}
	uk, err := userKey(kdfInput(password, rec.nfkc), salt, rec.params, device)
	if err != nil {
		return nil, fmt.Errorf("deriving user key: %w", err)
	}
	defer clear(uk)
	root, err := unwrap(uk, userWrapAAD(userID), wrapped)
	if errors.Is(err, ErrDecrypt) {
		return nil, ErrWrongPassword
	}
	if err != nil {
		return nil, fmt.Errorf("user %d: %w", userID, err)
	}
	if !rec.nfkc && tx.Writable() {
		// A wrap from before passwords were normalised: made again with the NFKC form, so that
		// from now on the password opens the vault typed in full width too.
		if err := v.wrapForUser(tx, root, device, userID, password); err != nil {
			clear(root)
			return nil, err
		}
	}
	return newKeys(vaultID, root, v.rand())
}

// Recover opens the vault with the Recovery Kit's key when passwords or this computer's keychain
// are lost. It puts a device secret in the keychain if there is none (a new one: wraps made with
// the old one then fail with [ErrUserKeyStale] until an administrator sets those passwords
// again), puts the audit key back in the keychain, and wraps the root key for userID under
// newPassword. Errors from a mistyped or foreign key wrap [ErrBadRecoveryKey].
func (v *Vault) Recover(tx *store.Tx, recoveryKey string, userID int64, newPassword string) (*Keys, error) {
	if newPassword == "" {
		return nil, errors.New("password is empty")
	}
	vaultID, root, err := recoverRoot(tx, recoveryKey)
	if err != nil {
		return nil, err
	}
	keys, err := newKeys(vaultID, root, v.rand())
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Keys, error) {
		keys.Close()
		return nil, err
	}
	device, err := v.deviceSecret(vaultID)
	if errors.Is(err, ErrDeviceSecretMissing) {
		if device, err = randomKey(v.rand()); err != nil {
			return fail(err)
		}
		if err := v.keychain().Set(deviceSecretAccount(vaultID), device); err != nil {
			return fail(fmt.Errorf("storing device secret: %w", err))
		}
	} else if err != nil {
		return fail(err)
	}
	defer clear(device)
	audit, _, err := readAuditRecord(tx, root)
	if err != nil {
		return fail(err)
	}
	defer clear(audit)
	if err := v.keychain().Set(auditKeyAccount(vaultID), audit); err != nil {
		return fail(fmt.Errorf("storing audit key: %w", err))
	}
	if err := v.wrapForUser(tx, root, device, userID, newPassword); err != nil {
		return fail(err)
	}
	return keys, nil
}

// recoverRoot opens the vault's root key with the Recovery Kit's key. The caller clears root.
func recoverRoot(tx *store.Tx, recoveryKey string) (vaultID string, root []byte, err error) {
	if vaultID, err = (&Vault{}).VaultID(tx); err != nil {
		return "", nil, err
	}
	var wrapped []byte
	err = tx.QueryRow(`SELECT wrapped FROM vault_keys WHERE name = ?`, vaultKeyRecovery).Scan(&wrapped)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, fmt.Errorf("vault has no %s key", vaultKeyRecovery)
	}
	if err != nil {
		return "", nil, fmt.Errorf("reading %s key: %w", vaultKeyRecovery, err)
	}
	root, err = rootFromKit(recoveryKey, vaultID, wrapped, "vault")
	return vaultID, root, err
}

// rootFromKit unwraps the root key of vault vaultID from its Recovery-Kit wrap with the kit's
// key (what names the thing opened in the error: "vault", "the replica of vault"). A mistyped
// or foreign key wraps [ErrBadRecoveryKey]. The caller clears root.
func rootFromKit(recoveryKey, vaultID string, wrapped []byte, what string) ([]byte, error) {
	rk, err := parseRecoveryKey(recoveryKey)
	if err != nil {
		return nil, err
	}
	kek, err := recoveryKEK(rk, vaultID)
	clear(rk)
	if err != nil {
		return nil, err
	}
	defer clear(kek)
	root, err := unwrap(kek, vaultKeyAAD(vaultKeyRecovery), wrapped)
	if errors.Is(err, ErrDecrypt) {
		return nil, fmt.Errorf("%w: it does not open %s %s; check the vault id printed on the Recovery Kit", ErrBadRecoveryKey, what, vaultID)
	}
	return root, err
}

// RecoveryAuditKey checks that the Recovery Kit's key opens the vault in tx and returns the
// vault's audit key, so that the history of a copy (a backup about to be restored on a new PC)
// can be verified before anything is replaced. It writes nothing and uses no keychain. A
// mistyped or foreign key wraps [ErrBadRecoveryKey].
func RecoveryAuditKey(tx *store.Tx, recoveryKey string) ([]byte, error) {
	_, root, err := recoverRoot(tx, recoveryKey)
	if err != nil {
		return nil, err
	}
	defer clear(root)
	key, _, err := readAuditRecord(tx, root)
	return key, err
}

// SetPassword creates or replaces userID's wrap of the root key under password: a password change
// by the user, an administrator's reset of another user, or re-enabling a user after a recovery.
// It needs the device secret, so it fails with [ErrDeviceSecretMissing] without one. Checking
// who may set whose password is the caller's job.
func (v *Vault) SetPassword(tx *store.Tx, k *Keys, userID int64, password string) error {
	vaultID, err := v.VaultID(tx)
	if err != nil {
		return err
	}
	root, err := k.rootFor(vaultID)
	if err != nil {
		return err
	}
	defer clear(root)
	device, err := v.deviceSecret(vaultID)
	if err != nil {
		return err
	}
	defer clear(device)
	return v.wrapForUser(tx, root, device, userID, password)
}

// RemoveUser deletes the user's wrap, so the user's password no longer opens the vault. Removing
// a user without a wrap is not an error.
func (v *Vault) RemoveUser(tx *store.Tx, userID int64) error {
	if _, err := tx.Exec(`DELETE FROM user_keys WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("deleting key for user %d: %w", userID, err)
	}
	return nil
}

// AuditKey returns the audit MAC key from this computer's keychain, without anyone logged in, so
// that failed logins can be written to the audit log. [ErrAuditKeyMissing] when it is absent.
func (v *Vault) AuditKey(tx *store.Tx) ([]byte, error) {
	vaultID, err := v.VaultID(tx)
	if err != nil {
		return nil, err
	}
	return v.AuditKeyForVault(vaultID)
}
