#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# e2e-docker28-legacy: ufw-docker's end-to-end scenarios (tests/lib/e2e-scenarios.sh)
# with real packets, docker28 layout, iptables-legacy. Exit 77 = skipped.
. "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"
set -u
. "$TOP/tests/lib/bed.sh"
. "$TOP/tests/lib/e2e-scenarios.sh"
e2e_main docker28 legacy
