#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# e2e-docker20v6-nft: ufw-docker's end-to-end scenarios (tests/lib/e2e-scenarios.sh)
# with real packets, docker20 layout with IPv6 (dockerd 20.10 --ipv6
# --fixed-cidr-v6 2001:db8:1::/64 --ip6tables, experimental in 20.10),
# iptables-nft. The scenarios where v6 matters by default (the others are
# the same as e2e-docker20-nft's, with a v4 daemon); E2E_ONLY=... overrides.
# Exit 77 = skipped.
. "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"
set -u
. "$TOP/tests/lib/bed.sh"
. "$TOP/tests/lib/e2e-scenarios.sh"
BED_DOCKER20_V6=1
E2E_ONLY=${E2E_ONLY:-seed v6 egress lifecycle}
e2e_main docker20 nft
