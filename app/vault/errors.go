package vault

import "errors"

// Sentinel errors. Callers decide with errors.Is; messages never contain key material, passwords
// or plaintext, so they are safe to log (but the UI should map them to its own wording).
var (
	// ErrNotInitialized means the database has no vault yet (no meta 'vault_id'): run [Vault.Init].
	ErrNotInitialized = errors.New("vault is not initialized")

	// ErrAlreadyInitialized is returned by [Vault.Init] on a database that already holds a vault.
	ErrAlreadyInitialized = errors.New("vault is already initialized")

	// ErrWrongPassword means the user's wrapped root key did not open under the key derived from
	// the password: the password is wrong (or the wrap was tampered with).
	ErrWrongPassword = errors.New("wrong password")

	// ErrNoUserKey means the user has no wrapped root key: an administrator must set a password
	// for the user first ([Vault.SetPassword]).
	ErrNoUserKey = errors.New("user has no vault key: an administrator must set a password first")

	// ErrUserKeyStale means the user's wrap was made with a device secret that this computer no
	// longer has (the vault was recovered or moved). The password may be right; an administrator
	// must set the user's password again.
	ErrUserKeyStale = errors.New("user's vault key was made before the vault was recovered on this computer: an administrator must set this user's password again")

	// ErrDeviceSecretMissing means this computer's keychain has no device secret for the vault
	// (new computer, restored backup, or keychain reset). Passwords alone cannot open the vault;
	// open it with the Recovery Kit ([Vault.Recover]).
	ErrDeviceSecretMissing = errors.New("device secret is not in this computer's keychain: open the vault with the Recovery Kit")

	// ErrAuditKeyMissing means the keychain has no audit MAC key for the vault, so the audit log
	// cannot be written before login. [Vault.Recover] puts it back.
	ErrAuditKeyMissing = errors.New("audit key is not in this computer's keychain: open the vault with the Recovery Kit")

	// ErrBadRecoveryKey means a recovery key was mistyped (the check group does not match) or
	// does not belong to this vault. The wrapped error text says which.
	ErrBadRecoveryKey = errors.New("bad recovery key")

	// ErrSealed is returned by any method of a [Keys] (and keys derived from it) after Close.
	ErrSealed = errors.New("vault is sealed")

	// ErrShredded means the person's key has been destroyed (crypto-shredding) or never existed:
	// that person's ciphertext can never be opened again.
	ErrShredded = errors.New("person key has been destroyed")

	// ErrNoCompanyKey means the company has no keys: call [Keys.CreateCompany] first, or the
	// company's keys were destroyed with [ShredCompany].
	ErrNoCompanyKey = errors.New("company has no vault key")

	// ErrKeyExists is returned when creating a key that already exists.
	ErrKeyExists = errors.New("key already exists")

	// ErrDecrypt means a ciphertext did not open: wrong key, moved to another row or column, or
	// altered.
	ErrDecrypt = errors.New("ciphertext does not open (wrong key, moved or altered)")

	// ErrUnknownVersion means a ciphertext starts with a key-version byte this program does not
	// know (altered, or written by a newer program).
	ErrUnknownVersion = errors.New("ciphertext has an unknown key version")
)
