package appdir

import (
	"fmt"
	"os"
)

// MkdirPrivate creates dir and its missing parents and makes dir private to the user running
// this program, also when it already exists: mode 0700 on Unix; on Windows, where modes mean
// nothing and a folder inherits the ACL of its parent (which may let a group of users in), a
// protected access-control list that grants full control to this user and to SYSTEM only,
// inherited by everything inside it, existing files included. It is used for the vault's
// folder, the bridge's state and backup sets. On a drive without access-control lists (FAT or
// exFAT removable drives) the folder is created and left as the drive allows.
func MkdirPrivate(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := restrict(dir); err != nil {
		return fmt.Errorf("making %s private to this user: %w", dir, err)
	}
	return nil
}

// privateSDDL is the access-control list of a private folder for the user sid: protected (P:
// nothing inherited from the parent), full file access (FA) for the user and SYSTEM (SY),
// inherited by files and folders inside (OICI).
func privateSDDL(sid string) string {
	return "D:P(A;OICI;FA;;;" + sid + ")(A;OICI;FA;;;SY)"
}
