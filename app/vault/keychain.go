package vault

import (
	"encoding/base64"
	"errors"
	"fmt"
	"sync"

	"github.com/zalando/go-keyring"
)

// KeychainService is the service name under which the vault's entries appear in the OS keychain
// (Windows Credential Manager, macOS Keychain, Secret Service on Linux).
const KeychainService = "MyNumber Shelter"

// Keychain stores small secrets per account name on this computer. Get and Delete return an
// error wrapping [ErrNotInKeychain] when the account has no entry; Set replaces an existing
// entry. Implementations must be safe for concurrent use.
type Keychain interface {
	Get(account string) ([]byte, error)
	Set(account string, secret []byte) error
	Delete(account string) error
}

// Keychain account names. The vault id keeps several vaults on one computer apart.
func deviceSecretAccount(vaultID string) string { return "device-secret/" + vaultID }
func auditKeyAccount(vaultID string) string     { return "audit-key/" + vaultID }

// OSKeychain is the operating system's keychain through github.com/zalando/go-keyring, under
// [KeychainService]. Secrets are stored as standard base64 text. On Linux it needs a D-Bus
// session with a Secret Service (gnome-keyring, KWallet) whose default collection is unlocked.
func OSKeychain() Keychain { return osKeychain{} }

type osKeychain struct{}

func (osKeychain) Get(account string) ([]byte, error) {
	s, err := keyring.Get(KeychainService, account)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, fmt.Errorf("keychain %s: %w", account, ErrNotInKeychain)
	}
	if err != nil {
		return nil, fmt.Errorf("keychain %s: %w", account, err)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("keychain %s: entry is not base64", account)
	}
	return b, nil
}

func (osKeychain) Set(account string, secret []byte) error {
	if err := keyring.Set(KeychainService, account, base64.StdEncoding.EncodeToString(secret)); err != nil {
		return fmt.Errorf("keychain %s: %w", account, err)
	}
	return nil
}

func (osKeychain) Delete(account string) error {
	err := keyring.Delete(KeychainService, account)
	if errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("keychain %s: %w", account, ErrNotInKeychain)
	}
	if err != nil {
		return fmt.Errorf("keychain %s: %w", account, err)
	}
	return nil
}

// MemKeychain is an in-memory [Keychain] for tests and for demo mode. Its zero value is an empty
// keychain. It keeps its own copies of the secrets.
type MemKeychain struct {
	mu      sync.Mutex
	entries map[string][]byte
}

var _ Keychain = (*MemKeychain)(nil)

// Get returns a copy of the account's secret.
func (m *MemKeychain) Get(account string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.entries[account]
	if !ok {
		return nil, fmt.Errorf("keychain %s: %w", account, ErrNotInKeychain)
	}
	return append([]byte(nil), b...), nil
}

// Set stores a copy of secret, replacing any earlier entry.
func (m *MemKeychain) Set(account string, secret []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries == nil {
		m.entries = make(map[string][]byte)
	}
	m.entries[account] = append([]byte(nil), secret...)
	return nil
}

// Delete removes the account's entry.
func (m *MemKeychain) Delete(account string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.entries[account]; !ok {
		return fmt.Errorf("keychain %s: %w", account, ErrNotInKeychain)
	}
	clear(m.entries[account])
	delete(m.entries, account)
	return nil
}

// Accounts lists the account names present, in no particular order.
func (m *MemKeychain) Accounts() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var names []string
	for k := range m.entries {
		names = append(names, k)
	}
	return names
}
