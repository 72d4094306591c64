package appdir

import (
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

// TestMkdirPrivateWindows: the folder's access-control list is protected and names only this
// user and SYSTEM, a file created inside inherits exactly that, and an existing folder with a
// file in it is narrowed the same way (run on Windows, and under Wine by `make wine`).
func TestMkdirPrivateWindows(t *testing.T) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	me := u.User.Sid.String()
	base := t.TempDir()
	fresh := filepath.Join(base, "山田", "vault")
	if err := MkdirPrivate(fresh); err != nil {
		t.Fatal(err)
	}
	checkPrivate(t, fresh, me, true)
	f := filepath.Join(fresh, "vault.db")
	if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkPrivate(t, f, me, false)
	// Made private again: left as it is (no walk over what it holds), still private.
	if err := MkdirPrivate(fresh); err != nil {
		t.Fatal(err)
	}
	checkPrivate(t, fresh, me, true)
	// A protected list that lets Everyone in is not taken for the private one.
	open, _ := windows.SecurityDescriptorFromString("D:P(A;OICI;FA;;;" + me + ")(A;OICI;FA;;;WD)")
	openDACL, _, _ := open.DACL()
	if err := windows.SetNamedSecurityInfo(fresh, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, openDACL, nil); err != nil {
		t.Fatal(err)
	}
	if err := MkdirPrivate(fresh); err != nil {
		t.Fatal(err)
	}
	checkPrivate(t, fresh, me, true)

	// A folder made before, open to everyone, with a file in it.
	old := filepath.Join(base, "old")
	os.Mkdir(old, 0o777)
	everyone, _ := windows.SecurityDescriptorFromString("D:(A;OICI;FA;;;WD)")
	dacl, _, _ := everyone.DACL()
	if err := windows.SetNamedSecurityInfo(old, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION, nil, nil, dacl, nil); err != nil {
		t.Fatal(err)
	}
	inside := filepath.Join(old, "keys.db")
	os.WriteFile(inside, []byte("x"), 0o600)
	if err := MkdirPrivate(old); err != nil {
		t.Fatal(err)
	}
	checkPrivate(t, old, me, true)
	checkPrivate(t, inside, me, false)
}

// checkPrivate checks that path's access-control list grants access to me and SYSTEM only
// (protected for the folder itself, inherited for what is inside).
func checkPrivate(t *testing.T, path, me string, folder bool) {
	t.Helper()
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	ctl, _, err := sd.Control()
	if err != nil {
		t.Fatal(err)
	}
	if folder && ctl&windows.SE_DACL_PROTECTED == 0 {
		t.Errorf("%s: the access-control list is not protected from the parent's: %s", path, sd)
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		t.Fatalf("%s: no access-control list: %v", path, err)
	}
	got := map[string]bool{}
	for i := uint32(0); i < uint32(dacl.AceCount); i++ {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			t.Fatal(err)
		}
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE {
			t.Errorf("%s: ace %d of type %d", path, i, ace.Header.AceType)
		}
		got[(*windows.SID)(unsafe.Pointer(&ace.SidStart)).String()] = true
	}
	if len(got) != 2 || !got[me] || !got["S-1-5-18"] {
		t.Errorf("%s: access for %v, want only %s and SYSTEM (S-1-5-18): %s", path, got, me, sd)
	}
}
