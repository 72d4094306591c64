package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// OpenSCTools are the paths of Debian's OpenSC command-line tools and PKCS#11 module.
type OpenSCTools struct {
	OpenSCTool, PKCS15Tool, PKCS11Tool string
	// PKCS11Module is opensc-pkcs11.so (package opensc-pkcs11).
	PKCS11Module string
}

// OpenSC returns the OpenSC tools, or skips the test when they are missing; it fails instead
// under SHELTER_REQUIRE_OPENSC=1, and under SHELTER_REQUIRE_PCSCD=1 too (as `make test`
// sets), since a virtual card on pcscd is not known to work with standard middleware until
// OpenSC has read it.
func OpenSC(t testing.TB) OpenSCTools {
	t.Helper()
	env := "SHELTER_REQUIRE_OPENSC"
	if os.Getenv(env) != "1" && os.Getenv("SHELTER_REQUIRE_PCSCD") == "1" {
		env = "SHELTER_REQUIRE_PCSCD"
	}
	var tools OpenSCTools
	for dst, name := range map[*string]string{&tools.OpenSCTool: "opensc-tool", &tools.PKCS15Tool: "pkcs15-tool", &tools.PKCS11Tool: "pkcs11-tool"} {
		p, err := exec.LookPath(name)
		if err != nil {
			unavailable(t, env, "OpenSC", name+" is not on PATH; apt-get install opensc opensc-pkcs11")
		}
		*dst = p
	}
	mods, _ := filepath.Glob("/usr/lib/*/opensc-pkcs11.so")
	if len(mods) == 0 {
		mods, _ = filepath.Glob("/usr/lib/opensc-pkcs11.so")
	}
	if len(mods) == 0 {
		unavailable(t, env, "OpenSC", "opensc-pkcs11.so not found; apt-get install opensc-pkcs11")
	}
	tools.PKCS11Module = mods[0]
	return tools
}
