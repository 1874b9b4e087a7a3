#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# nft-backend-e2e: the nftables backend against Docker 29's nftables layout
# (laid out by hand from ../shared/docker-firewall.md: no Docker 29 daemon in
# Debian 12), with real packets: a container netns behind docker0, an outside
# client netns, ufw enabled with default deny, `ufw-docker nft-apply`.
. "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"

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

apply() { "${UFWD_CMD[@]}" nft-apply >/dev/null || fail "nft-apply failed"; }

clear_rules() {
	for _ in $(seq 1 30); do ufw --force delete 1 >/dev/null 2>&1 || break; done
}

docker29_layout() {
	nft -f - <<'NFT'
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
		ip daddr 203.0.113.2 tcp dport 5432 counter accept
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
	chain nat-OUTPUT {
		type nat hook output priority -100; policy accept;
		ip daddr != 127.0.0.0/8 fib daddr type local counter jump nat-prerouting-and-output
	}
	chain nat-POSTROUTING {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 203.0.113.0/25 oifname != "docker0" counter masquerade
	}
	chain nat-prerouting-and-output {
		iifname != "docker0" tcp dport 5432 counter dnat to 203.0.113.2:5432
	}
	chain raw-PREROUTING {
		type filter hook prerouting priority raw; policy accept;
		ip daddr 203.0.113.2 iifname != "docker0" counter drop comment "DROP DIRECT ACCESS"
	}
}
NFT
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

# The iptables side: ufw's FORWARD policy must let our marked packets pass:
# our companion lines go before the last COMMIT of after.rules.
add_companion() {
	local add
	add=$("$UFWD" nft-apply companion)
	awk -v add="$add" '
		{ lines[NR] = $0; if ($0 == "COMMIT") last = NR }
		END { for (i = 1; i <= NR; i++) { if (i == last) print add; print lines[i] } }
	' /etc/ufw/after.rules >"$SANDBOX_STATE/after.rules"
	cat "$SANDBOX_STATE/after.rules" >/etc/ufw/after.rules
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
expect filtered 198.51.100.2 5432 "seed: filtered after nft-apply"
"${UFWD_CMD[@]}" nft-apply status >/dev/null && ok "status: in sync" || fail "status after apply"

# 2. allow opens.
ufw allow 5432/tcp >/dev/null
apply
expect open 198.51.100.2 5432 "ufw allow 5432/tcp"

# 3. ufw's FORWARD policy DROP: open only through the companion ACCEPT.
forward_policy DROP
ufw reload >/dev/null
expect filtered 198.51.100.2 5432 "forward policy DROP without companion"
add_companion
ufw reload >/dev/null
expect open 198.51.100.2 5432 "forward policy DROP with companion"

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

# 8. No gap: 20 re-applies while a client connects in a bounded loop.
clear_rules
ufw allow 5432/tcp >/dev/null
apply
(for _ in $(seq 1 20); do "${UFWD_CMD[@]}" nft-apply >/dev/null || echo APPLYFAIL; sleep 0.05; done) >"$SANDBOX_STATE/applies" &
applier=$!
bad=0 tries=0
while kill -0 "$applier" 2>/dev/null && [ $tries -lt 2000 ]; do
	tries=$((tries + 1))
	ip netns exec cli nc -z -w1 -s 198.51.100.2 $SRV 5432 || bad=$((bad + 1))
done
wait "$applier"
if [ $bad -eq 0 ] && [ $tries -gt 0 ] && ! grep -q APPLYFAIL "$SANDBOX_STATE/applies"; then
	ok "no gap: $tries connects during 20 re-applies, 0 failed"
else
	fail "gap: $bad of $tries connects failed during re-applies"
fi

# 9. remove: our tables go, Docker's stay.
"${UFWD_CMD[@]}" nft-apply remove || fail "remove"
if nft list tables | grep -q ufw-docker; then fail "tables left after remove"; else ok "remove"; fi
nft list table ip docker-bridges >/dev/null && ok "docker-bridges untouched" || fail "docker-bridges gone"

echo "nft-backend-e2e: $((checks - fails)) of $checks checks passed"
[ $fails -eq 0 ]
