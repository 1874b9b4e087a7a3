#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# status-check: `ufw-docker check --json` and `status` against Docker's layout
# loaded with iptables-restore and real ufw + `ufw-docker sync`, under
# iptables-nft and iptables-legacy, in a private netns: seed (filtered),
# allow (open), allow from (restricted, sources), flushed chain and missing
# jump (problem, exit 3), ufw disabled (open, no problem). Then Docker 29's
# nftables layout (the bed's printers, tests/lib/bed.sh) with the nftables
# backend: backend reported, the same verdicts from our nft tables read back,
# our table deleted or flushed by hand (drift, exit 3; a leak when ufw's
# FORWARD policy is ACCEPT), the companion jump removed.
. "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"
# Only the printers of Docker 29's nftables layout (nothing is started).
. "$TOP/tests/lib/bed.sh"

LAYOUT=${LAYOUT:-$TOP/tests/data/nft/docker20.10-no-ufw.iptables-save.txt}

[ -r "$LAYOUT" ] || { echo "SKIP: no Docker layout" >&2; exit 77; }
CONF=$SANDBOX_STATE/ufw-docker.conf
# sandbox.sh put hooks/after-init-hook beside $UFWD (as in a checkout), so
# the after.init snippet sync writes calls our hook on ufw enable/disable.
[ -x "$UFWD" ] || sandbox_die "no ufw-docker binary at $UFWD"
: >"$CONF"
fails=0
checks=0

fail() {
	echo "FAIL [$variant/$step]: $*" >&2
	fails=$((fails + 1))
}

# field EXPR: evaluates a Python expression over the parsed JSON `j`.
field() {
	python3 -c 'import json,sys; j=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

# expect_check VERDICT RC [SOURCES]: check --json says so for tcp 5432.
expect_check() {
	local want=$1 want_rc=$2 want_src=${3:-} out rc got src
	checks=$((checks + 1))
	out=$("$UFWD" --config "$CONF" check --json)
	rc=$?
	got=$(field '[p["verdict"] for p in j["ports"] if p["host_port"]==5432][0]' <<<"$out")
	src=$(field '",".join([p["sources"] for p in j["ports"] if p["host_port"]==5432][0])' <<<"$out")
	[ "$got" = "$want" ] || fail "verdict $got, want $want: $out"
	[ "$rc" = "$want_rc" ] || fail "exit $rc, want $want_rc: $out"
	[ -z "$want_src" ] || [ "$src" = "$want_src" ] || fail "sources '$src', want '$want_src'"
	field 'all(k in p for p in j["ports"] for k in ("proto","host_addr","host_port","container_addr","container_port","container","verdict","sources"))' <<<"$out" |
		grep -qx True || fail "a port lacks a documented key: $out"
}

# expect_problem KIND: check --json lists a problem of that kind.
expect_problem() {
	checks=$((checks + 1))
	"$UFWD" --config "$CONF" check --json | field '" ".join(p["kind"] for p in j["problems"])' |
		grep -qw "$1" || fail "no '$1' problem"
}

# forward_policy ACCEPT|DROP: ufw's DEFAULT_FORWARD_POLICY, then ufw reload
# (/etc/default/ufw is a bind mount here: written in place, never renamed).
forward_policy() {
	local f
	f=$(sed "s/^DEFAULT_FORWARD_POLICY=.*/DEFAULT_FORWARD_POLICY=\"$1\"/" /etc/default/ufw)
	printf '%s\n' "$f" >/etc/default/ufw
	ufw reload >/dev/null
}

sync_now() {
	"$UFWD" --config "$CONF" sync >/dev/null 2>&1 || fail "sync failed"
}

for variant in nft legacy; do
	sandbox_reset_ufw
	sandbox_use_iptables "$variant"
	nft flush ruleset
	for t in filter nat; do
		iptables-legacy -t $t -F 2>/dev/null
		iptables-legacy -t $t -X 2>/dev/null
	done
	iptables-restore <"$LAYOUT" || sandbox_die "cannot load $LAYOUT"

	step=seed
	ufw --force enable >/dev/null
	sync_now
	expect_check filtered 0

	step=allow
	ufw allow 5432/tcp >/dev/null
	sync_now
	expect_check open 0

	step=allow-from
	ufw delete allow 5432/tcp >/dev/null
	ufw allow from 198.51.100.3 to any port 5432 >/dev/null
	expect_problem drift # ufw's rules changed since the last sync
	sync_now
	expect_check restricted 0 198.51.100.3
	checks=$((checks + 1))
	"$UFWD" --config "$CONF" status >/dev/null || fail "status: exit $?"

	step=flushed
	iptables -F ufw-docker-input
	expect_check open 3
	expect_problem drift
	expect_problem leak
	sync_now
	expect_check restricted 0 198.51.100.3

	step=no-jump
	iptables -D DOCKER-USER -j ufw-docker-forward
	expect_check open 3
	expect_problem jump
	checks=$((checks + 1))
	"$UFWD" --config "$CONF" status >/dev/null
	[ $? = 3 ] || fail "status does not exit 3 on a missing jump"
	sync_now
	expect_check restricted 0 198.51.100.3

	step=disabled
	ufw disable >/dev/null
	expect_check open 0
	ufw --force enable >/dev/null
	expect_check restricted 0 198.51.100.3
done

# status_has REGEX: `status` prints a line matching REGEX.
status_has() {
	checks=$((checks + 1))
	"$UFWD" --config "$CONF" status 2>&1 | grep -qE "$1" || fail "status lacks /$1/"
}

# ufw on iptables-nft while Docker's rules live in iptables-legacy: our rules
# could never see Docker's traffic. status warns loudly and exits 3, check
# lists a variant problem, sync refuses (exit 4) and changes nothing.
variant=mismatch step=mismatch
sandbox_reset_ufw
sandbox_use_iptables nft
nft flush ruleset
iptables-legacy-restore <"$LAYOUT" || sandbox_die "cannot load $LAYOUT (legacy)"
ufw --force enable >/dev/null
expect_problem variant
status_has 'legacy'
checks=$((checks + 1))
"$UFWD" --config "$CONF" status >/dev/null 2>&1
[ $? = 3 ] || fail "status does not exit 3 on a variant mismatch"
checks=$((checks + 1))
cp /etc/ufw/after.rules "$SANDBOX_STATE/after.rules.before"
"$UFWD" --config "$CONF" sync >/dev/null 2>&1
rc=$?
[ "$rc" = 4 ] || fail "sync exit $rc on a variant mismatch, want 4"
cmp -s /etc/ufw/after.rules "$SANDBOX_STATE/after.rules.before" ||
	fail "sync changed after.rules on a variant mismatch"
for t in filter nat raw; do iptables-legacy -t $t -F 2>/dev/null; iptables-legacy -t $t -X 2>/dev/null; done

# Docker 29 with its nftables firewall backend: one container, 203.0.113.2,
# publishing 5432/tcp (no DOCKER-USER, no iptables rules of Docker's).
docker29_layout() {
	{
		bed_docker29_table ip 203.0.113.0/25
		bed_docker29_in_chain ip "ip daddr 203.0.113.2 tcp dport 5432"
		bed_docker29_dnat ip tcp 5432 203.0.113.2 5432
		bed_docker29_ctdrop ip 203.0.113.2
	} | nft -f -
}

for variant in nft legacy; do
	variant=docker29-$variant
	sandbox_reset_ufw
	sandbox_use_iptables "${variant#docker29-}"
	nft flush ruleset
	for t in filter nat; do
		iptables-legacy -t $t -F 2>/dev/null
		iptables-legacy -t $t -X 2>/dev/null
	done
	docker29_layout || sandbox_die "cannot lay out Docker 29's tables"

	step=seed
	ufw --force enable >/dev/null
	sync_now
	expect_check filtered 0
	status_has '^Backend: nftables \(configured: backend = auto\)'
	status_has 'Tables ip/ip6 ufw-docker: present, in sync'
	checks=$((checks + 1))
	"$UFWD" --config "$CONF" status --json |
		field 'j["backend"]+"/"+j["nft_tables"]' | grep -qx 'nftables/in sync' ||
		fail "status --json: backend/nft_tables"

	step=allow
	ufw allow 5432/tcp >/dev/null
	expect_problem drift # ufw's rules changed since the last sync
	sync_now
	expect_check open 0

	step=allow-from
	ufw delete allow 5432/tcp >/dev/null
	ufw allow from 198.51.100.3 to any port 5432 >/dev/null
	sync_now
	expect_check restricted 0 198.51.100.3

	# Verdicts come from the live rules: our table read back, then ufw's
	# iptables FORWARD (policy DROP here, Debian's default), which lets
	# through only what our table marked. Without our table (or with its
	# input chain flushed) nothing is marked: filtered, and a drift.
	step=deleted
	nft delete table ip ufw-docker
	expect_check filtered 3
	expect_problem drift
	status_has 'Tables ip/ip6 ufw-docker: MISSING \(run: ufw-docker sync\)'
	checks=$((checks + 1))
	"$UFWD" --config "$CONF" status >/dev/null 2>&1
	[ $? = 3 ] || fail "status does not exit 3 on a deleted table"
	sync_now
	expect_check restricted 0 198.51.100.3

	step=flushed
	nft flush chain ip ufw-docker input
	expect_check filtered 3
	expect_problem drift
	status_has 'DIFFERENT'
	sync_now
	expect_check restricted 0 198.51.100.3

	step=forward-accept
	# With ufw's FORWARD policy ACCEPT, the same flush opens the port to
	# everyone, whom ufw denies: a leak.
	forward_policy ACCEPT
	sync_now
	expect_check restricted 0 198.51.100.3
	nft flush chain ip ufw-docker input
	expect_check open 3
	expect_problem drift
	expect_problem leak
	forward_policy DROP
	sync_now
	expect_check restricted 0 198.51.100.3

	step=companion
	iptables -D ufw-after-forward -j ufw-docker-nftmark
	# ufw's FORWARD policy (DROP here) now meets every new connection
	expect_check filtered 3
	expect_problem companion
	sync_now
	expect_check restricted 0 198.51.100.3

	step=disabled
	ufw disable >/dev/null
	expect_check open 0
	status_has 'Tables ip/ip6 ufw-docker: none \(ufw inactive\)'
	ufw --force enable >/dev/null
	expect_check restricted 0 198.51.100.3
done

echo "status-check: $checks checks, $fails failures"
[ "$fails" = 0 ]
