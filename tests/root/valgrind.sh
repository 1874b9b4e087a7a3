#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# valgrind: the end-to-end paths (show added, sync files-only then live, in
# sync, --dry-run, hook start/stop/status, status, check, check --json,
# uninstall) under memcheck in a private netns with real ufw and Docker's
# layout (iptables-nft, iptables-legacy, Docker 29's nftables with our
# nftables backend): each exits with its normal code, never 99 (a definite or
# indirect leak, an invalid access, uninitialised bytes used or sent).
. "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"

command -v valgrind >/dev/null || { echo "SKIP: no valgrind" >&2; exit 77; }
LAYOUT=$TOP/tests/data/nft/docker20.10-no-ufw.iptables-save.txt
NFT_LAYOUT=$TOP/tests/data/nft/docker29-bridges.nft
if [ ! -r "$LAYOUT" ] || [ ! -r "$NFT_LAYOUT" ]; then
	echo "SKIP: no Docker layout" >&2
	exit 77
fi
[ -x "$UFWD" ] || sandbox_die "no ufw-docker binary at $UFWD"
CONF=$SANDBOX_STATE/ufw-docker.conf
LOGS=$SANDBOX_STATE/valgrind
mkdir -p "$LOGS"
fails=0
runs=0

# vg WANT-RC ARGS...: ufw-docker ARGS under memcheck must exit WANT-RC
# (a code, or codes as "0|3").
vg() {
	local want=$1 rc log
	shift
	runs=$((runs + 1))
	log=$LOGS/$runs.log
	valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
		--log-file="$log" "$UFWD" --config "$CONF" "$@" \
		>"$LOGS/$runs.out" 2>"$LOGS/$runs.err"
	rc=$?
	if ! [[ "|$want|" == *"|$rc|"* ]]; then
		echo "FAIL [$variant] ufw-docker $*: exit $rc, want $want" >&2
		sed 's/^/    /' "$log" "$LOGS/$runs.err" | head -60 >&2
		fails=$((fails + 1))
	fi
}

# ufw rules of every kind xlate translates, with a hostile comment.
add_rules() {
	ufw allow 5432/tcp comment $'x\n-j ACCEPT\nCOMMIT' >/dev/null
	ufw allow from 198.51.100.3 to any port 8080 proto tcp >/dev/null
	ufw deny in on eth0 to any port 9000 >/dev/null
	ufw limit 2222/tcp >/dev/null
	ufw reject log 5353/udp >/dev/null
	ufw route allow in on eth0 out on docker0 to 172.17.0.0/16 port 80 proto tcp >/dev/null
	ufw allow OpenSSH >/dev/null 2>&1 || true
	ufw allow from 2001:db8::5 to any port 443 proto tcp >/dev/null
}

# Docker's layout for the variant: iptables (nft or legacy) for our iptables
# backend, Docker 29's nftables tables for our nftables backend.
load_docker() {
	nft flush ruleset
	for t in filter nat; do
		iptables-legacy -t $t -F 2>/dev/null
		iptables-legacy -t $t -X 2>/dev/null
	done
	if [ "$variant" = nftables ]; then
		nft -f "$NFT_LAYOUT" || sandbox_die "cannot load $NFT_LAYOUT"
	else
		iptables-restore <"$LAYOUT" || sandbox_die "cannot load $LAYOUT"
	fi
}

for variant in nft legacy nftables; do
	sandbox_reset_ufw
	sandbox_use_iptables "${variant/nftables/nft}"
	load_docker
	: >"$CONF"
	add_rules

	vg 0 show added
	vg 0 sync # ufw disabled: the files only
	ufw --force enable >/dev/null
	vg 0 sync # live
	vg 0 sync # already in sync
	vg 0 sync --dry-run
	ufw allow 8443/tcp >/dev/null
	vg 0 sync --dry-run # a change to show
	vg 0 sync
	vg 0 hook stop
	vg 0 hook status
	vg 0 hook start
	vg 0 hook status
	vg 0 status
	vg 0 check
	vg 0 check --json
	vg 0 uninstall
	vg 0 uninstall # nothing left
	ufw --force disable >/dev/null
done

echo "valgrind: $runs runs, $fails failures"
[ "$fails" = 0 ]
