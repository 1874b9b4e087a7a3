#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# leak-window: no instant in which a denied published port opens. On the
# docker20 bed (a real dockerd; without one, the docker28 layout and no
# dockerd restart, said so), the client runs a tight connect loop (a new
# non-blocking connect every LW_INTERVAL s to each of a denied published
# port, 5432, and an allowed one, 8080; each given LW_TIMEOUT s; bounded by
# count and time) while the server runs LW_SYNCS syncs (ufw's rules
# alternating between two rule sets that both deny 5432 and allow 8080, so
# each sync changes both the files and the kernel), LW_RELOADS `ufw reload`s
# spread among them and a dockerd restart half way. Asserts: zero
# connections to the denied port succeed; to the allowed port none is
# refused outside the dockerd restart (from its stop until its
# containers listen again). Prints the counts.
# Defaults: the short run of `make check` (50 syncs, 5 reloads, 1 restart);
# `make leak-window` runs the full one (LW_FULL=1: 200 syncs, 20 reloads).
# Argument: the iptables variant, nft or legacy (ufw's, dockerd's and ours).
# Without one: the variants in LEAK_VARIANT, default nft; legacy is opt-in
# (LEAK_VARIANT=legacy, or "nft legacy" for both, each in a sandbox of its
# own; `LEAK_VARIANT=legacy make leak-window` for the full legacy run).
. "$(dirname "$0")/../lib/sandbox.sh"
sandbox_variants "${LEAK_VARIANT:-nft}" "$@"
sandbox_enter "$@"
set -u
VARIANT=${1:-nft}
if [ -n "${LW_FULL:-}" ]; then
	LW_SYNCS=${LW_SYNCS:-200} LW_RELOADS=${LW_RELOADS:-20}
else
	LW_SYNCS=${LW_SYNCS:-50} LW_RELOADS=${LW_RELOADS:-5}
fi
LW_INTERVAL=${LW_INTERVAL:-0.005} LW_TIMEOUT=${LW_TIMEOUT:-0.5}
LW_MAXTIME=${LW_MAXTIME:-600}
. "$TOP/tests/lib/bed.sh"
. "$TOP/tests/lib/faults.sh"
fx_begin lw
LAYOUT=docker20
fx_bed_ab docker20
rc=$?
if [ "$rc" = 77 ]; then
	echo "# leak-window: no dockerd here: docker28 layout, NO dockerd restart"
	LAYOUT=docker28
	fx_bed_ab docker28 || exit
elif [ "$rc" != 0 ]; then
	exit "$rc"
fi
t_run "sync (rules B)" ufwd sync
fx_check_where "after the first sync"
t_eq "denied port before" filtered "$(probe_tcp "$BED_CLI4" "$BED_SRV4" 5432)"
t_eq "allowed port before" open "$(probe_tcp "$BED_CLI4" "$BED_SRV4" 8080)"

# The client's loop: count bound (attempts per target) well above what the
# run needs, time bound LW_MAXTIME; stopped by the stop file.
count=$(awk -v m="$LW_MAXTIME" -v i="$LW_INTERVAL" 'BEGIN { printf "%d", m / i }')
rm -f "$W/stop"
srv_ports="$BED_SRV4:5432 $BED_SRV4:8080"
# shellcheck disable=SC2086
fx_connloop "$W/conn.log" "$W/stop" "$count" "$LW_MAXTIME" "$LW_INTERVAL" "$LW_TIMEOUT" \
	"$BED_CLI4" $srv_ports >"$W/conn.sum" 2>"$W/conn.err" &
loop=$!
sleep 1

sync_fail=0 reload_fail=0 restarts=0 rs_start= rs_end=
every=$((LW_SYNCS / (LW_RELOADS > 0 ? LW_RELOADS : 1)))
t_loop=$(date +%s)
for ((i = 1; i <= LW_SYNCS; i++)); do
	if (($(date +%s) - t_loop > LW_MAXTIME - 30)); then
		t_fail "time bound reached after $((i - 1)) syncs"
		break
	fi
	if ((i % 2)); then fx_rules_load "$A"; else fx_rules_load "$B"; fi
	srv "$UFWD" --quiet sync >>"$W/sync.out" 2>&1 </dev/null || sync_fail=$((sync_fail + 1))
	if ((LW_RELOADS > 0 && i % every == 0 && i / every <= LW_RELOADS)); then
		srv ufw reload >>"$W/reload.out" 2>&1 </dev/null || reload_fail=$((reload_fail + 1))
	fi
	if [ "$LAYOUT" = docker20 ] && ((i == LW_SYNCS / 2)); then
		rs_start=$(fx_mono)
		bed_docker20_restart || t_fail "dockerd restart"
		rs_end=$(fx_mono)
		restarts=1
	fi
done
nsyncs=$((i - 1))
loop_secs=$(($(date +%s) - t_loop))
sleep 1
touch "$W/stop"
wait "$loop"
t_eq "connect loop exit" 0 "$?"
cat "$W/conn.err" >&2
t_eq "syncs failed" 0 "$sync_fail"
t_eq "ufw reloads failed" 0 "$reload_fail"

# The counts. "during restart": attempts started from LW_TIMEOUT before the
# stop until the containers listened again.
awk -v a="${rs_start:-0}" -v b="${rs_end:-0}" -v tmo="$LW_TIMEOUT" -v d="$BED_SRV4:5432" -v ok="$BED_SRV4:8080" '
	{ inr = (b > 0 && $2 >= a - tmo && $2 <= b) ? "restart" : "outside"
	  r = $3; if (r != "open" && r != "refused" && r != "timeout") r = "other"
	  n[$1, inr, r]++ }
	END {
		split("open refused timeout other", rs, " ")
		for (t = 1; t <= 2; t++) {
			tg = t == 1 ? d : ok; name = t == 1 ? "denied" : "allowed"
			for (w = 1; w <= 2; w++) {
				win = w == 1 ? "outside" : "restart"
				line = name " " win
				for (k = 1; k <= 4; k++) line = line " " rs[k] "=" (n[tg, win, rs[k]] + 0)
				print line
			}
		}
	}' "$W/conn.log" >"$W/counts"
sed 's/^/# /' "$W/conn.sum"
sed 's/^/# /' "$W/counts"
get() { awk -v k="$1 $2" -v f="$3" '$1 " " $2 == k { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) print kv[2] } }' "$W/counts"; }
t_eq "denied port: connections that succeeded (outside the restart)" 0 "$(get denied outside open)"
t_eq "denied port: connections that succeeded (during the restart)" 0 "$(get denied restart open)"
t_eq "allowed port: refused outside the restart" 0 "$(get allowed outside refused)"
t_eq "allowed port: other errors outside the restart" 0 "$(get allowed outside other)"
# unanswered within LW_TIMEOUT: counted, not asserted (a loaded 2-core
# machine running ufw's python and iptables may answer late)
echo "# allowed port: $(get allowed outside timeout) attempts unanswered within $LW_TIMEOUT s outside the restart"
n_den=$(awk -v d="$BED_SRV4:5432" '$1 == d' "$W/conn.log" | wc -l)
n_all=$(awk -v d="$BED_SRV4:8080" '$1 == d' "$W/conn.log" | wc -l)
# the loop really ran tight: at least a quarter of the attempts asked for
want=$(awk -v s="$loop_secs" -v i="$LW_INTERVAL" 'BEGIN { printf "%d", s / i / 4 }')
[ "$n_den" -ge "$want" ] && t_ok "denied port: $n_den attempts (>= $want)" ||
	t_fail "denied port: only $n_den attempts (want >= $want)"
[ "$n_all" -ge "$want" ] && t_ok "allowed port: $n_all attempts (>= $want)" ||
	t_fail "allowed port: only $n_all attempts (want >= $want)"
t_eq "denied port after" filtered "$(probe_tcp "$BED_CLI4" "$BED_SRV4" 5432)"
t_eq "allowed port after" open "$(probe_tcp "$BED_CLI4" "$BED_SRV4" 8080)"
t_eq "jumps after" "1f 1f" "$(fx_jumps)"
fx_check_where "after the run"
rs_len=-
[ -n "$rs_end" ] && rs_len=$(awk -v a="$rs_start" -v b="$rs_end" 'BEGIN { printf "%.1f", b - a }')
echo "# leak-window: $LAYOUT/$VARIANT, $nsyncs syncs, $LW_RELOADS ufw reloads, $restarts dockerd restart (${rs_len} s) in $loop_secs s; $n_den attempts on the denied port, $n_all on the allowed; total $(($(date +%s) - T0)) s"
t_summary
