package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/auth"
	"github.com/mynumber-shelter/shelter/app/backup"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/ui"
)

// keys runs "keys backup FILE" and "keys restore FILE": the key store (keys.db, the person keys
// and the shred list) is backed up apart from the data, which "backup" writes without it, so
// that a disposal destroys the only copy of a person's key that a data backup could be opened
// with. Restoring a key backup never brings back a key destroyed after it was made.
func (c *cli) keys(sub string, args []string) error {
	if len(args) != 1 {
		return usageError{"keys " + sub + " needs exactly one FILE"}
	}
	if sub == "backup" {
		return c.keysBackup(args[0])
	}
	return c.keysRestore(args[0])
}

// keysBackup writes the key store to file (administrators, audited like backup).
func (c *cli) keysBackup(file string) error {
	return c.withSession(func(app *ui.App, sess *auth.Session) error {
		if err := auth.RequireAdmin(sess.Principal); err != nil {
			return err
		}
		var vaultID string
		err := app.DB.Update(context.Background(), func(tx *store.Tx) error {
			var err error
			if vaultID, err = app.Vault.VaultID(tx); err != nil {
				return err
			}
			e := sess.Entry(audit.ActionBackup, audit.ResultOK)
			e.TargetType, e.Detail = "keys", audit.Redact("key store backup to "+filepath.Base(file))
			_, err = app.Audit.Append(tx, e)
			return err
		})
		if err != nil {
			return err
		}
		h, err := backup.WriteKeys(context.Background(), app.DB, vaultID, file)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "key backup written to %s (%d bytes, sha256 %s)\n", file, h.Size, h.SHA256)
		fmt.Fprintln(c.stdout, "Keep it apart from the data backups.")
		return nil
	})
}

// keysRestore replaces the key store with a checked key backup, less every key on the shred
// lists of the live files. With an existing vault the --user must be an administrator and the
// restore is audited first; into a directory without a vault no login is possible and none is
// asked.
func (c *cli) keysRestore(file string) error {
	if c.vaultDir == "" {
		return usageError{"--vault DIR is required"}
	}
	h, _, err := backup.ReadKeysHeader(file)
	if err != nil {
		return err
	}
	if err := c.readyRestore(h, "key backup", "keys", "key store restore from backup made "+h.CreatedAt); err != nil {
		return err
	}
	_, res, err := backup.RestoreKeys(context.Background(), file, c.vaultDir, h.VaultID)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "restored key backup of %s into %s: %d person keys; %d keys destroyed since the backup left out\n",
		h.CreatedAt, c.vaultDir, res.Kept, res.Removed)
	return nil
}
