#!/usr/bin/env bash
# gotest.sh — run `go test -v`, keep the full log in a file, show the short story, count.
#
# Usage: scripts/gotest.sh LOG [go test flags and packages...]
#
# The screen gets package results, failures, skips and their messages (the lines
# `go test` prints without -v, plus --- SKIP lines), the full -v log goes to LOG,
# and the last line is a count:
#
#   go test: 412 passed, 0 failed, 3 skipped
#
# (subtests count too). LOG.summary holds "412 passed, 0 failed, 3 skipped" for
# the Makefile's closing line. The exit status is go test's.
set -uo pipefail

log=${1:?usage: gotest.sh LOG [go test args...]}
shift
mkdir -p "$(dirname "$log")"

# Package lines, test verdicts and the file:line messages under them, build errors, panics.
show='^(ok|FAIL|panic:|#|\?)|^ *--- (FAIL|SKIP)|^ +[^ ]+\.go:[0-9]+: |^[^ ]+\.go:[0-9]+:[0-9]+: '
go test -v "$@" 2>&1 | tee "$log" | grep --line-buffered -E "$show"
status=("${PIPESTATUS[@]}")
rc=${status[0]}

count() { grep -cE "$1" "$log" || true; }
pass=$(count '^ *--- PASS')
fail=$(count '^ *--- FAIL')
skip=$(count '^ *--- SKIP')

if ((rc != 0)); then
	if grep -q '^panic:' "$log"; then
		echo "--- first panic, from $log:"
		grep -m1 -A40 '^panic:' "$log"
	fi
	# A build failure or a crash fails packages without a --- FAIL line.
	((fail > 0)) || fail=$(count '^FAIL')
	((fail > 0)) || fail=1
	echo "go test: exit status $rc; full log: $log"
fi
echo "$pass passed, $fail failed, $skip skipped" >"$log.summary"
echo "go test: $pass passed, $fail failed, $skip skipped"
exit "$rc"
