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
#
# Persistent mode (make run / make run-xvfb on a machine without a desktop session): with
# WITH_KEYRING_DIR=DIR the keyring is kept in DIR/keyrings across runs, so the app's device
# secret survives a restart (a throwaway keyring would lose it and demand the Recovery Kit at
# the next start, voiding every other user's password). DIR is created 0700; the keyring's
# password is 32 random bytes made on first use and kept in DIR/unlock-secret (0600).
#
# What that protects, honestly: the keyring file is encrypted, but its password lies next to
# it, so the device secret is only as safe as DIR's file permissions — about as safe as the
# vault itself (anyone who can read your home directory gets both). A desktop keyring unlocked
# by your login password does better; this mode is for development and headless machines,
# not for an office workstation. Keep DIR out of the vault directory and out of its backups.
#
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
export XDG_RUNTIME_DIR="$tmp/run"
keyring_data=$tmp/data
secret=throwaway-test-keyring
if [ -n "${WITH_KEYRING_DIR:-}" ]; then
	keyring_data=$WITH_KEYRING_DIR
	(umask 077 && mkdir -p "$keyring_data")
	chmod 0700 "$keyring_data"
	if [ ! -s "$keyring_data/unlock-secret" ]; then
		(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$keyring_data/unlock-secret.tmp" &&
			mv "$keyring_data/unlock-secret.tmp" "$keyring_data/unlock-secret")
	fi
	chmod 0600 "$keyring_data/unlock-secret"
	secret=$(cat "$keyring_data/unlock-secret")
else
	export XDG_DATA_HOME="$keyring_data" # everything of a throwaway run stays in $tmp
fi

# --unlock reads the login keyring's password from stdin and creates the keyring when it does
# not exist. In persistent mode only the daemon sees XDG_DATA_HOME=DIR (it keeps the keyrings/
# folder there); COMMAND keeps the caller's, so its own data directory does not move.
printf '%s\n' "$secret" | XDG_DATA_HOME="$keyring_data" \
	gnome-keyring-daemon --foreground --unlock --components=secrets >"$tmp/daemon.log" 2>&1 &
daemon=$!
secret=

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
