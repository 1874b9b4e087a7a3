# shellcheck shell=bash
# SPDX-License-Identifier: GPL-3.0-or-later
# e2e-scenarios.sh: ufw-docker's end-to-end scenarios, every verdict seen
# with real packets from the client netns of bed.sh. Each scenario runs on a
# fresh bed (fresh namespaces: no firewall state, conntrack or "recent" table
# left from the one before) with ufw enabled: default deny incoming, allow
# 22/tcp. Source bed.sh first; then `e2e_main LAYOUT VARIANT`.
# E2E_ONLY="seed limit" runs only the named scenarios.

E2E_SCENARIOS=(seed hostport source reject limit iface order route v6 egress lifecycle boot log fwdrop tamper)

# The beds with v6 and udp echo services (no daemon: network namespaces).
e2e_nsbed() { [ "$BED_LAYOUT" = docker28 ] || [ "$BED_LAYOUT" = docker29 ]; }
# The beds with IPv6 published ports (docker20: with BED_DOCKER20_V6=1).
e2e_v6bed() { e2e_nsbed || [ -n "${BED_DOCKER20_V6:-}" ]; }

# ---------------------------------------------------------------- helpers

# u ARGS...: a ufw command in the server; a failure is a failed check (the
# test's own command was wrong, or ufw refused it). What the probes saw
# before it is compared with check first (ck_flush).
u() {
	local out
	ck_flush
	if ! out=$(srv ufw "$@" 2>&1); then
		t_fail "ufw $* failed: $(echo "$out" | tail -1)"
		return 1
	fi
}

# ud_sync LABEL: `ufw-docker sync` must succeed.
ud_sync() {
	ck_flush
	t_run "ufw-docker sync ($1)" ufwd sync
}

# tcp SRC PORT WANT [DST]: a connection from SRC to the server's PORT gets WANT.
tcp() {
	local dst=${4:-$BED_SRV4} got
	[[ $1 == *:* ]] && dst=${4:-$BED_SRV6}
	got=$(probe_tcp "$1" "$dst" "$2")
	t_eq "$E2E_CUR: tcp $1 -> $dst:$2 $3" "$3" "$got"
	ck_note tcp "$1" "$dst" "$2" "$got"
}
# rt SRC PORT WANT: a line through the container's echo service and back.
rt() {
	local dst=$BED_SRV4 got
	[[ $1 == *:* ]] && dst=$BED_SRV6
	got=$(roundtrip_tcp "$1" "$dst" "$2")
	t_eq "$E2E_CUR: round trip $1 -> $dst:$2 $3" "$3" "$got"
	ck_note tcp "$1" "$dst" "$2" "$got"
}
# udp SRC PORT WANT
udp() {
	local got
	got=$(probe_udp "$1" "$BED_SRV4" "$2")
	t_eq "$E2E_CUR: udp $1 -> $BED_SRV4:$2 $3" "$3" "$got"
	ck_note udp "$1" "$BED_SRV4" "$2" "$got"
}

# ---------------------------------------------------------------- check
# "For every scenario, check's verdicts must equal what the outside client
# measures with real packets." Every probe is noted; before the next change
# (a ufw command, a sync, a dockerd restart, the end of the scenario)
# ck_flush runs `ufw-docker check --json` once and, for each published port
# probed (family, proto, host port, destination), compares:
#   verdict  open from every source tried -> open; from none -> filtered
#            (refused, filtered, ... all count as not open); from some ->
#            restricted. CK_WANT overrides this where the probes cannot
#            see all of it (alternatives as "open|restricted").
#   sources  for each source tried, whether check says it gets in (open:
#            all, filtered: none, restricted: covered by an entry of
#            "sources", read with its "except", "to" and "on" parts; the
#            probes arrive on $BED_SRV_IF) equals what the probes measured.
# A source counts as open when any of its probes in the step was open.
CK_REC=()     # "PROTO FAMILY DST PORT SRC RESULT", since the last flush
CK_LABEL=
CK_N=0
CK_WANT=

# ck_note PROTO SRC DST PORT RESULT
ck_note() {
	local fam=4
	[[ $3 == *:* ]] && fam=6
	[ ${#CK_REC[@]} -eq 0 ] && CK_LABEL=$E2E_CUR
	CK_REC+=("$1 $fam $3 $4 $2 $5")
}

# The comparison, on check's JSON (stdin):
#   FAMILY PROTO PORT IFACE DST SRC...  ->  line 1: check's verdict (or
#   "no-port", "N-ports"), line 2: "SRC=open|closed ..." as check predicts.
# shellcheck disable=SC2016
CK_PY='
import ipaddress, json, re, sys
fam, proto, port, iface, dst = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
srcs = sys.argv[6:]
doc = json.load(sys.stdin)
ents = [p for p in doc.get("ports", [])
        if p["family"] == fam and p["proto"] == proto and p["host_port"] == port]
if len(ents) != 1:
    print("no-port" if not ents else "%d-ports" % len(ents)); print("-"); sys.exit(0)
e = ents[0]
v = e["verdict"]
def net(s):
    if s == "Anywhere": return ipaddress.ip_network("::/0" if fam == 6 else "0.0.0.0/0")
    return ipaddress.ip_network(s, strict=False)
RX = re.compile(r"^(\S+)(?: except (.+?))?(?: to (\S+))?(?: on (other interfaces|\S+))?$")
parsed, named = [], []
for s in e["sources"]:
    m = RX.match(s)
    if not m:
        print(v); print("unreadable-source:" + s.replace(" ", "_")); sys.exit(0)
    parsed.append(m.groups())
    if m.group(4) and m.group(4) != "other interfaces": named.append(m.group(4))
def ifmatch(pat, name):
    return name.startswith(pat[:-1]) if pat.endswith("+") else pat == name
def covered(src):
    ip, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    for s, exc, to, on in parsed:
        if ip not in net(s): continue
        if exc and any(ip in net(x) for x in exc.split(", ")): continue
        if to and d not in net(to): continue
        if on == "other interfaces" and any(ifmatch(n, iface) for n in named): continue
        if on and on != "other interfaces" and not ifmatch(on, iface): continue
        return True
    return False
out = []
for src in srcs:
    o = v == "open" or (v == "restricted" and covered(src))
    out.append("%s=%s" % (src, "open" if o else "closed"))
print(v); print(" ".join(out))
'

# ck_flush: compare the probes noted since the last flush with check.
ck_flush() {
	local json rc key keys=() r proto fam dst port src res srcs meas want got pred n
	[ ${#CK_REC[@]} -gt 0 ] || return 0
	CK_N=$((CK_N + 1))
	local label="$CK_LABEL (check #$CK_N)"
	json=$(ufwd check --json 2>"$BED_ROOT/check.err")
	rc=$?
	CK_REC_NOW=("${CK_REC[@]}")
	CK_REC=()
	# 0: no problem, 3: a problem found (a leak before sync): both report.
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
		t_fail "$label: ufw-docker check --json exited $rc: $(tail -1 "$BED_ROOT/check.err")"
		return 1
	fi
	echo "#   check: $json" | cut -c1-600 >&3
	for r in "${CK_REC_NOW[@]}"; do
		key=${r% * *}
		[[ " ${keys[*]} " == *" ${key// /_} "* ]] || keys+=("${key// /_}")
	done
	for key in "${keys[@]}"; do
		read -r proto fam dst port <<<"${key//_/ }"
		srcs=() meas=""
		for r in "${CK_REC_NOW[@]}"; do
			[ "${r% * *}" = "$proto $fam $dst $port" ] || continue
			src=${r#* * * * } res=${src#* } src=${src%% *}
			[[ " ${srcs[*]} " == *" $src "* ]] || srcs+=("$src")
			[ "$res" = open ] && meas+=" $src=open"
		done
		# Measured: per source open (any probe open) or closed.
		local m="" nopen=0
		for src in "${srcs[@]}"; do
			if [[ "$meas " == *" $src=open "* ]]; then
				m+=" $src=open" nopen=$((nopen + 1))
			else
				m+=" $src=closed"
			fi
		done
		m=${m# }
		if [ "$nopen" -eq "${#srcs[@]}" ]; then
			want=open
		elif [ "$nopen" -eq 0 ]; then
			want=filtered
		else
			want=restricted
		fi
		want=${CK_WANT:-$want}
		{
			read -r got
			read -r pred
		} < <(printf '%s\n' "$json" | "$BED_PY" -c "$CK_PY" "$fam" "$proto" "$port" \
			"$BED_SRV_IF" "$dst" "${srcs[@]}" 2>&1)
		n="$label: v$fam $proto $dst:$port"
		if [[ "|$want|" == *"|$got|"* ]]; then
			t_ok "$n: check's verdict ($got) matches the probes"
		else
			t_fail "$n: check's verdict: want '$want' (probes: $m), got '$got'"
		fi
		t_eq "$n: check's sources give the probes' answers" "$m" "$pred"
	done
}

# Rules in our chains (iptables-save lines), per family; docker29 (the
# nftables backend): rules in our table (`nft -a` puts "# handle N" on
# rules and on table, chain and set heads; heads end in "{").
n_ours4() {
	if [ "$BED_LAYOUT" = docker29 ]; then n_nft_rules ip; else
		srv iptables-save | grep -c '^-A ufw-docker-'
	fi
}
n_ours6() {
	if [ "$BED_LAYOUT" = docker29 ]; then n_nft_rules ip6; else
		srv ip6tables-save | grep -c '^-A ufw-docker-'
	fi
}
n_nft_rules() { srv nft -a list table "$1" ufw-docker 2>/dev/null | grep '# handle' | grep -vc '{'; }
# n_tables: our nf_tables tables (the nftables backend's).
n_tables() { srv nft list tables | grep -c 'ufw-docker'; }
# n_jumps iptables|ip6tables: jumps from DOCKER-USER into our entry chain;
# docker29: from ufw-after-forward (v6: ufw6-after-forward) into the
# companion chain (it lets what our tables accepted pass ufw's iptables
# FORWARD policy).
n_jumps() {
	local c=ufw-after-forward
	[ "$1" = ip6tables ] && c=ufw6-after-forward
	if [ "$BED_LAYOUT" = docker29 ]; then
		srv "$1" -S "$c" 2>/dev/null | grep -c -- '-j ufw-docker-nftmark$'
	else
		srv "$1" -S DOCKER-USER | grep -c -- '-j ufw-docker-forward'
	fi
}
# first_du iptables|ip6tables: the first rule of DOCKER-USER.
first_du() { srv "$1" -S DOCKER-USER | sed -n 2p; }

# log_counters: "RULES PACKETS" summed over LOG rules in our chains.
log_counters() {
	srv iptables-save -c | awk '
		/^\[[0-9]+:[0-9]+\] -A ufw-docker-.* -j LOG/ {
			split(substr($1, 2), a, ":"); n += a[1]; c++
		}
		END { print c + 0, n + 0 }'
}

# ---------------------------------------------------------------- scenarios

# 1. The seed case: -p 5432:5432 is open from outside with ufw active (the
#    bug reproduces), and filtered once synced.
sc_seed() {
	bed_publish 5432 5432 || return 1
	tcp "$BED_CLI4" 5432 open
	rt "$BED_CLI4" 5432 open
	ud_sync "default deny"
	tcp "$BED_CLI4" 5432 filtered
	tcp "$BED_CLI4B" 5432 filtered
	rt "$BED_CLI4" 5432 filtered
}

# 2. -p 15432:5432: the host port decides, not the container port.
sc_hostport() {
	bed_publish 15432 5432 || return 1
	tcp "$BED_CLI4" 15432 open
	u allow 5432 || return 1
	ud_sync "allow 5432 (container port only)"
	tcp "$BED_CLI4" 15432 filtered
	u allow 15432/tcp || return 1
	ud_sync "allow 15432/tcp"
	tcp "$BED_CLI4" 15432 open
	rt "$BED_CLI4" 15432 open
}

# 3. A source-restricted allow.
sc_source() {
	bed_publish 5432 5432 || return 1
	u allow from "$BED_CLI4B" to any port 5432 || return 1
	ud_sync "allow from .3 to any port 5432"
	tcp "$BED_CLI4B" 5432 open
	rt "$BED_CLI4B" 5432 open
	tcp "$BED_CLI4" 5432 filtered
}

# 4. reject: a TCP reset (refused at once), not silence; udp: ICMP port
#    unreachable (docker28/29: the bed has a udp echo there).
sc_reject() {
	bed_publish 5432 5432 || return 1
	if e2e_nsbed; then
		bed_publish 5353 5353 udp || return 1
		udp "$BED_CLI4" 5353 open
	fi
	u reject 5432/tcp || return 1
	e2e_nsbed && { u reject 5353/udp || return 1; }
	ud_sync "reject 5432/tcp"
	tcp "$BED_CLI4" 5432 refused
	tcp "$BED_CLI4B" 5432 refused
	e2e_nsbed && udp "$BED_CLI4" 5353 refused
	return 0
}

# 5. limit: ufw's recent match, hitcount 6 in 30 s (the current one counts):
#    new connections 1-5 from one source pass, the 6th and 7th are refused;
#    another source still gets in.
sc_limit() {
	local i
	# check cannot know the rate state (the 6th connection refused is the
	# "recent" table's, not a rule's): what it can say is that the port is
	# reachable, from both sources.
	local CK_WANT="open|restricted"
	bed_publish 5432 5432 || return 1
	u limit 5432/tcp || return 1
	ud_sync "limit 5432/tcp"
	for i in 1 2 3 4 5; do
		E2E_CUR="limit #$i" tcp "$BED_CLI4" 5432 open
	done
	E2E_CUR="limit #6" tcp "$BED_CLI4" 5432 refused
	E2E_CUR="limit #7" tcp "$BED_CLI4" 5432 refused
	E2E_CUR="limit, other source" tcp "$BED_CLI4B" 5432 open
	ck_flush
}

# 6. Interface rules: the interface the connection arrived on.
sc_iface() {
	# An interface rule makes the port reachable through that interface
	# only: "restricted" even when every probe (all arrive on ext0) gets in,
	# or none does (eth9 does not exist here). The sources comparison still
	# checks each probe against check's "on IFACE" entries.
	local CK_WANT=restricted
	bed_publish 5432 5432 || return 1
	u allow in on eth9 to any port 5432 proto tcp || return 1
	ud_sync "allow in on eth9"
	tcp "$BED_CLI4" 5432 filtered
	u allow in on "$BED_SRV_IF" to any port 5432 proto tcp || return 1
	ud_sync "allow in on $BED_SRV_IF"
	tcp "$BED_CLI4" 5432 open
	rt "$BED_CLI4" 5432 open
	ck_flush
}

# 7. Order: an inserted deny ahead of an allow wins for its source only.
sc_order() {
	bed_publish 5432 5432 || return 1
	u allow 5432/tcp || return 1
	u insert 1 deny from "$BED_CLI4B" || return 1
	ud_sync "insert 1 deny from .3 ahead of allow 5432/tcp"
	tcp "$BED_CLI4B" 5432 filtered
	tcp "$BED_CLI4" 5432 open
}

# 8. Route rules, in post-DNAT terms, come before the incoming allows.
sc_route() {
	bed_publish 5432 5432 || return 1
	u allow 5432/tcp || return 1
	ud_sync "allow 5432/tcp"
	tcp "$BED_CLI4" 5432 open
	u route deny out on docker0 to "$BED_CT_IP" port 5432 proto tcp || return 1
	ud_sync "route deny out on docker0 to $BED_CT_IP port 5432"
	tcp "$BED_CLI4" 5432 filtered
	tcp "$BED_CLI4B" 5432 filtered
}

# 9. IPv6 (docker28: ip6tables; docker29: ip6 tables), from user6.rules.
sc_v6() {
	bed_publish 5432 5432 || return 1
	tcp "$BED_CLI6" 5432 open
	ud_sync "v6 default deny"
	tcp "$BED_CLI6" 5432 filtered
	u allow from "$BED_CLI6B" to any port 5432 proto tcp || return 1
	ud_sync "allow from 2001:db8::3"
	tcp "$BED_CLI6B" 5432 open
	rt "$BED_CLI6B" 5432 open
	tcp "$BED_CLI6" 5432 filtered
	tcp "$BED_CLI4B" 5432 filtered
	u deny from "$BED_CLI6" to any port 5432 proto tcp || return 1
	u allow 5432/tcp || return 1
	ud_sync "deny from 2001:db8::2, then allow 5432/tcp"
	tcp "$BED_CLI6" 5432 filtered
	tcp "$BED_CLI6B" 5432 open
	tcp "$BED_CLI4" 5432 open
}

# 10. Replies, container egress and container-to-container keep working.
sc_egress() {
	local other
	bed_publish 5432 5432 || return 1
	bed_container ctb 7001 || return 1
	other=$BED_LAST_IP
	bed_cli_listen 7000 || return 1
	bed_cli_listen 7002 || return 1
	ud_sync "default deny"
	t_eq "egress: container -> client:7000" open "$(bed_ct_roundtrip "${BED_CTS[0]}" "$BED_CLI4" 7000)"
	t_eq "egress: container -> container $other:7001" open \
		"$(bed_ct_roundtrip "${BED_CTS[0]}" "$other" 7001)"
	u allow 5432/tcp || return 1
	ud_sync "allow 5432/tcp"
	rt "$BED_CLI4" 5432 open
	t_eq "egress after allow: container -> client:7002" open \
		"$(bed_ct_roundtrip "${BED_CTS[0]}" "$BED_CLI4" 7002)"
}

# lifecycle_check LABEL: .3 allowed, .2 filtered; our rules counted; one
# jump, first in DOCKER-USER.
lifecycle_check() {
	local E2E_CUR="lifecycle: $1"
	tcp "$BED_CLI4B" 5432 open
	tcp "$BED_CLI4" 5432 filtered
	t_eq "$E2E_CUR: rules in ufw-docker-* (v4)" "$E2E_N4" "$(n_ours4)"
	e2e_v6bed && t_eq "$E2E_CUR: rules in ufw-docker-* (v6)" "$E2E_N6" "$(n_ours6)"
	if [ "$BED_LAYOUT" = docker29 ]; then
		t_eq "$E2E_CUR: jumps ufw-after-forward -> ufw-docker-nftmark" 1 "$(n_jumps iptables)"
		t_eq "$E2E_CUR: jumps ufw6-after-forward -> ufw-docker-nftmark" 1 \
			"$(n_jumps ip6tables)"
		t_eq "$E2E_CUR: no DOCKER-USER (Docker 29 has none, the nftables backend makes none)" \
			absent "$(srv iptables -S DOCKER-USER >/dev/null 2>&1 && echo present || echo absent)"
		return 0
	fi
	t_eq "$E2E_CUR: jumps DOCKER-USER -> ufw-docker-forward" 1 "$(n_jumps iptables)"
	t_eq "$E2E_CUR: first rule of DOCKER-USER" "-A DOCKER-USER -j ufw-docker-forward" \
		"$(first_du iptables)"
	if e2e_v6bed; then
		t_eq "$E2E_CUR: jumps DOCKER-USER -> ufw-docker-forward (v6)" 1 "$(n_jumps ip6tables)"
		t_eq "$E2E_CUR: first rule of DOCKER-USER (v6)" \
			"-A DOCKER-USER -j ufw-docker-forward" "$(first_du ip6tables)"
	fi
}

# 11. ufw reload / disable / enable, and (docker20) a dockerd restart.
sc_lifecycle() {
	bed_publish 5432 5432 || return 1
	u allow from "$BED_CLI4B" to any port 5432 proto tcp || return 1
	ud_sync "allow from .3" || return 1
	E2E_N4=$(n_ours4) E2E_N6=$(n_ours6)
	if [ "$E2E_N4" -gt 0 ]; then
		t_ok "lifecycle: $E2E_N4 v4 / $E2E_N6 v6 rules in ufw-docker-* after sync"
	else
		t_fail "lifecycle: no rules in ufw-docker-* after sync"
	fi
	[ "$BED_LAYOUT" = docker29 ] &&
		t_eq "lifecycle: our nftables tables (ip, ip6)" 2 "$(n_tables)"
	lifecycle_check "after sync"
	u reload || return 1
	lifecycle_check "after ufw reload"
	u reload || return 1
	lifecycle_check "after a second ufw reload"
	u disable || return 1
	E2E_CUR="lifecycle: after ufw disable" tcp "$BED_CLI4" 5432 open
	t_eq "lifecycle: after ufw disable: our jumps" 0 "$(n_jumps iptables)"
	e2e_v6bed && t_eq "lifecycle: after ufw disable: our jumps (v6)" 0 "$(n_jumps ip6tables)"
	[ "$BED_LAYOUT" = docker29 ] &&
		t_eq "lifecycle: after ufw disable: our nftables tables" 0 "$(n_tables)"
	u --force enable || return 1
	lifecycle_check "after ufw enable"
	if [ "$BED_LAYOUT" = docker20 ]; then
		ck_flush
		if bed_docker20_restart; then
			t_ok "lifecycle: dockerd restarted, container listening again"
			lifecycle_check "after a dockerd restart"
		else
			t_fail "lifecycle: dockerd restart"
		fi
	else
		echo "# lifecycle: no dockerd restart on the $BED_LAYOUT bed (no daemon)"
	fi
}

# 11b. (docker20) a reboot: after sync, the whole firewall is gone; ufw
#    starts first (ufw-init start, as at boot: only the files), dockerd later.
#    No sync runs: the published port must be filtered again.
sc_boot() {
	local E2E_CUR=boot
	bed_publish 5432 5432 || return 1
	u allow from "$BED_CLI4B" to any port 5432 proto tcp || return 1
	ud_sync "allow from .3" || return 1
	E2E_N4=$(n_ours4) E2E_N6=$(n_ours6)
	bed_docker20_stop
	bed_flush_firewall || return 1
	t_run "boot: ufw-init start (ufw's boot, from files)" srv /lib/ufw/ufw-init start
	bed_docker20_resume || return 1
	t_ok "boot: dockerd started after ufw, container listening again"
	lifecycle_check "after boot (ufw, then dockerd)"
}

# 12. log rules: LOG logs nothing inside a netns, so count packets instead.
sc_log() {
	local before after
	bed_publish 5432 5432 || return 1
	u allow log 5432/tcp || return 1
	ud_sync "allow log 5432/tcp"
	if [ "$BED_LAYOUT" = docker29 ]; then
		# Our nftables rules carry no counters: the log rules must exist
		# and the port be open; the packets logged cannot be counted.
		local nlog
		nlog=$(srv nft list table ip ufw-docker 2>/dev/null | grep -c 'log prefix "\[UFW DOCKER')
		if [ "$nlog" -gt 0 ]; then
			t_ok "log: $nlog log rules in table ip ufw-docker"
		else
			t_fail "log: no log rule in table ip ufw-docker for 'allow log 5432/tcp'"
		fi
		echo "# log: docker29: packet counting skipped (no counters on our nftables rules)"
		tcp "$BED_CLI4" 5432 open
		tcp "$BED_CLI4B" 5432 open
		return 0
	fi
	before=$(log_counters)
	if [ "${before% *}" -gt 0 ]; then
		t_ok "log: ${before% *} LOG rules in ufw-docker-*"
	else
		t_fail "log: no LOG rule in ufw-docker-* for 'allow log 5432/tcp'"
	fi
	tcp "$BED_CLI4" 5432 open
	tcp "$BED_CLI4B" 5432 open
	after=$(log_counters)
	if [ "${after#* }" -ge $((${before#* } + 2)) ]; then
		t_ok "log: LOG packet counters rose ${before#* } -> ${after#* } (2 new connections)"
	else
		t_fail "log: LOG packet counters ${before#* } -> ${after#* } for 2 new connections"
	fi
}

# 13. (docker29) ufw as shipped: DEFAULT_FORWARD_POLICY=DROP in iptables
#    drops what Docker 29's nftables accepted (published ports closed before
#    sync). After sync, the companion in ufw's after.rules lets through what
#    our tables accepted: allowed ports open, the rest stays filtered.
sc_fwdrop() {
	bed_ufw_forward_policy DROP || return 1
	u reload || return 1
	bed_publish 5432 5432 || return 1
	bed_publish 8080 8080 || return 1
	tcp "$BED_CLI4" 5432 filtered
	tcp "$BED_CLI4" 8080 filtered
	u allow 5432/tcp || return 1
	ud_sync "allow 5432/tcp under FORWARD DROP"
	tcp "$BED_CLI4" 5432 open
	rt "$BED_CLI4" 5432 open
	tcp "$BED_CLI4B" 5432 open
	tcp "$BED_CLI4" 8080 filtered
	tcp "$BED_CLI6" 5432 open
	tcp "$BED_CLI6" 8080 filtered
	u reload || return 1
	E2E_CUR="fwdrop: after ufw reload" tcp "$BED_CLI4" 5432 open
	E2E_CUR="fwdrop: after ufw reload" tcp "$BED_CLI4" 8080 filtered
	t_eq "fwdrop: companion jumps after reload" 1 "$(n_jumps iptables)"
	t_eq "fwdrop: companion jumps after reload (v6)" 1 "$(n_jumps ip6tables)"
	# Our input chain flushed by hand: nothing is marked any more, so ufw's
	# FORWARD policy drops even the allowed port; check reads both.
	ck_flush
	tamper_flush || return 1
	E2E_CUR="fwdrop: our input chain flushed" tcp "$BED_CLI4" 5432 filtered
	E2E_CUR="fwdrop: our input chain flushed" tcp "$BED_CLI4" 8080 filtered
}

# 15. Hand edits after sync: check's verdicts come from the live rules, not
#     from ufw's files. A source added by hand to the rule (the nftables
#     backend: an element in the set that holds ufw's allow; iptables: a
#     rule ahead of it in our chain) opens the port to it; flushing our
#     input chain opens every published port. check must say so (its
#     verdicts are compared with the probes at each step, as everywhere)
#     and report the drift (exit 3); a sync puts it right.
tamper_add_source() {
	local set
	if [ "$BED_LAYOUT" = docker29 ]; then
		set=$(srv nft list table ip ufw-docker |
			awk '$1 == "set" { n = $2 } /5432/ { print n; exit }')
		[ -n "$set" ] || { t_fail "tamper: no set holds 5432"; return 1; }
		srv nft add element ip ufw-docker "$set" "{ $BED_CLI4 . tcp . 5432 }"
	else
		srv iptables -I ufw-docker-input 1 -s "$BED_CLI4" -p tcp \
			-m conntrack --ctorigdstport 5432 -j RETURN
	fi
}
tamper_flush() {
	if [ "$BED_LAYOUT" = docker29 ]; then
		srv nft flush chain ip ufw-docker input
	else
		srv iptables -F ufw-docker-input
	fi
}
# tamper_check_problem KIND WHAT: check exits 3 and reports a KIND problem.
tamper_check_problem() {
	local json rc kinds
	json=$(ufwd check --json 2>/dev/null)
	rc=$?
	t_eq "tamper: check exits 3 after $2" 3 "$rc"
	kinds=$(printf '%s' "$json" | "$BED_PY" -c \
		'import json,sys; print(" ".join(p["kind"] for p in json.load(sys.stdin)["problems"]))')
	if [[ " $kinds " == *" $1 "* ]]; then
		t_ok "tamper: check reports $1 after $2"
	else
		t_fail "tamper: check reports no $1 after $2 (problems: $kinds)"
	fi
}
sc_tamper() {
	bed_publish 5432 5432 || return 1
	bed_publish 8080 8080 || return 1
	u allow from "$BED_CLI4B" to any port 5432 || return 1
	ud_sync "allow from .3 to any port 5432"
	tcp "$BED_CLI4B" 5432 open
	tcp "$BED_CLI4" 5432 filtered
	tcp "$BED_CLI4" 8080 filtered
	ck_flush
	tamper_add_source || return 1
	E2E_CUR="tamper: .2 added by hand" tcp "$BED_CLI4" 5432 open
	E2E_CUR="tamper: .2 added by hand" tcp "$BED_CLI4B" 5432 open
	# both sources tried get in, but only those two: "restricted"
	CK_WANT=restricted ck_flush
	tamper_check_problem drift "a source added by hand"
	tamper_flush || return 1
	E2E_CUR="tamper: input chain flushed" tcp "$BED_CLI4" 8080 open
	E2E_CUR="tamper: input chain flushed" tcp "$BED_CLI4B" 8080 open
	ck_flush
	tamper_check_problem drift "a flush of our input chain"
	ud_sync "after the flush"
	E2E_CUR="tamper: synced again" tcp "$BED_CLI4" 8080 filtered
	ck_flush
	# The entry gone: DOCKER-USER flushed (iptables), our table deleted
	# (nftables; ufw's FORWARD policy is ACCEPT on this bed): Docker's
	# rules alone, every published port open.
	if [ "$BED_LAYOUT" = docker29 ]; then
		srv nft delete table ip ufw-docker
	else
		srv iptables -F DOCKER-USER
	fi
	E2E_CUR="tamper: entry gone" tcp "$BED_CLI4" 8080 open
	E2E_CUR="tamper: entry gone" tcp "$BED_CLI4" 5432 open
	ck_flush
	if [ "$BED_LAYOUT" = docker29 ]; then
		tamper_check_problem drift "the entry to our rules gone"
	else
		tamper_check_problem jump "the entry to our rules gone"
	fi
	ud_sync "after the hand edits"
	E2E_CUR="tamper: synced again" tcp "$BED_CLI4" 8080 filtered
	E2E_CUR="tamper: synced again" tcp "$BED_CLI4" 5432 filtered
	E2E_CUR="tamper: synced again" tcp "$BED_CLI4B" 5432 open
}

# ---------------------------------------------------------------- driver
# (Loop variables here are not "s" or "t": sandbox_use_iptables sets those
# as globals.)

# e2e_main LAYOUT VARIANT: every scenario on a fresh bed; exits 0 (all
# passed), 1 (a failure) or 77 (the layout cannot run here).
e2e_main() {
	local layout=$1 variant=$2 scen t0 tall rc first=1
	tall=$(bed_now)
	echo "# e2e $layout/$variant, ufw-docker: $UFWD"
	if [ ! -x "$UFWD" ]; then
		t_fail "ufw-docker binary $UFWD not built"
		t_summary
		exit 1
	fi
	# sync points after.init at hooks/after-init-hook beside the binary, else
	# at the installed one: without either, disable/enable/boot cannot work.
	[ -e "$(dirname "$UFWD")/hooks/after-init-hook" ] ||
		echo "# note: no hooks/after-init-hook beside $UFWD (lifecycle/boot need one)"
	for scen in "${E2E_SCENARIOS[@]}"; do
		[ -n "${E2E_ONLY:-}" ] && [[ " $E2E_ONLY " != *" $scen "* ]] && continue
		[ "$scen" = v6 ] && [ "$layout" = docker20 ] && [ -z "${BED_DOCKER20_V6:-}" ] &&
			echo "# --- scenario v6 skipped: dockerd 20.10 runs here without --ipv6" && continue
		[ "$scen" = boot ] && [ "$layout" != docker20 ] &&
			echo "# --- scenario boot skipped: no daemon to start after ufw on $layout" && continue
		[ "$scen" = fwdrop ] && [ "$layout" != docker29 ] &&
			echo "# --- scenario fwdrop skipped: Docker's own FORWARD rules come first on $layout" &&
			continue
		t0=$(bed_now)
		echo "# --- scenario $scen ($layout/$variant)"
		bed_up "$layout" "$variant"
		rc=$?
		if [ "$rc" -eq 77 ] && [ -n "$first" ]; then
			echo "SKIP: the $layout bed cannot run on this machine"
			exit 77
		fi
		first=
		if [ "$rc" -ne 0 ]; then
			t_fail "$scen: bed_up $layout $variant (rc $rc)"
			bed_down
			continue
		fi
		if ! bed_ufw_baseline; then
			t_fail "$scen: ufw baseline (deny incoming, allow 22/tcp, enable)"
			bed_down
			continue
		fi
		E2E_CUR=$scen
		"sc_$scen" || t_fail "$scen: scenario set-up failed"
		ck_flush
		bed_down
		echo "# --- scenario $scen: $(bed_since "$t0") s"
	done
	echo "# e2e $layout/$variant: $(bed_since "$tall") s"
	t_summary
}
