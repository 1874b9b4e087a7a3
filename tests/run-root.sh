#!/bin/bash
# Runs every root test (tests/root/*.sh): real ufw, iptables, nft and dockerd
# inside namespaces each test creates. Prints "root: N passed, N failed".
cd "$(dirname "$0")/.." || exit 1
if [ "$(id -u)" != 0 ]; then
	echo "root tests need root (namespaces); run: sudo make root-tests" >&2
	exit 1
fi
pass=0 fail=0 skip=0 failed=""
for t in tests/root/*.sh; do
	[ -x "$t" ] || continue
	[ -n "${ROOT_TESTS:-}" ] && ! [[ "$t" == *${ROOT_TESTS}* ]] && continue
	echo "=== $t"
	start=$(date +%s)
	timeout 900 "$t"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1))
		echo "=== PASS $t ($(($(date +%s) - start)) s)"
	elif [ "$rc" -eq 77 ]; then
		skip=$((skip + 1))
		echo "=== SKIP $t"
	else
		fail=$((fail + 1))
		failed="$failed $t"
		echo "=== FAIL $t ($(($(date +%s) - start)) s)"
	fi
done
[ -n "$failed" ] && echo "failed:$failed"
echo "root: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
