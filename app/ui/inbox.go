package ui

import (
	"context"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/bridge"
)

// The folder inbox key is the vault's ([vault.Keys.InboxKey]): the bridge seals each page of the
// hot folder to its public key, and only an unlocked session opens one.

// inboxAAD is the sealbox additional data of inbox page id (the bridge's contract).
func inboxAAD(id string) []byte { return []byte(bridge.InboxAAD + id) }

// inboxPublicKey returns the stored public key, or nil when the vault has none yet.
func (s *ScanService) inboxPublicKey(ctx context.Context) (pub []byte, err error) {
	err = s.a.DB.View(ctx, func(tx *store.Tx) error {
		pub, err = vault.InboxPublicKey(tx)
		return err
	})
	return pub, err
}

// inboxKey returns the vault's inbox key, creating it on first use.
func (s *ScanService) inboxKey(ctx context.Context, keys *vault.Keys) (key *vault.BoxKey, err error) {
	err = s.a.DB.Update(ctx, func(tx *store.Tx) error {
		key, err = keys.InboxKey(tx)
		return err
	})
	return key, err
}

// registerInboxKey gives the bridge the vault's public inbox key (when the vault has one), so
// the hot folder seals pages for this vault. Called after every bridge connection and when a
// handler first uses the scanner screens of a session.
func (s *ScanService) registerInboxKey(ctx context.Context, c *bridge.Client) {
	pub, err := s.inboxPublicKey(ctx)
	if err != nil || pub == nil {
		return
	}
	if err := c.SetInboxKey(ctx, pub); err != nil {
		s.a.log.Info("registering the inbox key with the bridge", "err", err)
		return
	}
	s.mu.Lock()
	s.keySent = true
	s.mu.Unlock()
}
