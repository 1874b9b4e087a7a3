# shellcheck shell=bash
# SPDX-License-Identifier: GPL-3.0-or-later
# faults.sh: helpers shared by the fault, concurrency and leak-window root
# tests (tests/root/faults.sh, concurrency.sh, leak-window.sh). Source it
# after sandbox.sh and bed.sh (it uses srv, ufwd, t_ok, t_fail, t_eq).
#
# A "state" is a directory holding what sync manages: ufw's after.rules,
# after6.rules, after.init (content and mode), sync's record of the live
# rules (/run/ufw-docker/live-v4, -v6), and the live rules themselves
# (`iptables -S` lines naming our chains or DOCKER-USER, per family).
#
#   fx_rules_save DIR       ufw's user.rules/user6.rules into DIR/rules
#   fx_rules_load DIR       ...and back (a hand edit: ufw itself not run)
#   fx_snap DIR             the state into DIR
#   fx_files_which A B      per managed file: "old", "new" or "OTHER"
#   fx_live_which A B       per family: "old", "new" or "OTHER"
#   fx_same DIR             the state equals DIR (files, modes, records, live)
#   fx_jumps                jumps DOCKER-USER -> ufw-docker-forward, v4+v6
#   fx_connloop ...         the client's tight connect loop (see below)
#   fx_setup_ab A B         ufw enabled with rules A, then B saved (see there)
#   fx_begin NAME           the binary checked; T0, W (work dir), A, B set
#   fx_bed_ab LAYOUT        bed up, 5432 and 8080 published, fx_setup_ab
#   fx_refs REF_A REF_B     clean syncs to A and to B, snapped
#   fx_where                "nft=N legacy=N": lines naming our chains per
#                           iptables variant (which one holds our rules)

FX_FILES="after.rules after6.rules after.init"
FX_RECORDS="live-v4 live-v6"

fx_rules_save() {
	mkdir -p "$1/rules" && cp -a /etc/ufw/user.rules /etc/ufw/user6.rules "$1/rules/"
}

fx_rules_load() {
	cp "$1/rules/user.rules" "$1/rules/user6.rules" /etc/ufw/
}

# fx_live FAM: our chains and DOCKER-USER as `iptables -S` prints them.
fx_live() {
	local t=iptables
	[ "$1" = 6 ] && t=ip6tables
	srv "$t" -w -S 2>/dev/null | grep -e ufw-docker -e DOCKER-USER
}

fx_snap() {
	local f
	rm -rf "$1"
	mkdir -p "$1"
	for f in $FX_FILES; do
		cp -a "/etc/ufw/$f" "$1/$f" || return 1
	done
	for f in $FX_RECORDS; do
		if [ -e "/run/ufw-docker/$f" ]; then cp -a "/run/ufw-docker/$f" "$1/$f"; fi
	done
	fx_live 4 >"$1/live4"
	fx_live 6 >"$1/live6"
}

# fx_cmp_file A PATH: same bytes and mode (a missing A matches a missing PATH).
fx_cmp_file() {
	if [ ! -e "$1" ]; then
		[ ! -e "$2" ]
		return
	fi
	cmp -s "$1" "$2" && [ "$(stat -c %a "$1")" = "$(stat -c %a "$2")" ]
}

# fx_which OLD NEW PATH-IN-OLD-AND-NEW PATH: old|new|OTHER
fx_which() {
	if fx_cmp_file "$1/$3" "$4"; then
		echo old
	elif fx_cmp_file "$2/$3" "$4"; then
		echo new
	else
		echo OTHER
	fi
}

# fx_files_which OLD NEW: "after.rules=old after6.rules=new ..." (records too)
fx_files_which() {
	local f out=
	for f in $FX_FILES; do
		out="$out $f=$(fx_which "$1" "$2" "$f" "/etc/ufw/$f")"
	done
	for f in $FX_RECORDS; do
		out="$out $f=$(fx_which "$1" "$2" "$f" "/run/ufw-docker/$f")"
	done
	echo "${out# }"
}

# fx_live_which OLD NEW: "v4=old v6=new"
fx_live_which() {
	local fam out= w
	for fam in 4 6; do
		if fx_live "$fam" | cmp -s - "$1/live$fam"; then
			w=old
		elif fx_live "$fam" | cmp -s - "$2/live$fam"; then
			w=new
		else
			w=OTHER
		fi
		out="$out v$fam=$w"
	done
	echo "${out# }"
}

# fx_same DIR: the whole state equals DIR.
fx_same() {
	local f
	for f in $FX_FILES; do
		fx_cmp_file "$1/$f" "/etc/ufw/$f" || return 1
	done
	for f in $FX_RECORDS; do
		fx_cmp_file "$1/$f" "/run/ufw-docker/$f" || return 1
	done
	fx_live 4 | cmp -s - "$1/live4" && fx_live 6 | cmp -s - "$1/live6"
}

# fx_diff DIR: what differs from DIR (for failure messages).
fx_diff() {
	local f
	for f in $FX_FILES; do
		fx_cmp_file "$1/$f" "/etc/ufw/$f" || echo "#   /etc/ufw/$f differs"
	done
	for f in $FX_RECORDS; do
		fx_cmp_file "$1/$f" "/run/ufw-docker/$f" || echo "#   /run/ufw-docker/$f differs"
	done
	fx_live 4 | diff "$1/live4" - | sed 's/^/#   v4 /' | head -10
	fx_live 6 | diff "$1/live6" - | sed 's/^/#   v6 /' | head -10
}

# fx_jumps: "V4 V6" jumps from DOCKER-USER to our entry chain, and whether
# each is first ("1f 1f" is the only good answer).
fx_jumps() {
	local t out= n first
	for t in iptables ip6tables; do
		n=$(srv "$t" -w -S DOCKER-USER 2>/dev/null | grep -c -- '^-A DOCKER-USER -j ufw-docker-forward$')
		first=$(srv "$t" -w -S DOCKER-USER 2>/dev/null | grep -m1 '^-A ')
		[ "$first" = "-A DOCKER-USER -j ufw-docker-forward" ] && n="${n}f"
		out="$out $n"
	done
	echo "${out# }"
}

# fx_temps: leftover temp files of an interrupted atomic write (names).
fx_temps() {
	find /etc/ufw /run/ufw-docker -maxdepth 1 -name '.*.ufwd-*' 2>/dev/null
}

# fx_probe_bg OUT SRC DST PORT TIMEOUT: a tcp connect from the client, in
# the background; the verdict (open|refused|filtered|...) lands in OUT.
fx_probe_bg() {
	cli "$BED_PY" -c "$BED_PYPROG" probe tcp "$2" "$3" "$4" "$5" 2>&1 | cut -d' ' -f1 >"$1" &
}

# The client's tight connect loop: a new non-blocking TCP connect to each
# target every INTERVAL seconds, each given TIMEOUT seconds; stops at COUNT
# attempts per target, at MAXTIME seconds, or when STOPFILE exists. Each
# result is one line "TARGET T_START RESULT" (open|refused|timeout|
# unreachable|error-X; T_START in CLOCK_MONOTONIC seconds, which the server
# side reads from /proc/uptime's clock... use fx_mono for it) in LOG; a
# summary "TARGET open=N refused=N timeout=N other=N" per target on stdout.
# Connections that open are reset at once (SO_LINGER 0: no TIME_WAIT).
#   fx_connloop LOG STOPFILE COUNT MAXTIME INTERVAL TIMEOUT SRC DST:PORT...
# shellcheck disable=SC2016
FX_CONNLOOP='
import errno, os, select, socket, sys, time, struct
log, stopf = sys.argv[1], sys.argv[2]
count, maxtime = int(sys.argv[3]), float(sys.argv[4])
interval, tmo, src = float(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
targets = []
for t in sys.argv[8:]:
    h, p = t.rsplit(":", 1)
    targets.append((t, h.strip("[]"), int(p)))
stats = {t[0]: {"open": 0, "refused": 0, "timeout": 0, "other": 0, "n": 0} for t in targets}
pending = {}  # fd -> (sock, target, t0)
out = open(log, "w", buffering=1 << 16)
ep = select.epoll()
t_begin = time.monotonic()
next_at = t_begin
def finish(fd, res):
    s, tgt, t0 = pending.pop(fd)
    try: ep.unregister(fd)
    except OSError: pass
    if res == "open":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    k = res if res in ("open", "refused", "timeout") else "other"
    stats[tgt][k] += 1
    out.write("%s %.4f %s\n" % (tgt, t0, res))
def start(tgt, host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM | socket.SOCK_NONBLOCK)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    if src != "-":
        s.bind((src, 0))
    t0 = time.monotonic()
    e = s.connect_ex((host, port))
    pending[s.fileno()] = (s, tgt, t0)
    stats[tgt]["n"] += 1
    if e in (0,):
        finish(s.fileno(), "open")
    elif e != errno.EINPROGRESS:
        finish(s.fileno(), "refused" if e == errno.ECONNREFUSED else "error-" + errno.errorcode.get(e, str(e)))
    else:
        ep.register(s.fileno(), select.EPOLLOUT | select.EPOLLERR | select.EPOLLHUP)
stopped = False
while True:
    now = time.monotonic()
    if not stopped and (now - t_begin > maxtime or os.path.exists(stopf) or
                        all(stats[t[0]]["n"] >= count for t in targets)):
        stopped = True
    if stopped and not pending:
        break
    if not stopped and now >= next_at:
        for tgt, host, port in targets:
            if stats[tgt]["n"] < count:
                start(tgt, host, port)
        next_at += interval
        if next_at < now:
            next_at = now + interval
    wait = max(0.0, min(next_at - time.monotonic(), 0.05)) if not stopped else 0.05
    for fd, ev in ep.poll(wait):
        if fd not in pending: continue
        s = pending[fd][0]
        e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if e == 0: finish(fd, "open")
        elif e == errno.ECONNREFUSED: finish(fd, "refused")
        elif e in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EACCES, errno.EPERM): finish(fd, "unreachable")
        else: finish(fd, "error-" + errno.errorcode.get(e, str(e)))
    now = time.monotonic()
    for fd in [fd for fd, v in pending.items() if now - v[2] > tmo]:
        finish(fd, "timeout")
out.close()
for tgt, _, _ in targets:
    s = stats[tgt]
    print("%s n=%d open=%d refused=%d timeout=%d other=%d" % (tgt, s["n"], s["open"], s["refused"], s["timeout"], s["other"]))
'

fx_connloop() {
	cli "$BED_PY" -c "$FX_CONNLOOP" "$@"
}

# fx_mono: CLOCK_MONOTONIC now, as the connect loop's T_START (same clock:
# one machine, one boot).
fx_mono() {
	"$BED_PY" -c 'import time; print("%.4f" % time.monotonic())'
}

# fx_setup_ab A B: ufw enabled (default deny incoming, allow 22/tcp) with
# rules A: deny 5432/tcp, allow 8080/tcp; rules B: A plus allow 9000/tcp and
# deny from 192.0.2.0/24 and 2001:db8:ffff::/48. Both deny 5432 and allow
# 8080; a sync between them changes both files and both kernels. Saves the
# rule files into A/rules and B/rules; ufw is left with rules B.
fx_setup_ab() {
	bed_ufw_baseline || return 1
	srv ufw deny 5432/tcp >/dev/null && srv ufw allow 8080/tcp >/dev/null || return 1
	fx_rules_save "$1"
	srv ufw allow 9000/tcp >/dev/null && srv ufw deny from 192.0.2.0/24 >/dev/null &&
		srv ufw deny from 2001:db8:ffff::/48 >/dev/null || return 1
	fx_rules_save "$2"
}

# fx_begin NAME: the start every fault test shares (after sandbox_enter and
# sourcing bed.sh and this file): the binary must exist; T0 (start time), W
# (work directory SANDBOX_STATE/NAME), A and B (rule set directories).
fx_begin() {
	[ -x "$UFWD" ] || sandbox_die "no ufw-docker binary at $UFWD"
	T0=$(date +%s)
	W=$SANDBOX_STATE/$1
	mkdir -p "$W"
	A=$W/rulesA B=$W/rulesB
}

# fx_bed_ab LAYOUT: the LAYOUT bed in iptables-$VARIANT, the denied (5432)
# and allowed (8080) ports published, ufw enabled with rules A, B saved.
# Returns bed_up's status (77: the layout cannot run here).
fx_bed_ab() {
	bed_up "$1" "$VARIANT" || return
	bed_publish 5432 5432 && bed_publish 8080 8080 && fx_setup_ab "$A" "$B"
}

# fx_refs REF_A REF_B: a clean sync to rules A snapped into REF_A, one to B
# into REF_B (ufw is left with rules B, the kernel in state B).
fx_refs() {
	fx_rules_load "$A"
	t_run "clean sync to A" ufwd sync
	fx_snap "$1"
	fx_rules_load "$B"
	t_run "clean sync to B" ufwd sync
	fx_snap "$2"
}

# fx_where: "nft=N legacy=N", how many rule and chain lines name our chains
# (ufw-docker-*) in nf_tables (nft list ruleset: iptables-nft's tables) and in
# the legacy x_tables of the server (iptables-legacy-save, v4 + v6; it dumps
# only the tables the netns has, so nothing is created by looking).
fx_where() {
	local n l
	n=$(srv nft list ruleset 2>/dev/null | grep -c ufw-docker)
	l=$({
		srv iptables-legacy-save 2>/dev/null
		srv ip6tables-legacy-save 2>/dev/null
	} | grep -c ufw-docker)
	echo "nft=$n legacy=$l"
}

# fx_check_where NAME: our rules are in iptables-$VARIANT and none in the
# other variant (a test of one variant really exercises that one).
fx_check_where() {
	local w other=legacy mine
	[ "$VARIANT" = legacy ] && other=nft
	w=$(fx_where)
	mine=${w#*"$VARIANT="}
	mine=${mine%% *}
	if [[ " $w " == *" $other=0 "* ]] && [ "${mine:-0}" -gt 0 ]; then
		t_ok "$1: our rules in iptables-$VARIANT only ($w)"
	else
		t_fail "$1: our rules not in iptables-$VARIANT only: $w"
	fi
}
