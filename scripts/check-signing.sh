#!/usr/bin/env bash
# check-signing.sh — checks code signing of the Windows build (scripts/sign-windows.sh) with a
# throwaway CA and code-signing certificate made here (never shipped, deleted at the end):
#
#   - without SHELTER_SIGN_PFX nothing is signed and nothing changes;
#   - the three programs, signed, then packed by makensis with SIGN, which signs the installer and
#     the uninstaller: all five verify with `osslsigncode verify` against the throwaway CA (the
#     uninstaller and the programs extracted from the installer with 7z), and a second signing
#     run replaces the signature instead of adding one;
#   - a wrong password file fails with a non-zero status and leaves the file as it was.
#
#   scripts/check-signing.sh BIN WEBVIEW2 VERSION     (`make signing`, part of `make test`)
set -euo pipefail
bin=${1:?usage: check-signing.sh BIN WEBVIEW2 VERSION}
webview2=${2:?}
version=${3:?}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf 'check-signing: %s\n' "$*" >&2; }
fail=0
bad() {
	say "FAIL: $*"
	fail=1
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-signing.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 0700 "$tmp"

# The throwaway PKI: a CA and a code-signing certificate it issued, in a PKCS#12 with a password.
cd "$tmp"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=Shelter test CA (throwaway)" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout sign.key -out sign.csr -subj "/CN=MyNumber Shelter test signer (throwaway)" >/dev/null 2>&1
printf 'extendedKeyUsage=codeSigning\nkeyUsage=critical,digitalSignature\n' >ext.cnf
openssl x509 -req -in sign.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out sign.pem -days 2 -extfile ext.cnf >/dev/null 2>&1
printf 'a throwaway pfx password\n' >pass.txt
openssl pkcs12 -export -inkey sign.key -in sign.pem -certfile ca.pem -out sign.pfx -passout file:pass.txt
printf 'not the password\n' >wrong.txt
cd - >/dev/null

mkdir "$tmp/bin"
for f in mynumber-shelter.exe shelter-bridge.exe shelterctl.exe; do
	cp "$bin/$f" "$tmp/bin/$f"
done
verify() { osslsigncode verify -CAfile "$tmp/ca.pem" -in "$1" >/dev/null 2>&1; }
nsigs() { osslsigncode extract-signature -in "$1" -out "$tmp/sig.der" >/dev/null 2>&1 && openssl pkcs7 -inform der -in "$tmp/sig.der" -print_certs 2>/dev/null | grep -c '^subject=.*test signer' || true; }

# Unset: nothing happens.
before=$(sha256sum <"$tmp/bin/shelterctl.exe")
env -u SHELTER_SIGN_PFX "$root/scripts/sign-windows.sh" "$tmp/bin/shelterctl.exe"
[[ $(sha256sum <"$tmp/bin/shelterctl.exe") == "$before" ]] || bad "without SHELTER_SIGN_PFX the file changed"

# A wrong password: an error, the file untouched.
if SHELTER_SIGN_PFX=$tmp/sign.pfx SHELTER_SIGN_PASSWORD_FILE=$tmp/wrong.txt "$root/scripts/sign-windows.sh" "$tmp/bin/shelterctl.exe" 2>/dev/null; then
	bad "signing with a wrong password succeeded"
fi
[[ $(sha256sum <"$tmp/bin/shelterctl.exe") == "$before" ]] || bad "a failed signing changed the file"
ls "$tmp/bin" | grep -q signing && bad "a failed signing left a temporary file: $(ls "$tmp/bin")"

export SHELTER_SIGN_PFX=$tmp/sign.pfx SHELTER_SIGN_PASSWORD_FILE=$tmp/pass.txt
"$root/scripts/sign-windows.sh" "$tmp/bin/mynumber-shelter.exe" "$tmp/bin/shelter-bridge.exe" "$tmp/bin/shelterctl.exe" 2>/dev/null
# Signed twice: still one signature.
"$root/scripts/sign-windows.sh" "$tmp/bin/shelterctl.exe" 2>/dev/null
[[ $(nsigs "$tmp/bin/shelterctl.exe") == 1 ]] || bad "signing a signed file again did not leave exactly one signature"
makensis -V2 -DVERSION="$version" -DBIN="$tmp/bin" -DWEBVIEW2="$webview2" -DSIGN="$root/scripts/sign-windows.sh" \
	"$root/build/windows/installer/shelter.nsi" >/dev/null
setup=$tmp/bin/mynumber-shelter-$version-setup.exe
mkdir "$tmp/x"
7z x -y -o"$tmp/x" "$setup" mynumber-shelter.exe shelter-bridge.exe shelterctl.exe uninstall.exe >/dev/null
for f in "$setup" "$tmp/x/uninstall.exe" "$tmp/x/mynumber-shelter.exe" "$tmp/x/shelter-bridge.exe" "$tmp/x/shelterctl.exe"; do
	verify "$f" || bad "$(basename "$f") is not signed by the test certificate (osslsigncode verify)"
done
# And a file signed by another CA does not verify against this one (the check means something).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/other.key" -out "$tmp/other.pem" -days 2 -subj "/CN=another CA" >/dev/null 2>&1
osslsigncode verify -CAfile "$tmp/other.pem" -in "$setup" >/dev/null 2>&1 && bad "the installer verifies against an unrelated CA"

if ((fail)); then
	exit 1
fi
say "ok: the installer, its uninstaller and the three programs are signed and verify; unset signs nothing; a wrong password fails cleanly"
