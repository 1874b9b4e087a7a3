#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# e2e-docker20-nft: ufw-docker's end-to-end scenarios (tests/lib/e2e-scenarios.sh)
# with real packets, docker20 layout, iptables-nft. Exit 77 = skipped.
. "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"
set -u
. "$TOP/tests/lib/bed.sh"
. "$TOP/tests/lib/e2e-scenarios.sh"
e2e_main docker20 nft
