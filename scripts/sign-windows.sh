#!/usr/bin/env bash
# sign-windows.sh FILE... — Authenticode-signs Windows executables in place with osslsigncode
# (Debian package), when an office's IT department or a release gives a code-signing certificate:
#
#   SHELTER_SIGN_PFX=/secure/codesign.pfx SHELTER_SIGN_PASSWORD_FILE=/secure/pfx-pass make installer
#
#   SHELTER_SIGN_PFX            the certificate and its key, PKCS#12 (.pfx/.p12); unset: do nothing
#                               (an unsigned build, which SmartScreen warns about)
#   SHELTER_SIGN_PASSWORD_FILE  a file holding the PKCS#12 password (read by osslsigncode; never
#                               an environment variable or an argument, which other processes of the
#                               user can read); unset: a PKCS#12 without a password
#   SHELTER_SIGN_TIMESTAMP_URL  an RFC 3161 time-stamping service (keeps signatures valid after
#                               the certificate expires); unset: no time stamp (needs no network)
#
# `make installer` signs the three programs before packing them, and makensis signs the
# installer and its uninstaller (shelter.nsi's !finalize and !uninstfinalize). A file is replaced
# only by a completely signed copy; any error stops with a non-zero status.
set -euo pipefail
[[ -n ${SHELTER_SIGN_PFX:-} ]] || exit 0
say() { printf 'sign-windows: %s\n' "$*" >&2; }
command -v osslsigncode >/dev/null || {
	say "error: osslsigncode not found (apt-get install osslsigncode)"
	exit 1
}
[[ -r $SHELTER_SIGN_PFX ]] || {
	say "error: SHELTER_SIGN_PFX=$SHELTER_SIGN_PFX cannot be read"
	exit 1
}
args=(-pkcs12 "$SHELTER_SIGN_PFX" -n "MyNumber Shelter" -h sha256)
if [[ -n ${SHELTER_SIGN_PASSWORD_FILE:-} ]]; then
	args+=(-readpass "$SHELTER_SIGN_PASSWORD_FILE")
fi
if [[ -n ${SHELTER_SIGN_TIMESTAMP_URL:-} ]]; then
	args+=(-ts "$SHELTER_SIGN_TIMESTAMP_URL")
fi
for f in "$@"; do
	tmp=$(mktemp "$f.signing.XXXXXX")
	trap 'rm -f "$tmp" "$tmp.unsigned"' EXIT
	# A file signed by an earlier run is signed afresh, not twice.
	if osslsigncode remove-signature -in "$f" -out "$tmp.unsigned" >/dev/null 2>&1; then
		src=$tmp.unsigned
	else
		src=$f
	fi
	rm -f "$tmp"
	if ! osslsigncode sign "${args[@]}" -in "$src" -out "$tmp" >/dev/null; then
		say "error: signing $f failed (certificate, password file or time-stamping service)"
		exit 1
	fi
	chmod --reference="$f" "$tmp"
	mv -f "$tmp" "$f"
	rm -f "$tmp.unsigned"
	say "signed $(basename "$f")"
done
