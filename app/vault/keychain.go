package vault

// Keychain account names. The vault id keeps several vaults on one computer apart.
func deviceSecretAccount(vaultID string) string { return "device-secret/" + vaultID }
func auditKeyAccount(vaultID string) string     { return "audit-key/" + vaultID }
