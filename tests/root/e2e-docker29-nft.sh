#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# e2e-docker29-nft: ufw-docker's end-to-end scenarios (tests/lib/e2e-scenarios.sh)
# with real packets on the docker29 layout (Docker 29's nftables firewall
# backend, laid out by tests/lib/bed.sh), ufw on iptables-nft, and sync's
# nftables backend (backend = nftables; the after.init hook runs with the
# default config, where auto picks nftables because docker-bridges exists).
# The bar: the same packet-level suite as the iptables backend passes.
# Exit 77 = skipped (the bed cannot run here, or sync has no nftables
# backend at all yet).
. "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"
set -u
. "$TOP/tests/lib/bed.sh"
. "$TOP/tests/lib/e2e-scenarios.sh"
conf=$SANDBOX_STATE/e2e-nftables.conf
printf '[general]\nbackend = nftables\n' >"$conf"
if [ -x "$UFWD" ]; then
	if ! out=$("$UFWD" --config "$conf" sync --dry-run 2>&1) &&
		grep -qi 'nftables.*not supported' <<<"$out"; then
		echo "# $out"
		echo "SKIP: sync has no nftables backend yet"
		exit 77
	fi
fi
UFWD_ARGS="--config $conf"
e2e_main docker29 nft
