#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# faults: `ufw-docker sync` under real faults, on the docker28 bed (bed.sh)
# with a denied (5432) and an allowed (8080) published port:
#   - /etc/ufw read-only (remount ro), full (a tiny tmpfs filled: ENOSPC);
#   - syscall errors injected with strace: ENOSPC on the v6 file's write, EIO
#     on fsync, EACCES on the v6 rename, EAGAIN on the clone that starts
#     iptables-restore, ENOBUFS on iptables-restore's netlink batch;
#   - the process killed (strace inject SIGKILL) at every step of a sync:
#     each open/write/fsync/rename of a file, each spawn and wait of an
#     iptables tool (so between the v4 and the v6 file, between the files and
#     the kernel, between the v4 and the v6 apply, after the apply and before
#     its record);
#   - iptables-restore itself killed mid-apply at each call that hands rules
#     to the kernel, at the call after it, and at its exit (the kernel has
#     the rules, the tool dies), for v4 and for v6;
#   - hand-edited, malformed user.rules.
# After each fault: every managed file (after.rules, after6.rules,
# after.init, the live records) is the old or the new complete content; the
# live rules per family are the old or (where the kernel step completed) the
# new ones; exactly one DOCKER-USER jump, first; the denied port stays
# filtered from the client (v4 and v6) and the allowed one open; exit status
# and message; then a plain sync recovers to exactly the state of a clean
# sync. Our rules are in the variant under test, none in the other.
#
# Argument: the iptables variant, nft or legacy (ufw's, Docker's and ours).
# Without one: every variant in VARIANTS (default "nft legacy"), each in a
# sandbox of its own; the whole list above runs for each. Where the variants
# differ: the call that hands the table to the kernel is iptables-nft-
# restore's sendmsg (one nf_tables netlink batch) and iptables-legacy-
# restore's setsockopt IPT_SO_SET_REPLACE (the whole table at once; then
# IPT_SO_SET_ADD_COUNTERS); legacy also takes the xtables lock (flock). The
# tool is killed at the first call of each syscall it makes (nft: the
# nf_tables dumps it reads its cache from; legacy: the lock, the table read,
# and the rtnetlink address dumps glibc's getaddrinfo makes while it parses
# ports), at each commit call, at the call after each, and at its last; the
# killed family must then hold the old rules if the kill came at or before
# the commit, the new ones if after it (default: 6 points per tool for nft,
# 7 for legacy).
# FAULTS_FULL=1 kills it at every call it makes instead (nft: 76 points per
# tool, 257 s; legacy: 22, 143 s). Exit 77 without strace.
. "$(dirname "$0")/../lib/sandbox.sh"
sandbox_variants "${VARIANTS:-nft legacy}" "$@"
sandbox_enter "$@"
set -u
VARIANT=${1:-nft}
command -v strace >/dev/null || {
	echo "SKIP: strace not installed (tests/install-deps.sh)"
	exit 77
}
. "$TOP/tests/lib/bed.sh"
. "$TOP/tests/lib/faults.sh"
fx_begin faults
REF_A=$W/refA REF_B=$W/refB
PROBE_T=0.5

# Rules A and B: both deny 5432 and allow 8080; B adds rules to both
# families, so a sync from A to B changes both files and both kernels.
fx_bed_ab docker28 || exit
fx_refs "$REF_A" "$REF_B"
fx_check_where "after the clean syncs"
for f in $FX_FILES $FX_RECORDS live4 live6; do
	[ "$f" = after.init ] && continue
	if cmp -s "$REF_A/$f" "$REF_B/$f"; then t_fail "A and B differ in $f"; fi
done

# to_a: the state of a clean sync to A, then ufw's rules B (a hand edit, as
# `ufw allow` leaves them before anyone syncs).
to_a() {
	rm -f "$(fx_temps)" 2>/dev/null
	fx_rules_load "$A"
	ufwd --quiet sync >/dev/null 2>&1
	if ! fx_same "$REF_A"; then
		t_fail "reset to A"
		fx_diff "$REF_A"
		return 1
	fi
	fx_rules_load "$B"
}

# probes: the denied port filtered (v4, v6), the allowed one open.
probes() {
	local p=$W/probe
	fx_probe_bg "$p.d4" "$BED_CLI4" "$BED_SRV4" 5432 "$PROBE_T"
	fx_probe_bg "$p.d6" "$BED_CLI6" "$BED_SRV6" 5432 "$PROBE_T"
	fx_probe_bg "$p.a4" "$BED_CLI4" "$BED_SRV4" 8080 "$PROBE_T"
	wait
	echo "denied4=$(cat "$p.d4") denied6=$(cat "$p.d6") allowed4=$(cat "$p.a4")"
}
PROBES_OK="denied4=filtered denied6=filtered allowed4=open"

N_STEPS=0
declare -A OUTCOMES=()

# after_fault NAME RC WANT_RC MSG_REGEX OUTFILE: the checks after a fault
# (MSG_REGEX empty: no message expected, as for SIGKILL).
after_fault() {
	local name=$1 rc=$2 want=$3 re=$4 out=$5 files live j pr tmp
	N_STEPS=$((N_STEPS + 1))
	files=$(fx_files_which "$REF_A" "$REF_B")
	live=$(fx_live_which "$REF_A" "$REF_B")
	j=$(fx_jumps)
	pr=$(probes)
	tmp=$(fx_temps | tr '\n' ' ')
	OUTCOMES["$live"]=$((${OUTCOMES["$live"]:-0} + 1))
	echo "# $name: exit $rc; $files; live $live; jumps $j; $pr${tmp:+; temp files left: $tmp}"
	[ "$rc" = "$want" ] || t_fail "$name: exit $rc, want $want ($(head -c 300 "$out"))"
	if [ -n "$re" ] && ! grep -qzE -- "$re" "$out"; then
		t_fail "$name: no message /$re/ in: $(head -c 400 "$out")"
	fi
	[[ $files != *OTHER* ]] || t_fail "$name: a managed file is neither old nor new: $files"
	[[ $live != *OTHER* ]] || {
		t_fail "$name: live rules neither old nor new: $live"
		fx_diff "$REF_A"
	}
	if [ -n "${WANT_LIVE:-}" ] && [[ " $live " != *" $WANT_LIVE "* ]]; then
		t_fail "$name: live $live, want $WANT_LIVE"
	fi
	[ "$j" = "1f 1f" ] || t_fail "$name: DOCKER-USER jumps '$j', want '1f 1f'"
	[ "$pr" = "$PROBES_OK" ] || t_fail "$name: probes $pr, want $PROBES_OK"
	# recovery: a plain sync reaches the clean state, stale temps removed
	if ! ufwd sync >"$W/rec.out" 2>&1; then
		t_fail "$name: recovery sync failed: $(head -c 300 "$W/rec.out")"
	elif ! fx_same "$REF_B"; then
		t_fail "$name: recovery sync did not reach the clean state"
		fx_diff "$REF_B"
	elif [ -n "$(fx_temps)" ]; then
		t_fail "$name: temp files left after the recovery sync: $(fx_temps | tr '\n' ' ')"
	else
		t_ok "$name: fail closed ($live${WANT_LIVE:+, want $WANT_LIVE}), files whole, recovered"
	fi
}

# fault_run NAME WANT_RC MSG_REGEX PREFIX...: from state A (rules B), run
# `PREFIX... ufw-docker sync` in the server netns, then after_fault.
fault_run() {
	local name=$1 want=$2 re=$3 rc
	shift 3
	to_a || return
	srv "$@" "$UFWD" sync >"$W/f.out" 2>&1 </dev/null
	rc=$?
	after_fault "$name" "$rc" "$want" "$re" "$W/f.out"
}

# ------------------------------------------------------------ 1. read-only
to_a
mount -o remount,ro /etc/ufw || sandbox_die "cannot remount /etc/ufw read-only"
srv "$UFWD" sync >"$W/f.out" 2>&1
rc=$?
mount -o remount,rw /etc/ufw
after_fault "/etc/ufw read-only" "$rc" 1 'Read-only file system' "$W/f.out"

# ------------------------------------------------------------ 2. full (ENOSPC)
to_a
mount -o remount,size=1m /etc/ufw || sandbox_die "cannot resize the /etc/ufw tmpfs"
dd if=/dev/zero of=/etc/ufw/.filler bs=4k count=1000 2>/dev/null
# the last few blocks, one by one, until the file system is full
for ((i = 0; i < 256; i++)); do
	dd if=/dev/zero of=/etc/ufw/.filler bs=1k count=1 oflag=append conv=notrunc 2>/dev/null || break
done
df_avail=$(df --output=avail /etc/ufw | tail -1 | tr -d ' ')
srv "$UFWD" sync >"$W/f.out" 2>&1
rc=$?
rm -f /etc/ufw/.filler
mount -o remount,size=64m /etc/ufw
[ "$df_avail" = 0 ] || t_fail "/etc/ufw not full ($df_avail KiB left)"
after_fault "/etc/ufw full (ENOSPC)" "$rc" 1 'No space left on device' "$W/f.out"

# ------------------------------------------------------------ 3. the steps
# One traced sync from A to B lists the steps; each is then a fault point.
to_a
srv strace -qq -o "$W/trace" -e trace=openat,write,fsync,rename,clone,clone3,wait4 \
	"$UFWD" sync >/dev/null 2>&1 || t_fail "traced sync failed"
fx_same "$REF_B" || t_fail "traced sync did not reach B"
# "SYSCALL ORDINAL WHAT" for each step (the ordinal counts every call of the
# syscall, as strace's when= does).
awk '
	match($0, /^[a-z0-9_]+\(/) {
		sc = substr($0, 1, RLENGTH - 1); n = ++cnt[sc]; what = ""
		if (sc == "openat" && /O_CREAT/) { split($0, q, "\""); what = q[2] }
		else if (sc == "write" && !/^write\([12],/ && !/, 0\) *= 0$/) {
			what = "data"
		} else if (sc == "rename") { split($0, q, "\""); what = q[4] }
		else if (sc == "fsync" || sc == "clone" || sc == "clone3" || sc == "wait4") what = "-"
		if (what != "") print sc, n, what
	}' "$W/trace" >"$W/steps"
echo "# $(wc -l <"$W/steps") steps in a sync from A to B: $(awk '{print $1}' "$W/steps" | sort | uniq -c | tr -s ' \n' ' ')"

# The ordinals the error injections below need.
write6=$(awk '$1 == "write" { w = $2 } $1 == "openat" && $3 ~ /after6/ { o = 1; next } o && $1 == "write" { print $2; exit }' "$W/steps")
rename6=$(awk '$1 == "rename" && $3 ~ /after6.rules$/ { print $2; exit }' "$W/steps")
# the first spawn after the last file rename: iptables-restore (v4)
clone_restore=$(awk '$1 == "rename" && $3 ~ /^\/etc\/ufw\// { r = 1; next } r && ($1 == "clone3" || $1 == "clone") { print $1, $2; exit }' "$W/steps")

kills=0
while read -r sc n what; do
	kills=$((kills + 1))
	fault_run "SIGKILL at $sc #$n ($what)" 137 '' \
		strace -qq -o /dev/null -e trace="$sc" -e inject="$sc:signal=SIGKILL:when=$n"
done <"$W/steps"

# ------------------------------------------------------------ 4. errors
if [ -n "$write6" ]; then
	fault_run "ENOSPC writing after6.rules (write #$write6)" 1 'after6.rules.*No space left on device' \
		strace -qq -o /dev/null -e trace=write -e inject="write:error=ENOSPC:when=$write6"
else
	t_fail "no write of after6.rules in the trace"
fi
fault_run "EIO on the first fsync" 1 'Input/output error' \
	strace -qq -o /dev/null -e trace=fsync -e inject=fsync:error=EIO:when=1
if [ -n "$rename6" ]; then
	fault_run "EACCES renaming after6.rules (rename #$rename6)" 1 'after6.rules.*Permission denied' \
		strace -qq -o /dev/null -e trace=rename -e inject="rename:error=EACCES:when=$rename6"
else
	t_fail "no rename of after6.rules in the trace"
fi
if [ -n "$clone_restore" ]; then
	set -- $clone_restore
	fault_run "EAGAIN spawning iptables-restore ($1 #$2)" 1 'cannot run iptables-restore: Resource temporarily unavailable.*live rules were not changed' \
		strace -qq -o /dev/null -e trace="$1" -e inject="$1:error=EAGAIN:when=$2"
	set --
else
	t_fail "no spawn after the files in the trace"
fi

# iptables-restore (ip6tables-restore) through a PATH shim that runs the real
# tool under strace: FX_SHIM_INJECT is its -e inject=..., FX_SHIM_ONLY the one
# tool it applies to (the other runs plainly), FX_SHIM_TRACE a trace file.
SHIM=$SANDBOX_STATE/shim
mkdir -p "$SHIM"
for t in iptables-restore ip6tables-restore; do
	cat >"$SHIM/$t" <<-'EOF'
		#!/bin/sh
		me=$(basename "$0")
		real=/usr/sbin/$me
		if [ "${FX_SHIM_ONLY:-$me}" != "$me" ]; then exec "$real" "$@"; fi
		if [ -n "${FX_SHIM_TRACE:-}" ]; then
			exec strace -qq -o "$FX_SHIM_TRACE" -e trace=flock,sendmsg,sendto,recvmsg,recvfrom,setsockopt,getsockopt,select,pselect6,poll,exit_group "$real" "$@"
		fi
		exec strace -qq -o /dev/null -e trace="${FX_SHIM_INJECT%%:*}" -e inject="$FX_SHIM_INJECT" "$real" "$@"
	EOF
	chmod +x "$SHIM/$t"
done

# The netlink (nft) or setsockopt (legacy) call that hands the table to the
# kernel fails.
if [ "$VARIANT" = nft ]; then commit_sc=sendmsg err=ENOBUFS; else commit_sc=setsockopt err=ENOBUFS; fi
for only in iptables-restore ip6tables-restore; do
	fault_run "$only: $commit_sc fails ($err)" 1 "$only -n failed.*live rules were not changed" \
		env PATH="$SHIM:$PATH" FX_SHIM_ONLY=$only FX_SHIM_INJECT="$commit_sc:error=$err"
done

# Killed mid-apply: trace the tool once, then kill it at the first call of
# each syscall, at each commit call (commit_re: the sendmsg of the nft batch,
# legacy's IPT_SO_SET_REPLACE), at the call right after each, and at its
# last (FAULTS_FULL=1: at every call). The killed family then holds the old
# rules (killed at or before the first commit) or the new ones (after the
# last); the other family old or new.
if [ "$VARIANT" = nft ]; then commit_re='^sendmsg\('; else commit_re='^setsockopt\(.*SO_SET_REPLACE'; fi
WANT_LIVE=
for only in iptables-restore ip6tables-restore; do
	fam=v4
	[ "$only" = ip6tables-restore ] && fam=v6
	to_a || break
	rm -f "$W/ctrace"
	srv env PATH="$SHIM:$PATH" FX_SHIM_ONLY=$only FX_SHIM_TRACE="$W/ctrace" "$UFWD" sync >/dev/null 2>&1
	[ -s "$W/ctrace" ] || {
		t_fail "$only: no trace of the tool"
		continue
	}
	# "SYSCALL ORDINAL EXPECT", EXPECT old|new|- (either), in call order
	awk -v cre="$commit_re" -v full="${FAULTS_FULL:-}" '
		match($0, /^[a-z0-9_]+\(/) {
			sc = substr($0, 1, RLENGTH - 1); n = ++cnt[sc]; k++
			name[k] = sc; ord[k] = n
			if (n == 1 || full != "") mark[k] = 1
			if ($0 ~ cre) {
				mark[k] = mark[k + 1] = 1
				if (!first) first = k
				last = k
			}
		}
		END {
			mark[k] = 1
			for (i = 1; i <= k; i++) if (mark[i]) {
				w = "-"
				if (first && i <= first) w = "old"
				else if (first && i > last) w = "new"
				print name[i], ord[i], w
			}
		}' "$W/ctrace" >"$W/csteps"
	grep -qE "$commit_re" "$W/ctrace" || t_fail "$only: no commit call /$commit_re/ in its trace"
	echo "# $only: $(wc -l <"$W/csteps") kill points (syscall #, $fam expected): $(tr '\n' ' ' <"$W/csteps")"
	while read -r sc n want_live; do
		kills=$((kills + 1))
		WANT_LIVE=
		[ "$want_live" = - ] || WANT_LIVE="$fam=$want_live"
		fault_run "$only killed at $sc #$n" 1 "$only was killed by signal 9.*previous or the new" \
			env PATH="$SHIM:$PATH" FX_SHIM_ONLY=$only FX_SHIM_INJECT="$sc:signal=SIGKILL:when=$n"
	done <"$W/csteps"
	WANT_LIVE=
done

# ------------------------------------------------------------ 5. user.rules
# A hand-edited user.rules: sync reads it as ufw does (a malformed tuple is
# skipped with ufw's warning, the rest translated); an unreadable one stops
# sync before anything changes.
to_a
cp /etc/ufw/user.rules "$W/user.rules.B"
# a mangled tuple (port out of range) for `allow 9000/tcp`
sed -i 's/^### tuple ### allow tcp 9000 /### tuple ### allow tcp 99999 /' /etc/ufw/user.rules
grep -q 'tcp 99999 ' /etc/ufw/user.rules || t_fail "user.rules edit did not apply"
srv "$UFWD" sync >"$W/f.out" 2>&1
rc=$?
t_eq "malformed tuple: sync exit" 0 "$rc"
grep -q 'user.rules:[0-9]*.*Skipping malformed tuple' "$W/f.out" && t_ok "malformed tuple: ufw's warning with file:line" ||
	t_fail "malformed tuple: no warning: $(head -c 300 "$W/f.out")"
grep -q 'port 9000 ' /etc/ufw/after.rules && t_fail "malformed tuple was translated" || t_ok "malformed tuple not translated"
[[ $(fx_files_which "$REF_A" "$REF_B") != *OTHER* ]] && t_fail "malformed tuple: files unchanged (want the rule skipped)"
pr=$(probes)
t_eq "malformed tuple: probes" "$PROBES_OK" "$pr"
t_eq "malformed tuple: jumps" "1f 1f" "$(fx_jumps)"
cp "$W/user.rules.B" /etc/ufw/user.rules
t_run "malformed tuple: sync after the fix" ufwd sync
fx_same "$REF_B" && t_ok "malformed tuple: recovered to the clean state" || {
	t_fail "malformed tuple: not recovered"
	fx_diff "$REF_B"
}

# a user.rules cut in the middle of a tuple line and binary junk appended
to_a
head -c "$(($(grep -b -m1 '^### tuple ### allow tcp 9000' /etc/ufw/user.rules | cut -d: -f1) + 20))" \
	"$W/user.rules.B" >/etc/ufw/user.rules
printf '\x00\xff\xfe junk \x01\n### tuple ### \xff\xff\n' >>/etc/ufw/user.rules
srv "$UFWD" sync >"$W/f.out" 2>&1
rc=$?
t_eq "truncated user.rules: sync exit" 0 "$rc"
grep -q 'invalid UTF-8' "$W/f.out" && t_ok "truncated user.rules: warns about invalid UTF-8" ||
	t_fail "truncated user.rules: no UTF-8 warning: $(head -c 300 "$W/f.out")"
t_eq "truncated user.rules: probes" "$PROBES_OK" "$(probes)"
t_eq "truncated user.rules: jumps" "1f 1f" "$(fx_jumps)"
cp "$W/user.rules.B" /etc/ufw/user.rules
t_run "truncated user.rules: sync after the fix" ufwd sync
fx_same "$REF_B" && t_ok "truncated user.rules: recovered" || t_fail "truncated user.rules: not recovered"

# unreadable: user.rules a directory
to_a
rm /etc/ufw/user.rules && mkdir /etc/ufw/user.rules
srv "$UFWD" sync >"$W/f.out" 2>&1
rc=$?
rmdir /etc/ufw/user.rules && cp "$W/user.rules.B" /etc/ufw/user.rules
after_fault "user.rules unreadable (a directory)" "$rc" 1 'user.rules.*(Is a directory|cannot read)' "$W/f.out"

fx_check_where "after the faults"

echo "# live outcomes after the faults: $(for k in "${!OUTCOMES[@]}"; do printf '[%s]=%s ' "$k" "${OUTCOMES[$k]}"; done)"
echo "# faults: $N_STEPS fault points ($kills kills), $(($(date +%s) - T0)) s, iptables-$VARIANT"
t_summary
