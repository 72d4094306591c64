package daemon

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/mynumber-shelter/shelter/internal/atomicfile"
	"github.com/mynumber-shelter/shelter/internal/keychain"
)

// The session keys the bridge holds are listed in sessions.json beside its config: keychain
// account names and expiries, never a key. The list is written before a key goes into the
// keychain and after it left, so a bridge that is killed (schtasks /End, taskkill, a power cut)
// leaves no key that the list does not name, and the next bridge deletes every key listed before
// it answers. A restarted bridge holds no session: the app logs in again.

// sessionsFile is the persisted list, beside the config file.
func (s *Server) sessionsFile() string {
	return filepath.Join(filepath.Dir(s.ConfigPath), "sessions.json")
}

// saveSessionsLocked writes the list of held sessions; s.mu is held.
func (s *Server) saveSessionsLocked() error {
	accts := make([]string, 0, len(s.sessions))
	for a := range s.sessions {
		accts = append(accts, a)
	}
	sort.Strings(accts)
	list := make([]heldSession, len(accts))
	for i, a := range accts {
		list[i] = heldSession{Account: a, Expires: s.sessions[a].UTC().Format(time.RFC3339)}
	}
	b, err := json.Marshal(list)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.sessionsFile()), 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFile(s.sessionsFile(), b, 0o600)
}

type heldSession struct {
	Account string `json:"account"`
	Expires string `json:"expires"`
}

// dropStaleSessions deletes from the keychain every session key a previous bridge listed and
// did not delete (it was killed), then empties the list. Serve calls it before answering.
func (s *Server) dropStaleSessions() {
	b, err := os.ReadFile(s.sessionsFile())
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	var list []heldSession
	if err == nil {
		err = json.Unmarshal(b, &list)
	}
	if err != nil {
		s.Log.Warn("the list of session keys of the last run is unreadable; removing it", "err", err)
	}
	n := 0
	for _, h := range list {
		if !validSessionAccount(h.Account) {
			continue
		}
		if err := s.Keychain.Delete(h.Account); err == nil {
			n++
		} else if !errors.Is(err, keychain.ErrNotFound) {
			s.Log.Warn("deleting a session key left by the last run", "err", err)
		}
	}
	if n > 0 {
		s.Log.Info("deleted session keys left by a bridge that did not stop cleanly", "count", n)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.saveSessionsLocked(); err != nil {
		s.Log.Warn("writing the list of session keys", "err", err)
	}
}

// dropAllSessions deletes every session key this bridge holds (Serve's end).
func (s *Server) dropAllSessions() {
	s.mu.Lock()
	var held []string
	for a := range s.sessions {
		held = append(held, a)
	}
	s.mu.Unlock()
	if len(held) == 0 {
		return // nothing held: the list is already empty (or was never written)
	}
	for _, a := range held {
		if err := s.Keychain.Delete(a); err != nil && !errors.Is(err, keychain.ErrNotFound) {
			s.Log.Warn("deleting a session key at exit", "err", err)
			continue
		}
		s.mu.Lock()
		delete(s.sessions, a)
		s.mu.Unlock()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.saveSessionsLocked(); err != nil {
		s.Log.Warn("writing the list of session keys", "err", err)
	}
}
