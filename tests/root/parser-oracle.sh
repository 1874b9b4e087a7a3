#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# parser-oracle: real ufw writes user*.rules, then `ufw show added` (ufw's own
# reader) and `ufw-docker show added` (ours) must print the same lines.
. "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"
set -u

WORK=$SANDBOX_STATE/oracle
mkdir -p "$WORK"
ncmd=0
nhand=0
ncmp=0
nagree=0
nfail=0

# compare LABEL: ufw's and our `show added` on the current files.
compare() {
	local label=$1 rc
	ncmp=$((ncmp + 1))
	ufw show added >"$WORK/want" 2>"$WORK/want.err"
	"$UFWD" --root / show added >"$WORK/got" 2>"$WORK/got.err"
	rc=$?
	if [ "$rc" -ne 0 ] || ! cmp -s "$WORK/want" "$WORK/got"; then
		nfail=$((nfail + 1))
		echo "MISMATCH after: $label (ufw-docker rc=$rc)"
		diff -u --label "ufw show added" --label "ufw-docker show added" \
			"$WORK/want" "$WORK/got" | head -40
		head -5 "$WORK/got.err"
		return 1
	fi
	nagree=$((nagree + 1))
}

# u ARGS...: one ufw command that must succeed, then the comparison.
u() {
	ncmd=$((ncmd + 1))
	if ! ufw "$@" >"$WORK/ufw.out" 2>&1; then
		nfail=$((nfail + 1))
		echo "ufw $* failed (the test is wrong, not the parser):"
		cat "$WORK/ufw.out"
		return 1
	fi
	compare "ufw $*"
}

# u_refused ARGS...: a command ufw refuses; files must be unchanged and agree.
u_refused() {
	ncmd=$((ncmd + 1))
	if ufw "$@" >"$WORK/ufw.out" 2>&1; then
		nfail=$((nfail + 1))
		echo "ufw $* unexpectedly succeeded"
		return 1
	fi
	compare "refused: ufw $*"
}

# /etc/default/ufw is a bind mount: rewrite it in place (sed -i renames).
set_ipv6() {
	sed "s/^IPV6=.*/IPV6=$1/" /etc/default/ufw >"$WORK/default-ufw"
	cat "$WORK/default-ufw" >/etc/default/ufw
}

basics() {
	u allow 22/tcp
	u deny 23
	u reject 113/udp
	u limit 2222/tcp
	u allow log 80/tcp
	u allow log-all 8443/tcp
	u deny log 6000:6007/tcp
	u limit log 2223/tcp
	u reject log-all 2224/tcp
	u allow 80,443,8000:8080/tcp
	u allow proto udp from 198.51.100.0/24 port 1000:2000 to any port 53,5353
	u allow 1:65535/udp
	u deny proto tcp from any to any port 135,139,445
	u allow 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15/tcp
}

services() {
	u allow ssh
	u deny smtp
	u allow http/tcp
	u reject domain
}

addresses() {
	u allow from 198.51.100.7
	u deny from 203.0.113.0/255.255.255.128
	u allow from 198.51.100.0/255.0.255.0
	u allow from 198.51.100.9/24 to any port 8080 proto tcp
	u deny from 203.0.113.0/24 to 198.51.100.0/24 port 1:1024 proto tcp
	u allow from 198.51.100.5/32 port 53 proto udp
	u allow from 2001:db8::1 to any port 22 proto tcp
	u allow from 2001:DB8:0:0::/64
	u deny to 2001:db8:1::5/128 port 443 proto tcp
	u reject from 2001:db8:0:0:0:0:0:77 port 123 to 2001:db8::/32 proto udp
}

protocols() {
	u allow proto esp from 198.51.100.1
	u allow proto ah from 203.0.113.4
	u allow proto gre to any
	u allow proto ipv6 from 198.51.100.2
	u allow proto igmp from 203.0.113.0/24
	u deny proto vrrp from 198.51.100.3
	u allow proto esp from 2001:db8::3
}

interfaces() {
	u allow in on eth0 to any port 8080
	u deny out on eth+ to 203.0.113.9 port 25 proto tcp
	u allow in on my_if to any port 9000 proto udp
	u allow in on 'a=b%c@d,e'
	u reject out 6667/tcp
	u allow out on wlan0
	u allow in on eth0.100 from 2001:db8:5::/48
	u deny in on myport from 198.51.100.0/24
	u allow in on report to any port 22 proto tcp
}

routes() {
	u route allow in on eth0 out on docker0 to 203.0.113.10 port 5432 proto tcp
	u route deny in on eth1
	u route reject out on br-abc123 to any port 53 proto udp
	u route limit in on eth0 to any port 22 proto tcp
	u route allow log-all from 2001:db8::/48 to 2001:db8:1::/64
	u route allow in on eth0 out on eth1 proto esp
	u route deny in on eth1 out on eth0 log from 198.51.100.0/24
	u route allow out on eth1 in on eth0 to any port 443 proto tcp
	u route allow 8080/tcp
}

apps() {
	u allow OpenSSH
	u allow 'WWW Full'
	u deny in on eth0 to any app 'WWW Secure'
	u allow from 198.51.100.0/24 app OpenSSH to any app OpenSSH
	u allow from any app 'WWW Cache'
	u reject log Deluge
	u allow Transmission
	u route allow in on eth0 out on eth1 to any app WWW
	u allow out 'Kerberos Full'
	u allow from 2001:db8::/32 to any app 'mail submission'
}

comments() {
	u allow 9001 comment "$(printf 'line1\nline2')"
	# shellcheck disable=SC2016 # $ and ` are the comment's own text
	u allow 9002/tcp comment 'has "double" quotes, `tick` $dollar \backslash;#'
	u allow 9003 comment 'ünïcødé ✓ 日本'
	u allow 9004 comment '-j ACCEPT'
	u allow 9005 comment 'COMMIT'
	u allow 9006 comment 'x comment=41 ### tuple ### allow tcp 1 0.0.0.0/0 any 0.0.0.0/0 in'
	u allow 9007 comment "$(printf 'tab\tand  double  spaces ')"
	u route allow in on eth0 out on eth1 to any port 9008 proto tcp comment 'route comment'
	u allow 'WWW Secure' comment 'app with comment'
	u_refused allow 9009 comment "it's"
}

reorder() {
	u insert 1 deny from 203.0.113.66
	u insert 3 allow 7000/udp
	u prepend deny from 198.51.100.99
	u prepend deny from 2001:db8::99
	u route insert 1 deny from 203.0.113.0/24
}

updates() {
	u allow 22/tcp comment 'ssh updated'
	u reject 23
	u allow 9001 comment ''
	u deny 'WWW Full'
	u allow 9003 comment 'replaced'
}

deletes() {
	u delete allow 80,443,8000:8080/tcp
	u delete deny smtp
	u --force delete 2
	u delete deny 'WWW Full'
	u route delete deny in on eth1
	u delete allow 9002/tcp
	u --force delete 1
}

# Odd tuple lines ufw never writes but reads (hand edits, old versions): each
# goes into a file of its own, between two good tuples, v4 or v6.
HAND4=(
	'### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0'
	'### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 Apache -'
	'### tuple ### deny any any 0.0.0.0/0 any 0.0.0.0/0 sideways_eth0'
	'### tuple ### allow tcp 23 0.0.0.0/0 any 0.0.0.0/0 in comment=616263'
	'### tuple ### allow tcp 24 0.0.0.0/0 any 0.0.0.0/0 in comment=61626'
	'### tuple ### allow tcp 99999 0.0.0.0/0 any 0.0.0.0/0 in'
	'### tuple ### ALLOW tcp 25 0.0.0.0/0 any 0.0.0.0/0 in'
	'### tuple ### bogus tcp 26 0.0.0.0/0 any 0.0.0.0/0 in'
	'### tuple ### allow tcp 27 0.0.0.0/0 any 0.0.0.0/0 in_eth0!out_eth1'
	'### tuple ### allow tcp 28 0.0.0.0/0 any 0.0.0.0/0 in    extra'
	'### tuple ### allow tcp 29 0.0.0.0/0'
	'### tuple ### route:allow tcp 30 0.0.0.0/0 any 0.0.0.0/0 out'
	'### tuple ### allow_foo tcp 32 0.0.0.0/0 any 0.0.0.0/0 in'
	'### tuple ### allow tcp 33 10.0.0.1/24 any 0.0.0.0/0 in'
	'### tuple ### allow sctp 34 0.0.0.0/0 any 0.0.0.0/0 in'
	'###   tuple ### allow tcp 35 0.0.0.0/0 any 0.0.0.0/0 in'
	'### tuple ###allow tcp 36 0.0.0.0/0 any 0.0.0.0/0 in'
	'### tuple ### allow tcp 37 0.0.0.0/0 any 0.0.0.0/0 in_my_if'
	$'### tuple ### allow tcp 40 0.0.0.0/0 any 0.0.0.0/0 in\r'
	$'### tuple ### allow tcp 41 0.0.0.0/0 any 0.0.0.0/0 in\r### tuple ### deny tcp 42 0.0.0.0/0 any 0.0.0.0/0 in'
	$'### tuple ###\tallow\ttcp\t43\t0.0.0.0/0\tany\t0.0.0.0/0\tin\t'
	' ### tuple ### allow tcp 44 0.0.0.0/0 any 0.0.0.0/0 in'
	'### tuple ### x:allow tcp 45 0.0.0.0/0 any 0.0.0.0/0 in'
	'### tuple ### route:allow_log-all udp 46 0.0.0.0/0 any 0.0.0.0/0 in_eth0'
	'### tuple ### allow tcp 47 0.0.0.0/0 any 0.0.0.0/0 in comment=4142   '
	'### tuple ### allow tcp 48 0.0.0.0/0 any 0.0.0.0/0 in  comment=4142'
	'### tuple ### allow tcp 49 0.0.0.0/0 any 0.0.0.0/0 in comment='
	'### tuple ### route:allow tcp 50 0.0.0.0/0 any 0.0.0.0/0 in_eth0!out_eth1 comment=e697a5e69cac'
	'### tuple ### deny udp 51 0.0.0.0/0 any 0.0.0.0/0 in_eth0!out_'
	'### tuple ### allow tcp 52 0.0.0.0/0 any 0.0.0.0/0 in_eth0 extra stuff'
	'### tuple ### limit tcp 53 0.0.0.0/0 any 0.0.0.0/0 out_eth0'
	'### tuple ### allow tcp 0 0.0.0.0/0 any 0.0.0.0/0 in'
	'### tuple ### allow tcp 65535 0.0.0.0/0 1 0.0.0.0/0 in'
	'### tuple ### allow tcp 80,80 0.0.0.0/0 any 0.0.0.0/0 in'
	'### tuple ### allow tcp 20:10 0.0.0.0/0 any 0.0.0.0/0 in'
	'### tuple ### allow udp 53,1:1000 0.0.0.0/0 any 0.0.0.0/0 in'
	'### tuple ### allow tcp ssh 0.0.0.0/0 any 0.0.0.0/0 in'
	'### tuple ### allow esp 22 0.0.0.0/0 any 0.0.0.0/0 in'
	'### tuple ### allow any 22 0.0.0.0/0 any 0.0.0.0/0 in'
	'### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 - - in'
	'### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 WWW%20Full%20 - in'
	'### tuple ### allow tcp 22 ::/0 any 0.0.0.0/0 in'
	'### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/33 in'
	'### tuple ### allow tcp 22 any any any in'
	'### tuple ### allow tcp 22 0.0.0.0/0 any 198.51.100.7/255.255.255.0 in'
	'### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in_eth0123456789abcdef'
	'### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in_lo:1'
	'### tuple ### allow tcp 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16 0.0.0.0/0 any 0.0.0.0/0 in'
	'### tuple ### allow tcp 1:2,3:4,5:6,7:8,9:10,11:12,13:14,15:16 0.0.0.0/0 any 0.0.0.0/0 in'
	'### tuple ### reject udp 53 0.0.0.0/0 any 0.0.0.0/0 in_eth0!out_eth1!out_eth2'
	'### tuple ### allow gre any 0.0.0.0/0 any 0.0.0.0/0 in'
	'### tuple ### allow icmp any 0.0.0.0/0 any 0.0.0.0/0 in'
	'### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=00'
)
HAND6=(
	'### tuple ### allow tcp 22 ::/0 any 2001:DB8::1 in'
	'### tuple ### allow tcp 22 ::/0 any 2001:db8::1/64 in'
	'### tuple ### allow tcp 22 ::/0 any 198.51.100.7 in'
	'### tuple ### allow tcp 22 ::/0 any 2001:db8::/129 in'
	'### tuple ### allow ipv6 any ::/0 any ::/0 in'
	'### tuple ### allow tcp 22 ::/0 any ::ffff:198.51.100.1 in'
	'### tuple ### route:deny any any 2001:db8::/32 any ::/0 in_eth0!out_eth1'
	'### tuple ### allow tcp 22 ::/0 any ::/0'
)

# hand FAM LINE: LINE between two good tuples in user.rules (4) or user6.rules.
hand() {
	local fam=$1 line=$2 any=0.0.0.0/0 f=/etc/ufw/user.rules
	if [ "$fam" = 6 ]; then
		any=::/0
		f=/etc/ufw/user6.rules
	fi
	sandbox_reset_ufw
	{
		printf '*filter\n### RULES ###\n\n'
		printf '### tuple ### allow tcp 1 %s any %s in\n' "$any" "$any"
		printf '%s\n' "$line"
		printf '### tuple ### deny udp 2 %s any %s out\n' "$any" "$any"
		printf '### END RULES ###\nCOMMIT\n'
	} >"$f"
	nhand=$((nhand + 1))
	if ! ufw show added >/dev/null 2>&1; then
		nfail=$((nfail + 1))
		echo "ufw itself fails on the hand-made line (drop it): $line"
		return 1
	fi
	compare "hand-made v$fam line: $(printf %q "$line")"
}

handmade() {
	local l
	for l in "${HAND4[@]}"; do
		hand 4 "$l"
	done
	for l in "${HAND6[@]}"; do
		hand 6 "$l"
	done
}

main() {
	local start=$SECONDS
	command -v ufw >/dev/null || {
		echo "parser-oracle: ufw not installed"
		exit 77
	}
	[ -x "$UFWD" ] || sandbox_die "no ufw-docker binary at $UFWD"

	compare "pristine files"
	basics
	services
	addresses
	protocols
	interfaces
	routes
	apps
	comments
	reorder
	updates
	deletes

	# ufw ignores user6.rules with IPV6=no, even when it holds tuples.
	set_ipv6 no
	compare "IPV6=no over v4+v6 files"
	set_ipv6 yes

	# A fresh set written with IPV6=no (user6.rules stays as shipped).
	sandbox_reset_ufw
	set_ipv6 no
	u allow 22/tcp
	u deny from 198.51.100.0/24 to any port 80,443 proto tcp
	u allow log OpenSSH
	u route allow in on eth0 out on docker0 to 203.0.113.2 port 5432 proto tcp
	u limit 2222/tcp comment 'v4 only'
	u insert 1 reject proto gre from 203.0.113.5
	u_refused allow from 2001:db8::1
	u delete allow 22/tcp
	set_ipv6 yes

	handmade

	echo "parser-oracle: $ncmd commands, $nhand hand-made files, $ncmp comparisons, $nagree agreed, $nfail failed ($((SECONDS - start)) s)"
	[ "$nfail" -eq 0 ]
}

main
