#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# sync-files: `ufw-docker sync`, the after.init hook and `uninstall` with real
# ufw and iptables in a private netns and a private /etc/ufw: blocks in the
# files, ufw loading them, exactly one DOCKER-USER jump through enable, reload
# and disable, idempotence (mtimes), live apply, dry run, refusals (damaged
# markers, iptables variant mismatch) and a byte-identical uninstall. Runs
# with iptables-nft, then again in a fresh netns with iptables-legacy. Then
# backend = nftables over Docker 29's nftables layout: the companion block
# only, our tables through the hook, reloads, disable, byte-identical
# uninstall.
. "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"
# Only the printers of Docker 29's nftables layout (nothing is started).
. "$TOP/tests/lib/bed.sh"

VARIANT=${1:-nft}
OTHER=legacy
[ "$VARIANT" = legacy ] && OTHER=nft
sandbox_use_iptables "$VARIANT"
echo "sync-files: iptables-$VARIANT"

set -u
checks=0
fails=0
FILES="after.rules after6.rules after.init"

ok() {
	checks=$((checks + 1))
}

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# check DESCRIPTION COMMAND...: the command must succeed.
check() {
	local what=$1
	shift
	if "$@"; then ok; else fail "$what"; fi
}

not() {
	! "$@"
}

# jumps TOOL: the DOCKER-USER rules that jump to our entry chain.
jumps() {
	"$1" -S DOCKER-USER 2>/dev/null | grep -c -- '^-A DOCKER-USER -j ufw-docker-forward$'
}

# first_rule TOOL: DOCKER-USER's first rule.
first_rule() {
	"$1" -S DOCKER-USER 2>/dev/null | grep -m1 -- '^-A '
}

jump_in_place() {
	[ "$(jumps "$1")" = 1 ] && [ "$(first_rule "$1")" = "-A DOCKER-USER -j ufw-docker-forward" ]
}

# snapshot DIR: copies of the three files (mode kept) and our live chains.
snapshot() {
	rm -rf "$1"
	mkdir -p "$1"
	for f in $FILES; do cp -a "/etc/ufw/$f" "$1/$f"; done
	{ iptables -S; ip6tables -S; } 2>/dev/null | grep -e ufw-docker -e DOCKER-USER >"$1/live"
}

# same_as DIR: files byte-identical with the same modes, live chains equal.
same_as() {
	local f
	for f in $FILES; do
		cmp -s "$1/$f" "/etc/ufw/$f" || return 1
		[ "$(stat -c %a "$1/$f")" = "$(stat -c %a "/etc/ufw/$f")" ] || return 1
	done
	{ iptables -S; ip6tables -S; } 2>/dev/null | grep -e ufw-docker -e DOCKER-USER |
		cmp -s - "$1/live"
}

mtimes() {
	(cd /etc/ufw && for f in $FILES; do stat -c '%n %y' "$f"; done)
}

# The binary with hooks/after-init-hook beside it, like a checkout,
# so the after.init snippet calls our hook whatever UFWD was built as.
[ -x "$UFWD" ] || sandbox_die "no ufw-docker binary at $UFWD"
# (sandbox.sh made it: sandbox_tree).
T=$(dirname "$UFWD")
OUT=$SANDBOX_STATE/out
PRISTINE=$SANDBOX_STATE/pristine
snapshot "$PRISTINE"

# 1. ufw disabled: sync writes the files only.
ufw allow 80/tcp >/dev/null
ufw allow 22/tcp >/dev/null
ufw deny 5432/tcp >/dev/null
check "sync (disabled) succeeds" "$UFWD" sync
for f in after.rules after6.rules; do
	check "$f has one BEGIN" [ "$(grep -c '^# BEGIN ufw-docker managed block' "/etc/ufw/$f")" = 1 ]
	check "$f has one END" [ "$(grep -c '^# END ufw-docker managed block$' "/etc/ufw/$f")" = 1 ]
	check "$f keeps ufw's text before the block" \
		cmp -s "$PRISTINE/$f" <(head -c "$(stat -c %s "$PRISTINE/$f")" "/etc/ufw/$f")
done
check "after.init records its mode" grep -qx '# BEGIN ufw-docker hook (mode 0640)' /etc/ufw/after.init
check "after.init calls our hook" grep -qF "'$T/hooks/after-init-hook' \"\$1\"" /etc/ufw/after.init
check "after.init is executable (0750)" [ "$(stat -c %a /etc/ufw/after.init)" = 750 ]
check "after.init line 1 still #!" [ "$(head -n1 /etc/ufw/after.init)" = "#!/bin/sh" ]
check "no jump while disabled" [ "$(jumps iptables)" = 0 ]
check "no live chain while disabled" not iptables -S ufw-docker-forward >/dev/null 2>&1

# 2. ufw enable loads our block; the hook puts the jump first.
check "ufw enable" ufw --force enable >/dev/null
for t in iptables ip6tables; do
	check "$t: our entry chain" "$t" -S ufw-docker-forward >/dev/null
	check "$t: jump first and alone" jump_in_place "$t"
done
check "allow 80 translated" bash -c "iptables -S ufw-docker-input | grep -q -- '--ctorigdstport 80 .*-j RETURN'"
check "deny 5432 translated" bash -c "iptables -S ufw-docker-input | grep -q -- '--ctorigdstport 5432 .*-j DROP'"
check "hook status" bash -c "'$UFWD' hook status | grep -c 'jumps to ufw-docker-forward first' | grep -qx 2"

# 3. A second sync changes nothing, not even mtimes.
before=$(mtimes)
"$UFWD" sync >"$OUT" 2>&1
check "second sync exits 0" [ $? = 0 ]
check "second sync: already in sync" grep -qx 'ufw-docker: already in sync' "$OUT"
check "mtimes unchanged" [ "$before" = "$(mtimes)" ]

# 4. Reloads: no duplicates, same rules.
snapshot "$SANDBOX_STATE/enabled"
for i in 1 2; do check "ufw reload $i" ufw reload >/dev/null; done
check "two reloads: same chains, one jump" same_as "$SANDBOX_STATE/enabled"
check "sync after reloads: already in sync" bash -c "'$UFWD' sync | grep -qx 'ufw-docker: already in sync'"

# 5. Disable drops the jump (containers as Docker made them); enable restores it.
check "ufw disable" ufw disable >/dev/null
for t in iptables ip6tables; do check "$t: no jump after disable" [ "$(jumps $t)" = 0 ]; done
check "sync while disabled: nothing to do" bash -c "'$UFWD' sync | grep -qx 'ufw-docker: already in sync'"
check "ufw enable again" ufw --force enable >/dev/null
for t in iptables ip6tables; do check "$t: jump back" jump_in_place "$t"; done

# 6. A rule added while enabled goes live with one sync.
ufw allow 8080/tcp >/dev/null
check "8080 not ours yet" not bash -c "iptables -S ufw-docker-input | grep -q -- '--ctorigdstport 8080 '"
"$UFWD" sync >"$OUT" 2>&1
check "sync (enabled) exits 0" [ $? = 0 ]
check "sync says applied" grep -q 'IPv4 rules applied live' "$OUT"
check "8080 live (v4)" bash -c "iptables -S ufw-docker-input | grep -q -- '--ctorigdstport 8080 .*-j RETURN'"
check "8080 live (v6)" bash -c "ip6tables -S ufw-docker-input | grep -q -- '--ctorigdstport 8080 .*-j RETURN'"
for t in iptables ip6tables; do check "$t: still one jump" jump_in_place "$t"; done
check "8080 in after.rules" grep -q -- '--ctorigdstport 8080 ' /etc/ufw/after.rules

# 7. A jump removed behind our back, or duplicated, is fixed by sync.
iptables -I DOCKER-USER 1 -j ufw-docker-forward
iptables -A DOCKER-USER -j ufw-docker-forward
check "sync fixes duplicated jumps" "$UFWD" -q sync
check "one jump again" jump_in_place iptables
n_input=$(iptables -S ufw-docker-input | wc -l)
iptables -F ufw-docker-input
"$UFWD" sync >"$OUT" 2>&1
check "sync sees a flushed chain (drift) and refills it" grep -q 'IPv4 rules applied live' "$OUT"
check "refilled" [ "$(iptables -S ufw-docker-input | wc -l)" = "$n_input" ]

# 8. Dry run: shows the change, changes nothing.
ufw allow 9090/tcp >/dev/null
snapshot "$SANDBOX_STATE/before-dry"
"$UFWD" sync --dry-run >"$OUT" 2>&1
check "dry run exits 0" [ $? = 0 ]
check "dry run shows the file diff" grep -q '^+.*--ctorigdstport 9090 ' "$OUT"
check "dry run shows the restore input" grep -q '^-I DOCKER-USER 1 -j ufw-docker-forward$' "$OUT"
check "global --dry-run too" bash -c "'$UFWD' --dry-run sync | grep -q -- '--ctorigdstport 9090 '"
check "dry run changed nothing" same_as "$SANDBOX_STATE/before-dry"
check "sync after dry run" "$UFWD" -q sync

# 9. Damaged markers: refused (exit 4) naming file:line, nothing changed.
snapshot "$SANDBOX_STATE/good"
cp -a /etc/ufw/after6.rules "$SANDBOX_STATE/after6.good"
sed -i '/^# END ufw-docker managed block/d' /etc/ufw/after6.rules
snapshot "$SANDBOX_STATE/damaged"
ufw allow 7070/tcp >/dev/null
"$UFWD" sync >"$OUT" 2>&1
check "BEGIN without END: exit 4" [ $? = 4 ]
check "message names the BEGIN line" grep -q "after6.rules:$(grep -n "^# BEGIN ufw-docker" "$SANDBOX_STATE/after6.good" | cut -d: -f1): error: damaged" "$OUT"
check "damaged: nothing changed" same_as "$SANDBOX_STATE/damaged"
"$UFWD" uninstall >"$OUT" 2>&1
check "uninstall refuses too (exit 4)" [ $? = 4 ]
check "uninstall refused: nothing changed" same_as "$SANDBOX_STATE/damaged"
cp -a "$SANDBOX_STATE/after6.good" /etc/ufw/after6.rules
sed -i '1a # END ufw-docker hook' /etc/ufw/after.init
"$UFWD" sync >"$OUT" 2>&1
check "after.init END before BEGIN: exit 4" [ $? = 4 ]
check "message names after.init:2" grep -q 'after.init:2: error: damaged' "$OUT"
sed -i '2d' /etc/ufw/after.init
check "repaired: sync works" "$UFWD" -q sync

# 10. Uninstall: files byte-identical to pristine, mode restored, kernel clean.
check "uninstall" "$UFWD" uninstall >/dev/null
for f in $FILES; do
	check "$f identical to pristine" cmp "$PRISTINE/$f" "/etc/ufw/$f"
	check "$f mode restored" [ "$(stat -c %a "/etc/ufw/$f")" = "$(stat -c %a "$PRISTINE/$f")" ]
done
for t in iptables ip6tables; do
	check "$t: no chain of ours" not bash -c "$t -S | grep -q ufw-docker"
done
check "second uninstall: nothing to do" bash -c "'$UFWD' uninstall | grep -qx 'ufw-docker: nothing to uninstall'"
check "ufw reload after uninstall" ufw reload >/dev/null

# 11. Docker on the other iptables backend: refused, nothing changed.
iptables -F DOCKER-USER && iptables -X DOCKER-USER
iptables-$OTHER -N DOCKER-USER
snapshot "$SANDBOX_STATE/mismatch"
"$UFWD" sync >"$OUT" 2>&1
check "variant mismatch: exit 4" [ $? = 4 ]
check "message names both tools" grep -q "iptables-$OTHER.*iptables-$VARIANT" "$OUT"
check "mismatch: nothing changed" same_as "$SANDBOX_STATE/mismatch"
iptables-$OTHER -X DOCKER-USER

# 12. after.init missing: created (mode 0750), deleted again by uninstall.
rm /etc/ufw/after.init
check "sync creates after.init" "$UFWD" -q sync
check "created marker" grep -qx '# BEGIN ufw-docker hook (created)' /etc/ufw/after.init
check "created mode 0750" [ "$(stat -c %a /etc/ufw/after.init)" = 750 ]
check "uninstall" "$UFWD" -q uninstall
check "created after.init deleted" [ ! -e /etc/ufw/after.init ]
for f in after.rules after6.rules; do check "$f pristine again" cmp "$PRISTINE/$f" "/etc/ufw/$f"; done

# 13. backend = nftables, Docker 29 with its nftables firewall (its
# docker-bridges tables as the bed lays them out; the hook, with the default
# config, picks nftables by them: backend = auto).
ufw disable >/dev/null
sandbox_reset_ufw
nft flush ruleset
for t in iptables ip6tables; do "$t-$VARIANT" -F && "$t-$VARIANT" -X; done 2>/dev/null
{
	bed_docker29_table ip 203.0.113.0/25
	bed_docker29_table ip6 2001:db8:1::/64
} | nft -f - || sandbox_die "cannot lay out Docker 29's tables"
PRISTINE_N=$SANDBOX_STATE/pristine-nft
snapshot "$PRISTINE_N"
printf '[general]\nbackend = nftables\n' >"$SANDBOX_STATE/nft.conf"
N=("$UFWD" --config "$SANDBOX_STATE/nft.conf")

# our_tables: our nf_tables tables, one a line.
our_tables() { nft list tables | grep ufw-docker; }
# companion_jumps TOOL CHAIN: CHAIN's jumps to the companion.
companion_jumps() { "$1" -S "$2" 2>/dev/null | grep -c -- '-j ufw-docker-nftmark$'; }
companion_once() {
	[ "$(companion_jumps iptables ufw-after-forward)" = 1 ] &&
		[ "$(companion_jumps ip6tables ufw6-after-forward)" = 1 ]
}
both_tables() { [ "$(our_tables | tr '\n' ' ')" = "table ip ufw-docker table ip6 ufw-docker " ]; }

ufw allow 80/tcp >/dev/null
ufw deny 5432/tcp >/dev/null
check "nft: sync (disabled) succeeds" "${N[@]}" -q sync
for f in after.rules after6.rules; do
	check "nft: $f declares the companion" grep -q '^:ufw-docker-nftmark ' "/etc/ufw/$f"
	check "nft: $f has no chain of the iptables backend" \
		not grep -q -e '^:ufw-docker-forward ' -e '^:ufw-docker-input ' "/etc/ufw/$f"
done
check "nft: after.rules jumps from ufw-after-forward" \
	grep -qx -- '-A ufw-after-forward -j ufw-docker-nftmark' /etc/ufw/after.rules
check "nft: after6.rules jumps from ufw6-after-forward" \
	grep -qx -- '-A ufw6-after-forward -j ufw-docker-nftmark' /etc/ufw/after6.rules
check "nft: after.init calls our hook" grep -qF "'$T/hooks/after-init-hook' \"\$1\"" /etc/ufw/after.init
check "nft: no table while disabled" [ -z "$(our_tables)" ]
check "nft: no companion live while disabled" not iptables -S ufw-docker-nftmark >/dev/null 2>&1

check "nft: ufw enable" ufw --force enable >/dev/null
check "nft: enable loads one companion jump per family" companion_once
check "nft: the hook applied our ip and ip6 tables" both_tables
check "nft: deny 5432 in our table" bash -c "nft list table ip ufw-docker | grep -qw 5432"
check "nft: no DOCKER-USER made" not iptables -S DOCKER-USER >/dev/null 2>&1
check "nft: no chain of the iptables backend" not bash -c "iptables -S | grep -q ufw-docker-forward"

before=$(mtimes)
"${N[@]}" sync >"$OUT" 2>&1
check "nft: second sync exits 0" [ $? = 0 ]
check "nft: second sync: already in sync" grep -qx 'ufw-docker: already in sync' "$OUT"
check "nft: mtimes unchanged" [ "$before" = "$(mtimes)" ]

for i in 1 2; do check "nft: ufw reload $i" ufw reload >/dev/null; done
check "nft: two reloads: one companion jump per family" companion_once
check "nft: two reloads: our tables present" both_tables
check "nft: sync after reloads: already in sync" \
	bash -c "'${N[0]}' --config '${N[2]}' sync | grep -qx 'ufw-docker: already in sync'"

check "nft: ufw disable" ufw disable >/dev/null
check "nft: disable removes our tables" [ -z "$(our_tables)" ]
check "nft: sync while disabled: already in sync" \
	bash -c "'${N[0]}' --config '${N[2]}' sync | grep -qx 'ufw-docker: already in sync'"
check "nft: ufw enable again" ufw --force enable >/dev/null
check "nft: enable: our tables back" both_tables

check "nft: uninstall" "${N[@]}" -q uninstall
for f in $FILES; do
	check "nft: $f identical to pristine" cmp "$PRISTINE_N/$f" "/etc/ufw/$f"
	check "nft: $f mode restored" [ "$(stat -c %a "/etc/ufw/$f")" = "$(stat -c %a "$PRISTINE_N/$f")" ]
done
check "nft: uninstall: no table of ours" [ -z "$(our_tables)" ]
check "nft: uninstall: no companion" not bash -c "{ iptables -S; ip6tables -S; } | grep -q ufw-docker"
check "nft: Docker's tables untouched" nft list table ip docker-bridges >/dev/null

echo "sync-files ($VARIANT): $checks checks, $fails failed"
[ "$fails" = 0 ] || exit 1
# the same with iptables-legacy, in a fresh network namespace
[ "$VARIANT" = nft ] && exec unshare --net -- "$0" legacy
exit 0
