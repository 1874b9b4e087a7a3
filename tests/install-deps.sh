#!/bin/sh
# Installs every Debian package that building, testing, fuzzing, packaging and
# the demo need. Safe to re-run. docker.io is installed without starting
# dockerd in the root namespace (policy-rc.d answers 101 during the install).
set -eu
PKGS="build-essential clang pkg-config libnftnl-dev libmnl-dev libinih-dev
libcmocka-dev libclang-rt-14-dev valgrind clang-format ufw iptables nftables
docker.io containerd runc tini busybox-static nmap netcat-openbsd iproute2
conntrack util-linux procps psmisc kmod debhelper devscripts lintian fakeroot systemd
gnuplot-nox hyperfine"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
restore=""
rc=0
[ -x "$policy" ] && { "$policy" docker start >/dev/null 2>&1 || rc=$?; }
if [ "$rc" -ne 101 ]; then
	[ -e "$policy" ] && cp -p "$policy" "$policy.ufw-docker-save"
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	restore=yes
fi
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
if [ -n "$restore" ]; then
	if [ -e "$policy.ufw-docker-save" ]; then
		mv "$policy.ufw-docker-save" "$policy"
	else
		rm -f "$policy"
	fi
fi
# Never leave a dockerd running in the root namespace.
if pgrep -x dockerd >/dev/null 2>&1; then
	echo "install-deps: warning: a dockerd runs in the root namespace" >&2
fi
