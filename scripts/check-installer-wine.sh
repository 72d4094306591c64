#!/usr/bin/env bash
# check-installer-wine.sh SETUP.exe — installs the Windows installer into the Wine prefix of
# scripts/with-wine.sh, silently and through its pages as a user would, checks what landed where
# each time, then uninstalls it:
#
#   SHELTER_REQUIRE_WINE=1 scripts/with-wine.sh scripts/check-installer-wine.sh build/bin/mynumber-shelter-0.1.0-setup.exe
#
#   - `SETUP.exe /S /NOWEBVIEW2` exits 0 (no WebView2 download: see shelter.nsi);
#   - %LOCALAPPDATA%\Programs\MyNumber Shelter holds mynumber-shelter.exe, shelter-bridge.exe,
#     shelterctl.exe and uninstall.exe, and the installed shelterctl.exe runs;
#   - the Start-menu entry %APPDATA%\Microsoft\Windows\Start Menu\Programs\MyNumber Shelter.lnk;
#   - HKCU\…\Uninstall\mynumber-shelter with DisplayName, DisplayVersion (wails.json),
#     Publisher, InstallLocation and UninstallString;
#   - `shelter-bridge install` ran: the bridge's value in HKCU\…\Run, and the bridge running
#     (its log says it listens on its named pipe);
#   - a vault made with the installed shelterctl.exe in %LOCALAPPDATA%\MyNumber Shelter;
#   - `uninstall.exe /S` stops the bridge and removes the program, the Start-menu entry, the Run
#     value and the uninstall key, and leaves the vault;
#   - `SETUP.exe /S /ALLUSERS /NOWEBVIEW2` (Wine's user is an administrator) installs into
#     Program Files with the all-users Start-menu entry, the machine's uninstall key and the
#     bridge in the machine's Run key, starting no bridge; its uninstaller removes all of it;
#   - then on a private Xvfb display, with xdotool, `SETUP.exe /NOWEBVIEW2` through its pages:
#     in Japanese (LC_ALL=ja_JP.UTF-8), the install-mode page's 「このPCのすべてのユーザー」
#     (Alt+A), Back, 「このユーザーのみ」 (Alt+M), Back, all users again, the directory page
#     showing Program Files, %LOCALAPPDATA%\Programs, Program Files in turn, then Install and
#     Finish: installed for all users with every check of /ALLUSERS above, and uninstalled;
#     in English, Return on every page (the defaults): installed for this user (folder, Start
#     menu, the user's uninstall key and Run value, nothing for all users), and uninstalled;
#   - the app on this PC without WebView2 (Wine has none), on that display: Wails' dialog
#     offering to install WebView2 has main.go's Japanese-first title, and Cancel ends the app
#     (exit 1) after a message box saying what to do.
#
# What only real Windows can check: the bridge starting at logon, installing WebView2, the app's
# window, SmartScreen and signing, and the install-mode page without administrator rights (its
# greyed-out choice and hint: Wine's user is always an administrator).
#
# Without SHELTER_TEST_WINEPREFIX (not under with-wine.sh) it skips with a warning, or fails
# under SHELTER_REQUIRE_WINE=1.
set -euo pipefail

setup=${1:?usage: check-installer-wine.sh SETUP.exe}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf 'check-installer-wine: %s\n' "$*" >&2; }
fail=0
bad() {
	say "FAIL: $*"
	fail=1
}

if [[ -z ${SHELTER_TEST_WINEPREFIX:-} ]]; then
	if [[ ${SHELTER_REQUIRE_WINE:-0} == 1 ]]; then
		say "error: SHELTER_TEST_WINEPREFIX is not set; run under scripts/with-wine.sh (SHELTER_REQUIRE_WINE=1)"
		exit 1
	fi
	say "warning: SHELTER_TEST_WINEPREFIX is not set (run under scripts/with-wine.sh); skipped"
	exit 0
fi
[[ -f $setup ]] || {
	say "error: $setup not found (make installer)"
	exit 1
}
export WINEPREFIX=$SHELTER_TEST_WINEPREFIX WINEDEBUG=-all
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-"mscoree=d;mshtml=d;winemenubuilder.exe=d;bcryptprimitives=n,b"}
unset DISPLAY WAYLAND_DISPLAY
version=$(sed -n 's/.*"productVersion": *"\([^"]*\)".*/\1/p' "$root/wails.json")

# winenv VAR: a Windows environment variable of the prefix's user.
winenv() { wine cmd /c "echo %$1%" | tr -d '\r'; }
# unixpath WINPATH
unixpath() { winepath -u "$1"; }
# settle: wait (at most a minute) until every program in the prefix has ended, the bridge
# included; an NSIS uninstaller runs from a copy in %TEMP% and its first process returns at once.
settle() { timeout 60 wineserver -w || bad "programs still running in the prefix after 60 s: $1"; }

localappdata=$(winenv LOCALAPPDATA)
appdata=$(winenv APPDATA)
instdir_win="$localappdata\\Programs\\MyNumber Shelter"
instdir=$(unixpath "$instdir_win")
lnk=$(unixpath "$appdata\\Microsoft\\Windows\\Start Menu\\Programs\\MyNumber Shelter.lnk")
vault_win="$localappdata\\MyNumber Shelter"
vault=$(unixpath "$vault_win")
key='HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\mynumber-shelter'
run_key='HKCU\Software\Microsoft\Windows\CurrentVersion\Run'
run_value='MyNumber Shelter Bridge'

# Wine's process trace (one line per CreateProcess) shows which programs the installer started.
trace=$(mktemp "${TMPDIR:-/tmp}/check-installer-wine.XXXXXX")
xvfb=
trap 'rm -f "$trace"; [[ -z $xvfb ]] || kill "$xvfb" 2>/dev/null' EXIT
start=$SECONDS
if ! WINEDEBUG=-all,+process timeout 300 wine "$setup" /S /NOWEBVIEW2 2>"$trace"; then
	say "FAIL: $(basename "$setup") /S /NOWEBVIEW2 did not exit 0"
	exit 1
fi
say "installed in $((SECONDS - start))s into $instdir_win"
started() { grep -a 'CreateProcessInternalW app' "$trace" | grep -c "$1" || true; }
(($(started 'shelter-bridge.exe\\" install') == 1)) || bad "the installer did not run shelter-bridge.exe install once"
(($(started MicrosoftEdgeWebview2Setup) == 0)) || bad "the installer ran the WebView2 bootstrapper despite /NOWEBVIEW2"

for f in mynumber-shelter.exe shelter-bridge.exe shelterctl.exe uninstall.exe; do
	[[ $(head -c 2 "$instdir/$f" 2>/dev/null) == MZ ]] || bad "$instdir_win\\$f missing or not a Windows executable"
done
[[ -f $lnk ]] || bad "no Start-menu entry $lnk"

reg=$(wine reg query "$key" | tr -d '\r') || bad "no registry key $key"
# regval NAME: the REG_SZ value NAME of the uninstall key.
regval() { awk -v n="$1" '$1 == n && $2 == "REG_SZ" { sub(/^ *[^ ]+ +REG_SZ +/, ""); print }' <<<"$reg"; }
want_reg=(
	"DisplayName=MyNumber Shelter"
	"DisplayVersion=$version"
	"Publisher=MyNumber Shelter"
	"InstallLocation=$instdir_win"
	"UninstallString=\"$instdir_win\\uninstall.exe\""
	"DisplayIcon=$instdir_win\\mynumber-shelter.exe"
)
for kv in "${want_reg[@]}"; do
	got=$(regval "${kv%%=*}")
	[[ $got == "${kv#*=}" ]] || bad "registry ${kv%%=*} is '$got', want '${kv#*=}'"
done

# shelter-bridge install: the Run value, and the bridge started (its pipe may take a while).
run=$(wine reg query "$run_key" /v "$run_value" 2>/dev/null | tr -d '\r' | sed -n 's/^ *'"$run_value"' *REG_SZ *//p')
[[ $run == "\"$instdir_win\\shelter-bridge.exe\" run" ]] || bad "the Run value of the bridge is '$run'"
# The bridge logs "listening" once its named pipe is up. (`shelter-bridge.exe status` answers
# too, but only after about 35 s under Wine, when its first PC/SC attempt gives up; the
# uninstaller's stop below goes over the same pipe.)
bridge_log=$vault/bridge/bridge.log
start=$SECONDS
until grep -qs 'msg="shelter-bridge listening"' "$bridge_log" || ((SECONDS - start > 60)); do
	sleep 1
done
if grep -qs 'msg="shelter-bridge listening"' "$bridge_log"; then
	say "the bridge listened $((SECONDS - start))s after the installation"
else
	bad "no running bridge 60 s after the installation (nothing in $bridge_log)"
fi

# The installed shelterctl.exe works and makes a vault where the app keeps it.
out=$(wine "$instdir/shelterctl.exe" mynumber check 123456789018 | tr -d '\r') || bad "installed shelterctl.exe: mynumber check failed"
[[ $out == "1: valid 個人番号 (individual number) **** **** 9018" ]] || bad "installed shelterctl.exe: mynumber check printed '$out'"
kit=$(unixpath 'C:\users\Public\kit.txt')
rm -f "$kit"
printf 'a throwaway passphrase for the installer test\n' |
	wine "$instdir/shelterctl.exe" --vault "$vault_win" init --office 鹿児島社労士事務所 --admin admin \
		--second-factor optional --reason "installer test (no readers)" --kit 'C:\users\Public\kit.txt' >/dev/null ||
	bad "installed shelterctl.exe: init in $vault_win failed"
rm -f "$kit"
[[ -f $vault/vault.db && -f $vault/keys.db ]] || bad "no vault in $vault_win"

start=$SECONDS
timeout 120 wine "$instdir/uninstall.exe" /S || bad "uninstall.exe /S did not exit 0"
settle "the uninstaller or the bridge"
say "uninstalled in $((SECONDS - start))s"
[[ ! -e $instdir ]] || bad "$instdir_win still exists after uninstalling: $(ls -A "$instdir" | tr '\n' ' ')"
[[ ! -e $lnk ]] || bad "the Start-menu entry is still there after uninstalling"
if wine reg query "$key" >/dev/null 2>&1; then
	bad "the registry key $key is still there after uninstalling"
fi
[[ -f $vault/vault.db && -f $vault/keys.db ]] || bad "uninstalling removed the vault in $vault_win"
if wine reg query "$run_key" /v "$run_value" >/dev/null 2>&1; then
	bad "the bridge's Run value is still there after uninstalling"
fi

# /ALLUSERS: the installation for every user of the PC, and its removal.
programfiles=$(winenv ProgramFiles)
programdata=$(winenv ProgramData)
all_win="$programfiles\\MyNumber Shelter"
all=$(unixpath "$all_win")
all_lnk=$(unixpath "$programdata\\Microsoft\\Windows\\Start Menu\\Programs\\MyNumber Shelter.lnk")
machine_key='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\mynumber-shelter'
machine_run='HKLM\Software\Microsoft\Windows\CurrentVersion\Run'
# installed_for_all WHAT: what an installation for all users must leave (the installer's
# process trace in $trace), then its silent removal and what that must leave.
installed_for_all() {
	local what=$1 loc run
	(($(started 'shelter-bridge.exe\\" install --all-users') == 1)) || bad "$what: the installer did not run shelter-bridge.exe install --all-users once"
	(($(started 'shelter-bridge.exe\\" run') == 0)) || bad "$what: the elevated installer started a bridge"
	for f in mynumber-shelter.exe shelter-bridge.exe shelterctl.exe uninstall.exe; do
		[[ $(head -c 2 "$all/$f" 2>/dev/null) == MZ ]] || bad "$what: $all_win\\$f missing or not a Windows executable"
	done
	[[ -f $all_lnk ]] || bad "$what: no all-users Start-menu entry $all_lnk"
	loc=$(wine reg query "$machine_key" /v InstallLocation 2>/dev/null | tr -d '\r' | sed -n 's/^ *InstallLocation *REG_SZ *//p')
	[[ $loc == "$all_win" ]] || bad "$what: the machine's uninstall key says InstallLocation '$loc'"
	if wine reg query "$key" >/dev/null 2>&1; then
		bad "$what: a per-user uninstall key $key was written"
	fi
	run=$(wine reg query "$machine_run" /v "$run_value" 2>/dev/null | tr -d '\r' | sed -n 's/^ *'"$run_value"' *REG_SZ *//p')
	[[ $run == "\"$all_win\\shelter-bridge.exe\" run" ]] || bad "$what: the machine's Run value of the bridge is '$run'"
	timeout 120 wine "$all/uninstall.exe" /S || bad "$what: uninstall.exe /S did not exit 0"
	settle "the uninstaller for all users"
	[[ ! -e $all ]] || bad "$what: $all_win still exists after uninstalling: $(ls -A "$all" | tr '\n' ' ')"
	[[ ! -e $all_lnk ]] || bad "$what: the all-users Start-menu entry is still there after uninstalling"
	if wine reg query "$machine_key" >/dev/null 2>&1; then
		bad "$what: the machine's uninstall key is still there after uninstalling"
	fi
	if wine reg query "$machine_run" /v "$run_value" >/dev/null 2>&1; then
		bad "$what: the machine's Run value is still there after uninstalling"
	fi
	[[ -f $vault/vault.db ]] || bad "$what: uninstalling removed the user's vault"
}
start=$SECONDS
if WINEDEBUG=-all,+process timeout 300 wine "$setup" /S /ALLUSERS /NOWEBVIEW2 2>"$trace"; then
	settle "the installer for all users"
	say "installed for all users in $((SECONDS - start))s into $all_win"
	installed_for_all /ALLUSERS
else
	bad "$(basename "$setup") /S /ALLUSERS /NOWEBVIEW2 did not exit 0"
fi

# The checks with windows run last, on a private Xvfb display, once every program of the
# prefix has ended: windows appear on a display only when the prefix's wineserver starts with
# one (the one started headless above draws nowhere).
display_start() {
	local fdfile
	fdfile=$(mktemp "${TMPDIR:-/tmp}/check-installer-wine.XXXXXX")
	Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$fdfile" >/dev/null 2>&1 &
	xvfb=$!
	for _ in $(seq 100); do
		[[ -s $fdfile ]] && break
		sleep 0.1
	done
	DISPLAY=":$(cat "$fdfile")"
	export DISPLAY
	rm -f "$fdfile"
}
display_stop() {
	kill "$xvfb" 2>/dev/null
	wait "$xvfb" 2>/dev/null || true
	xvfb=
	unset DISPLAY
}

# The install-mode page as a user goes through it: the installer without /S on the display,
# driven with xdotool. That a page is up is read from Wine's trace of the installer (+win: the
# windows made and their texts; +edit: the folder field's text), never guessed from time: keys
# go to the installer's window only once the page they are meant for exists, and Wine handles
# them in order. The pages' keys: Return is the default button (Next, Install, Finish), Alt+B
# Back, Alt+M and Alt+A the page's two choices (their (&M) and (&A) in both languages).
mode_page='trace:win:WIN_CreateWindowEx L".*\(administrator rights needed\)" L"BUTTON"'
mode_hint='trace:win:WIN_CreateWindowEx L".*Run as administrator\."'
folder_shown='trace:edit:EDIT_WM_SetText L"'
finish_page='trace:win:set_window_text L"(&Finish|\\5b8c\\4e86\(&F\))"'
page_pid=
page_win=
# page_start LOCALE: the installer without /S (nor the WebView2 download) in Windows' language
# from LOCALE (empty: the prefix's, English), its trace in $trace.
page_start() {
	env ${1:+LC_ALL=$1} WINEDEBUG=-all,+process,+win,+edit wine "$setup" /NOWEBVIEW2 >/dev/null 2>"$trace" &
	page_pid=$!
	page_win=$(timeout 60 xdotool search --sync --name '^MyNumber Shelter' 2>/dev/null | head -n 1) || true
	[[ -n $page_win ]] || {
		bad "the installer without /S showed no window in 60 s"
		return 1
	}
}
# page_await N PATTERN WHAT: wait (at most a minute) until N lines of the trace match PATTERN.
page_await() {
	local start=$SECONDS
	until (($(grep -acE -- "$2" "$trace" || true) >= $1)); do
		if ! kill -0 "$page_pid" 2>/dev/null || ((SECONDS - start > 60)); then
			bad "$3"
			return 1
		fi
		sleep 0.1
	done
}
# page_keys KEY...: keys to the installer's window.
page_keys() { xdotool key --window "$page_win" "$@" || bad "xdotool could not send $* to the installer"; }
# page_folder N: the folder field's text the N-th time the directory page showed. (grep -a: a
# program still writing to an earlier run's trace may leave NULs in it.)
page_folder() { grep -aE -- "$folder_shown" "$trace" | sed -n "$1p" | sed -e 's/.*EDIT_WM_SetText L"//' -e 's/"$//' -e 's/\\\\/\\/g'; }
# page_finish WHAT: Finish once the finish page is up; the installer must then exit 0.
page_finish() {
	local status=0
	page_await 1 "$finish_page" "$1: no finish page after Install" || return 1
	page_keys Return
	if ! timeout 60 tail --pid="$page_pid" -f /dev/null; then
		bad "$1: the installer did not end after Finish"
		return 1
	fi
	wait "$page_pid" || status=$?
	((status == 0)) || bad "$1: the installer exited $status"
}
# page_abort: end whatever a failed run left running in the prefix.
page_abort() {
	wineserver -k >/dev/null 2>&1 || true
	timeout 60 wineserver -w || true
}

# For all users, on Japanese Windows: Alt+A, then Back and only for me, then Back and all
# users again (the default folder follows each choice), then installed per-machine exactly as
# with /ALLUSERS, and uninstalled.
page_for_all() {
	local what="the install-mode page (all users)"
	page_start ja_JP.UTF-8 || return 1
	[[ $(xdotool getwindowname "$page_win") == "MyNumber Shelter セットアップ" ]] ||
		bad "$what: the installer is not in Japanese under LC_ALL=ja_JP.UTF-8 (window '$(xdotool getwindowname "$page_win")')"
	page_keys Return
	page_await 1 "$mode_page" "$what: no install-mode page after the welcome page" || return 1
	if grep -aqE -- "$mode_hint" "$trace"; then
		bad "$what: the page says to run as administrator although Wine's user is one"
	fi
	page_keys alt+a Return
	page_await 1 "$folder_shown" "$what: no directory page after the install-mode page" || return 1
	[[ $(page_folder 1) == "$all_win" ]] || bad "$what: for all users the folder is '$(page_folder 1)', want '$all_win'"
	page_keys alt+b
	page_await 2 "$mode_page" "$what: Back did not show the install-mode page again" || return 1
	page_keys alt+m Return
	page_await 2 "$folder_shown" "$what: no directory page after only for me" || return 1
	[[ $(page_folder 2) == "$instdir_win" ]] || bad "$what: back to only for me, the folder is '$(page_folder 2)', want '$instdir_win'"
	page_keys alt+b
	page_await 3 "$mode_page" "$what: Back did not show the install-mode page a third time" || return 1
	page_keys alt+a Return
	page_await 3 "$folder_shown" "$what: no directory page after all users again" || return 1
	[[ $(page_folder 3) == "$all_win" ]] || bad "$what: all users again, the folder is '$(page_folder 3)', want '$all_win'"
	page_keys Return
	page_finish "$what" || return 1
	settle "$what: the installer"
	installed_for_all "$what"
}

# Every default, on English Windows (the prefix's): only for me, installed per-user exactly as
# with /S, and uninstalled.
page_for_me() {
	local what="the install-mode page (every default)" loc run start
	page_start "" || return 1
	page_keys Return
	page_await 1 "$mode_page" "$what: no install-mode page after the welcome page" || return 1
	page_keys Return
	page_await 1 "$folder_shown" "$what: no directory page after the install-mode page" || return 1
	[[ $(page_folder 1) == "$instdir_win" ]] || bad "$what: the default folder is '$(page_folder 1)', want '$instdir_win'"
	page_keys Return
	page_finish "$what" || return 1
	(($(started 'shelter-bridge.exe\\" install') == 1)) || bad "$what: the installer did not run shelter-bridge.exe install once"
	(($(started 'install --all-users') == 0)) || bad "$what: the installer ran shelter-bridge.exe install --all-users"
	for f in mynumber-shelter.exe shelter-bridge.exe shelterctl.exe uninstall.exe; do
		[[ $(head -c 2 "$instdir/$f" 2>/dev/null) == MZ ]] || bad "$what: $instdir_win\\$f missing or not a Windows executable"
	done
	[[ -f $lnk ]] || bad "$what: no Start-menu entry $lnk"
	[[ ! -e $all && ! -e $all_lnk ]] || bad "$what: something was installed for all users"
	loc=$(wine reg query "$key" /v InstallLocation 2>/dev/null | tr -d '\r' | sed -n 's/^ *InstallLocation *REG_SZ *//p')
	[[ $loc == "$instdir_win" ]] || bad "$what: the user's uninstall key says InstallLocation '$loc'"
	if wine reg query "$machine_key" >/dev/null 2>&1; then
		bad "$what: the machine's uninstall key $machine_key was written"
	fi
	run=$(wine reg query "$run_key" /v "$run_value" 2>/dev/null | tr -d '\r' | sed -n 's/^ *'"$run_value"' *REG_SZ *//p')
	[[ $run == "\"$instdir_win\\shelter-bridge.exe\" run" ]] || bad "$what: the Run value of the bridge is '$run'"
	# The uninstaller stops the bridge over its pipe: once the bridge answers there. (A bridge
	# just started does not answer at once under Wine: its first PC/SC attempt, see above; an
	# uninstaller run then cannot stop it.)
	start=$SECONDS
	until timeout 30 wine "$instdir/shelter-bridge.exe" status >/dev/null 2>&1; do
		if ((SECONDS - start > 120)); then
			bad "$what: the bridge did not answer on its pipe in 120 s after the installation"
			break
		fi
	done
	say "$what: the bridge answered $((SECONDS - start))s after the installation"
	timeout 120 wine "$instdir/uninstall.exe" /S || bad "$what: uninstall.exe /S did not exit 0"
	settle "$what: the uninstaller or the bridge"
	[[ ! -e $instdir ]] || bad "$what: $instdir_win still exists after uninstalling"
	[[ ! -e $lnk ]] || bad "$what: the Start-menu entry is still there after uninstalling"
	if wine reg query "$key" >/dev/null 2>&1; then
		bad "$what: the uninstall key is still there after uninstalling"
	fi
	if wine reg query "$run_key" /v "$run_value" >/dev/null 2>&1; then
		bad "$what: the bridge's Run value is still there after uninstalling"
	fi
}

# The app without WebView2: the dialogs a user sees, in Japanese first (main.go's
# webView2Messages; the titles are exact). The app is the one the installer packed (beside
# SETUP.exe), on the vault made above.
webview2_dialogs() {
	local app status
	wine "$(dirname "$setup")/mynumber-shelter.exe" >/dev/null 2>&1 &
	app=$!
	if ! timeout 90 xdotool search --sync --name '^MyNumber Shelter: 必要なコンポーネントがありません / Missing requirements$' >/dev/null; then
		bad "the app without WebView2 showed no Japanese-first dialog offering to install it (windows: $(xdotool search --name . getwindowname %@ 2>/dev/null | tr '\n' '|'))"
	else
		xdotool key Escape # Cancel: do not download
		if ! timeout 30 xdotool search --sync --name '^MyNumber Shelter$' >/dev/null; then
			bad "after Cancel, the app showed no message box saying why it cannot start"
		fi
		xdotool key Return
	fi
	status=0
	timeout 30 tail --pid="$app" -f /dev/null || kill "$app" 2>/dev/null
	wait "$app" || status=$?
	((status == 1)) || bad "the app without WebView2 exited $status after Cancel, want 1"
}

# on_display CHECK OK: CHECK, then OK said when it found nothing wrong; else whatever it left
# running in the prefix is ended, so that the next check starts clean.
on_display() {
	local before=$fail
	fail=0
	"$1" || true
	if ((fail)); then
		page_abort
	else
		say "$2"
	fi
	fail=$((fail | before))
}
if command -v Xvfb >/dev/null && command -v xdotool >/dev/null; then
	display_start
	on_display page_for_all "the install-mode page (Japanese): all users, Back, only for me, Back, all users: the folder followed each choice; installed for all users as with /ALLUSERS, and uninstalled"
	on_display page_for_me "the install-mode page (English): every default installed for this user as with /S, and uninstalled"
	on_display webview2_dialogs "the app without WebView2: the Japanese-first dialogs appeared, and Cancel ended it with exit 1"
	display_stop
else
	bad "Xvfb or xdotool missing (scripts/deps.sh test installs them)"
fi

if ((fail)); then
	exit 1
fi
say "ok: $(basename "$setup") installs the app, shelter-bridge (running, in the Run key) and shelterctl, the Start-menu entry and the uninstall key ($version, MyNumber Shelter), for this user or for all users (/ALLUSERS or its page); the uninstaller stops the bridge, removes them and keeps the vault"
