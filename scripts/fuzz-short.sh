#!/usr/bin/env bash
# fuzz-short.sh — run every Go fuzz target in the tree for a short time.
#
# Usage: scripts/fuzz-short.sh [FUZZTIME]      (default 20000x, or $FUZZTIME)
#
# The budget is a count of inputs, not a duration: with a duration, Go 1.26's fuzz coordinator
# can report a spurious "context deadline exceeded" failure (no crasher) when -fuzztime expires
# while a worker is busy (golang/go#75804, fixed in Go 1.27). A count has no deadline to race.
#
# Finds each `func FuzzXxx(` in *_test.go files (outside node_modules and
# testdata) and runs it alone:
#
#   go test -run='^$' -fuzz='^FuzzXxx$' -fuzztime=20000x ./its/package
#
# Extra `go test` flags (for example -tags=webkit2_41) come from $GOTESTFLAGS.
# A crasher is written by `go test` to the package's testdata/fuzz/FuzzXxx/ and
# makes this script fail; commit it once fixed, so it stays a regression seed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fuzztime=${1:-${FUZZTIME:-20000x}}
read -r -a extra <<<"${GOTESTFLAGS:-}"
cd "$root"

# "dir name" pairs, sorted for a stable order.
mapfile -t targets < <(
	grep -rEo --include='*_test.go' --exclude-dir=node_modules --exclude-dir=testdata --exclude-dir=.git \
		'^func Fuzz[A-Za-z0-9_]*\(' . |
		sed -E 's|^\./||; s|^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\($|\1 \2|; s|^[^/ ]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\($|. \1|' |
		sort -u
)

if ((${#targets[@]} == 0)); then
	echo "fuzz: no fuzz targets found"
	exit 0
fi

echo "fuzz: ${#targets[@]} targets, $fuzztime each"
failed=()
for t in "${targets[@]}"; do
	dir=${t% *} name=${t#* }
	echo "fuzz: $name in ./$dir"
	if ! go test "${extra[@]}" -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" -fuzzminimizetime=200x "./$dir"; then
		failed+=("./$dir $name")
	fi
done

if ((${#failed[@]} > 0)); then
	printf 'fuzz: FAILED %s\n' "${failed[@]}" >&2
	echo "fuzz: $((${#targets[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
	exit 1
fi
echo "fuzz: ${#targets[@]} passed, 0 failed"
