#!/usr/bin/env bash
# with-wine.sh COMMAND [ARG...]
#
# Runs COMMAND with a throwaway 64-bit Wine prefix in which Go's Windows binaries start, and
# SHELTER_TEST_WINEPREFIX set to it, so that tests can run shelterctl.exe and the installer:
#
#   SHELTER_REQUIRE_WINE=1 scripts/with-wine.sh go test ./app/cmd/shelterctl/ -run Wine -v
#
# When SHELTER_TEST_WINEPREFIX is already set (an outer with-wine.sh), COMMAND just runs in that
# prefix: one wineboot serves a whole run. Otherwise the script:
#
#   - makes a prefix in a temporary directory and runs `wineboot -i` there, headless: DISPLAY
#     and WAYLAND_DISPLAY unset, WINEDEBUG=-all, and WINEDLLOVERRIDES turning off mscoree and
#     mshtml (no Mono or Gecko install prompts) and winemenubuilder (no desktop entries);
#   - builds build/windows/wine/processprng.c with Debian's x86_64-w64-mingw32-gcc into the
#     prefix's system32 as bcryptprimitives.dll: Go 1.22 and later need its ProcessPrng, which
#     Wine 8 lacks ("bcryptprimitives.dll not found" at startup). Built here, never downloaded
#     or committed; for tests only;
#   - exports WINEPREFIX, WINEDEBUG, WINEDLLOVERRIDES and SHELTER_TEST_WINEPREFIX, runs COMMAND,
#     then stops the prefix's wineserver and deletes the directory.
#
# If Wine or mingw-w64 is missing, or wineboot fails, the script warns and runs COMMAND anyway,
# so the Wine tests skip, unless SHELTER_REQUIRE_WINE=1, in which case it exits 1. Exits with
# COMMAND's status. Needs the Debian packages wine, wine64 and gcc-mingw-w64-x86-64
# (scripts/deps.sh test). Wine 8 from Debian 12 is what it is tested with; wine32 is not needed.
set -euo pipefail

if (($# == 0)); then
	echo "usage: $0 COMMAND [ARG...]" >&2
	exit 2
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
required=${SHELTER_REQUIRE_WINE:-0}
say() { printf 'with-wine: %s\n' "$*" >&2; }

unavailable() {
	local reason=$1
	shift
	if [[ $required == 1 ]]; then
		say "error: $reason (SHELTER_REQUIRE_WINE=1)"
		exit 1
	fi
	say "warning: $reason; running without Wine (the Wine tests will skip)"
	exec "$@"
}

if [[ -n ${SHELTER_TEST_WINEPREFIX:-} ]]; then
	[[ -d $SHELTER_TEST_WINEPREFIX/drive_c ]] || unavailable "SHELTER_TEST_WINEPREFIX=$SHELTER_TEST_WINEPREFIX is not a Wine prefix" "$@"
	say "using the Wine prefix $SHELTER_TEST_WINEPREFIX"
	exec "$@"
fi

for tool in wine wineboot wineserver x86_64-w64-mingw32-gcc; do
	command -v "$tool" >/dev/null 2>&1 ||
		unavailable "$tool not found (apt-get install wine wine64 gcc-mingw-w64-x86-64)" "$@"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/with-wine.XXXXXX")
chmod 0700 "$tmp"
unset DISPLAY WAYLAND_DISPLAY
export WINEPREFIX=$tmp/prefix WINEARCH=win64 WINEDEBUG=-all
# mscoree/mshtml: no Mono or Gecko download prompts; winemenubuilder: no .desktop files in
# $HOME; bcryptprimitives: the shim below (native first; a later Wine's own as the fallback).
export WINEDLLOVERRIDES="mscoree=d;mshtml=d;winemenubuilder.exe=d;bcryptprimitives=n,b"

cleanup() {
	wineserver -k >/dev/null 2>&1 || true
	wineserver -w >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$SECONDS
if ! wineboot -i >"$tmp/wineboot.log" 2>&1 || [[ ! -d $WINEPREFIX/drive_c/windows/system32 ]]; then
	sed 's/^/  /' "$tmp/wineboot.log" >&2
	cleanup
	trap - EXIT
	unavailable "wineboot -i failed" "$@"
fi
# wineboot returns before the prefix's registry is flushed; wait for its wineserver to finish.
wineserver -w
boot=$((SECONDS - start))

dll=$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll
src=$root/build/windows/wine
if ! x86_64-w64-mingw32-gcc -O2 -shared -s -Wl,--no-insert-timestamp -o "$dll" \
	"$src/processprng.c" "$src/bcryptprimitives.def" -ladvapi32 2>"$tmp/gcc.log"; then
	sed 's/^/  /' "$tmp/gcc.log" >&2
	cleanup
	trap - EXIT
	unavailable "building the ProcessPrng shim failed" "$@"
fi

export SHELTER_TEST_WINEPREFIX=$WINEPREFIX
say "$(wine --version 2>/dev/null) prefix $WINEPREFIX (wineboot ${boot}s), ProcessPrng shim in system32"

set +e
"$@"
status=$?
set -e
exit "$status"
