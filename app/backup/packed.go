package backup

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
)

// A packed set is a backup set in one piece of memory, for the office replica (app/replica
// seals it before it leaves the PC):
//
//	MYNUMBER-SHELTER-PACKED 1\n ‖ uint64 big-endian length of the data backup ‖ data backup ‖ key backup
//
// each backup in its file format ([Write], [WriteKeys]) with its own header and checksum.
const packedMagic = "MYNUMBER-SHELTER-PACKED 1\n"

// Pack makes a packed backup set of db. The temporary copies it reads are made in a folder of
// the vault's directory and removed before it returns ([ErrLeftover] when they cannot be).
func Pack(ctx context.Context, db *store.DB, vaultID string) (packed []byte, set Set, err error) {
	if err := RemoveLeftovers(filepath.Dir(db.Path())); err != nil {
		return nil, set, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(db.Path()), ".replica-")
	if err != nil {
		return nil, set, fmt.Errorf("creating temporary directory: %w", err)
	}
	defer func() {
		if rerr := removeAll(tmp); rerr != nil {
			packed, err = nil, errors.Join(err, fmt.Errorf("%w: delete %s (%v)", ErrLeftover, tmp, rerr))
		}
	}()
	dataPath, keysPath := filepath.Join(tmp, SetDataFile), filepath.Join(tmp, SetKeysFile)
	if set.Data, err = Write(ctx, db, vaultID, dataPath); err != nil {
		return nil, set, err
	}
	if set.Keys, err = WriteKeys(ctx, db, vaultID, keysPath); err != nil {
		return nil, set, err
	}
	data, err := os.ReadFile(dataPath)
	if err != nil {
		return nil, set, err
	}
	keys, err := os.ReadFile(keysPath)
	if err != nil {
		return nil, set, err
	}
	packed = make([]byte, 0, len(packedMagic)+8+len(data)+len(keys))
	packed = append(packed, packedMagic...)
	packed = binary.BigEndian.AppendUint64(packed, uint64(len(data)))
	packed = append(append(packed, data...), keys...)
	return packed, set, nil
}

// RestorePacked restores a packed set into db, an empty vault, as [RestoreSet] does a folder.
func RestorePacked(ctx context.Context, db *store.DB, packed []byte, recoveryKey string) (Set, audit.VerifyResult, error) {
	var set Set
	var vr audit.VerifyResult
	if len(packed) < len(packedMagic)+8 || string(packed[:len(packedMagic)]) != packedMagic {
		return set, vr, fmt.Errorf("%w: not a packed backup set", ErrCorrupt)
	}
	rest := packed[len(packedMagic):]
	n := binary.BigEndian.Uint64(rest)
	rest = rest[8:]
	if n > uint64(len(rest)) {
		return set, vr, fmt.Errorf("%w: packed set truncated", ErrCorrupt)
	}
	var data, keys []byte
	var err error
	if set.Data, data, err = parseFile(rest[:n], magic, "backup"); err != nil {
		return set, vr, err
	}
	if set.Keys, keys, err = parseFile(rest[n:], keysMagic, "key backup"); err != nil {
		return set, vr, err
	}
	if set.Data.Schema > store.SchemaVersion() {
		return set, vr, fmt.Errorf("%w (backup schema %d)", store.ErrTooNew, set.Data.Schema)
	}
	if set.Data.VaultID != set.Keys.VaultID {
		return set, vr, fmt.Errorf("%w: the data and key backups belong to different vaults", ErrCorrupt)
	}
	vr, err = restoreFiles(ctx, db, data, keys, recoveryKey)
	return set, vr, err
}

// RemoveLeftovers removes what a killed process left in the vault directory: the temporary
// copies of a snapshot (".replica-*") and of a restore (".restore-*"). One app uses a vault at a
// time, so none of them is in use when it starts one.
func RemoveLeftovers(vaultDir string) error {
	es, _ := os.ReadDir(vaultDir) // not a glob: the vault's path may hold [ * ?
	for _, e := range es {
		if !strings.HasPrefix(e.Name(), ".replica-") && !strings.HasPrefix(e.Name(), ".restore-") {
			continue
		}
		m := filepath.Join(vaultDir, e.Name())
		if err := removeAll(m); err != nil {
			return fmt.Errorf("%w: delete %s (%v)", ErrLeftover, m, err)
		}
	}
	return nil
}
