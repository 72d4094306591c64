#!/usr/bin/env bash
# window-screenshot.sh — the window test: the built desktop app under Xvfb, used as a new user
# uses it, in the shipped configuration (main.go builds it from ui.ShippedConfig: a second
# factor required).
#
# Usage: scripts/window-screenshot.sh [BINARY] [OUT.png]
#   BINARY   default build/bin/mynumber-shelter (make linux puts shelter-bridge beside it)
#   OUT.png  default build/test-artifacts/window.png
#
# 1. It starts the app on a fresh virtual X screen with a fresh temporary vault, inside
#    scripts/with-keyring.sh with a keyring directory of its own (persistent mode, as make run
#    uses it), so it never sees the developer's real vault or keychain.
# 2. It performs the first run with the keyboard (xdotool): the office, the first
#    administrator, the second-factor step (this machine has no reader: "optional", with a
#    reason), the Recovery Kit copied off the screen (xclip) and typed back. It waits for each
#    screen by the window's title, checks in the vault (sqlite3, public columns only) that each
#    step reached Go, and saves the menu as OUT.png (the wizard's first screen as OUT-setup.png,
#    its factor step as OUT-factor.png).
# 3. It stops the app, checks that the shelter-bridge the app started did not outlive it,
#    starts the app again on the same vault and keyring, logs in and saves OUT-restart.png: the
#    device secret survived the restart (no Recovery Kit asked for).
# The app's output goes to OUT.log and OUT-restart.log. Each wait polls for what it waits for
# (a change in the vault, a change on the screen) with a deadline; none is a fixed sleep.
#
# Environment:
#   SHELTER_SCREENSHOT_TIMEOUT  seconds to wait for each step (default 60)
#   SHELTER_MIN_STDDEV          smallest pixel standard deviation of the window that counts as
#                               drawn, 0..1 (default 0.01)
#   SHELTER_WITH_KEYRING        the wrapper to run the app under (default scripts/with-keyring.sh)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf 'screenshot: %s\n' "$*"; }
die() {
	printf 'screenshot: FAIL: %s\n' "$*" >&2
	if [[ -n ${cur:-} && -f $cur ]]; then
		cp "$cur" "${out%.png}-fail.png" && printf 'screenshot: the screen is in %s\n' "${out%.png}-fail.png" >&2
	fi
	exit 1
}

screen=1366x900x24
timeout=${SHELTER_SCREENSHOT_TIMEOUT:-60}
min_sd=${SHELTER_MIN_STDDEV:-0.01}

# What the first run types. Obviously fake; ASCII because xdotool types it key by key.
readonly office="Xvfb Window Test Office"
readonly admin_login=admin
readonly admin_name="Window Test Admin"
readonly admin_password="window test keeps a long passphrase"
readonly reason="no card reader on this test machine"

# window_stddev FILE prints "SD WxH+X+Y": the pixel standard deviation of the
# screenshot with the flat Xvfb background trimmed away (so, of the window),
# and where that window is. A blank screen trims to 1x1 and gives 0.
window_stddev() {
	convert "$1" -trim -set option:geo '%wx%h%O' +repage -shave 4x4 -format '%[fx:standard_deviation] %[geo]' info: 2>/dev/null
}

# is_drawn SD: true when SD > min_sd.
is_drawn() { awk -v sd="$1" -v min="$min_sd" 'BEGIN { exit !(sd > min) }'; }

# differs A B: true when more than a caret's worth of pixels differ (a blinking caret is not a
# new screen).
differs() {
	local n
	n=$(compare -metric AE -fuzz 2% "$1" "$2" null: 2>&1 >/dev/null || true)
	n=${n%% *}
	awk -v n="$n" 'BEGIN { exit !(n + 0 > 400) }'
}

# alive: the app is still running (else die with its log).
alive() {
	kill -0 "$app_pid" 2>/dev/null && return 0
	wait "$app_pid" && rc=0 || rc=$?
	tail -n 40 "$app_log" >&2 || true
	die "the app exited (status $rc) $1; log: $app_log"
}

# settle: wait until two captures in a row show the same screen; leaves it in $cur.
settle() {
	local prev=$work/prev.png waited=0
	import -window root "$prev"
	while :; do
		alive "while $1"
		import -window root "$cur"
		differs "$prev" "$cur" || return 0
		cp "$cur" "$prev"
		waited=$((waited + 1))
		((waited < timeout * 4)) || die "the screen did not settle $1"
		sleep 0.25
	done
}

# titled GLOB WHAT: wait until the window's title (the frontend names it after the screen:
# "初期設定 3/4 二要素認証 — MYNUMBER SHELTER") matches GLOB, then settle.
titled() {
	local waited=0 name
	while :; do
		alive "$2"
		name=$(xdotool getwindowname "$wid" 2>/dev/null || true)
		# shellcheck disable=SC2053 # GLOB is a pattern
		[[ $name == $1 ]] && break
		waited=$((waited + 1))
		((waited < timeout * 4)) || die "$2: the window is titled '$name', want '$1'"
		sleep 0.25
	done
	settle "$2"
}

# vault_is SQL WANT WHAT: wait until the query on the vault prints WANT.
vault_is() {
	local waited=0 got
	while :; do
		alive "$3"
		got=$(sqlite3 -batch "$vault/vault.db" "$1" 2>/dev/null || true)
		[[ $got == "$2" ]] && return 0
		waited=$((waited + 1))
		((waited < timeout * 4)) || die "$3: the vault shows '$got', want '$2' (screen: $cur)"
		sleep 0.25
	done
}

keys() { xdotool key --clearmodifiers --delay 40 "$@"; }
typed() { xdotool type --clearmodifiers --delay 25 -- "$1"; }

# start_app LOG: the app in its own session (process group) so that it and every helper it
# starts (dbus-daemon, gnome-keyring, WebKit processes) stop together; waits for a drawn
# window and gives it the keyboard.
start_app() {
	app_log=$1
	local info sd waited=0
	SHELTER_VAULT="$vault" WITH_KEYRING_DIR="$keyring_dir" setsid "$keyring" "$bin" -vault "$vault" >"$app_log" 2>&1 </dev/null &
	app_pid=$!
	while :; do
		sleep 1
		waited=$((waited + 1))
		alive "after ${waited}s, before its window was drawn"
		import -window root "$cur" 2>/dev/null || continue
		info=$(window_stddev "$cur")
		sd=${info%% *}
		is_drawn "$sd" && break
		((waited < timeout)) || {
			tail -n 40 "$app_log" >&2 || true
			die "no drawn window after ${timeout}s (window stddev $sd <= $min_sd); log: $app_log"
		}
	done
	say "window drawn after ${waited}s"
	wid=$(xdotool search --sync --onlyvisible --name 'MyNumber Shelter' | head -n 1)
	xdotool mousemove 1 1 windowfocus --sync "$wid"
	settle "while the window was loading"
}

# stop_app: stop the app's session and check that the shelter-bridge it started (its pid is in
# the app's log) ends too: its socket went with the session's runtime directory.
stop_app() {
	local bridge waited=0
	kill -TERM -- "-$app_pid" 2>/dev/null || true
	wait "$app_pid" 2>/dev/null || true
	bridge=$(sed -n 's/.*msg="started shelter-bridge" pid=\([0-9]*\).*/\1/p' "$app_log" | tail -n 1)
	[[ -n $bridge ]] || { say "the app started no shelter-bridge (log: $app_log)"; return 0; }
	while kill -0 "$bridge" 2>/dev/null; do
		waited=$((waited + 1))
		((waited < 60)) || die "shelter-bridge (pid $bridge) outlived the app by 15s: an orphan"
		sleep 0.25
	done
	say "shelter-bridge (pid $bridge) ended with the app"
}

# shot FILE: save the settled screen and check that it shows a drawn window.
shot() {
	local info sd
	cp "$cur" "$1"
	info=$(window_stddev "$1")
	sd=${info%% *}
	is_drawn "$sd" || die "the window is blank (stddev $sd); screen saved to $1"
	say "ok: $1 (window ${info#* })"
}

first_run() {
	local text key waited=0
	# 1 The office: its name (focused), Enter.
	titled '*1/4*' "at the office step"
	shot "${out%.png}-setup.png"
	typed "$office"
	keys Return
	titled '*2/4*' "after the office step"
	# 2 The first administrator: login (focused), name, password, confirmation, Enter.
	typed "$admin_login"
	keys Tab
	typed "$admin_name"
	keys Tab
	typed "$admin_password"
	keys Tab
	typed "$admin_password"
	keys Return
	vault_is "SELECT count(*) FROM users WHERE login = '$admin_login' AND is_admin = 1" 1 "creating the administrator"
	titled '*3/4*' "at the second-factor step"
	shot "${out%.png}-factor.png"
	# 3 The second factor: no reader here. From the factor kind (focused): label, reader,
	#   password, enrol button, then the reason for "optional"; Enter submits it.
	keys Tab Tab Tab Tab Tab
	typed "$reason"
	keys Return
	vault_is "SELECT value FROM meta WHERE key = 'second_factor'" optional "making the second factor optional"
	titled '*4/4*' "at the Recovery Kit"
	# 4 The Recovery Kit: copied off the screen as a user reads it, then typed back.
	keys ctrl+a ctrl+c
	while :; do
		text=$(xclip -o -selection clipboard 2>/dev/null || true)
		key=$(printf '%s\n' "$text" | tr -d ' \t\r-' | grep -E '^([0-9A-HJKMNP-TV-Z]{4})+$' | tr -d '\n' |
			grep -oE '[0-9A-HJKMNP-TV-Z]{56}' | head -n 1 || true)
		[[ -n $key ]] && break
		waited=$((waited + 1))
		((waited < timeout * 4)) || die "no Recovery Kit on the screen (screen: $cur)"
		sleep 0.25
	done
	keys Escape Return # 書き留めました (focused)
	settle "at the kit's confirmation"
	typed "$key"
	key=
	keys Return
	vault_is "SELECT value FROM meta WHERE key = 'recovery_kit_confirmed'" 1 "confirming the Recovery Kit"
	titled 'メニュー*' "at the menu"
}

login_again() {
	local n
	titled 'ログイン*' "at the login after the restart"
	n=$(sqlite3 -batch "$vault/vault.db" "SELECT count(*) FROM audit_log WHERE action = 'login' AND result = 'ok'")
	typed "$admin_login"
	keys Tab
	typed "$admin_password"
	keys Return
	vault_is "SELECT count(*) FROM audit_log WHERE action = 'login' AND result = 'ok'" $((n + 1)) "logging in after the restart"
	titled 'メニュー*' "at the menu after the restart"
}

inside() {
	bin=$1 out=$2 vault=$3 keyring=$4 keyring_dir=$5 work=$6
	cur=$work/cur.png
	trap 'kill -TERM -- "-$app_pid" 2>/dev/null || true' EXIT

	start_app "${out%.png}.log"
	first_run
	shot "$out"
	stop_app

	say "restarting the app on the same vault and keyring"
	start_app "${out%.png}-restart.log"
	login_again
	shot "${out%.png}-restart.png"
	stop_app
	trap - EXIT
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
for tool in xvfb-run xauth import convert compare setsid xdotool xclip sqlite3; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found (run: scripts/deps.sh test)"
done

mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
rm -f "$out" "${out%.png}"-*.png
tmp=$(mktemp -d "${TMPDIR:-/tmp}/shelter-screenshot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -m 0700 "$tmp/vault" "$tmp/run" "$tmp/work"

say "starting $(basename "$bin") on Xvfb $screen with a fresh vault"
# GTK must use X11 even when the caller's desktop is Wayland; XDG_RUNTIME_DIR is
# private to this run (CI has none). WebKitGTK's DMA-BUF renderer is known to
# leave windows blank on some GPU-less machines, so it is off here.
env -u WAYLAND_DISPLAY GDK_BACKEND=x11 XDG_RUNTIME_DIR="$tmp/run" \
	WEBKIT_DISABLE_DMABUF_RENDERER=1 \
	SHELTER_MIN_STDDEV="$min_sd" SHELTER_SCREENSHOT_TIMEOUT="$timeout" \
	xvfb-run -a -s "-screen 0 $screen" "${BASH_SOURCE[0]}" --inside "$bin" "$out" "$tmp/vault" "$keyring" "$tmp/keyring" "$tmp/work"
