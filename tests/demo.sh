#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# demo.sh: the README's first command. In a sandbox of network and mount
# namespaces (never the host's firewall), with a real ufw and a real dockerd
# (or Docker 28's rule layout where dockerd cannot run), it shows Docker
# bypassing ufw, then ufw-docker sync closing the hole, then `ufw allow`
# opening a host port mapped to a different container port. Tears down on
# failure too (bed_down from an EXIT trap; everything else dies with the
# namespaces).
. "$(dirname "$0")/lib/sandbox.sh"
sandbox_enter "$@"
set -u
. "$TOP/tests/lib/bed.sh"
exec 3>/dev/null # the probes' details: not for the demo

if [ -t 1 ]; then
	B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' Y=$'\e[33m' D=$'\e[2m' N=$'\e[0m'
else
	B='' G='' R='' Y='' D='' N=''
fi
T0=$(date +%s.%N)
FAILED=0

say() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
run() {
	printf '%s# %s%s\n' "$D" "$*" "$N"
	"$@" 2>&1 | sed 's/^/  /'
}
# nmap from the outside client: how the internet sees the server.
scan() {
	printf '%s# nmap -Pn -p %s %s   (from the outside client)%s\n' "$D" "$1" "$BED_SRV4" "$N"
	cli nmap -Pn -n --max-retries 1 --host-timeout 20s -p "$1" "$BED_SRV4" |
		awk '/^[0-9]+\/(tcp|udp)/ { printf "  %-10s %s\n", $1, $2 }'
}
# expect PORT WANT: one probe, coloured, counted.
expect() {
	local got
	got=$(probe_tcp "$BED_CLI4" "$BED_SRV4" "$1")
	if [ "$got" = "$2" ]; then
		printf '  %sport %s is %s, as expected%s\n' "$G" "$1" "$got" "$N"
	else
		printf '  %sport %s is %s, expected %s%s\n' "$R" "$1" "$got" "$2" "$N"
		FAILED=$((FAILED + 1))
	fi
}

say "Setting up: a server namespace with ufw and Docker, an outside client"
layout=docker20
bed_up docker20 nft
rc=$?
if [ "$rc" -eq 77 ]; then
	echo "  ${Y}dockerd cannot run here: using Docker 28's rule layout instead${N}"
	layout=docker28
	bed_up docker28 nft || exit 1
elif [ "$rc" -ne 0 ]; then
	exit 1
fi
echo "  server 198.51.100.1 (ufw, $layout), client 198.51.100.2"

say "ufw: deny incoming, allow 22/tcp only"
bed_ufw_baseline || exit 1
run srv ufw status verbose
bed_publish 5432 5432 || exit 1
echo "  a container publishes ${B}-p 5432:5432${N}"

say "The problem: Docker's published port bypasses ufw"
scan 22,5432,8080
expect 5432 open
echo "  ${R}5432 is open to the world although ufw denies it${N}"

say "ufw-docker sync"
run ufwd sync
scan 22,5432,8080
expect 5432 filtered

say "ufw allow 8080/tcp opens host port 8080, mapped to container port 80"
bed_publish 8080 80 || exit 1
echo "  a second container publishes ${B}-p 8080:80${N}"
run srv ufw allow 8080/tcp
run ufwd sync
scan 5432,8080
expect 8080 open
expect 5432 filtered

say "ufw-docker check: what is reachable, computed from the live rules"
run ufwd check

say "Tearing down"
bed_down
printf '\n%sdemo finished in %.1f s: %s%s\n' "$B" \
	"$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" \
	"$([ "$FAILED" -eq 0 ] && echo "${G}every port behaved as expected" ||
		echo "${R}$FAILED port(s) did not behave as expected")" "$N"
[ "$FAILED" -eq 0 ]
