#!/usr/bin/env bash
# deps.sh — install what building, running or testing MyNumber Shelter needs on Debian 12.
#
# Usage: scripts/deps.sh [build|run|test]      (default: build)
#
#   build  C toolchain, GTK 3 + WebKitGTK 4.1 headers, PC/SC headers, Node/npm,
#          the pinned Wails CLI, and frontend/node_modules.
#   run    build + Japanese fonts, D-Bus, gnome-keyring, pcscd, Xvfb.
#   test   run + Chromium (UI tests), ImageMagick (screenshots), xdotool, xclip
#          and sqlite3 (the window test drives the first run), LibreOffice Calc and
#          poppler-utils (workbooks printed to PDF and read back), the virtual
#          smart-card reader (vsmartcard-vpcd), OpenSC (opensc, opensc-pkcs11: the
#          virtual card read by standard middleware), PostgreSQL, and Wine 8 (64-bit
#          only) with mingw-w64 (the Windows binaries and installer run under Wine:
#          scripts/with-wine.sh).
#
# It is idempotent and quick when nothing is missing: apt packages are checked
# with one dpkg-query call and `apt-get update` runs only when something must be
# installed. When not root and packages are missing it prints the apt-get
# command to run and exits 1. It never edits go.mod.
set -euo pipefail

readonly WAILS_VERSION=v2.11.0
readonly WAILS_MODULE=github.com/wailsapp/wails/v2/cmd/wails

mode=${1:-build}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf 'deps: %s\n' "$*"; }
die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }

build_pkgs=(gcc libc6-dev pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev libpcsclite-dev nsis p7zip-full)
run_pkgs=(fonts-noto-cjk dbus dbus-x11 gnome-keyring pcscd xvfb xauth)
test_pkgs=(osslsigncode chromium imagemagick xdotool xclip sqlite3 vsmartcard-vpcd opensc opensc-pkcs11 postgresql libreoffice-calc poppler-utils sane-utils sane-airscan
	wine wine64 gcc-mingw-w64-x86-64)

case $mode in
build) want=("${build_pkgs[@]}") ;;
run) want=("${build_pkgs[@]}" "${run_pkgs[@]}") ;;
test) want=("${build_pkgs[@]}" "${run_pkgs[@]}" "${test_pkgs[@]}") ;;
-h | --help | help)
	sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	exit 0
	;;
*) die "unknown mode '$mode' (want build, run or test)" ;;
esac

# Node and npm come from the machine image; fall back to Debian's packages.
if ! command -v npm >/dev/null 2>&1; then
	want+=(nodejs npm)
fi

# --- apt packages -----------------------------------------------------------

missing_pkgs() {
	# dpkg-query exits 1 when any name is unknown; the parsed output is what counts.
	local installed
	installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "$@" 2>/dev/null |
		awk '$1 == "ii" { print $2 }' || true)
	local p
	for p in "$@"; do
		grep -qxF "$p" <<<"$installed" || printf '%s\n' "$p"
	done
}

mapfile -t missing < <(missing_pkgs "${want[@]}")
if ((${#missing[@]} == 0)); then
	say "apt: all ${#want[@]} packages for '$mode' present"
else
	cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
	if ((EUID != 0)); then
		printf 'deps: missing Debian packages: %s\n' "${missing[*]}" >&2
		printf 'deps: run as root:\n\n    sudo sh -c '\''%s'\''\n\n' "$cmd" >&2
		exit 1
	fi
	say "apt: installing ${missing[*]}"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
	mapfile -t still < <(missing_pkgs "${want[@]}")
	((${#still[@]} == 0)) || die "still missing after apt-get install: ${still[*]}"
fi

# --- Go and the Wails CLI -----------------------------------------------------

command -v go >/dev/null 2>&1 || die "go is not on PATH (Go 1.26 is expected at /usr/local/go/bin)"
gobin=$(go env GOBIN)
[[ -n $gobin ]] || gobin="$(go env GOPATH)/bin"
export PATH="$gobin:$PATH"

wails_have() {
	# `wails version` prints the version plus a colourful banner; keep the first vX.Y.Z.
	command -v wails >/dev/null 2>&1 || return 0
	wails version 2>/dev/null | grep -oE 'v[0-9]+\.[0-9]+\.[0-9]+' | head -n1 || true
}
have=$(wails_have)
if [[ $have == "$WAILS_VERSION" ]]; then
	say "wails: $have at $(command -v wails)"
else
	say "wails: have '${have:-none}', installing $WAILS_MODULE@$WAILS_VERSION"
	go install "$WAILS_MODULE@$WAILS_VERSION"
	have=$(wails_have)
	[[ $have == "$WAILS_VERSION" ]] || die "wails $WAILS_VERSION not found on PATH after go install (have '${have:-none}', GOBIN $gobin)"
fi

# --- frontend/node_modules --------------------------------------------------

fe="$root/frontend"
if [[ ! -f $fe/package.json ]]; then
	say "npm: frontend/package.json not found, skipping npm ci"
elif [[ ! -f $fe/package-lock.json ]]; then
	die "frontend/package-lock.json is missing: run 'npm install' in frontend/ and commit the lock file"
else
	# npm writes node_modules/.package-lock.json on every install: use it as the stamp.
	stamp="$fe/node_modules/.package-lock.json"
	if [[ ! -d $fe/node_modules || ! -f $stamp || $fe/package-lock.json -nt $stamp ]]; then
		say "npm: running npm ci in frontend/ (node $(node --version), npm $(npm --version))"
		(cd "$fe" && npm ci --no-audit --no-fund)
	else
		say "npm: frontend/node_modules up to date"
	fi
fi

say "ready for '$mode'"
