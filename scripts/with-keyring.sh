#!/bin/sh
# with-keyring.sh COMMAND [ARG...]
#
# Runs COMMAND inside a private D-Bus session with a throwaway gnome-keyring whose "login"
# collection (the default alias go-keyring uses) is created and unlocked, so that tests can use
# the real OS keychain on Linux:
#
#   SHELTER_REQUIRE_KEYRING=1 scripts/with-keyring.sh go test ./app/vault/ -run OSKeychain -v
#
# The keyring lives in a temporary XDG_DATA_HOME and is deleted afterwards; the user's own
# keyrings are never touched. Exits with COMMAND's status.
# Needs the Debian packages dbus (dbus-run-session, dbus-send) and gnome-keyring.
set -eu

if [ "$#" -eq 0 ]; then
	echo "usage: $0 COMMAND [ARG...]" >&2
	exit 2
fi

if [ -z "${WITH_KEYRING_SESSION:-}" ]; then
	for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
		command -v "$tool" >/dev/null 2>&1 || {
			echo "$0: $tool not found (apt-get install dbus gnome-keyring)" >&2
			exit 2
		}
	done
	# Re-run this script as the session's child. (In a container dbus-daemon may warn that it
	# cannot raise its fd limit; that line is harmless.)
	WITH_KEYRING_SESSION=1 exec dbus-run-session -- "$0" "$@"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/with-keyring.XXXXXX")
daemon=
cleanup() {
	if [ -n "$daemon" ]; then
		kill "$daemon" 2>/dev/null || true
		wait "$daemon" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -m 0700 "$tmp/data" "$tmp/run"
export XDG_DATA_HOME="$tmp/data" XDG_RUNTIME_DIR="$tmp/run"

# --unlock reads the login keyring's password from stdin and creates the keyring when it does
# not exist. The password only protects this temporary keyring.
gnome-keyring-daemon --foreground --unlock --components=secrets >"$tmp/daemon.log" 2>&1 <<EOF &
throwaway-test-keyring
EOF
daemon=$!

# Wait for the daemon to own org.freedesktop.secrets. Ask the bus (NameHasOwner) rather than the
# service, so that D-Bus activation does not start a second daemon.
i=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
	org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; do
	i=$((i + 1))
	if [ "$i" -gt 100 ] || ! kill -0 "$daemon" 2>/dev/null; then
		echo "$0: gnome-keyring-daemon did not start:" >&2
		cat "$tmp/daemon.log" >&2
		exit 1
	fi
	sleep 0.1
done

if ! dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
	org.freedesktop.Secret.Service.ReadAlias string:default | grep -q '/collection/login'; then
	echo "$0: the keyring has no unlocked default (login) collection" >&2
	exit 1
fi

set +e
"$@"
status=$?
set -e
exit "$status"
