package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/jpdate"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
	"github.com/mynumber-shelter/shelter/internal/appdir"
	"github.com/mynumber-shelter/shelter/internal/atomicfile"
)

// # Backup sets
//
// What a clerk makes from the app (and shelterctl backup --set): one folder holding a data
// backup and a key backup taken together, named after the time in JST:
//
//	MyNumberShelter-20261205-183000/
//	    vault.backup   (the format of [Write])
//	    keys.backup    (the format of [WriteKeys])
//
// The folder appears whole or not at all (written under a temporary name and renamed). It
// opens nothing by itself: the device secret stays in this PC's keychain, so on another PC only
// the Recovery Kit opens it ([RestoreSet]); a lost drive with a set on it is a lost drive of
// ciphertext, but the set and the kit must not be kept together.

// Names of the two files of a backup set.
const (
	SetDataFile = "vault.backup"
	SetKeysFile = "keys.backup"
	setPrefix   = "MyNumberShelter-"
)

// Set describes a backup set.
type Set struct {
	// Dir is the set's folder.
	Dir  string
	Data Header
	Keys Header
}

// WriteSet writes a backup set of db into a new folder inside parent and returns it.
func WriteSet(ctx context.Context, db *store.DB, vaultID, parent string) (Set, error) {
	set := Set{}
	st, err := os.Stat(parent)
	if err != nil || !st.IsDir() {
		return set, fmt.Errorf("backup folder %s: %w", parent, errNotFolder(err))
	}
	name := setPrefix + db.Now().In(jpdate.JST).Format("20060102-150405")
	final := filepath.Join(parent, name)
	for i := 2; ; i++ {
		if _, err := os.Lstat(final); errors.Is(err, os.ErrNotExist) {
			break
		}
		final = filepath.Join(parent, fmt.Sprintf("%s-%d", name, i))
	}
	removeStalePartials(parent, db.Now())
	tmp, err := os.MkdirTemp(parent, "."+name+".partial-")
	if err != nil {
		return set, fmt.Errorf("creating the backup folder: %w", err)
	}
	// Private to the user where the drive keeps access-control lists (Windows: the set would
	// otherwise inherit the folder's, which may let others in); a FAT or exFAT stick has none,
	// and a drive that refuses is no reason to refuse the backup: the set is written anyway.
	_ = appdir.MkdirPrivate(tmp)
	err = func() error {
		if set.Data, err = Write(ctx, db, vaultID, filepath.Join(tmp, SetDataFile)); err != nil {
			return err
		}
		if set.Keys, err = WriteKeys(ctx, db, vaultID, filepath.Join(tmp, SetKeysFile)); err != nil {
			return err
		}
		if err := atomicfile.SyncDir(tmp); err != nil {
			return fmt.Errorf("writing the backup folder: %w", err)
		}
		if err := os.Rename(tmp, final); err != nil {
			return fmt.Errorf("naming the backup folder: %w", err)
		}
		if err := atomicfile.SyncDir(parent); err != nil {
			return fmt.Errorf("writing the backup folder: %w", err)
		}
		return nil
	}()
	if err != nil {
		if rerr := removeAll(tmp); rerr != nil {
			err = errors.Join(err, fmt.Errorf("%w: delete %s (%v)", ErrLeftover, tmp, rerr))
		}
		return set, err
	}
	set.Dir = final
	return set, nil
}

// partialAge is how old a half-written set must be before a later backup removes it: older than
// any backup still being written (a slow network drive shared by two PCs included).
const partialAge = time.Hour

// removeStalePartials removes the hidden half-written sets (".MyNumberShelter-….partial-…")
// that a killed backup left in parent: each is a copy of the vault that nobody would find, so
// the next backup to the same place deletes it. Failures are left for the next time.
func removeStalePartials(parent string, now time.Time) {
	es, err := os.ReadDir(parent) // not a glob: the path may hold [ * ?
	if err != nil {
		return
	}
	for _, e := range es {
		n := e.Name()
		if !e.IsDir() || !strings.HasPrefix(n, "."+setPrefix) || !strings.Contains(n, ".partial-") {
			continue
		}
		if info, err := e.Info(); err != nil || now.Sub(info.ModTime()) < partialAge {
			continue
		}
		removeAll(filepath.Join(parent, n))
	}
}

func errNotFolder(err error) error {
	if err != nil {
		return err
	}
	return errors.New("not a folder")
}

// ErrNotSet is returned (wrapped) when a folder is not a backup set.
var ErrNotSet = errors.New("not a MyNumber Shelter backup set")

// ReadSet reads and checks both files of the set in dir (or of the set holding the file dir)
// and returns it with the two databases' bytes.
func ReadSet(dir string) (set Set, data, keys []byte, err error) {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		dir = filepath.Dir(dir)
	}
	set.Dir = dir
	for _, f := range []string{SetDataFile, SetKeysFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return set, nil, nil, fmt.Errorf("%w: %s has no %s", ErrNotSet, dir, f)
		}
	}
	if set.Data, data, err = ReadHeader(filepath.Join(dir, SetDataFile)); err != nil {
		return set, nil, nil, err
	}
	if set.Keys, keys, err = ReadKeysHeader(filepath.Join(dir, SetKeysFile)); err != nil {
		return set, nil, nil, err
	}
	if set.Data.VaultID != set.Keys.VaultID {
		return set, nil, nil, fmt.Errorf("%w: the data and key backups belong to different vaults", ErrCorrupt)
	}
	return set, data, keys, nil
}

// RestoreSet restores the backup set in dir into db, an empty vault (a new or reinstalled PC),
// after every check passes: both files whole, SQLite's integrity and key checks, the Recovery
// Kit's key opening that vault, and the audit chain verifying with the vault's audit key. Only
// then are both files put in place ([store.DB.Replace]); a failed check leaves db as it was.
// The caller then recovers access with the kit (auth.Service.Recover) on this PC.
func RestoreSet(ctx context.Context, db *store.DB, dir, recoveryKey string) (Set, audit.VerifyResult, error) {
	var vr audit.VerifyResult
	set, data, keys, err := ReadSet(dir)
	if err != nil {
		return set, vr, err
	}
	vr, err = restoreFiles(ctx, db, data, keys, recoveryKey)
	return set, vr, err
}

// restoreFiles stages data (vault.db) and keys (keys.db) in the vault's directory, checks them
// as RestoreSet says, and puts them in place.
func restoreFiles(ctx context.Context, db *store.DB, data, keys []byte, recoveryKey string) (audit.VerifyResult, error) {
	var vr audit.VerifyResult
	if err := RemoveLeftovers(filepath.Dir(db.Path())); err != nil {
		return vr, err
	}
	stage, err := os.MkdirTemp(filepath.Dir(db.Path()), ".restore-")
	if err != nil {
		return vr, fmt.Errorf("staging the restore: %w", err)
	}
	defer removeTree(stage)
	dataPath, keysPath := filepath.Join(stage, store.FileName), filepath.Join(stage, store.KeysFileName)
	if err := os.WriteFile(keysPath, keys, 0o600); err != nil {
		return vr, fmt.Errorf("staging the restore: %w", err)
	}
	if err := os.WriteFile(dataPath, data, 0o600); err != nil {
		return vr, fmt.Errorf("staging the restore: %w", err)
	}
	staged, err := store.Open(ctx, dataPath)
	if err != nil {
		return vr, fmt.Errorf("%w: cannot open the copy: %v", ErrCorrupt, err)
	}
	err = staged.IntegrityCheck(ctx)
	var auditKey []byte
	if err == nil {
		err = staged.View(ctx, func(tx *store.Tx) error {
			auditKey, err = vault.RecoveryAuditKey(tx, recoveryKey)
			return err
		})
	}
	if err == nil {
		vr, err = audit.Verify(ctx, staged, auditKey)
		if err == nil && !vr.OK {
			err = fmt.Errorf("%w: audit chain broken at entry %d: %s", ErrCorrupt, vr.FirstBroken, vr.Reason)
		}
	}
	clear(auditKey)
	if cerr := staged.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return vr, err
	}
	return vr, db.Replace(ctx, dataPath, keysPath)
}
