# shellcheck shell=bash
# sandbox.sh: puts the calling test in private mount + network namespaces with
# pristine, private copies of /etc/ufw, /etc/default/ufw, /etc/alternatives and
# /run. Everything mounted or created dies with the test's processes, so the
# host's firewall, routes and /etc/ufw are never touched, even on failure.
#
# Usage, first lines of a test script:
#   . "$(dirname "$0")/../lib/sandbox.sh"
#   sandbox_enter "$@"        # re-executes the script inside the namespaces
#
# Then: sandbox_reset_ufw (pristine /etc/ufw again), sandbox_use_iptables
# nft|legacy, and TOP (the source tree), UFWD (the ufw-docker binary).

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
UFWD=${UFWD:-$TOP/ufw-docker}
export TOP UFWD

sandbox_die() {
	echo "sandbox: $*" >&2
	exit 1
}

sandbox_enter() {
	if [ -z "${UFWD_IN_SANDBOX:-}" ]; then
		[ "$(id -u)" = 0 ] || sandbox_die "needs root (namespaces)"
		export UFWD_IN_SANDBOX=1
		exec unshare --mount --net --propagation private -- "$0" "$@"
	fi
	sandbox_mounts
	ip link set lo up
}

sandbox_mounts() {
	local etc_alt
	# A private /run; our state lives in it and goes away with us.
	mount -t tmpfs -o mode=0755 tmpfs /run
	mkdir -p /run/netns /run/lock
	SANDBOX_STATE=/run/ufwd-sandbox
	mkdir -p "$SANDBOX_STATE"
	export SANDBOX_STATE
	sandbox_tree
	# /etc/alternatives: a private copy, so a test may pick iptables-legacy.
	etc_alt="$SANDBOX_STATE/alternatives"
	cp -a /etc/alternatives "$etc_alt"
	mount --bind "$etc_alt" /etc/alternatives
	# /etc/default/ufw: the pristine Debian file.
	cp "$TOP/tests/lib/default-ufw" "$SANDBOX_STATE/default-ufw"
	mount --bind "$SANDBOX_STATE/default-ufw" /etc/default/ufw
	# Our config dir exists on the host only once the package is installed:
	# hide it then; otherwise tests pass --config.
	if [ -d /etc/ufw-docker ]; then
		mkdir -p "$SANDBOX_STATE/etc-ufw-docker"
		mount --bind "$SANDBOX_STATE/etc-ufw-docker" /etc/ufw-docker
	fi
	mount -t tmpfs -o mode=0755 tmpfs /etc/ufw
	sandbox_reset_ufw
}

# The after.init snippet calls hooks/after-init-hook next to the binary that
# ran sync (a source tree), else the installed hook. A binary built elsewhere
# (make BUILD=... BIN=...) gets a tree of its own here.
sandbox_tree() {
	# The binary as the caller gave it (a nested sandbox_enter hides ours).
	UFWD_SRC=${UFWD_SRC:-$UFWD}
	export UFWD_SRC
	UFWD=$UFWD_SRC
	[ -x "$UFWD" ] || return 0
	[ -x "$(dirname "$UFWD")/hooks/after-init-hook" ] && return 0
	mkdir -p "$SANDBOX_STATE/bin-tree/hooks"
	cp "$UFWD" "$SANDBOX_STATE/bin-tree/ufw-docker"
	cp "$TOP/hooks/after-init-hook" "$SANDBOX_STATE/bin-tree/hooks/"
	UFWD=$SANDBOX_STATE/bin-tree/ufw-docker
	export UFWD
}

# Makes /etc/ufw pristine (as the package ships it, ENABLED=no).
sandbox_reset_ufw() {
	find /etc/ufw -mindepth 1 -delete
	cp /usr/share/ufw/iptables/*.rules /etc/ufw/
	cp /usr/share/ufw/ufw.conf /usr/share/ufw/after.init \
		/usr/share/ufw/before.init /etc/ufw/
	cp -a "$TOP/tests/lib/applications.d" /etc/ufw/applications.d
	printf 'net/ipv4/ip_forward=1\nnet/ipv6/conf/default/forwarding=1\nnet/ipv6/conf/all/forwarding=1\n' \
		>/etc/ufw/sysctl.conf
	chmod 0640 /etc/ufw/*.rules /etc/ufw/*.init
	cp "$TOP/tests/lib/default-ufw" /etc/default/ufw
}

# sandbox_use_iptables nft|legacy: what `iptables` means for ufw and Docker.
sandbox_use_iptables() {
	local v=$1 t s
	for t in iptables ip6tables; do
		ln -sf "/usr/sbin/$t-$v" "/etc/alternatives/$t"
		for s in restore save; do
			ln -sf "/usr/sbin/$t-$v-$s" "/etc/alternatives/$t-$s"
		done
	done
}

# sandbox_variants LIST "$@": a test that takes the iptables variant as its
# first argument runs once per variant in LIST ("nft legacy") when called
# without one: "$0 VARIANT" each in a sandbox of its own (fresh namespaces,
# /run, /etc/ufw), one after the other. Then exits 1 when a run failed, 77
# when every run skipped, else 0, after a line per variant with its exit
# status and wall time (a name other than nft or legacy is a failure). With a variant argument (or inside the sandbox) it
# returns at once. Call it before sandbox_enter.
sandbox_variants() {
	local list=$1 v rc t0 sum= fail=0 ran=0
	shift
	[ -z "${UFWD_IN_SANDBOX:-}" ] && [ -z "${1:-}" ] || return 0
	[ -n "$list" ] || sandbox_die "sandbox_variants: no variant"
	for v in $list; do
		t0=$(date +%s)
		if [ "$v" != nft ] && [ "$v" != legacy ]; then
			echo "sandbox: unknown iptables variant '$v' (nft or legacy)" >&2
			rc=2
		elif [ ! -x "/usr/sbin/iptables-$v-restore" ]; then
			echo "SKIP ($v): /usr/sbin/iptables-$v-restore not installed"
			rc=77
		else
			echo "### $(basename "$0") $v"
			"$0" "$v"
			rc=$?
		fi
		case $rc in
		0) ran=$((ran + 1)) ;;
		77) ;;
		*) fail=$((fail + 1)) ;;
		esac
		sum="$sum $v=exit-$rc($(($(date +%s) - t0))s)"
	done
	echo "### $(basename "$0") variants:$sum"
	[ "$fail" -eq 0 ] || exit 1
	[ "$ran" -gt 0 ] || exit 77
	exit 0
}
