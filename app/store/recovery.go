package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"
)

// checkFiles refuses to open a vault whose key store is gone: Open would otherwise make a new,
// empty key store and every number would read as destroyed. A vault.db of a version before the
// key store existed (schema < 5) is upgraded and gets one.
func checkFiles(ctx context.Context, path, keysPath string) error {
	st, err := os.Stat(path)
	if err != nil || st.Size() == 0 {
		return nil // a new vault: both files are made
	}
	if _, err := os.Stat(keysPath); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("checking the key store: %w", err)
	}
	db, err := sql.Open("sqlite", fileURI(path, "mode=ro"))
	if err != nil {
		return fmt.Errorf("reading vault file: %w", err)
	}
	defer db.Close()
	var version int
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return fmt.Errorf("reading vault file: %w", err)
	}
	if version >= keyStoreMigration {
		return ErrKeyStoreMissing
	}
	return nil
}

// ErrDamaged is returned, wrapped with what SQLite found, when a check of vault.db or the key
// store finds a damaged page (Open, and before every backup). Do not write to the vault: restore
// the latest backup (data and key store) and report the disk.
var ErrDamaged = errors.New("the vault files are damaged")

// QuickCheckBudget bounds the check of both files at Open: SQLite's quick_check reads every
// page (about 1 s for 1 GB on an SSD); on a slow disk Open does not wait longer than this and
// leaves the whole check to the next backup, which always runs it.
const QuickCheckBudget = 5 * time.Second

// quickCheck runs PRAGMA quick_check on both files through pool, within budget (0: no limit).
// It returns ErrDamaged, or nil when the check is clean or ran out of time.
func quickCheck(ctx context.Context, pool *sql.DB, schemas []string, budget time.Duration) error {
	if budget > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, budget)
		defer cancel()
	}
	for _, schema := range schemas {
		var res string
		err := pool.QueryRowContext(ctx, `PRAGMA `+schema+`.quick_check(1)`).Scan(&res)
		if err != nil && ctx.Err() != nil && budget > 0 {
			return nil // out of time: the next backup checks it whole
		}
		if err != nil {
			if isCorrupt(err) {
				return fmt.Errorf("%w: %s: %v", ErrDamaged, fileOf(schema), err)
			}
			return fmt.Errorf("checking %s: %w", fileOf(schema), err)
		}
		if res != "ok" {
			return fmt.Errorf("%w: %s: %s", ErrDamaged, fileOf(schema), res)
		}
	}
	return nil
}

func fileOf(schema string) string {
	if schema == KeysSchema {
		return KeysFileName
	}
	return FileName
}

// isCorrupt reports whether err is SQLite's SQLITE_CORRUPT or SQLITE_NOTADB.
func isCorrupt(err error) bool {
	var se interface{ Code() int }
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 11, 26: // SQLITE_CORRUPT, SQLITE_NOTADB
			return true
		}
	}
	return false
}

// keyStoreMigration is the migration that made the key store (0005_keystore.sql).
const keyStoreMigration = 5

// checkKeys is the last step of Open: it refuses a vault whose vault.db holds numbers or
// document images of people whose keys are neither in the key store nor destroyed. With the
// key store committing first that cannot follow from a crash; it means the key store is an old
// copy or damaged, and opening would show those numbers as destroyed.
func (db *DB) checkKeys(ctx context.Context) error {
	var n int
	err := db.maint.QueryRowContext(ctx, `SELECT count(*) FROM
		(SELECT person_id FROM main.person_numbers UNION SELECT person_id FROM main.person_documents) c
		WHERE c.person_id NOT IN (SELECT person_id FROM keys.person_keys)
		AND c.person_id NOT IN (SELECT person_id FROM main.shredded_keys WHERE whole = 1)`).Scan(&n)
	if err != nil {
		return fmt.Errorf("checking the key store: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("%w (%d people)", ErrKeysMissing, n)
	}
	return nil
}

// orphanKeys deletes the keys of people vault.db does not hold: what a transaction left in the
// key store (which commits first) when vault.db's commit did not happen. Retired keys stay:
// while their rotation has not committed in vault.db, data is still under them.
const orphanKeys = `DELETE FROM keys.person_keys WHERE person_id NOT IN (SELECT id FROM %s.persons)`

// destroyRetired destroys the retired keys whose rotation committed in vault.db (their id is on
// its shred list): onto the key store's shred list, out of the key store.
const destroyRetired = `INSERT OR IGNORE INTO keys.shredded_keys(key_id, person_id, company_id, whole, shredded_at)
	SELECT key_id, person_id, company_id, 0, retired_at FROM keys.retired_keys
	WHERE key_id IN (SELECT key_id FROM %[1]s.shredded_keys);
DELETE FROM keys.retired_keys WHERE key_id IN (SELECT key_id FROM %[1]s.shredded_keys)`

// removeOrphanKeys runs after a failed commit, in a transaction of its own.
func (db *DB) removeOrphanKeys(ctx context.Context) error {
	return db.run(ctx, db.writer, "vault", func(tx *Tx) error {
		if _, err := tx.Exec(fmt.Sprintf(orphanKeys, tx.vault)); err != nil {
			return fmt.Errorf("removing keys of an unfinished transaction: %w", err)
		}
		return nil
	})
}

// destroyRetiredKeys runs after a transaction that retired a key has committed in both files.
func (db *DB) destroyRetiredKeys(ctx context.Context) error {
	return db.run(ctx, db.writer, "vault", func(tx *Tx) error {
		if err := secureDeleteOn(tx); err != nil {
			return err
		}
		if _, err := tx.Exec(fmt.Sprintf(destroyRetired, tx.vault)); err != nil {
			return fmt.Errorf("destroying replaced keys: %w", err)
		}
		return nil
	})
}

// secureDeleteOn makes SQLite overwrite deleted content with zeros in both files.
func secureDeleteOn(tx *Tx) error {
	if _, err := tx.Exec(`PRAGMA secure_delete = ON`); err != nil {
		return fmt.Errorf("enabling secure delete: %w", err)
	}
	return nil
}
