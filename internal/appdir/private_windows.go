package appdir

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/windows"
)

// restrict sets dir's access-control list to privateSDDL of the current user, which Windows also
// applies to what dir holds. A folder that has that list already is left alone: setting it walks
// everything inside, and the bridge makes its inbox private before each page it takes. A drive
// without access-control lists is left as it is.
func restrict(dir string) error {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return err
	}
	sd, err := windows.SecurityDescriptorFromString(privateSDDL(u.User.Sid.String()))
	if err != nil {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	if cur, err := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION); err == nil && sameProtectedDACL(cur, dacl) {
		return nil
	}
	err = windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
	if errors.Is(err, windows.ERROR_NOT_SUPPORTED) || errors.Is(err, windows.ERROR_INVALID_FUNCTION) {
		return nil // FAT, exFAT: no access-control lists
	}
	return err
}

// sameProtectedDACL reports whether cur's list is protected and has exactly want's entries, in
// order: the same type, flags, rights and SID each.
func sameProtectedDACL(cur *windows.SECURITY_DESCRIPTOR, want *windows.ACL) bool {
	ctl, _, err := cur.Control()
	if err != nil || ctl&windows.SE_DACL_PROTECTED == 0 {
		return false
	}
	have, _, err := cur.DACL()
	if err != nil || have == nil || have.AceCount != want.AceCount {
		return false
	}
	for i := uint32(0); i < uint32(want.AceCount); i++ {
		var a, b *windows.ACCESS_ALLOWED_ACE
		if windows.GetAce(have, i, &a) != nil || windows.GetAce(want, i, &b) != nil {
			return false
		}
		if a.Header.AceType != b.Header.AceType || a.Header.AceFlags != b.Header.AceFlags || a.Mask != b.Mask ||
			!(*windows.SID)(unsafe.Pointer(&a.SidStart)).Equals((*windows.SID)(unsafe.Pointer(&b.SidStart))) {
			return false
		}
	}
	return true
}
