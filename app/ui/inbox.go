package ui

import (
	"context"
	"crypto/ecdh"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/bridge"
	"github.com/mynumber-shelter/shelter/internal/sealbox"
)

// The folder inbox key (table inbox_keys): a P-256 key per vault. The bridge seals each page of
// the hot folder to its public key; the private key is sealed under the vault's root key
// ([vault.Keys.SealRoot], AAD inbox_keys/1/sealed_key), so only an unlocked session opens it,
// and the pair is checked on every open.

// inboxAAD is the sealbox additional data of inbox page id (the bridge's contract).
func inboxAAD(id string) []byte { return []byte("shelter-inbox|" + id) }

var inboxKeyAAD = vault.AAD{Table: "inbox_keys", RowID: 1, Column: "sealed_key"}

// inboxPublicKey returns the stored public key, or nil when the vault has none yet.
func (s *ScanService) inboxPublicKey(ctx context.Context) ([]byte, error) {
	var pub []byte
	err := s.a.DB.View(ctx, func(tx *store.Tx) error {
		err := tx.QueryRow(`SELECT public_key FROM inbox_keys WHERE id = 1`).Scan(&pub)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return pub, err
}

// inboxKey returns the vault's inbox private key, creating it on first use.
func (s *ScanService) inboxKey(ctx context.Context, keys *vault.Keys) (*ecdh.PrivateKey, error) {
	var priv *ecdh.PrivateKey
	err := s.a.DB.Update(ctx, func(tx *store.Tx) error {
		var pub, sealed []byte
		err := tx.QueryRow(`SELECT public_key, sealed_key FROM inbox_keys WHERE id = 1`).Scan(&pub, &sealed)
		if err == nil {
			raw, err := keys.OpenRoot(inboxKeyAAD, sealed)
			if err != nil {
				return errors.New("inbox key does not open (altered or of another vault)")
			}
			priv, err = ecdh.P256().NewPrivateKey(raw)
			clear(raw)
			if err != nil {
				return fmt.Errorf("inbox key: %w", err)
			}
			if string(priv.PublicKey().Bytes()) != string(pub) {
				return errors.New("inbox key pair does not match")
			}
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if priv, err = sealbox.GenerateKey(nil); err != nil {
			return err
		}
		pub = priv.PublicKey().Bytes()
		raw := priv.Bytes()
		sealed, err = keys.SealRoot(inboxKeyAAD, raw)
		clear(raw)
		if err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO inbox_keys(id, public_key, sealed_key, created_at) VALUES(1, ?, ?, ?)`, pub, sealed, tx.NowText())
		return err
	})
	return priv, err
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
