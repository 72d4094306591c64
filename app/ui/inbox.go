package ui

import (
	"context"
	"sync"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/bridge"
)

// The folder inbox key is the vault's ([vault.Keys.InboxKey]): the bridge seals each page of the
// hot folder to its public key, and only an unlocked session opens one.

// inboxAAD is the sealbox additional data of inbox page id (the bridge's contract).
func inboxAAD(id string) []byte { return []byte(bridge.InboxAAD + id) }

// inboxPublicKey returns the stored public key, or nil when the vault has none yet.
func (a *App) inboxPublicKey(ctx context.Context) (pub []byte, err error) {
	err = a.DB.View(ctx, func(tx *store.Tx) error {
		pub, err = vault.InboxPublicKey(tx)
		return err
	})
	return pub, err
}

// inboxKey returns the vault's inbox key, creating it on first use.
func (a *App) inboxKey(ctx context.Context, keys *vault.Keys) (key *vault.BoxKey, err error) {
	err = a.DB.Update(ctx, func(tx *store.Tx) error {
		key, err = keys.InboxKey(tx)
		return err
	})
	return key, err
}

// registerInboxKey gives the bridge the vault's public inbox key (when the vault has one), so
// the hot folder seals pages for this vault. Called after every bridge connection and when a
// handler first uses the scanner screens of a session.
func (a *App) registerInboxKey(ctx context.Context, c *bridge.Client) {
	pub, err := a.inboxPublicKey(ctx)
	if err != nil || pub == nil {
		return
	}
	if err := c.SetInboxKey(ctx, pub); err != nil {
		a.log.Info("registering the inbox key with the bridge", "err", err)
		return
	}
	a.inbox.set(true)
}

// ensureInboxKey creates the vault's inbox key when missing and gives the bridge its public
// half once per bridge connection. Failures are logged: scanning works without the folder.
func (a *App) ensureInboxKey(ctx context.Context, keys *vault.Keys) {
	if a.inbox.sent() {
		return
	}
	if _, err := a.inboxKey(ctx, keys); err != nil {
		a.log.Warn("inbox key", "err", err)
		return
	}
	a.registerInboxKey(ctx, a.sup.client)
}

// inboxState is whether the bridge was given the inbox key during this connection.
type inboxState struct {
	mu    sync.Mutex
	given bool
}

func (s *inboxState) set(v bool) { s.mu.Lock(); s.given = v; s.mu.Unlock() }
func (s *inboxState) forget()    { s.set(false) }
func (s *inboxState) sent() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.given }
