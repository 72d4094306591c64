// Package backup writes and restores consistent copies of a vault database and, separately, of
// its key store.
//
// # Data backups and key backups
//
// A vault directory holds two SQLite files: vault.db (the data: people, ciphertext of their
// numbers and documents, the audit log) and keys.db (the person keys and the shred list; see
// app/store "Two files"). [Write] copies vault.db only. [WriteKeys] copies keys.db only, into a
// file of its own kind. A disposal destroys the person's key in keys.db, so a data backup made
// before the disposal and restored after it brings back ciphertext that nothing can open; and
// [RestoreKeys] merges the live shred lists into a key backup before it replaces keys.db, so an
// older key backup does not bring back a destroyed key. Keep the two kinds of backup in
// different places: only together (and with a user's password on this workstation, or the
// Recovery Kit) do they open numbers.
//
// # Format
//
// A backup file is a small text header followed by the database bytes:
//
//	MYNUMBER-SHELTER-BACKUP 1\n
//	{"vaultId":"…","createdAt":"…","schema":N,"size":S,"sha256":"…"}\n
//	<S bytes: a SQLite database written by VACUUM INTO>
//
// Restore checks the header, the size and the SHA-256, opens the copy and runs SQLite's
// integrity and foreign-key checks, and verifies the audit chain with the vault's audit key
// before it replaces anything. The live database is replaced by an atomic rename, so a failed
// restore leaves the vault as it was.
//
// # What it must never do
//
// Write a key in clear: the files hold only wrapped keys and ciphertext, and the device secret
// stays in the OS keychain. A backup therefore cannot be opened without a user's password on
// this workstation or the Recovery Kit. Put person keys into a data backup.
package backup

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
)

const magic = "MYNUMBER-SHELTER-BACKUP 1\n"

// Header describes a backup.
type Header struct {
	VaultID   string `json:"vaultId"`
	CreatedAt string `json:"createdAt"`
	Schema    int    `json:"schema"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
}

// ErrCorrupt is returned when a backup file fails a check; the message says which.
var ErrCorrupt = errors.New("backup file is damaged or not a MyNumber Shelter backup")

// Write writes a backup of db to dest (which must not exist) and returns its header.
func Write(ctx context.Context, db *store.DB, vaultID, dest string) (Header, error) {
	var h Header
	data, err := snapshot(dest, ".backup-", store.FileName, func(snap string) error { return db.Backup(ctx, snap) })
	if err != nil {
		return h, err
	}
	sum := sha256.Sum256(data)
	h = Header{VaultID: vaultID, CreatedAt: store.FormatTime(db.Now()), Schema: store.SchemaVersion(),
		Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	if err := writeFile(dest, magic, h, data, "backup file"); err != nil {
		return h, err
	}
	return h, nil
}

// removeAll removes the snapshot folder; tests replace it to make the removal fail.
var removeAll = removeTree

// removeTree is [os.RemoveAll], then, for what that left, [os.Remove] file by file. RemoveAll
// on Windows (Go 1.26) deletes through FILE_DISPOSITION_INFORMATION_EX and falls back to the
// older call only on the errors Windows gives where that is unsupported; Wine 8 answers
// ERROR_INVALID_FUNCTION instead, and the folder stayed (found by running shelterctl.exe under
// Wine, app/cmd/shelterctl/wine_test.go). os.Remove (DeleteFileW, RemoveDirectoryW) works
// there. A file another program holds open fails both ways, and RemoveAll's error is returned.
func removeTree(dir string) error {
	err := os.RemoveAll(dir)
	if err == nil || removeEach(dir) == nil {
		return nil
	}
	return err
}

// removeEach removes dir's entries depth first, then dir.
func removeEach(dir string) error {
	es, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range es {
		p := filepath.Join(dir, e.Name())
		if e.IsDir() {
			err = removeEach(p)
		} else {
			err = os.Remove(p)
		}
		if err != nil {
			return err
		}
	}
	return os.Remove(dir)
}

// ErrLeftover is returned, wrapped with the path, when the temporary copy a backup is made from
// cannot be removed (an antivirus or another program holding it open): no backup is written,
// and the message names the folder to delete. A backup never leaves a second copy of the
// vault behind silently.
var ErrLeftover = errors.New("the temporary copy of the backup could not be removed")

// snapshot has take write a consistent copy of a vault file into a temporary folder beside dest
// (so on the same disk), reads it, and removes the folder before anything else is done.
func snapshot(dest, prefix, name string, take func(path string) error) ([]byte, error) {
	tmpDir, err := os.MkdirTemp(filepath.Dir(dest), prefix)
	if err != nil {
		return nil, fmt.Errorf("creating temporary directory: %w", err)
	}
	snap := filepath.Join(tmpDir, name)
	data, err := func() ([]byte, error) {
		if err := take(snap); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(snap)
		if err != nil {
			return nil, fmt.Errorf("reading snapshot: %w", err)
		}
		return data, nil
	}()
	if rerr := removeAll(tmpDir); rerr != nil {
		return nil, errors.Join(err, fmt.Errorf("%w: delete %s (%v)", ErrLeftover, tmpDir, rerr))
	}
	return data, err
}

// ReadHeader reads and checks a backup file completely and returns its header and database bytes.
func ReadHeader(path string) (Header, []byte, error) {
	h, data, err := readFile(path, magic, "backup")
	if err != nil {
		return h, nil, err
	}
	if h.Schema > store.SchemaVersion() {
		return h, nil, fmt.Errorf("%w (backup schema %d)", store.ErrTooNew, h.Schema)
	}
	return h, data, nil
}

// writeFile writes magic, the header as one JSON line, and data to dest, which must not exist;
// a failed write leaves no file.
func writeFile(dest, magic string, h Header, data []byte, what string) error {
	hj, _ := json.Marshal(h)
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("creating %s: %w", what, err)
	}
	w := bufio.NewWriter(f)
	w.WriteString(magic)
	w.Write(hj)
	w.WriteByte('\n')
	w.Write(data)
	if err := errors.Join(w.Flush(), f.Sync(), f.Close()); err != nil {
		os.Remove(dest)
		return fmt.Errorf("writing %s: %w", what, err)
	}
	return nil
}

// readFile reads a file written by writeFile with magic and checks its size and checksum.
func readFile(path, magic, what string) (Header, []byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Header{}, nil, fmt.Errorf("reading %s: %w", what, err)
	}
	return parseFile(raw, magic, what)
}

// parseFile checks the bytes of a file written by writeFile.
func parseFile(raw []byte, magic, what string) (Header, []byte, error) {
	var h Header
	if !bytes.HasPrefix(raw, []byte(magic)) {
		return h, nil, fmt.Errorf("%w: no %s header", ErrCorrupt, what)
	}
	rest := raw[len(magic):]
	nl := bytes.IndexByte(rest, '\n')
	if nl < 0 {
		return h, nil, fmt.Errorf("%w: header not terminated", ErrCorrupt)
	}
	if err := json.Unmarshal(rest[:nl], &h); err != nil {
		return h, nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	data := rest[nl+1:]
	if int64(len(data)) != h.Size {
		return h, nil, fmt.Errorf("%w: %d bytes of data, header says %d (truncated?)", ErrCorrupt, len(data), h.Size)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != h.SHA256 {
		return h, nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	return h, data, nil
}

// Restore checks the backup at path and, if every check passes, replaces the database at
// dbPath with it. The database must be closed. wantVaultID, when not empty, must match the
// backup's vault (a backup of another office is refused). auditKey verifies the backup's chain.
func Restore(ctx context.Context, path, dbPath, wantVaultID string, auditKey []byte) (Header, audit.VerifyResult, error) {
	var vr audit.VerifyResult
	h, data, err := ReadHeader(path)
	if err != nil {
		return h, vr, err
	}
	if wantVaultID != "" && h.VaultID != wantVaultID {
		return h, vr, fmt.Errorf("backup belongs to another vault (%s, this vault is %s)", h.VaultID, wantVaultID)
	}
	staged := dbPath + ".restore-" + time.Now().UTC().Format("20060102T150405")
	if err := os.WriteFile(staged, data, 0o600); err != nil {
		return h, vr, fmt.Errorf("staging restore: %w", err)
	}
	defer os.Remove(staged)
	check, err := store.Open(ctx, staged)
	if err != nil {
		return h, vr, fmt.Errorf("%w: cannot open the database: %v", ErrCorrupt, err)
	}
	err = check.IntegrityCheck(ctx)
	if err == nil {
		vr, err = audit.Verify(ctx, check, auditKey)
		if err == nil && !vr.OK {
			err = fmt.Errorf("%w: audit chain broken at entry %d: %s", ErrCorrupt, vr.FirstBroken, vr.Reason)
		}
	}
	if cerr := check.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return h, vr, err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(staged + suffix)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(dbPath + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return h, vr, fmt.Errorf("removing old journal: %w", err)
		}
	}
	if err := os.Rename(staged, dbPath); err != nil {
		return h, vr, fmt.Errorf("replacing database: %w", err)
	}
	return h, vr, nil
}
