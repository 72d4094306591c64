#!/usr/bin/env bash
# window-screenshot.sh — start the built desktop app under Xvfb and screenshot its window.
#
# Usage: scripts/window-screenshot.sh [BINARY] [OUT.png]
#   BINARY   default build/bin/mynumber-shelter
#   OUT.png  default build/test-artifacts/window.png (the app's output goes to OUT.log)
#
# The app runs on a fresh virtual X screen, inside scripts/with-keyring.sh (a
# private D-Bus session with an unlocked gnome-keyring) and with a fresh
# temporary vault directory, so it never sees the developer's real vault or
# keychain. The script fails when the app exits before the screenshot, or when
# the window shows nothing (one flat colour).
#
# Environment:
#   SHELTER_SCREENSHOT_TIMEOUT  seconds to wait for a drawn window (default 60)
#   SHELTER_SCREENSHOT_SETTLE   seconds to wait after first paint, for fonts and data (default 3)
#   SHELTER_MIN_STDDEV          smallest pixel standard deviation of the window that counts as
#                               drawn, 0..1 (default 0.01)
#   SHELTER_WITH_KEYRING        the wrapper to run the app under (default scripts/with-keyring.sh)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf 'screenshot: %s\n' "$*"; }
die() { printf 'screenshot: FAIL: %s\n' "$*" >&2; exit 1; }

screen=1366x900x24
timeout=${SHELTER_SCREENSHOT_TIMEOUT:-60}
settle=${SHELTER_SCREENSHOT_SETTLE:-3}
min_sd=${SHELTER_MIN_STDDEV:-0.01}

# window_stddev FILE prints "SD WxH+X+Y": the pixel standard deviation of the
# screenshot with the flat Xvfb background trimmed away (so, of the window),
# and where that window is. A blank screen trims to 1x1 and gives 0.
window_stddev() {
	convert "$1" -trim -set option:geo '%wx%h%O' +repage -shave 4x4 -format '%[fx:standard_deviation] %[geo]' info: 2>/dev/null
}

# is_drawn SD: true when SD > min_sd.
is_drawn() { awk -v sd="$1" -v min="$min_sd" 'BEGIN { exit !(sd > min) }'; }

inside() {
	local bin=$1 out=$2 vault=$3 log=$4 keyring=$5
	local shot="$out.tmp.png" pid info sd waited=0

	# The app gets its own session (process group) so it and every helper it
	# starts (dbus-daemon, gnome-keyring, WebKit processes) stop together.
	SHELTER_VAULT="$vault" setsid "$keyring" "$bin" -vault "$vault" >"$log" 2>&1 </dev/null &
	pid=$!
	# shellcheck disable=SC2064 # expand pid now
	trap "kill -TERM -- -$pid 2>/dev/null || true; rm -f '$shot'" EXIT

	while :; do
		sleep 1
		waited=$((waited + 1))
		kill -0 "$pid" 2>/dev/null || {
			wait "$pid" && rc=0 || rc=$?
			tail -n 40 "$log" >&2 || true
			die "the app exited (status $rc) after ${waited}s, before its window was drawn; log: $log"
		}
		import -window root "$shot" 2>/dev/null || continue
		info=$(window_stddev "$shot")
		sd=${info%% *}
		if is_drawn "$sd"; then
			break
		fi
		((waited < timeout)) || {
			cp "$shot" "$out"
			tail -n 40 "$log" >&2 || true
			die "no drawn window after ${timeout}s (window stddev $sd <= $min_sd); screen saved to $out, log: $log"
		}
	done

	say "window drawn after ${waited}s; waiting ${settle}s for it to settle"
	sleep "$settle"
	kill -0 "$pid" 2>/dev/null || die "the app exited while its window was settling; log: $log"
	import -window root "$out"
	info=$(window_stddev "$out")
	sd=${info%% *}
	is_drawn "$sd" || die "the window went blank (stddev $sd); screen saved to $out"
	kill -0 "$pid" 2>/dev/null || die "the app exited while being captured; log: $log"
	say "ok: $out (window ${info#* }, stddev $sd)"
}

if [[ ${1:-} == --inside ]]; then
	shift
	inside "$@"
	exit
fi

bin=${1:-$root/build/bin/mynumber-shelter}
out=${2:-$root/build/test-artifacts/window.png}
keyring=${SHELTER_WITH_KEYRING:-$root/scripts/with-keyring.sh}

[[ -x $bin ]] || die "$bin is not built (run: make linux)"
[[ -x $keyring ]] || die "$keyring is missing or not executable"
for tool in xvfb-run xauth import convert setsid; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found (run: scripts/deps.sh test)"
done

mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
log="${out%.png}.log"
vault=$(mktemp -d "${TMPDIR:-/tmp}/shelter-screenshot-vault.XXXXXX")
runtime=$(mktemp -d "${TMPDIR:-/tmp}/shelter-screenshot-run.XXXXXX")
trap 'rm -rf "$vault" "$runtime"' EXIT

say "starting $(basename "$bin") on Xvfb $screen with a fresh vault"
# GTK must use X11 even when the caller's desktop is Wayland; XDG_RUNTIME_DIR is
# private to this run (CI has none). WebKitGTK's DMA-BUF renderer is known to
# leave windows blank on some GPU-less machines, so it is off here.
env -u WAYLAND_DISPLAY GDK_BACKEND=x11 XDG_RUNTIME_DIR="$runtime" \
	WEBKIT_DISABLE_DMABUF_RENDERER=1 \
	SHELTER_MIN_STDDEV="$min_sd" SHELTER_SCREENSHOT_TIMEOUT="$timeout" SHELTER_SCREENSHOT_SETTLE="$settle" \
	xvfb-run -a -s "-screen 0 $screen" "${BASH_SOURCE[0]}" --inside "$bin" "$out" "$vault" "$log" "$keyring"
