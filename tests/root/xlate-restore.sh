#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# xlate-restore: every committed xlate golden (tests/data/xlate/*.rules) loads
# for real with iptables-restore -n / ip6tables-restore -n, under iptables-nft
# and iptables-legacy, in a private netns: our chains hold exactly the golden's
# rules, a second load adds no duplicates, and iptables-nft can still list.
# Family: v6-*.rules and *-v6.rules are IPv6, every other golden IPv4.
. "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"

fails=0
checks=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# rules_in FILE CHAIN: how many "-A CHAIN " lines a golden has.
rules_in() {
	grep -c -- "^-A $2 " "$1"
}

# listed TOOL CHAIN: how many rules the kernel holds in CHAIN.
listed() {
	"$1" -S "$2" 2>/dev/null | grep -c -- "^-A $2 "
}

# check_counts TOOL GOLDEN: each of our chains holds the golden's rules.
check_counts() {
	local tool=$1 golden=$2 chain want got
	for chain in $(sed -n 's/^:\(ufw-docker-[a-z-]*\) .*/\1/p' "$golden"); do
		want=$(rules_in "$golden" "$chain")
		got=$(listed "$tool" "$chain")
		checks=$((checks + 1))
		[ "$want" = "$got" ] ||
			fail "$(basename "$golden") $tool: $chain has $got rules, want $want"
	done
}

# nft_lists FAMILY: iptables-nft can list the filter table (no "incompatible").
nft_lists() {
	local save=iptables-nft-save list=iptables-nft out
	[ "$1" = 6 ] && save=ip6tables-nft-save list=ip6tables-nft
	checks=$((checks + 1))
	if ! out=$($list -S 2>&1) || grep -qi incompatible <<<"$out"; then
		fail "$list -S: $out"
	fi
	if ! out=$($save -t filter 2>&1) || grep -qi incompatible <<<"$out"; then
		fail "$save: $out"
	fi
}

# load_golden VARIANT GOLDEN: restore twice, check counts after each load.
load_golden() {
	local v=$1 golden=$2 fam=4 tool=iptables n
	case "$(basename "$golden")" in v6-* | *-v6.rules) fam=6 tool=ip6tables ;; esac
	for n in 1 2; do
		checks=$((checks + 1))
		if ! $tool-restore -n <"$golden"; then
			fail "$(basename "$golden") $v: $tool-restore -n (load $n)"
			return
		fi
		check_counts "$tool" "$golden"
	done
	nft_lists "$fam"
}

# The goldens must exercise both families, or this test proves little.
goldens=("$TOP"/tests/data/xlate/*.rules)
[ -e "${goldens[0]}" ] || sandbox_die "no goldens in tests/data/xlate"
ls "$TOP"/tests/data/xlate/v6-*.rules >/dev/null || sandbox_die "no v6 goldens"

for variant in nft legacy; do
	sandbox_use_iptables "$variant"
	for g in "${goldens[@]}"; do
		load_golden "$variant" "$g"
	done
	# A final load of a smaller block replaces, never appends.
	iptables-restore -n <"$TOP/tests/data/xlate/v4-empty.rules"
	checks=$((checks + 1))
	[ "$(listed iptables ufw-docker-input)" = 2 ] ||
		fail "$variant: v4-empty after a big block: stale rules left"
done

echo "xlate-restore: ${#goldens[@]} goldens x 2 variants, $checks checks, $fails failed"
[ "$fails" -eq 0 ]
