#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# package: the Debian package for real. `make deb` (lintian: no error, no
# warning) into the sandbox's /run, then, with throwaway overlayfs layers over
# /usr, /etc and /var (every dpkg write lands in a tmpfs and dies with the
# namespace), for iptables-nft and iptables-legacy on the Docker 28 layout of
# bed.sh:
#   - ufw active, default deny, a published port open (Docker bypasses ufw);
#   - `apt-get install ./ufw-docker_*.deb` (a local file: nothing is
#     downloaded, the dependencies are installed already): postinst's sync alone
#     filters the port from the client, real packets; conffile, units with
#     /usr/sbin/ufw-docker, enable links as deb-systemd-helper makes them;
#     ufw disable/enable through the installed after.init hook;
#   - reinstall (the upgrade path: prerm upgrade keeps the rules): still
#     filtered, one block;
#   - dpkg -r: after.rules, after6.rules, after.init byte-identical (cmp) and
#     with the same mode as before the install, no live rule of ours, the port
#     open again, the conffile kept; dpkg -P: /etc/ufw-docker, enable links
#     and deb-systemd-helper state gone.
# Then without Docker (the sandbox's own netns: no Docker chains, no dockerd),
# ufw inactive and active: the install succeeds and its sync does not fail,
# purge leaves ufw's files byte-identical.
# UFWD_DEB=path/to/ufw-docker_*.deb skips the build.
. "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"

VARIANTS=${PKG_VARIANTS:-nft legacy}
skip() {
	echo "SKIP: $*" >&2
	exit 77
}

for c in dpkg apt-get dpkg-deb mount; do
	command -v "$c" >/dev/null || skip "no $c"
done
if dpkg-query -W -f='${Status}' ufw-docker 2>/dev/null | grep -q installed; then
	skip "ufw-docker is installed on this host; the test installs its own"
fi
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
grep -qw overlay /proc/filesystems || skip "no overlayfs"

. "$TOP/tests/lib/bed.sh"

# ------------------------------------------------------------- the package
DEB=${UFWD_DEB:-}
if [ -z "$DEB" ]; then
	for c in dpkg-buildpackage dh lintian; do
		command -v "$c" >/dev/null || skip "no $c (tests/install-deps.sh installs it)"
	done
	t0=$(bed_now)
	if ! make -s -C "$TOP" deb BUILD="$SANDBOX_STATE/pkg" >"$SANDBOX_STATE/make-deb.log" 2>&1; then
		tail -40 "$SANDBOX_STATE/make-deb.log" | sed 's/^/#   /'
		t_fail "make deb (build, then lintian --fail-on error,warning)"
		t_summary
		exit 1
	fi
	t_ok "make deb: built, lintian clean ($(bed_since "$t0") s)"
	DEB=$(ls "$SANDBOX_STATE"/pkg/deb/ufw-docker_*_*.deb)
fi
[ -r "$DEB" ] || sandbox_die "no package at $DEB"
case $DEB in /*) ;; *) DEB=$PWD/$DEB ;; esac
bed_log "package: $DEB"

# ------------------------------------------------------------- overlays
# Every path dpkg writes: /usr (with /lib, /bin, /sbin when they are links
# into it, as on Debian 12), /etc, /var; else the real directory too.
OV=$SANDBOX_STATE/overlay
overlay() {
	local d=$1 n
	n=$(echo "$d" | tr / _)
	mkdir -p "$OV/$n/upper" "$OV/$n/work"
	mount -t overlay overlay \
		-o "lowerdir=$d,upperdir=$OV/$n/upper,workdir=$OV/$n/work" "$d" ||
		sandbox_die "cannot mount an overlay on $d"
}
mkdir -p "$OV"
mount -t tmpfs -o mode=0755 tmpfs "$OV"
for d in /usr /etc /var /lib /lib64 /bin /sbin; do
	[ -L "$d" ] || [ ! -d "$d" ] || overlay "$d"
done
# Our /run is private already (sandbox.sh): no /run/systemd/system, so the
# maintainer scripts never call systemctl; deb-systemd-helper still writes
# the enable links and its state (into the overlays), which we check.
rm -rf /etc/ufw-docker
sandbox_reset_ufw

snapshot() {
	local f
	rm -rf "$SANDBOX_STATE/before" && mkdir -p "$SANDBOX_STATE/before"
	for f in after.rules after6.rules after.init; do
		cp -p "/etc/ufw/$f" "$SANDBOX_STATE/before/$f"
	done
}

# same_as_before WHAT: ufw's three files byte-identical, same mode and owner.
same_as_before() {
	local f ok=1
	for f in after.rules after6.rules after.init; do
		if ! cmp -s "$SANDBOX_STATE/before/$f" "/etc/ufw/$f"; then
			ok=
			diff -u "$SANDBOX_STATE/before/$f" "/etc/ufw/$f" | head -20 | sed 's/^/#   /'
		fi
		if [ "$(stat -c '%a %u %g' "/etc/ufw/$f")" != "$(stat -c '%a %u %g' "$SANDBOX_STATE/before/$f")" ]; then
			ok=
			echo "#   $f: mode $(stat -c '%a %u %g' "/etc/ufw/$f"), was $(stat -c '%a %u %g' "$SANDBOX_STATE/before/$f")"
		fi
	done
	if [ -n "$ok" ]; then t_ok "$1: after.rules, after6.rules, after.init byte-identical, same mode"; else t_fail "$1: ufw's files differ from before the install"; fi
}

# in_ns CMD...: in the server netns while a bed is up, else here.
in_ns() {
	if [ -n "$BED_UP" ]; then srv "$@"; else "$@"; fi
}

# no_live_rules WHAT: no chain or rule of ours in either family.
no_live_rules() {
	local left
	left=$( (in_ns iptables-save; in_ns ip6tables-save) 2>/dev/null | grep -i 'ufw-docker')
	if [ -z "$left" ]; then t_ok "$1: no live rule of ours"; else
		t_fail "$1: live rules left"
		echo "$left" | head -10 | sed 's/^/#   /'
	fi
}

# pkg CMD...: a dpkg/apt command, output logged; fails the check on failure.
pkg() {
	local name=$1 out rc
	shift
	out=$(in_ns env DEBIAN_FRONTEND=noninteractive "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" >>"$SANDBOX_STATE/dpkg.log"
	PKG_OUT=$out
	printf '%s\n' "$out" | grep -v '^(Reading database\|^Reading\|^Building\|^Selecting' |
		sed 's/^/#   | /'
	if [ "$rc" = 0 ]; then t_ok "$name"; else
		t_fail "$name (exit $rc)"
	fi
	return "$rc"
}

installed_checks() {
	local u conf
	t_eq "status" "install ok installed" "$(dpkg-query -W -f='${Status}' ufw-docker 2>&1)"
	conf=$(dpkg-query -W -f='${Conffiles}' ufw-docker | awk '{ print $1 }' | xargs)
	t_eq "conffiles" "/etc/ufw-docker/ufw-docker.conf" "$conf"
	for u in ufw-docker-sync.service ufw-docker-docker.service; do
		grep -qx 'ExecStart=/usr/sbin/ufw-docker --quiet sync' "/lib/systemd/system/$u" &&
			! grep -q @ "/lib/systemd/system/$u" &&
			t_ok "$u runs /usr/sbin/ufw-docker" || t_fail "$u: ExecStart not /usr/sbin/ufw-docker"
	done
	t_eq "path unit enabled (multi-user.target.wants)" /lib/systemd/system/ufw-docker-sync.path \
		"$(readlink /etc/systemd/system/multi-user.target.wants/ufw-docker-sync.path)"
	t_eq "docker unit enabled (docker.service.wants)" /lib/systemd/system/ufw-docker-docker.service \
		"$(readlink /etc/systemd/system/docker.service.wants/ufw-docker-docker.service)"
	grep -q /usr/lib/ufw-docker/after-init-hook /etc/ufw/after.init &&
		t_ok "after.init calls the installed hook" || t_fail "after.init does not call /usr/lib/ufw-docker/after-init-hook"
}

purged_checks() {
	local left
	t_eq "purged" "" "$(dpkg-query -W -f='${Status}' ufw-docker 2>/dev/null | grep -v 'not-installed')"
	[ ! -e /etc/ufw-docker ] && t_ok "/etc/ufw-docker gone" || t_fail "/etc/ufw-docker left: $(ls -A /etc/ufw-docker)"
	left=$(find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled \
		/var/lib/systemd/deb-systemd-helper-masked -name 'ufw-docker*' 2>/dev/null)
	t_eq "no enable link or deb-systemd-helper state left" "" "$left"
	[ ! -e /usr/sbin/ufw-docker ] && [ ! -e /lib/systemd/system/ufw-docker-sync.path ] &&
		t_ok "files gone" || t_fail "package files left"
}

# ------------------------------------------------------------- with Docker
for variant in $VARIANTS; do
	bed_log "---- docker28/$variant"
	bed_up docker28 "$variant"
	rc=$?
	[ "$rc" = 77 ] && skip "docker28 layout cannot run here"
	[ "$rc" = 0 ] || sandbox_die "bed_up docker28 $variant failed"
	bed_ufw_baseline || sandbox_die "ufw baseline"
	bed_publish 5432 5432 tcp || sandbox_die "publish"
	t_eq "$variant: before install, Docker bypasses ufw" open "$(probe_tcp "$BED_CLI4" "$BED_SRV4" 5432)"
	snapshot

	t0=$(bed_now)
	pkg "$variant: apt-get install ./deb" apt-get install -y -q --no-install-recommends "$DEB"
	bed_log "install took $(bed_since "$t0") s"
	grep -q 'sync failed' <<<"$PKG_OUT" && t_fail "$variant: postinst's sync failed"
	installed_checks
	t_eq "$variant: after install, published port filtered (no other command)" filtered \
		"$(probe_tcp "$BED_CLI4" "$BED_SRV4" 5432)"

	srv ufw disable >/dev/null
	t_eq "$variant: ufw disable (installed hook): open" open "$(probe_tcp "$BED_CLI4" "$BED_SRV4" 5432)"
	srv ufw --force enable >/dev/null
	t_eq "$variant: ufw enable (installed hook): filtered" filtered "$(probe_tcp "$BED_CLI4" "$BED_SRV4" 5432)"
	srv ufw allow 5432/tcp >/dev/null
	srv /usr/sbin/ufw-docker --quiet sync
	t_eq "$variant: ufw allow 5432/tcp + installed sync: open" open "$(probe_tcp "$BED_CLI4" "$BED_SRV4" 5432)"
	srv ufw delete allow 5432/tcp >/dev/null
	srv /usr/sbin/ufw-docker --quiet sync
	t_eq "$variant: rule deleted + sync: filtered" filtered "$(probe_tcp "$BED_CLI4" "$BED_SRV4" 5432)"

	t0=$(bed_now)
	pkg "$variant: reinstall (dpkg -i over itself: the upgrade path)" dpkg -i "$DEB"
	bed_log "reinstall took $(bed_since "$t0") s"
	t_eq "$variant: after reinstall, filtered" filtered "$(probe_tcp "$BED_CLI4" "$BED_SRV4" 5432)"
	t_eq "$variant: one block in after.rules" 1 "$(grep -c '^# BEGIN ufw-docker' /etc/ufw/after.rules)"

	t0=$(bed_now)
	pkg "$variant: dpkg -r" dpkg -r ufw-docker
	bed_log "remove took $(bed_since "$t0") s"
	same_as_before "$variant: removed"
	no_live_rules "$variant: removed"
	t_eq "$variant: after remove, Docker's behaviour again" open "$(probe_tcp "$BED_CLI4" "$BED_SRV4" 5432)"
	[ -f /etc/ufw-docker/ufw-docker.conf ] && t_ok "$variant: remove keeps the conffile" ||
		t_fail "$variant: remove deleted the conffile"
	pkg "$variant: dpkg -P" dpkg -P ufw-docker
	purged_checks
	same_as_before "$variant: purged"
	bed_down
done

# ------------------------------------------------------------- no Docker
for enabled in no yes; do
	bed_log "---- no Docker, ufw active: $enabled"
	sandbox_reset_ufw
	sandbox_use_iptables nft
	[ "$enabled" = yes ] && ufw --force enable >/dev/null
	snapshot
	pkg "no Docker, ufw active=$enabled: dpkg -i" dpkg -i "$DEB"
	grep -q 'sync failed' <<<"$PKG_OUT" && t_fail "no Docker, ufw active=$enabled: postinst's sync failed"
	grep -q 'ufw-docker' /etc/ufw/after.rules && t_ok "blocks written" || t_fail "no block in after.rules"
	pkg "no Docker, ufw active=$enabled: dpkg -P" dpkg -P ufw-docker
	same_as_before "no Docker, ufw active=$enabled: purged"
	no_live_rules "no Docker, ufw active=$enabled: purged"
	purged_checks
	[ "$enabled" = yes ] && ufw disable >/dev/null
done

t_summary
