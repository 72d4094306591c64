package auth

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

const (
	adminPW  = "correct horse battery staple"
	tanakaPW = "ichiro keeps a long passphrase"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// memKeys is a SessionKeyStore like the bridge's: keys vanish at their expiry.
type memKeys struct {
	clock *testClock
	mu    sync.Mutex
	keys  map[string][]byte
	exp   map[string]time.Time
	down  bool // the bridge is not running
}

var errNoBridge = errors.New("bridge not reachable")

func (m *memKeys) PutSessionKey(_ context.Context, vaultID, id string, key []byte, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errNoBridge
	}
	if m.keys == nil {
		m.keys, m.exp = map[string][]byte{}, map[string]time.Time{}
	}
	m.keys[vaultID+"/"+id] = append([]byte(nil), key...)
	m.exp[vaultID+"/"+id] = expires
	return nil
}

func (m *memKeys) SessionKey(_ context.Context, vaultID, id string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return nil, errNoBridge
	}
	k, ok := m.keys[vaultID+"/"+id]
	if !ok || !m.exp[vaultID+"/"+id].After(m.clock.Now()) {
		return nil, errors.New("no_session")
	}
	return append([]byte(nil), k...), nil
}

func (m *memKeys) DeleteSessionKey(_ context.Context, vaultID, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.keys, vaultID+"/"+id)
	return nil
}

func (m *memKeys) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.keys)
}

// fenv is a vault with an administrator (admin) and a handler (tanaka, password changed).
type fenv struct {
	t      *testing.T
	ctx    context.Context
	clock  *testClock
	store  *memKeys
	svc    *Service
	tanaka int64
	kit    vault.RecoveryKit // the vault's Recovery Kit
}

func newFEnv(t *testing.T, policy FactorPolicy) *fenv {
	t.Helper()
	ctx := context.Background()
	clock := &testClock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now = clock.Now
	v := &vault.Vault{Keychain: &keychain.Mem{}, KDF: vault.KDFParams{MemoryKiB: 64, Time: 1, Threads: 1}}
	log := &audit.Log{}
	var kit vault.RecoveryKit
	err = db.Update(ctx, func(tx *store.Tx) error {
		id, err := CreateFirstAdmin(tx, UserInput{Login: "admin", DisplayName: "管理者"})
		if err != nil {
			return err
		}
		var keys *vault.Keys
		kit, keys, err = v.Init(tx, id, adminPW)
		if err != nil {
			return err
		}
		defer keys.Close()
		k, err := keys.AuditKey(tx)
		log.SetKey(k)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	mk := &memKeys{clock: clock}
	e := &fenv{t: t, ctx: ctx, clock: clock, store: mk, kit: kit,
		svc: &Service{DB: db, Vault: v, Audit: log, SessionKeys: mk, DefaultFactorPolicy: FactorOptional}}
	admin := e.login("admin", adminPW)
	tp, err := e.svc.CreateUser(ctx, admin, UserInput{Login: "tanaka", DisplayName: "田中 一郎"})
	if err != nil {
		t.Fatal(err)
	}
	e.tanaka = tp.User.ID
	e.logout(admin)
	s := e.login("tanaka", tp.Password)
	if err := e.svc.ChangePassword(ctx, s, tp.Password, tanakaPW); err != nil {
		t.Fatal(err)
	}
	e.logout(s)
	if policy != "" {
		admin := e.login("admin", adminPW)
		reason := ""
		if policy == FactorOptional {
			reason = "test office without readers"
		}
		if err := e.svc.SetFactorPolicy(ctx, admin, policy, reason); err != nil {
			t.Fatal(err)
		}
		e.logout(admin)
	}
	return e
}

func (e *fenv) login(login, pw string) *Session {
	e.t.Helper()
	s, err := e.svc.Login(e.ctx, login, pw)
	if err != nil {
		e.t.Fatalf("login %s: %v", login, err)
	}
	return s
}

func (e *fenv) logout(s *Session) {
	e.t.Helper()
	if err := e.svc.Logout(e.ctx, s); err != nil {
		e.t.Fatal(err)
	}
}

// failedCount reads the user's consecutive failures.
func (e *fenv) failedCount(userID int64) (n int, lockedUntil string) {
	e.t.Helper()
	err := e.svc.DB.View(e.ctx, func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT failed_count, locked_until FROM users WHERE id = ?`, userID).Scan(&n, &lockedUntil)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return n, lockedUntil
}

// history returns the details of the entries of action, oldest first.
func (e *fenv) history(action audit.Action) []string {
	e.t.Helper()
	var out []string
	err := e.svc.DB.View(e.ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT result || ' ' || detail FROM audit_log WHERE action = ? ORDER BY id`, string(action))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return err
			}
			out = append(out, s)
		}
		return rows.Err()
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func hasEntry(entries []string, sub string) bool {
	for _, s := range entries {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func codeOf(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return "non-apperr: " + err.Error()
}
