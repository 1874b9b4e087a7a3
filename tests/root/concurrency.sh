#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# concurrency: syncs at once, and syncs racing `ufw reload`, on the docker28
# bed (bed.sh). First the lock itself: a sync waits while another process
# holds ufw's lock (/run/ufw.lock, fcntl as ufw takes it), and a `ufw
# reload` started while a sync holds it finishes after that sync. Then
# ROUNDS rounds (default 10), alternating ufw's rules between A and B (both
# deny 5432, allow 8080): N syncs (default 6) and R `ufw reload`s (default
# 2) started together; all succeed, and the end state equals one clean sync
# (files and modes, the live records, the live rules, exactly one
# DOCKER-USER jump, first, no temp file left; the next sync has nothing to
# do); the denied port stays filtered; our rules are in the variant under
# test and none in the other. iptables-legacy: a sync waits while another
# process holds the xtables lock (as Docker's iptables --wait takes it).
# Argument: the iptables variant, nft or legacy (ufw's, Docker's and ours).
# Without one: every variant in VARIANTS (default "nft legacy"), each in a
# sandbox of its own (legacy adds about 20 s).
. "$(dirname "$0")/../lib/sandbox.sh"
sandbox_variants "${VARIANTS:-nft legacy}" "$@"
sandbox_enter "$@"
set -u
VARIANT=${1:-nft}
ROUNDS=${ROUNDS:-10} N=${N:-6} R=${R:-2}
. "$TOP/tests/lib/bed.sh"
. "$TOP/tests/lib/faults.sh"
fx_begin conc
fx_bed_ab docker28 || exit
fx_refs "$W/refA" "$W/refB"
fx_check_where "after the clean syncs"

# ------------------------------------------------------------ the lock
# A process holding ufw's lock (fcntl F_WRLCK, as ufw's create_lock) for
# HOLD seconds; the file "held" appears once it has it.
HOLD=2
# await_holder FILE WHAT: until the holder has made FILE (<= 5 s).
await_holder() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	t_fail "$2 did not start"
}
# check_waited NAME SECONDS [OUT]: the sync took at least the holder's HOLD.
check_waited() {
	if awk -v w="$2" -v h="$HOLD" 'BEGIN { exit !(w >= h - 0.3) }'; then
		t_ok "$1 (${2} s)"
	else
		t_fail "$1: finished after ${2} s, before the holder's ${HOLD} s${3:+: $(head -c 300 "$3")}"
	fi
}
fx_rules_load "$A"
rm -f "$W/held"
"$BED_PY" -c '
import fcntl, os, sys, time
f = open("/run/ufw.lock", "w")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[1], "w").close()
time.sleep(float(sys.argv[2]))
' "$W/held" "$HOLD" &
holder=$!
await_holder "$W/held" "lock holder"
t1=$(bed_now)
ufwd sync >"$W/s.out" 2>&1 &
syncer=$!
sleep 1
if kill -0 "$syncer" 2>/dev/null && fx_same "$W/refB"; then
	t_ok "sync waits while another process holds ufw's lock (state untouched)"
else
	t_fail "sync did not wait for ufw's lock"
fi
wait "$syncer"
rc=$?
waited=$(bed_since "$t1")
wait "$holder"
t_eq "sync after the lock is released: exit" 0 "$rc"
check_waited "sync finished after the holder let go" "$waited"
fx_same "$W/refA" && t_ok "state A after the waited sync" || t_fail "not state A"

# A sync slowed down inside its lock (2 s before its first rename); a `ufw
# reload` started meanwhile must end after it.
fx_rules_load "$B"
srv strace -qq -o /dev/null -e trace=rename -e inject=rename:delay_enter=2s:when=1 \
	"$UFWD" sync >"$W/s.out" 2>&1 &
syncer=$!
sleep 0.3
srv ufw reload >"$W/r.out" 2>&1
rc=$?
if kill -0 "$syncer" 2>/dev/null; then
	t_fail "ufw reload finished while sync held the lock"
else
	t_ok "ufw reload waited for the sync holding the lock"
fi
wait "$syncer"
t_eq "slowed sync: exit" 0 "$?"
t_eq "ufw reload after it: exit" 0 "$rc"
fx_same "$W/refB" && t_ok "state B after sync + reload" || {
	t_fail "not state B after sync + reload"
	fx_diff "$W/refB"
}

# ------------------------------------------------------------ the xtables lock
# iptables-legacy only: its tools take /run/xtables.lock (flock) for every
# command, listings included, as Docker's `iptables --wait` does. A sync that
# meets the lock held must wait for it (sync runs its tools with -w; Debian
# 12's iptables 1.8.9 legacy tools also wait without it), not fail and leave
# the kernel on the old rules while the files say the new ones. Caught: the
# tools given a bounded wait (-w 1: sync fails after 1 s, state not A).
if [ "$VARIANT" = legacy ]; then
	fx_rules_load "$A"
	rm -f "$W/xheld"
	flock /run/xtables.lock sh -c 'touch "$1"; sleep "$2"' sh "$W/xheld" "$HOLD" &
	holder=$!
	await_holder "$W/xheld" "xtables lock holder"
	t1=$(bed_now)
	ufwd sync >"$W/x.out" 2>&1
	rc=$?
	waited=$(bed_since "$t1")
	wait "$holder"
	t_eq "sync while the xtables lock is held: exit" 0 "$rc"
	check_waited "sync waited for the xtables lock" "$waited" "$W/x.out"
	fx_same "$W/refA" && t_ok "state A after the xtables lock wait" || {
		t_fail "not state A after the xtables lock wait"
		fx_diff "$W/refA"
	}
fi

# ------------------------------------------------------------ the races
bad_rounds=0
for ((round = 1; round <= ROUNDS; round++)); do
	if ((round % 2)); then want=A; else want=B; fi
	if [ "$want" = A ]; then fx_rules_load "$A"; else fx_rules_load "$B"; fi
	pids=() names=()
	for ((i = 0; i < N; i++)); do
		srv "$UFWD" sync >"$W/sync.$i" 2>&1 </dev/null &
		pids+=($!) names+=("sync $i")
	done
	for ((i = 0; i < R; i++)); do
		srv ufw reload >"$W/reload.$i" 2>&1 </dev/null &
		pids+=($!) names+=("ufw reload $i")
	done
	fails=
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || fails="$fails ${names[$i]}"
	done
	st=ok
	[ -z "$fails" ] || {
		t_fail "round $round: failed:$fails"
		st=bad
	}
	if ! fx_same "$W/ref$want"; then
		t_fail "round $round: state is not a clean sync to $want"
		fx_diff "$W/ref$want"
		st=bad
	fi
	j=$(fx_jumps)
	[ "$j" = "1f 1f" ] || {
		t_fail "round $round: DOCKER-USER jumps '$j'"
		st=bad
	}
	tmp=$(fx_temps)
	[ -z "$tmp" ] || {
		t_fail "round $round: temp files left: $tmp"
		st=bad
	}
	out=$(srv "$UFWD" sync 2>&1)
	[ "$out" = "ufw-docker: already in sync" ] || {
		t_fail "round $round: the next sync still had work: $out"
		st=bad
	}
	[ "$st" = ok ] && t_ok "round $round: $N syncs + $R ufw reloads -> a clean sync to $want, one jump"
	[ "$st" = ok ] || bad_rounds=$((bad_rounds + 1))
done
t_eq "denied port after the races" filtered "$(probe_tcp "$BED_CLI4" "$BED_SRV4" 5432)"
t_eq "allowed port after the races" open "$(probe_tcp "$BED_CLI4" "$BED_SRV4" 8080)"
fx_check_where "after the races"
echo "# concurrency: $ROUNDS rounds of $N syncs + $R reloads, $bad_rounds bad, $(($(date +%s) - T0)) s, iptables-$VARIANT"
t_summary
