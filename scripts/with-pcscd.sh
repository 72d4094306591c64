#!/usr/bin/env bash
# with-pcscd.sh COMMAND [ARG...]
#
# Runs COMMAND with a PC/SC daemon that has the vsmartcard virtual reader ("Virtual PCD 00 00"
# on 127.0.0.1:35963, "Virtual PCD 00 01" on :35964), so that tests can put the virtual My
# Number card of devices/sim/card into a real reader:
#
#   scripts/with-pcscd.sh go test ./devices/... -v
#
# When a pcscd is already running (its socket exists and the process is alive) COMMAND just
# runs against it. Otherwise the script starts `pcscd --foreground` with a private config
# directory that holds only the vpcd reader, waits for "daemon ready", runs COMMAND, and stops
# the daemon with SIGTERM (pcscd then removes its socket). The daemon's log (debug level,
# never --apdu: APDUs would carry test PINs) goes to $PCSCD_LOG, default a temporary file
# that is shown when the daemon fails to start.
#
# Starting pcscd needs root (it owns /run/pcscd). If it cannot be started, the script warns
# and runs COMMAND anyway, so the PC/SC tests skip, unless SHELTER_REQUIRE_PCSCD=1, in which
# case it exits 1. Exits with COMMAND's status.
# Needs the Debian packages pcscd and vsmartcard-vpcd (scripts/deps.sh test).
set -euo pipefail

if (($# == 0)); then
	echo "usage: $0 COMMAND [ARG...]" >&2
	exit 2
fi

sock=${PCSCLITE_CSOCK_NAME:-/run/pcscd/pcscd.comm}
required=${SHELTER_REQUIRE_PCSCD:-0}
say() { printf 'with-pcscd: %s\n' "$*" >&2; }

# unavailable REASON COMMAND [ARG...]: fail when pcscd is required, else run COMMAND without it.
unavailable() {
	local reason=$1
	shift
	if [[ $required == 1 ]]; then
		say "error: $reason (SHELTER_REQUIRE_PCSCD=1)"
		exit 1
	fi
	say "warning: $reason; running without pcscd (PC/SC tests will skip)"
	exec "$@"
}

if [[ -S $sock ]] && pidof pcscd >/dev/null 2>&1; then
	say "using the running pcscd ($sock)"
	exec "$@"
fi

pcscd_bin=$(command -v pcscd || true)
[[ -z $pcscd_bin && -x /usr/sbin/pcscd ]] && pcscd_bin=/usr/sbin/pcscd
driver=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
if [[ -z $pcscd_bin ]]; then
	unavailable "pcscd not installed (apt-get install pcscd vsmartcard-vpcd)" "$@"
fi
if [[ ! -e $driver ]]; then
	unavailable "vpcd driver $driver missing (apt-get install vsmartcard-vpcd)" "$@"
fi
if ((EUID != 0)) && [[ ! -w $(dirname "$sock") ]]; then
	unavailable "not root and $(dirname "$sock") is not writable, cannot start pcscd" "$@"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/with-pcscd.XXXXXX")
log=${PCSCD_LOG:-$tmp/pcscd.log}
mkdir -p "$(dirname "$log")" "$tmp/reader.conf.d"
# Only the vpcd reader: the same lines as Debian's /etc/reader.conf.d/vpcd.
cat >"$tmp/reader.conf.d/vpcd" <<EOF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:0x8C7B
LIBPATH      $driver
CHANNELID    0x8C7B
EOF

daemon=
cleanup() {
	if [[ -n $daemon ]]; then
		kill -TERM "$daemon" 2>/dev/null || true
		wait "$daemon" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$pcscd_bin" --foreground --debug --config "$tmp/reader.conf.d" >"$log" 2>&1 &
daemon=$!

for _ in $(seq 100); do
	if [[ -S $sock ]] && grep -q 'daemon ready' "$log"; then
		break
	fi
	if ! kill -0 "$daemon" 2>/dev/null; then
		break
	fi
	sleep 0.1
done
if ! [[ -S $sock ]] || ! grep -q 'daemon ready' "$log" || ! kill -0 "$daemon" 2>/dev/null; then
	say "pcscd did not start; its log:"
	sed 's/^/  /' "$log" >&2 || true
	daemon_pid=$daemon
	daemon=
	kill -TERM "$daemon_pid" 2>/dev/null || true
	wait "$daemon_pid" 2>/dev/null || true
	rm -rf "$tmp"
	trap - EXIT
	unavailable "pcscd did not start" "$@"
fi
say "pcscd $daemon ready (reader Virtual PCD 00 00 on 127.0.0.1:35963), log $log"

set +e
"$@"
status=$?
set -e
exit "$status"
