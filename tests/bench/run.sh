#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# run.sh: the benchmark of tests/bench/README.md (`sudo make bench`).
# Everything runs in the namespaces of tests/lib/sandbox.sh and bed.sh: the
# host's firewall, routes and /etc/ufw are never touched.
#
# Environment (defaults = the committed run):
#   BENCH_OUT          results directory (tests/bench/results)
#   BENCH_SIZES        rule counts for the sync cost ("10 100 1000 10000")
#   BENCH_PKT_SIZES    rule counts for the packet path ("0 100 1000 10000")
#   BENCH_RUNS         timed runs per sync measurement (5; 3 at 10000 rules)
#   BENCH_PKT_RUNS     rounds over all packet-path cells (3)
#   BENCH_CONN_SECS    seconds per connection-rate sample (2)
#   BENCH_BULK_SECS    seconds per throughput sample (1.5)
#   LOAD               the load generator (built from load.c when unset)
. "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"

set -u
BENCH=$TOP/tests/bench
OUT=${BENCH_OUT:-$BENCH/results}
SIZES=${BENCH_SIZES:-10 100 1000 10000}
PKT_SIZES=${BENCH_PKT_SIZES:-0 100 1000 10000}
RUNS=${BENCH_RUNS:-5}
PKT_RUNS=${BENCH_PKT_RUNS:-3}
CONN_SECS=${BENCH_CONN_SECS:-2}
BULK_SECS=${BENCH_BULK_SECS:-1.5}
W=$SANDBOX_STATE/bench
mkdir -p "$OUT" "$W"
[ -x "$UFWD" ] || sandbox_die "no ufw-docker binary at $UFWD (make first)"
if [ -z "${LOAD:-}" ]; then
	LOAD=$W/load
	cc -O2 -std=c11 -Wall -Wextra -o "$LOAD" "$BENCH/load.c" || exit 1
fi
. "$TOP/tests/lib/bed.sh"
UFWD_ARGS="--config /dev/null --quiet"
SRV=198.51.100.1   # the host's address the client connects to
CPORT=5432         # published: accept and close (connection rate)
SPORT=5433         # published: read and discard (throughput)

log() { echo "bench: $*" >&2; }
# In the server netns, for commands run by /usr/bin/time or valgrind.
SRVX=(nsenter --net="/run/netns/$BED_SRV" --)
ms_now() { date +%s%N; }

# ---------------------------------------------------------------- setup

{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "host: $(uname -srm), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
	echo "memory: $(awk '/MemTotal/ { print $2 " kB" }' /proc/meminfo)"
	echo "loadavg before: $(cat /proc/loadavg)"
	echo "ufw: $(ufw version | head -1)"
	echo "iptables: $(iptables-nft --version)"
	echo "nft: $(nft --version)"
	echo "ufw-docker: $UFWD ($(cd "$TOP" && git rev-parse --short HEAD 2>/dev/null || echo '?'))"
	echo "valgrind: $(valgrind --version)"
} >"$W/env.txt"

# gen N DIR: N generated rules + allow CPORT and SPORT, in DIR. N with a
# "g" suffix: the same rules grouped by form (runs the nftables backend can
# put in sets) instead of cycling through the forms.
gen() {
	local order=mixed
	case $1 in *g) order=grouped ;; esac
	mkdir -p "$2" && BENCH_ORDER=$order python3 "$BENCH/gen-rules.py" "${1%g}" "$2" "$CPORT" "$SPORT"
}
# install_rules DIR: DIR's user*.rules become ufw's (mode kept).
install_rules() {
	cat "$1/user.rules" >/etc/ufw/user.rules
	cat "$1/user6.rules" >/etc/ufw/user6.rules
}

# ---------------------------------------------------------------- validation

# Generated files equal what real ufw writes for the same commands, and
# `ufw show added` equals `ufw-docker show added` on them.
validate() {
	local d=$W/val n=30 ok=1 c
	log "validating the generator against real ufw ($n commands)"
	gen "$n" "$d/$n" || return 1
	sandbox_reset_ufw
	while IFS= read -r c; do
		eval "ufw $c" >/dev/null || { echo "ufw $c: failed"; ok=0; }
	done <"$d/$n/commands.txt"
	for f in user.rules user6.rules; do
		if cmp -s "/etc/ufw/$f" "$d/$n/$f"; then
			echo "$f for $n commands: byte for byte what ufw wrote"
		else
			echo "$f for $n commands: DIFFERS from what ufw wrote:"
			diff "/etc/ufw/$f" "$d/$n/$f" | head -20
			ok=0
		fi
	done
	for n in 30 1000; do
		gen "$n" "$d/$n"
		sandbox_reset_ufw
		install_rules "$d/$n"
		ufw show added >"$d/ufw.txt" 2>&1
		"$UFWD" show added >"$d/ufwd.txt" 2>&1
		if cmp -s "$d/ufw.txt" "$d/ufwd.txt" && grep -q "^ufw allow $SPORT/tcp" "$d/ufw.txt"; then
			echo "show added on $n generated rules: ufw and ufw-docker agree ($(($(wc -l <"$d/ufw.txt") - 1)) lines)"
		else
			echo "show added on $n generated rules: DIFFER"
			diff "$d/ufw.txt" "$d/ufwd.txt" | head -10
			ok=0
		fi
	done
	sandbox_reset_ufw
	[ "$ok" = 1 ]
}

# ---------------------------------------------------------------- timing

# measure N WHAT RUNS PREP CMD...: RUNS timed runs of CMD (PREP, a shell
# snippet, before each, untimed); one line per run to sync-raw.csv:
# rules,what,run,seconds,maxrss_kb (peak RSS of the process tree).
measure() {
	local n=$1 what=$2 runs=$3 prep=$4 r t0 t1 rc
	shift 4
	for ((r = 1; r <= runs; r++)); do
		eval "$prep"
		t0=$(ms_now)
		/usr/bin/time -f %M -o "$W/rss" "$@" >/dev/null 2>"$W/err"
		rc=$?
		t1=$(ms_now)
		if [ "$rc" != 0 ]; then
			log "$what at $n rules failed ($rc): $(head -3 "$W/err")"
			return 1
		fi
		echo "$n,$what,$r,$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }'),$(tail -1 "$W/rss")" >>"$OUT/sync-raw.csv"
	done
}

# grind N WHAT CMD...: instructions (callgrind) and peak heap (massif) of
# ufw-docker's own process (children, the restore tools, not traced), each
# a full sync (recorded state removed first).
grind() {
	local n=$1 what=$2 ins heap
	shift 2
	eval "$STATE_RM"
	"${SRVX[@]}" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" >/dev/null 2>"$W/cg" ||
		log "callgrind $what $n: $(tail -2 "$W/cg")"
	ins=$(awk '/Collected :/ { print $NF }' "$W/cg")
	eval "$STATE_RM"
	"${SRVX[@]}" valgrind --tool=massif --massif-out-file="$W/massif" "$@" >/dev/null 2>"$W/ms" ||
		log "massif $what $n: $(tail -2 "$W/ms")"
	heap=$(awk -F= '/^mem_heap_B=/ { h = $2 } /^mem_heap_extra_B=/ { if (h + $2 > m) m = h + $2 } END { print m + 0 }' "$W/massif")
	echo "$n,$what,$ins,$heap" >>"$OUT/grind.csv"
}

# `check` exits 3 when it finds a problem (a leak: the bench allows ports
# Docker publishes to some sources only): both are a completed run.
CHECK_OK='"$@" >/dev/null; r=$?; [ "$r" = 0 ] || [ "$r" = 3 ]'

runs_for() { if [ "$1" -ge 10000 ]; then echo $((RUNS > 3 ? 3 : RUNS)); else echo "$RUNS"; fi; }

# What sync recorded of the live rules: removed, sync applies everything again.
STATE_RM="rm -f /run/ufw-docker/live-v4 /run/ufw-docker/live-v6 /run/ufw-docker/nft"

# The iptables backend: sync (full: the recorded state removed first, so it
# re-applies as after a rule change), sync when already in sync, ufw reload,
# and the floor: the transactions sync pipes into iptables-restore -n and
# ip6tables-restore -n, run bare.
sync_cost_iptables() {
	local n r d
	for n in $SIZES; do
		d=$W/rules/$n
		gen "$n" "$d" && install_rules "$d"
		ufwd sync >/dev/null || { log "sync at $n failed"; return 1; }
		srv ufw reload >/dev/null || { log "ufw reload at $n failed"; return 1; }
		eval "$STATE_RM"
		ufwd sync --dry-run >"$d/dry.txt" 2>&1
		awk '/^# .*-restore -n input \(IPv4\):$/ { f = 4; next }
		     /^# .*-restore -n input \(IPv6\):$/ { f = 6; next }
		     f == 4 { print > "'"$d"'/tx4" } f == 6 { print > "'"$d"'/tx6" }' "$d/dry.txt"
		[ -s "$d/tx4" ] && [ -s "$d/tx6" ] || { log "no transactions in sync --dry-run at $n"; return 1; }
		r=$(runs_for "$n")
		log "sync cost, iptables backend, $n rules ($r runs each)"
		measure "$n" sync "$r" "$STATE_RM" "${SRVX[@]}" "$UFWD" $UFWD_ARGS sync
		measure "$n" sync-noop "$r" : "${SRVX[@]}" "$UFWD" $UFWD_ARGS sync
		measure "$n" ufw-reload "$r" : "${SRVX[@]}" ufw reload
		measure "$n" iptables-restore "$r" : "${SRVX[@]}" sh -c \
			"iptables-restore -n <'$d/tx4' && ip6tables-restore -n <'$d/tx6'"
		grind "$n" sync "$UFWD" $UFWD_ARGS sync
		measure "$n" ufw-docker-show "$r" : "$UFWD" show added
		measure "$n" check "$r" : "${SRVX[@]}" sh -c "$CHECK_OK" check \
			"$UFWD" $UFWD_ARGS check --json
	done
}

# The floor for the nftables backend: its tables as `nft list` prints them
# once applied, replaced in one `nft -f` transaction. nft 1.0.6 cannot read
# back its own listing (nor `nft-apply print`): the chain named "limit" is a
# keyword for its parser (renamed limit_ here), and it rejects `ct original
# proto-dst` inside a concatenation (replaced by `th dport`, the same 2-byte
# key): the same tables, sets, elements and rule count, one transaction.
nft_floor_text() {
	local f
	for f in ip ip6; do
		printf 'table %s ufw-docker\ndelete table %s ufw-docker\n' "$f" "$f"
	done
	for f in ip ip6; do
		srv nft list table "$f" ufw-docker || return 1
	done | sed -e 's/^\([[:space:]]*chain\) limit {/\1 limit_ {/' -e 's/jump limit$/jump limit_/' \
		-e 's/ct original proto-dst/th dport/g'
}

# The nftables backend: its apply and the floor, nft -f of the same rules.
NFT_CMD=()
NFT_REMOVE=()
sync_cost_nft() {
	local n r d
	for n in $SIZES; do
		d=$W/rules/$n
		install_rules "$d"
		eval "$STATE_RM"
		if ! srv "${NFT_CMD[@]}" >/dev/null 2>"$W/err"; then
			log "nftables sync at $n rules failed: $(head -2 "$W/err")"
			echo "nftables sync cost, $n rules: sync failed: $(head -2 "$W/err" | tr '\n' ' ')" >>"$OUT/failures.txt"
			continue
		fi
		nft_floor_text >"$d/nft.txt" || return 1
		r=$(runs_for "$n")
		log "sync cost, nftables backend, $n rules ($r runs each)"
		measure "$n" nft-sync "$r" "$STATE_RM" "${SRVX[@]}" "${NFT_CMD[@]}"
		measure "$n" nft-sync-noop "$r" : "${SRVX[@]}" "${NFT_CMD[@]}"
		# check reads our live table back: before the floor replaces it
		measure "$n" nft-check "$r" : "${SRVX[@]}" sh -c "$CHECK_OK" check \
			"$UFWD" --config "$W/nft.conf" check --json
		measure "$n" nft-f "$r" : "${SRVX[@]}" nft -f "$d/nft.txt"
		grind "$n" nft-sync "${NFT_CMD[@]}"
	done
}

# ---------------------------------------------------------------- packets

# pkt BACKEND RULES ROUND: one connection-rate and one throughput sample.
pkt() {
	local c b
	srv conntrack -F >/dev/null 2>&1
	c=$(cli "$LOAD" conn "$SRV" "$CPORT" "$CONN_SECS")
	b=$(cli "$LOAD" bulk "$SRV" "$SPORT" "$BULK_SECS")
	log "  $1 $2 rules round $3: $c / $b"
	# conn OK FAILED SECONDS RATE / bulk BYTES SECONDS MB/s
	echo "$1,$2,$3,$(echo "$c" | awk '{ print $2 "," $3 "," $5 }'),$(echo "$b" | awk '{ print $4 }')" >>"$OUT/packet-raw.csv"
}

# set_rules BACKEND N: ufw-docker's rules for N generated rules (+ the two
# allows), or none (N = base: the path without ufw-docker).
set_rules() {
	local be=$1 n=$2
	if [ "$n" = base ]; then
		if [ "$be" = iptables ]; then ufwd uninstall >/dev/null; else srv "${NFT_REMOVE[@]}" >/dev/null; fi
		return
	fi
	[ -d "$W/rules/$n" ] || gen "$n" "$W/rules/$n"
	install_rules "$W/rules/$n"
	eval "$STATE_RM"
	if [ "$be" = iptables ]; then
		ufwd sync >/dev/null
	else
		srv "${NFT_CMD[@]}" >/dev/null || return 1
		# how many rules the packet meets in our input chain
		echo "$n $(($(srv nft -a list chain ip ufw-docker input | grep -c '# handle') - 1))" \
			>>"$OUT/nft-input-rules.txt"
	fi
}

# The docker28 bed (iptables layout): ports published as Docker 28 does.
publish_iptables() {
	local p
	for p in $CPORT $SPORT; do
		srv iptables -t nat -A DOCKER ! -i docker0 -p tcp -m tcp --dport "$p" \
			-j DNAT --to-destination "203.0.113.2:$p" || return 1
		srv iptables -I DOCKER 1 -d 203.0.113.2/32 ! -i docker0 -o docker0 -p tcp \
			-m tcp --dport "$p" -j ACCEPT || return 1
	done
}

# Docker 29's nftables layout (as tests/root/nft-backend-e2e.sh) for ct1.
publish_nft() {
	srv nft -f - <<-NFT
		table ip docker-bridges {
			map filter-forward-in-jumps {
				type ifname : verdict
				elements = { "docker0" : jump filter-forward-in__docker0 }
			}
			map filter-forward-out-jumps {
				type ifname : verdict
				elements = { "docker0" : jump filter-forward-out__docker0 }
			}
			chain filter-FORWARD {
				type filter hook forward priority filter; policy accept;
				oifname vmap @filter-forward-in-jumps
				iifname vmap @filter-forward-out-jumps
			}
			chain filter-forward-in__docker0 {
				ct state established,related counter accept
				iifname "docker0" counter accept comment "ICC"
				ip daddr 203.0.113.2 tcp dport $CPORT counter accept
				ip daddr 203.0.113.2 tcp dport $SPORT counter accept
				counter drop comment "UNPUBLISHED PORT DROP"
			}
			chain filter-forward-out__docker0 {
				ct state established,related counter accept
				counter accept comment "OUTGOING"
			}
			chain nat-PREROUTING {
				type nat hook prerouting priority dstnat; policy accept;
				fib daddr type local counter jump nat-prerouting-and-output
			}
			chain nat-POSTROUTING {
				type nat hook postrouting priority srcnat; policy accept;
				ip saddr 203.0.113.0/25 oifname != "docker0" counter masquerade
			}
			chain nat-prerouting-and-output {
				iifname != "docker0" tcp dport $CPORT counter dnat to 203.0.113.2:$CPORT
				iifname != "docker0" tcp dport $SPORT counter dnat to 203.0.113.2:$SPORT
			}
			chain raw-PREROUTING {
				type filter hook prerouting priority raw; policy accept;
				ip daddr 203.0.113.2 iifname != "docker0" counter drop comment "DROP DIRECT ACCESS"
			}
		}
	NFT
}

# packet_rounds BACKEND: rounds over base and every size, base first and
# last; for nftables also the same rules grouped by form (label
# nftables-grouped).
packet_rounds() {
	local be=$1 round n cells
	cells="base $PKT_SIZES"
	[ "$be" = nftables ] && for n in $PKT_SIZES; do [ "$n" = 0 ] || cells="$cells ${n}g"; done
	for ((round = 1; round <= PKT_RUNS; round++)); do
		for n in $cells base; do
			if ! set_rules "$be" "$n" 2>"$W/err"; then
				log "$be: rules for $n failed: $(head -2 "$W/err")"
				echo "$be packet path, $n rules, round $round: sync failed: $(head -2 "$W/err" | tr '\n' ' ')" >>"$OUT/failures.txt"
				continue
			fi
			case $n in
			*g) pkt "$be-grouped" "${n%g}" "$round" ;;
			*) pkt "$be" "$n" "$round" ;;
			esac
		done
	done
}

# forward_policy ACCEPT|DROP in /etc/default/ufw (a bind mount: no sed -i).
forward_policy() {
	sed "s/^DEFAULT_FORWARD_POLICY=.*/DEFAULT_FORWARD_POLICY=\"$1\"/" /etc/default/ufw >"$W/default-ufw"
	cat "$W/default-ufw" >/etc/default/ufw
}

# ---------------------------------------------------------------- main

rm -f "$OUT/sync-raw.csv" "$OUT/grind.csv" "$OUT/packet-raw.csv" "$OUT/nft-input-rules.txt" "$OUT/failures.txt"
echo "rules,what,run,seconds,maxrss_kb" >"$OUT/sync-raw.csv"
echo "rules,what,instructions,peak_heap_bytes" >"$OUT/grind.csv"
echo "backend,rules,round,conns,failed,conn_per_s,MB_per_s" >"$OUT/packet-raw.csv"
T0=$(ms_now)

validate >"$W/validate.txt" || { cat "$W/validate.txt"; sandbox_die "generator validation failed"; }
cat "$W/validate.txt" >&2

# 1. The iptables backend: Docker 28's iptables layout, ufw enabled.
bed_up docker28 nft >/dev/null || sandbox_die "bed_up docker28 failed"
publish_iptables || sandbox_die "publish failed"
nsenter --net=/run/netns/ct1 -- "$LOAD" serve "$CPORT" "$SPORT" &
BED_PIDS+=($!)
bed_wait_listen /run/netns/ct1 tcp "$SPORT" || sandbox_die "no server"
srv ufw default deny incoming >/dev/null && srv ufw --force enable >/dev/null ||
	sandbox_die "ufw enable failed"
sync_cost_iptables || sandbox_die "sync cost (iptables) failed"
log "packet path, iptables backend"
packet_rounds iptables || sandbox_die "packet path (iptables) failed"

# 2. The nftables backend: Docker 29's nftables layout, same namespaces.
# Entry point: `sync` with backend = nftables where it exists, else the
# hidden `nft-apply`.
ufwd uninstall >/dev/null
bed_flush_firewall || sandbox_die "flush failed"
printf '[general]\nbackend = nftables\n' >"$W/nft.conf"
if srv "$UFWD" --config "$W/nft.conf" --quiet sync --dry-run >/dev/null 2>&1; then
	NFT_CMD=("$UFWD" --config "$W/nft.conf" --quiet sync)
	NFT_REMOVE=("$UFWD" --config "$W/nft.conf" --quiet uninstall)
	NFT_ENTRY="ufw-docker sync (backend = nftables)"
else
	NFT_CMD=("$UFWD" $UFWD_ARGS nft-apply)
	NFT_REMOVE=("$UFWD" $UFWD_ARGS nft-apply remove)
	NFT_ENTRY="ufw-docker nft-apply (sync has no nftables backend yet)"
fi
echo "nftables backend entry point: $NFT_ENTRY" >>"$W/env.txt"
log "nftables backend through: $NFT_ENTRY"
publish_nft || sandbox_die "nft layout failed"
forward_policy ACCEPT
srv ufw reload >/dev/null || sandbox_die "ufw reload (nft) failed"
sync_cost_nft || sandbox_die "sync cost (nftables) failed"
log "packet path, nftables backend"
packet_rounds nftables || sandbox_die "packet path (nftables) failed"
bed_down >/dev/null

echo "loadavg after: $(cat /proc/loadavg)" >>"$W/env.txt"
echo "duration: $(( ($(ms_now) - T0) / 1000000000 )) s" >>"$W/env.txt"
cp "$W/env.txt" "$OUT/env.txt"
cp "$W/validate.txt" "$OUT/validate.txt"
python3 "$BENCH/report.py" "$OUT" && (cd "$OUT" && gnuplot "$BENCH/plots.gp") ||
	sandbox_die "report/plots failed"
cat "$OUT/results.md"
