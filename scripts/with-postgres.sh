#!/usr/bin/env bash
# with-postgres.sh COMMAND [ARG...]
#
# Runs COMMAND with a throwaway PostgreSQL cluster and SHELTER_TEST_POSTGRES set to its URL, so
# that the cloud relay's store tests run their contract suite against a real server:
#
#   scripts/with-postgres.sh go test ./cloud/... -v
#
# When SHELTER_TEST_POSTGRES is already set, COMMAND just runs against that server. Otherwise
# the script makes a cluster with Debian's initdb (/usr/lib/postgresql/*/bin, newest version)
# in a temporary directory, listening on a Unix socket in that directory only (no TCP port,
# trust authentication, reachable only by its owner and root), starts it with pg_ctl, runs
# COMMAND, then stops the cluster and deletes the directory. PostgreSQL refuses to run as root,
# so as root the cluster belongs to the 'postgres' user (runuser).
#
# If PostgreSQL is not installed or does not start, the script warns and runs COMMAND anyway,
# so the PostgreSQL tests skip, unless SHELTER_REQUIRE_POSTGRES=1, in which case it exits 1.
# Exits with COMMAND's status. Needs the Debian package postgresql (scripts/deps.sh test).
set -euo pipefail

if (($# == 0)); then
	echo "usage: $0 COMMAND [ARG...]" >&2
	exit 2
fi

required=${SHELTER_REQUIRE_POSTGRES:-0}
say() { printf 'with-postgres: %s\n' "$*" >&2; }

unavailable() {
	local reason=$1
	shift
	if [[ $required == 1 ]]; then
		say "error: $reason (SHELTER_REQUIRE_POSTGRES=1)"
		exit 1
	fi
	say "warning: $reason; running without PostgreSQL (its tests will skip)"
	exec "$@"
}

if [[ -n ${SHELTER_TEST_POSTGRES:-} ]]; then
	say "using SHELTER_TEST_POSTGRES from the environment"
	exec "$@"
fi

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if [[ -z $bindir || ! -x $bindir/initdb || ! -x $bindir/pg_ctl ]]; then
	unavailable "PostgreSQL not installed (apt-get install postgresql)" "$@"
fi

# as USER COMMAND...: run as the cluster's owner.
if ((EUID == 0)); then
	owner=postgres
	id "$owner" >/dev/null 2>&1 || unavailable "running as root and there is no 'postgres' user" "$@"
	as() { runuser -u "$owner" -- "$@"; }
else
	owner=$(id -un)
	as() { "$@"; }
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/with-postgres.XXXXXX")
chmod 0700 "$tmp"
((EUID == 0)) && chown "$owner" "$tmp"
data=$tmp/data
log=$tmp/postgres.log

started=
cleanup() {
	if [[ -n $started ]]; then
		as "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! as "$bindir/initdb" -D "$data" -U "$owner" --auth=trust --encoding=UTF8 --no-locale >"$tmp/initdb.log" 2>&1; then
	sed 's/^/  /' "$tmp/initdb.log" >&2
	cleanup
	trap - EXIT
	unavailable "initdb failed" "$@"
fi
# Only the socket in the private directory; durability does not matter for a throwaway cluster.
opts="-c listen_addresses='' -c unix_socket_directories='$tmp' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
if ! as "$bindir/pg_ctl" -D "$data" -l "$log" -o "$opts" -w -t 30 start >/dev/null 2>&1; then
	say "PostgreSQL did not start; its log:"
	sed 's/^/  /' "$log" >&2 || true
	cleanup
	trap - EXIT
	unavailable "PostgreSQL did not start" "$@"
fi
started=1

export SHELTER_TEST_POSTGRES="postgres:///postgres?host=$tmp&user=$owner&sslmode=disable"
say "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on socket $tmp (user $owner)"

set +e
"$@"
status=$?
set -e
exit "$status"
