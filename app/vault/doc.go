// Package vault is the only place in MyNumber Shelter's app that encrypts. It holds the office's
// key hierarchy, seals and opens records, computes blind indexes, destroys keys
// (crypto-shredding), makes the Recovery Kit, and holds the private keys of the sealed boxes other
// processes send to the vault (boxes.go: hot-folder pages, phone submissions, shared company
// keys). The other processes encrypt for themselves: the bridge seals pages with the vault's
// public inbox key, the relay never opens anything; a repository test keeps sealbox out of every
// other package of the app.
//
// # Key hierarchy
//
//	password ─Argon2id(salt, m/t/p from user_keys.kdf)─┐
//	device secret (OS keychain) ───────────────────────┴─HKDF─▶ user key ─wraps─▶ root key
//	recovery key (Recovery Kit, paper) ─────────────────HKDF─▶ recovery KEK ─wraps─▶ root key
//	root key ─wraps─▶ audit MAC key (also in the keychain)
//	root key ─HKDF─▶ audit seal key, restore-mark key, factor MAC key (never stored)
//	root key ─wraps─▶ company key + blind-index key   (one pair per client company)
//	company key ─wraps─▶ person key                    (one per employee or dependent)
//	person key ─seals─▶ that person's My Number and identity-document images
//
// All keys are 256 bits from [Vault.Rand]. A user key is HKDF-SHA256 over Argon2id(password) ‖
// device secret, so a stolen database file alone cannot be attacked offline: the attacker also
// needs this computer's keychain. Passwords are used exactly as typed (ASVS 6.2.8). Argon2id
// parameters are stored per wrap and default to [DefaultKDF]. user_keys.kdf also names the device
// secret the wrap was made with (a truncated HMAC of it, not the secret), so that a wrap made
// before a recovery fails with [ErrUserKeyStale] rather than looking like a wrong password.
//
// # Ciphertext format
//
// Every ciphertext and every wrapped key is
//
//	version (1 byte) ‖ nonce (12 random bytes) ‖ AES-256-GCM ciphertext and tag
//
// with additional data = version ‖ len ‖ table ‖ row id ‖ len ‖ column (see [AAD]). A ciphertext
// copied to another row, column or table, or altered in any byte, fails with [ErrDecrypt]; an
// unknown version byte fails with [ErrUnknownVersion]. Version 1 is the only one written today;
// rotating a key later writes the next version while older ones stay readable.
//
// # What the keychain holds
//
// Under service [keychain.Service], per vault id:
//
//   - "device-secret/<vault id>": 32 random bytes made at Init on this computer.
//   - "audit-key/<vault id>": the audit MAC key, so failed logins can be written to the audit log
//     while nobody is logged in ([Vault.AuditKey]).
//
// The keychain is behind the [keychain.Keychain] interface: [keychain.OS] in the product, [keychain.Mem] in
// tests. Keychain writes are not part of the database transaction; a rolled-back Init or
// Recover can leave unused entries behind, never a missing one that a committed row needs.
//
// # The Recovery Kit
//
// At [Vault.Init] a 256-bit recovery key is drawn, the root key is wrapped under a key derived
// from it (vault_keys 'recovery'), and the key is returned once, formatted as 14 groups of four
// Crockford base32 characters with a Reed–Solomon check group that catches any single mistyped
// character ([CheckRecoveryKey]). [RecoveryKit.Text] is the page to print. The recovery key does
// not depend on the device secret: with the kit, [Vault.Recover] opens the vault on a new
// computer or after a keychain reset, makes a new device secret, and sets one user's password.
// Other users' wraps were made with the old device secret and fail with [ErrUserKeyStale] until
// an administrator sets their passwords again ([Vault.SetPassword]).
//
// # Crypto-shredding
//
// Person keys live apart from everything else, in the key store (keys.db beside vault.db,
// attached to every connection by app/store; see its "Two files"). A data backup of vault.db
// therefore holds ciphertext and no person key. [ShredPerson] deletes the person's key from the
// key store (SQLite secure_delete overwrites the bytes) and puts it on the shred list, which is
// kept in both files. Afterwards no ciphertext of that person, in this file, in a data backup
// taken before the shred, or copied elsewhere (sync, exports of ciphertext), can be opened
// through this vault: [CompanyKey.Person] returns [ErrShredded], and [CompanyKey.CreatePerson]
// refuses the id. Restoring an older key backup applies the shred list first
// (store.MergeShredLists), so it does not bring the key back either. [ShredCompany] does the
// same for a whole client company.
//
// [CompanyKey.RotatePerson] replaces a person's key: the caller re-seals what is to be kept and
// the old key is destroyed and listed like a shredded one (a disposal that deletes only the My
// Number). Ciphertext still under the old key then fails to open with an error that wraps both
// [ErrShredded] and [ErrDecrypt].
//
// Key ids (person_keys.key_id) are 32 letters a–p, never digits, so that a scan for leaked
// 12-digit numbers cannot mistake one for a My Number.
//
// # What this package must never do
//
//   - log, print or put in an error message any key, password, recovery key or plaintext; errors
//     name tables, row ids and columns only;
//   - store a key unwrapped in the database, or the recovery key anywhere at all;
//   - return a part of a plaintext when opening fails;
//   - use a My Number (or its blind index) as an identifier or lookup key: the blind index is for
//     duplicate detection only (番号法 forbids numbering people by their My Number);
//   - reuse a nonce deliberately, or accept a ciphertext whose AAD does not match.
package vault
