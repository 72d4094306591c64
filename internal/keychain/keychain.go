// Package keychain stores small secrets per account on this computer: the operating system's
// keychain (Windows Credential Manager, macOS Keychain, Secret Service on Linux) or an in-memory
// one for tests and demo mode. The vault keeps its device secret and audit key here; the bridge
// keeps the session keys it holds for the app.
package keychain

import (
	"encoding/base64"
	"errors"
	"fmt"
	"sync"

	"github.com/zalando/go-keyring"
)

// ErrNotFound is returned by a [Keychain] when the account has no entry.
var ErrNotFound = errors.New("not in keychain")

// Service is the service name under which the vault's entries appear in the OS keychain
// (Windows Credential Manager, macOS Keychain, Secret Service on Linux).
const Service = "MyNumber Shelter"

// Keychain stores small secrets per account name on this computer. Get and Delete return an
// error wrapping [ErrNotFound] when the account has no entry; Set replaces an existing
// entry. Implementations must be safe for concurrent use.
type Keychain interface {
	Get(account string) ([]byte, error)
	Set(account string, secret []byte) error
	Delete(account string) error
}

// OS is the operating system's keychain through github.com/zalando/go-keyring, under
// [Service]. Secrets are stored as standard base64 text. On Linux it needs a D-Bus
// session with a Secret Service (gnome-keyring, KWallet) whose default collection is unlocked.
func OS() Keychain { return osKeychain{} }

type osKeychain struct{}

func (osKeychain) Get(account string) ([]byte, error) {
	s, err := keyring.Get(Service, account)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, fmt.Errorf("keychain %s: %w", account, ErrNotFound)
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
	if err := keyring.Set(Service, account, base64.StdEncoding.EncodeToString(secret)); err != nil {
		return fmt.Errorf("keychain %s: %w", account, err)
	}
	return nil
}

func (osKeychain) Delete(account string) error {
	err := keyring.Delete(Service, account)
	if errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("keychain %s: %w", account, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("keychain %s: %w", account, err)
	}
	return nil
}

// Mem is an in-memory [Keychain] for tests and for demo mode. Its zero value is an empty
// keychain. It keeps its own copies of the secrets.
type Mem struct {
	mu      sync.Mutex
	entries map[string][]byte
}

var _ Keychain = (*Mem)(nil)

// Get returns a copy of the account's secret.
func (m *Mem) Get(account string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.entries[account]
	if !ok {
		return nil, fmt.Errorf("keychain %s: %w", account, ErrNotFound)
	}
	return append([]byte(nil), b...), nil
}

// Set stores a copy of secret, replacing any earlier entry.
func (m *Mem) Set(account string, secret []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries == nil {
		m.entries = make(map[string][]byte)
	}
	m.entries[account] = append([]byte(nil), secret...)
	return nil
}

// Delete removes the account's entry.
func (m *Mem) Delete(account string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.entries[account]; !ok {
		return fmt.Errorf("keychain %s: %w", account, ErrNotFound)
	}
	clear(m.entries[account])
	delete(m.entries, account)
	return nil
}

// Accounts lists the account names present, in no particular order.
func (m *Mem) Accounts() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var names []string
	for k := range m.entries {
		names = append(names, k)
	}
	return names
}
