#!/usr/bin/env bash
# check-installer.sh SETUP.exe — checks what the Windows installer holds (7z reads NSIS
# installers): the app, shelter-bridge.exe, shelterctl.exe, the WebView2 bootstrapper and the
# uninstaller, each a Windows executable, and nothing else of ours.
set -euo pipefail
setup=$1
list=$(7z l -ba "$setup" | awk '{print $NF}')
fail=0
for want in mynumber-shelter.exe shelter-bridge.exe shelterctl.exe uninstall.exe '$PLUGINSDIR/MicrosoftEdgeWebview2Setup.exe'; do
	if ! grep -qxF "$want" <<<"$list"; then
		echo "check-installer: $setup lacks $want" >&2
		fail=1
	fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
7z x -y -o"$tmp" "$setup" mynumber-shelter.exe shelter-bridge.exe shelterctl.exe >/dev/null
for exe in mynumber-shelter.exe shelter-bridge.exe shelterctl.exe; do
	if [ "$(head -c 2 "$tmp/$exe")" != "MZ" ]; then
		echo "check-installer: $exe in $setup is not a Windows executable" >&2
		fail=1
	fi
done
[ $fail = 0 ] && echo "check-installer: $(basename "$setup") holds the app, shelter-bridge, shelterctl, WebView2 and the uninstaller ($(du -h "$setup" | cut -f1))"
exit $fail
