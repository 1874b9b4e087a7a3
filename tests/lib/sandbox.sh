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
