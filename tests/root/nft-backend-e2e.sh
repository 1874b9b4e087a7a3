#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# nft-backend-e2e: the nftables backend against Docker 29's nftables layout
# (laid out by hand from ../shared/docker-firewall.md: no Docker 29 daemon in
# Debian 12), with real packets: a container netns behind docker0, an outside
# client netns, ufw enabled with default deny, `ufw-docker sync` choosing the
# nftables backend itself (backend = auto), the after.init hook through
# `ufw reload`, `ufw disable` and `ufw enable`, and `ufw-docker uninstall`.
. "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"
# The bed's nft printers for Docker 29's layout (its traps are replaced below).
. "$TOP/tests/lib/bed.sh"

UFWD_CMD=("$UFWD" --config /dev/null)
fails=0
checks=0
SRV=198.51.100.1

ok() { checks=$((checks + 1)); echo "ok: $*"; }
fail() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*" >&2; }

# probe SRC PORT: open, refused or filtered (one TCP connect from SRC).
probe() {
	local out
	out=$(ip netns exec cli timeout 3 nc -zv -w1 -s "$1" "$SRV" "$2" 2>&1)
	case $out in
	*succeeded* | *open*) echo open ;;
	*refused*) echo refused ;;
	*) echo filtered ;;
	esac
}

expect() { # expect WANT SRC PORT WHAT
	local got
	got=$(probe "$2" "$3")
	if [ "$got" = "$1" ]; then ok "$4: $got"; else fail "$4: want $1, got $got"; fi
}

apply() { "${UFWD_CMD[@]}" sync >/dev/null || fail "sync failed"; }

# companion_jumps TOOL: ufw-after-forward's jumps to our mark chain.
companion_jumps() {
	"$1" -S ufw-after-forward 2>/dev/null | grep -c -- '-j ufw-docker-nftmark$'
}

# tables: our nf_tables tables, one a line.
tables() { nft list tables | grep ufw-docker; }

# never_open SRC PORT WHAT CMD...: runs CMD in the background while SRC
# connects to PORT in a bounded loop; no connect may succeed.
never_open() {
	local src=$1 port=$2 what=$3 pid opened=0 tries=0
	shift 3
	("$@") >"$SANDBOX_STATE/bg" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null && [ $tries -lt 500 ]; do
		tries=$((tries + 1))
		ip netns exec cli nc -z -w1 -s "$src" $SRV "$port" 2>/dev/null && opened=$((opened + 1))
	done
	wait "$pid" || fail "$what: the command failed: $(cat "$SANDBOX_STATE/bg")"
	if [ $opened -eq 0 ] && [ $tries -gt 0 ]; then
		ok "$what: $tries connects, none got through"
	else
		fail "$what: $opened of $tries connects got through"
	fi
}

reloads() { for _ in 1 2 3 4 5; do ufw reload >/dev/null || return 1; done; }

clear_rules() {
	for _ in $(seq 1 30); do ufw --force delete 1 >/dev/null 2>&1 || break; done
}

# Docker 29's layout as the e2e bed lays it out (tests/lib/bed.sh, docker29):
# one container, 203.0.113.2, publishing 5432/tcp.
docker29_layout() {
	{
		bed_docker29_table ip 203.0.113.0/25
		bed_docker29_in_chain ip "ip daddr 203.0.113.2 tcp dport 5432"
		bed_docker29_dnat ip tcp 5432 203.0.113.2 5432
		bed_docker29_ctdrop ip 203.0.113.2
	} | nft -f -
}

topology() {
	ip netns add cli
	ip netns add ct
	ip link add ext0 type veth peer name eth0 netns cli
	ip addr add $SRV/24 dev ext0
	ip link set ext0 up
	ip -n cli addr add 198.51.100.2/24 dev eth0
	ip -n cli addr add 198.51.100.3/24 dev eth0
	ip -n cli link set eth0 up
	ip -n cli link set lo up
	ip link add docker0 type bridge
	ip addr add 203.0.113.1/25 dev docker0
	ip link set docker0 up
	ip link add vct type veth peer name eth0 netns ct
	ip link set vct master docker0 up
	ip -n ct addr add 203.0.113.2/25 dev eth0
	ip -n ct link set eth0 up
	ip -n ct link set lo up
	ip -n ct route add default via 203.0.113.1
	sysctl -qw net.ipv4.ip_forward=1
	ip netns exec ct nc -lk 5432 >/dev/null &
	LISTENER=$!
	sleep 0.3
}

# forward_policy ACCEPT|DROP (/etc/default/ufw is a bind mount: no sed -i).
forward_policy() {
	sed "s/^DEFAULT_FORWARD_POLICY=.*/DEFAULT_FORWARD_POLICY=\"$1\"/" /etc/default/ufw \
		>"$SANDBOX_STATE/default-ufw.new"
	cat "$SANDBOX_STATE/default-ufw.new" >/etc/default/ufw
}

trap 'kill "${LISTENER:-}" 2>/dev/null; ip netns del cli 2>/dev/null; ip netns del ct 2>/dev/null' EXIT
topology
docker29_layout
forward_policy ACCEPT
ufw default deny incoming >/dev/null
ufw --force enable >/dev/null || fail "ufw enable"

# 1. The seed case: ufw denies incoming, yet the published port is open.
expect open 198.51.100.2 5432 "seed: published port open before"
apply
expect filtered 198.51.100.2 5432 "seed: filtered after sync"
[ "$(tables | wc -l)" -ge 1 ] && ok "auto picked nftables: our table" || fail "no table of ours"
iptables -S DOCKER-USER >/dev/null 2>&1 && fail "DOCKER-USER created" || ok "no DOCKER-USER"
grep -q '^:ufw-docker-nftmark ' /etc/ufw/after.rules && ok "companion in after.rules" ||
	fail "no companion in after.rules"
[ "$(companion_jumps iptables)" = 1 ] && ok "companion live" || fail "companion not live"
"$UFWD" hook status | grep -q 'in place' && ok "hook status: in place" || fail "hook status"
"${UFWD_CMD[@]}" sync | grep -qx 'ufw-docker: already in sync' && ok "second sync: in sync" ||
	fail "second sync not idempotent"

# 2. allow opens.
ufw allow 5432/tcp >/dev/null
apply
expect open 198.51.100.2 5432 "ufw allow 5432/tcp"

# 3. ufw's FORWARD policy DROP: open through the companion ACCEPT, which
# ufw's reload loads from after.rules once (no duplicate).
forward_policy DROP
ufw reload >/dev/null
ufw reload >/dev/null
expect open 198.51.100.2 5432 "forward policy DROP, two reloads"
[ "$(companion_jumps iptables)" = 1 ] && ok "one companion jump after reloads" ||
	fail "companion jumps after reloads: $(companion_jumps iptables)"
"${UFWD_CMD[@]}" sync | grep -qx 'ufw-docker: already in sync' && ok "in sync after reloads" ||
	fail "sync after reloads not idempotent"
nft flush chain ip ufw-docker input
"${UFWD_CMD[@]}" sync | grep -q 'applied live' && ok "sync refills a flushed chain" ||
	fail "sync missed a flushed chain"

# 4. source-restricted allow.
clear_rules
ufw allow from 198.51.100.2 to any port 5432 proto tcp >/dev/null
apply
expect open 198.51.100.2 5432 "allow from .2: .2"
expect filtered 198.51.100.3 5432 "allow from .2: .3"

# 5. insert 1 deny comes first.
clear_rules
ufw allow 5432/tcp >/dev/null
ufw insert 1 deny from 198.51.100.3 >/dev/null
apply
expect open 198.51.100.2 5432 "insert 1 deny from .3: .2"
expect filtered 198.51.100.3 5432 "insert 1 deny from .3: .3"

# 6. reject refuses.
clear_rules
ufw reject 5432/tcp >/dev/null
apply
expect refused 198.51.100.2 5432 "ufw reject 5432/tcp"

# 7. limit: five new connections pass, the sixth within 30 s is refused.
clear_rules
ufw limit 5432/tcp >/dev/null
apply
seen=""
for i in 1 2 3 4 5 6; do seen="$seen $(probe 198.51.100.2 5432)"; done
if [ "$seen" = " open open open open open refused" ]; then
	ok "limit: $seen"
else
	fail "limit: want 5 open then refused, got$seen"
fi
expect open 198.51.100.3 5432 "limit: another source unaffected"

# 8. No gap: 20 syncs, each replacing our tables (a rule toggled between
# them), while a client connects in a bounded loop. The oracle is what the
# firewall dropped: two counting chains of the test's own, on the forward
# hook before (priority -10) and after (priority 10) ours (-1), Docker's and
# iptables' FORWARD (0): a new connection to 5432 counted before and not
# after was dropped by a firewall rule. A connect that times out with no such
# drop is the loaded machine (it happens with no sync running too), not a gap.
clear_rules
ufw allow 5432/tcp >/dev/null
apply
nft -f - <<-'NFT'
	table ip gapwatch {
		chain pre {
			type filter hook forward priority -10; policy accept;
			tcp dport 5432 ct state new counter
		}
		chain post {
			type filter hook forward priority 10; policy accept;
			tcp dport 5432 ct state new counter
		}
	}
NFT
gap_count() { nft list chain ip gapwatch "$1" | grep -o 'packets [0-9]*' | awk '{ print $2 }'; }
toggle_syncs() {
	for _ in $(seq 1 10); do
		ufw allow 9999/tcp >/dev/null
		"${UFWD_CMD[@]}" sync | grep -q 'applied live' || echo APPLYFAIL
		ufw delete allow 9999/tcp >/dev/null
		"${UFWD_CMD[@]}" sync | grep -q 'applied live' || echo APPLYFAIL
	done
}
toggle_syncs >"$SANDBOX_STATE/applies" &
applier=$!
bad=0 tries=0
while kill -0 "$applier" 2>/dev/null && [ $tries -lt 2000 ]; do
	tries=$((tries + 1))
	ip netns exec cli nc -z -w1 -s 198.51.100.2 $SRV 5432 || bad=$((bad + 1))
done
wait "$applier"
pre=$(gap_count pre) post=$(gap_count post)
nft delete table ip gapwatch
if [ "$tries" -gt 0 ] && [ "${pre:-0}" -gt 0 ] && [ "$pre" = "$post" ] &&
	! grep -q APPLYFAIL "$SANDBOX_STATE/applies"; then
	ok "no gap: $tries connects during 20 syncs, $pre new connections, none dropped by the firewall ($bad timed out)"
else
	fail "gap: $((${pre:-0} - ${post:-0})) of ${pre:-0} new connections dropped during syncs; $bad of $tries connects failed ($(cat "$SANDBOX_STATE/applies"))"
fi

# 9. Reloads never open a denied port; disable opens (as Docker made it),
# enable filters again, both through the after.init hook.
clear_rules
ufw allow from 198.51.100.2 to any port 5432 proto tcp >/dev/null
apply
# (`ufw reload` is disable + enable for ufw's Python: after.init stop sees
# ENABLED=no as on a disable; the hook tells them apart by the process.)
never_open 198.51.100.3 5432 "five ufw reloads" reloads
expect open 198.51.100.2 5432 "after reloads: allowed source"
expect filtered 198.51.100.3 5432 "after reloads: other source"
ufw disable >/dev/null
[ -z "$(tables)" ] && ok "disable: tables removed" || fail "disable: tables left"
expect open 198.51.100.3 5432 "disabled: open as Docker made it"
"${UFWD_CMD[@]}" sync | grep -qx 'ufw-docker: already in sync' && ok "disabled: in sync" ||
	fail "sync while disabled not idempotent"
ufw --force enable >/dev/null
expect filtered 198.51.100.3 5432 "enable: filtered again"
expect open 198.51.100.2 5432 "enable: allowed source open"
"${UFWD_CMD[@]}" sync | grep -qx 'ufw-docker: already in sync' && ok "in sync after enable" ||
	fail "sync after enable not idempotent"

# 10. backend = iptables switches: our tables and the companion go.
printf '[general]\nbackend = iptables\n' >"$SANDBOX_STATE/ipt.conf"
"$UFWD" --config "$SANDBOX_STATE/ipt.conf" -q sync || fail "sync backend=iptables"
[ -z "$(tables)" ] && ok "iptables backend: tables removed" || fail "iptables backend: tables left"
iptables -S | grep -q nftmark && fail "iptables backend: companion left" || ok "companion removed"
iptables -S DOCKER-USER | grep -q 'ufw-docker-forward' && ok "iptables backend: jump" ||
	fail "iptables backend: no jump"
apply
[ "$(tables | wc -l)" -ge 1 ] && ok "back to nftables" || fail "back to nftables: no table"
iptables -S | grep -q -e 'ufw-docker-forward' -e 'ufw-docker-input' &&
	fail "iptables backend's chains left" || ok "iptables backend's chains removed"
expect open 198.51.100.2 5432 "back to nftables: allowed source"

# 11. uninstall: our tables and the companion go, Docker's stay.
"${UFWD_CMD[@]}" -q uninstall || fail "uninstall"
if [ -n "$(tables)" ]; then fail "tables left after uninstall"; else ok "uninstall: tables"; fi
iptables -S | grep -q ufw-docker && fail "uninstall: chains left" || ok "uninstall: chains"
nft list table ip docker-bridges >/dev/null && ok "docker-bridges untouched" || fail "docker-bridges gone"

echo "nft-backend-e2e: $((checks - fails)) of $checks checks passed"
[ $fails -eq 0 ]
