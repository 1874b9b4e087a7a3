#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# units: the systemd units as `make install PREFIX=/usr` installs them (into
# throwaway overlayfs layers over /usr, /etc and /var):
#   - `systemd-analyze verify` on each (the binary and man page resolve);
#   - the real triggers, with the real systemd: /lib/systemd/systemd runs as
#     PID 1 of a private PID + cgroup namespace (its own cgroup2 subtree, a
#     child of ours, removed at the end) inside the server netns of bed.sh's
#     Docker 28 layout. Its unit path holds only our three installed units,
#     empty stand-ins for the targets default dependencies name, the enable
#     link of the docker unit as the package makes it, and a stand-in
#     docker.service (no dockerd: the layout is iptables-restore'd) whose start
#     deletes our DOCKER-USER jump, as Docker releases hit by
#     moby/libnetwork#2631 did. No sync is run by hand after the first: each
#     step below must change what a client's real packets get by itself.
#       ufw allow / delete (user.rules), /etc/default/ufw edited by rename,
#       ufw disable/enable (ufw.conf), ufw allow from a v6 source
#       (user6.rules), our config replaced by rename (an editor's save), 12
#       ufw commands in a burst (no start limit: the path unit keeps
#       watching), docker.service start / restart / stop+start (the docker
#       unit re-syncs: the jump deleted by the stand-in is back), and
#       Requisite= (starting the docker unit never starts docker.service).
. "$(dirname "$0")/../lib/sandbox.sh"
sandbox_enter "$@"

skip() {
	echo "SKIP: $*" >&2
	exit 77
}
command -v systemd-analyze >/dev/null || skip "no systemd-analyze (package systemd)"
[ -x /lib/systemd/systemd ] || skip "no /lib/systemd/systemd"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
grep -qw overlay /proc/filesystems || skip "no overlayfs"
CG_MNT=$(findmnt -n -t cgroup2 -o TARGET | head -1)
[ -n "$CG_MNT" ] || skip "no cgroup2 hierarchy mounted (systemd needs one)"
CG_SELF=$(sed -n 's/^0:://p' /proc/self/cgroup)
CG=$CG_MNT${CG_SELF%/}/ufwd-units-$$
mkdir "$CG" 2>/dev/null || skip "cannot create a cgroup2 child at $CG"
rmdir "$CG"

. "$TOP/tests/lib/bed.sh"

# ------------------------------------------------------------- install
t0=$(bed_now)
B=$SANDBOX_STATE/build
make -s -C "$TOP" BUILD="$B" BIN="$B/ufw-docker" PREFIX=/usr \
	LIBEXECDIR=/usr/lib/ufw-docker "$B/ufw-docker" >"$SANDBOX_STATE/make.log" 2>&1 ||
	{ tail -20 "$SANDBOX_STATE/make.log"; sandbox_die "build failed"; }
OV=$SANDBOX_STATE/overlay
mkdir -p "$OV"
mount -t tmpfs -o mode=0755 tmpfs "$OV"
for d in /usr /etc /var /lib /lib64 /bin /sbin; do
	[ -L "$d" ] || [ ! -d "$d" ] && continue
	n=$(echo "$d" | tr / _)
	mkdir -p "$OV/$n/upper" "$OV/$n/work"
	mount -t overlay overlay -o "lowerdir=$d,upperdir=$OV/$n/upper,workdir=$OV/$n/work" "$d" ||
		sandbox_die "cannot mount an overlay on $d"
done
rm -rf /etc/ufw-docker
make -s -C "$TOP" install BUILD="$B" BIN="$B/ufw-docker" PREFIX=/usr \
	LIBEXECDIR=/usr/lib/ufw-docker >>"$SANDBOX_STATE/make.log" 2>&1 ||
	{ tail -20 "$SANDBOX_STATE/make.log"; sandbox_die "make install failed"; }
bed_log "built and installed in $(bed_since "$t0") s"
UNITS="ufw-docker-sync.path ufw-docker-sync.service ufw-docker-docker.service"

# ------------------------------------------------------------- verify
for u in $UNITS; do
	out=$(systemd-analyze verify "/lib/systemd/system/$u" 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && [ -z "$out" ]; then t_ok "systemd-analyze verify $u"; else
		t_fail "systemd-analyze verify $u (exit $rc)"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
done
for u in ufw-docker-sync.service ufw-docker-docker.service; do
	t_eq "$u runs the installed binary" 'ExecStart=/usr/sbin/ufw-docker --quiet sync' \
		"$(grep '^ExecStart=' "/lib/systemd/system/$u")"
done

# ------------------------------------------------------------- bed
bed_up docker28 nft
rc=$?
[ "$rc" = 77 ] && skip "docker28 layout cannot run here"
[ "$rc" = 0 ] || sandbox_die "bed_up failed"
bed_ufw_baseline || sandbox_die "ufw baseline"
bed_publish 5432 5432 tcp || sandbox_die "publish"
srv /usr/sbin/ufw-docker --quiet sync || sandbox_die "first sync failed"
p() { probe_tcp "$BED_CLI4" "$BED_SRV4" 5432; }
t_eq "first sync by hand: filtered" filtered "$(p)"

# ------------------------------------------------------------- systemd
U=$SANDBOX_STATE/units
G=$SANDBOX_STATE/no-generators
mkdir -p "$U/docker.service.wants" "$G"
for u in $UNITS; do ln -s "/lib/systemd/system/$u" "$U/$u"; done
# What deb-systemd-helper makes from the docker unit's [Install] section.
grep -qx 'WantedBy=docker.service' /lib/systemd/system/ufw-docker-docker.service &&
	ln -s /lib/systemd/system/ufw-docker-docker.service "$U/docker.service.wants/"
for t in ufwd-test sysinit basic paths shutdown multi-user; do
	printf '[Unit]\nDescription=stand-in %s\nDefaultDependencies=no\n' "$t" >"$U/$t.target"
done
cat >"$U/docker.service" <<EOF
[Unit]
Description=stand-in for dockerd: its start deletes our DOCKER-USER jump
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'iptables -D DOCKER-USER -j ufw-docker-forward && date +%%s.%%N >>$SANDBOX_STATE/docker-starts'
EOF
: >"$SANDBOX_STATE/console"
mkdir "$CG"
(
	echo "$BASHPID" >"$CG/cgroup.procs"
	exec nsenter --net="/run/netns/$BED_SRV" -- unshare --pid --fork --cgroup \
		--mount-proc --propagation private -- sh -c "
		mount -t cgroup2 cgroup2 /sys/fs/cgroup &&
		mount --bind '$SANDBOX_STATE/console' /dev/console &&
		exec env container=ufwd-test SYSTEMD_UNIT_PATH='$U' \
			SYSTEMD_GENERATOR_PATH='$G' SYSTEMD_ENVIRONMENT_GENERATOR_PATH='$G' \
			/lib/systemd/systemd --unit=ufwd-test.target --log-target=console"
) >"$SANDBOX_STATE/systemd.out" 2>&1 &
SD_PARENT=$!
BED_PIDS+=("$SD_PARENT")
SD=
sd_down() {
	[ -n "$SD" ] && kill -9 "$SD" 2>/dev/null
	wait "$SD_PARENT" 2>/dev/null
	find "$CG" -depth -type d -exec rmdir {} \; 2>/dev/null
}
trap 'rc=$?; sd_down; bed_down; exit $rc' EXIT
for ((i = 0; i < 100; i++)); do
	SD=$(pgrep -P "$SD_PARENT")
	[ -n "$SD" ] && [ -S /run/systemd/private ] && break
	sleep 0.1
done
# sctl ARGS...: systemctl against our systemd (from inside its PID namespace).
sctl() { nsenter -t "$SD" -p -m -- systemctl "$@"; }
state=
for ((i = 0; i < 50; i++)); do
	state=$(sctl is-system-running 2>/dev/null)
	case $state in running | degraded) break ;; esac
	sleep 0.1
done
case $state in
running | degraded) t_ok "systemd runs as PID 1 of its namespace ($state)" ;;
*)
	t_fail "systemd did not come up ($state)"
	cat "$SANDBOX_STATE/systemd.out" "$SANDBOX_STATE/console" | tail -20 | sed 's/^/#   /'
	t_summary
	exit 1
	;;
esac

# inv: the sync service's last invocation (a new ID for every start).
inv() { sctl show -P InvocationID ufw-docker-sync.service; }
# await_run ID: until a later invocation than ID has finished (<= 10 s).
await_run() {
	local i
	for ((i = 0; i < 100; i++)); do
		if [ "$(inv)" != "$1" ] && [ "$(sctl is-active ufw-docker-sync.service)" = inactive ]; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}
# step NAME WANT CMD...: CMD, then a triggered sync must have run, then probe.
step() {
	local name=$1 want=$2 n
	shift 2
	n=$(inv)
	"$@" >/dev/null
	if await_run "$n"; then t_ok "$name: the path unit ran a sync"; else
		t_fail "$name: no sync ran within 10 s"
	fi
	[ -z "$want" ] || t_eq "$name: port 5432 from the client" "$want" "$(p)"
}

t_run "start ufw-docker-sync.path" sctl start ufw-docker-sync.path
t_eq "path unit waiting" active "$(sctl is-active ufw-docker-sync.path)"
step "ufw allow 5432/tcp (user.rules)" open srv ufw allow 5432/tcp
step "ufw delete allow 5432/tcp" filtered srv ufw delete allow 5432/tcp
# `ufw default` rewrites user.rules too: edit /etc/default/ufw alone (sed -i
# renames a new file onto it, as editors do).
step "/etc/default/ufw edited: DEFAULT_INPUT_POLICY=ACCEPT" open \
	sed -i 's/^DEFAULT_INPUT_POLICY=.*/DEFAULT_INPUT_POLICY="ACCEPT"/' /etc/default/ufw
step "/etc/default/ufw edited back: DROP" filtered \
	sed -i 's/^DEFAULT_INPUT_POLICY=.*/DEFAULT_INPUT_POLICY="DROP"/' /etc/default/ufw
step "ufw disable (ufw.conf)" open srv ufw disable
step "ufw enable" filtered srv ufw --force enable
step "ufw allow from 2001:db8::3 (user6.rules)" "" \
	srv ufw allow from 2001:db8::3 to any port 5432 proto tcp
t_eq "the v6 rule is live" 1 "$(srv ip6tables-save | grep -c -- '-s 2001:db8::3/128 .*--dport 5432')"
conf=/etc/ufw-docker/ufw-docker.conf
cp -p "$conf" "$SANDBOX_STATE/conf.orig"
rename_conf() {
	{ cat "$SANDBOX_STATE/conf.orig"; printf '%s\n' "$@"; } >"$conf.new" && mv "$conf.new" "$conf"
}
# ext0 as an internal interface: the client's connections are not filtered.
step "config replaced by rename (internal_interfaces += ext0)" open \
	rename_conf '[docker]' 'internal_interfaces = docker0 br-+ ext0'
step "config restored by rename" filtered rename_conf

burst() {
	local port
	for port in $(seq 7001 7012); do srv ufw allow "$port/tcp" || return 1; done
}
step "12 ufw commands in a burst" "" burst
for ((i = 0; i < 100; i++)); do
	srv iptables-save | grep -q -- '--dport 7012 ' && break
	sleep 0.1
done
t_eq "last rule of the burst is live" 1 "$(srv iptables-save | grep -c -- '--dport 7012 ')"
t_eq "after the burst: port 5432 from the client" filtered "$(p)"
t_eq "path unit still watching after the burst" active "$(sctl is-active ufw-docker-sync.path)"
t_eq "sync service result" success "$(sctl show -P Result ufw-docker-sync.service)"

# The docker unit: pulled in by docker.service, re-run on its restarts.
dstep() {
	local name=$1
	shift
	local i st
	t_run "$name" sctl "$@"
	# systemctl waits for docker.service's job; ours is queued after it.
	for ((i = 0; i < 100; i++)); do
		st=$(sctl is-active ufw-docker-docker.service)
		[ "$st" = active ] && [ -z "$(sctl list-jobs --no-legend)" ] && break
		sleep 0.1
	done
	t_eq "$name: ufw-docker-docker.service" active "$st"
	t_eq "$name: the jump deleted by the stand-in is back, port filtered" filtered "$(p)"
}
dstep "systemctl start docker" start docker.service
dstep "systemctl restart docker" restart docker.service
t_run "systemctl stop docker" sctl stop docker.service
t_eq "docker stopped: docker unit stopped too (PartOf)" inactive "$(sctl is-active ufw-docker-docker.service)"
if sctl start ufw-docker-docker.service >/dev/null 2>&1; then
	t_fail "docker unit started without docker.service (Requisite=)"
else
	t_ok "docker unit refuses to start without docker.service (Requisite=)"
fi
t_eq "docker.service not started by the docker unit" inactive "$(sctl is-active docker.service)"
dstep "systemctl start docker again" start docker.service
# (each start counts only if it did delete the jump)
t_eq "stand-in dockerd started 3 times, deleting the jump each time" 3 "$(wc -l <"$SANDBOX_STATE/docker-starts")"
t_eq "no failed unit" "" "$(sctl list-units --failed --plain --no-legend)"

sd_down
t_summary
