#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# run.sh SECONDS BIN...: runs each libFuzzer binary for SECONDS from a temp
# copy of tests/fuzz/corpus/<binname>/ (the committed seeds stay clean).
# Crash reproducers go to a kept temp dir. Prints "fuzz: N passed, N failed".
set -u
if [ $# -lt 2 ]; then
	echo "usage: $0 SECONDS FUZZ-BINARY..." >&2
	exit 2
fi
secs=$1
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
artifacts=$(mktemp -d /tmp/ufwd-fuzz-artifacts.XXXXXX)
pass=0 fail=0

# fuzz_one BIN: 0 when it ran SECONDS without a crash, a leak or a timeout.
fuzz_one() {
	local bin=$1 name work rc f
	name=$(basename "$bin")
	work=$(mktemp -d /tmp/ufwd-fuzz-corpus.XXXXXX)
	if [ -d "$top/tests/fuzz/corpus/$name" ]; then
		cp -r "$top/tests/fuzz/corpus/$name/." "$work/"
	fi
	# and the tables nft_push builds now (those seeds written afresh)
	if [ "$name" = fuzz_nft_decode ] && ! UFWD_NFT_SEEDS="$work" "$bin"; then
		echo "=== FAIL $name: cannot write its seeds"
		rm -rf "$work"
		return 1
	fi
	echo "=== $name: $secs s from $(find "$work" -type f | wc -l) seeds"
	timeout $((secs + 120)) "$bin" -max_total_time="$secs" -timeout=10 \
		-max_len=16384 -print_final_stats=1 \
		-artifact_prefix="$artifacts/$name-" "$work" \
		>"$artifacts/$name.log" 2>&1
	rc=$?
	grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb)' \
		"$artifacts/$name.log"
	rm -rf "$work"
	if [ "$rc" -ne 0 ]; then
		echo "=== FAIL $name (rc=$rc): log $artifacts/$name.log"
		for f in "$artifacts/$name"-*; do
			[ -e "$f" ] && echo "    reproducer: $f"
		done
		grep -m1 -A12 'ERROR: ' "$artifacts/$name.log"
		return 1
	fi
	echo "=== PASS $name"
}

for bin in "$@"; do
	if fuzz_one "$bin"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
[ "$fail" -eq 0 ] && rm -rf "$artifacts"
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
