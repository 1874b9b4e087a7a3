# shellcheck shell=bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bed.sh: a packet-level test bed for ufw-docker, inside the sandbox of
# sandbox.sh (private mount namespace, private /etc/ufw and /run).
#
#   client netns "e2e-cli"              server netns "e2e-srv"
#   eth0 198.51.100.2/24, .3/24  <-veth->  ext0 198.51.100.1/24   (ufw, iptables)
#        2001:db8::2/64, ::3/64                2001:db8::1/64
#                                          docker0 203.0.113.1/25, 2001:db8:1::1/64
#                                            `- containers 203.0.113.2, .3 ...
#
# Layouts:
#   docker20  a real dockerd (Debian's docker.io 20.10) in the server netns,
#             its own socket, pidfile, data and exec roots on tmpfs; image
#             local/busybox imported from busybox-static; containers run with
#             --init and an echo service `nc -ll -p PORT -e /bin/cat`.
#             BED_DOCKER20_V6=1: dockerd with --ipv6 --fixed-cidr-v6
#             2001:db8:1::/64 --ip6tables (experimental in 20.10).
#   docker28  no daemon: Docker 28's iptables layout (docs/docker-layouts
#             sim-docker28-*) laid out with iptables-restore/ip6tables-restore,
#             "containers" are network namespaces behind the bridge docker0
#             running a python echo service (tcp or udp, v4 and v6).
#   docker29  no daemon: Docker 29's nftables firewall backend (tables ip and
#             ip6 docker-bridges, ../shared/docker-firewall.md "Docker 29+,
#             nftables backend") laid out with nft -f; containers as for
#             docker28. No DOCKER-USER, no iptables rules of Docker's.
#             bed_docker29_table, _in_chain, _dnat and _ctdrop print the
#             nft text (nft-backend-e2e.sh uses them too).
# Variants: nft or legacy (which iptables ufw, Docker and ufw-docker use).
#
# Every bed starts from fresh namespaces (no firewall state, conntrack or
# "recent" table survives from a previous bed). bed_down stops what we started
# by PID and deletes the namespaces; it runs from an EXIT trap too.
#
# Usage:
#   . "$TOP/tests/lib/bed.sh"
#   bed_up docker28 nft || exit           (77 = the layout cannot run here)
#   bed_publish 5432 5432 [tcp|udp]       container port published on the host
#   probe_tcp 198.51.100.2 198.51.100.1 5432   -> open|refused|filtered|...
#   srv ufw allow 5432/tcp; ufwd sync; ...
#   bed_down
#   assertions: t_eq NAME WANT GOT, t_ok NAME, t_fail NAME; t_summary

BED_SRV=e2e-srv
BED_CLI=e2e-cli
BED_SRV_IF=ext0
BED_SRV4=198.51.100.1
BED_CLI4=198.51.100.2
BED_CLI4B=198.51.100.3
BED_SRV6=2001:db8::1
BED_CLI6=2001:db8::2
BED_CLI6B=2001:db8::3
BED_BR4=203.0.113.1
BED_BR6=2001:db8:1::1
BED_PY=/usr/bin/python3
# A filtered probe costs this many seconds; refused/open answer at once.
BED_TIMEOUT=${BED_TIMEOUT:-1}
BED_UP=
BED_LAYOUT=
BED_VARIANT=
BED_PIDS=()       # our listeners and helper processes
BED_NETNS=()      # namespaces we created
BED_CTS=()        # containers (docker20: names; docker28: netns names)
BED_CT_IP=        # IPv4 address of the last container bed_publish used
BED_CT_IP6=
BED_LAST_IP=
BED_DOCKERD_PID=
BED_SYS_MOUNTED=
BED_T_PASS=0
BED_T_FAIL=0
BED_T_N=0
BED_ROOT=${SANDBOX_STATE:-/tmp}/bed
DOCKER=/usr/bin/docker
export DOCKER_HOST="unix://$BED_ROOT/docker/docker.sock"

# ---------------------------------------------------------------- helpers

bed_log() { echo "# $*"; }
bed_now() { date +%s.%N; }
bed_since() { awk -v a="$1" -v b="$(bed_now)" 'BEGIN { printf "%.2f", b - a }'; }

# srv CMD...: run in the server netns (our mount namespace).
srv() { nsenter --net="/run/netns/$BED_SRV" -- "$@"; }
# cli CMD...: run in the client netns.
cli() { nsenter --net="/run/netns/$BED_CLI" -- "$@"; }
# ufwd ARGS...: the product under test, in the server netns.
# shellcheck disable=SC2086  # UFWD_ARGS holds separate options on purpose
ufwd() { srv "$UFWD" ${UFWD_ARGS:-} "$@"; }

# The python helper: probes and echo services (one program, three modes).
#   probe tcp|udp SRC DST PORT TIMEOUT   connect (tcp) or send+receive (udp)
#   rt    tcp|udp SRC DST PORT TIMEOUT   a real round trip through an echo
#   echo  tcp|udp PORT [once]            dual-stack echo service ("once":
#                                        one line, then close)
# Probe answers: open, refused (RST / ICMP port unreachable), filtered (no
# answer before TIMEOUT), unreachable (ICMP host/net/admin unreachable),
# noecho (connected but the echo did not come back), error-ERRNO; then the
# seconds it took.
# shellcheck disable=SC2016
BED_PYPROG='
import errno, os, socket, sys, threading, time
mode, proto = sys.argv[1], sys.argv[2]
st = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
UNREACH = (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EACCES, errno.EPERM)
def classify(e):
    if isinstance(e, ConnectionRefusedError): return "refused"
    if isinstance(e, socket.timeout): return "filtered"
    if isinstance(e, OSError) and e.errno in UNREACH: return "unreachable"
    return "error-" + errno.errorcode.get(getattr(e, "errno", 0) or 0, "X")
if mode in ("probe", "rt"):
    src, dst, port, to = sys.argv[3], sys.argv[4], int(sys.argv[5]), float(sys.argv[6])
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, st)
    if src != "-": s.bind((src, 0))
    s.settimeout(to)
    t0 = time.monotonic()
    tok = b"e2e-%d-%d\n" % (os.getpid(), int(t0 * 1000))
    try:
        s.connect((dst, port))
        res = "open"
        if proto == "udp" or mode == "rt":
            s.send(tok)
            if proto == "tcp": s.shutdown(socket.SHUT_WR)
            data = b""
            try:
                while len(data) < len(tok):
                    d = s.recv(4096)
                    if not d: break
                    data += d
            except Exception as e:
                if proto == "tcp": data = b"-"
                else: raise
            if data != tok: res = "noecho"
    except Exception as e:
        res = classify(e)
    print(res, "%.2f" % (time.monotonic() - t0))
elif mode == "echo":
    port = int(sys.argv[3]); once = len(sys.argv) > 4
    s = socket.socket(socket.AF_INET6, st)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    if proto == "udp":
        while True:
            d, a = s.recvfrom(65536)
            s.sendto(d, a)
    s.listen(64)
    def serve(c):
        try:
            if once:
                c.sendall(c.makefile("rb").readline())
            else:
                while True:
                    d = c.recv(65536)
                    if not d: break
                    c.sendall(d)
        except OSError: pass
        c.close()
    while True:
        c, a = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()
'

# bed_py ARGS...: the python helper in the current netns.
bed_py() { "$BED_PY" -c "$BED_PYPROG" "$@"; }

# probe_tcp SRC DST PORT: connection attempt from the client, source SRC.
# Prints open|refused|filtered|unreachable|error-X (the time goes to the log).
probe_tcp() { bed_probe probe tcp "$@"; }
# probe_udp SRC DST PORT: a datagram to an echo service; open = echoed,
# refused = ICMP port unreachable, filtered = silence.
probe_udp() { bed_probe probe udp "$@"; }
# roundtrip_tcp SRC DST PORT: a line through the echo service and back:
# open (echoed) | noecho | refused | filtered | ...
roundtrip_tcp() { bed_probe rt tcp "$@"; }

bed_probe() {
	local out
	out=$(cli "$BED_PY" -c "$BED_PYPROG" "$1" "$2" "$3" "$4" "$5" "$BED_TIMEOUT" 2>&1)
	echo "#   $1 $2 from $3 to $4 port $5: $out" >&3
	echo "${out%% *}"
}

# bed_wait_listen NETNS-PATH PROTO PORT: until something listens (<= 5 s).
bed_wait_listen() {
	local ns=$1 proto=$2 port=$3 i flag=-ltn
	[ "$proto" = udp ] && flag=-lun
	for ((i = 0; i < 100; i++)); do
		if nsenter --net="$ns" -- ss -H "$flag" "sport = :$port" | grep -q .; then
			return 0
		fi
		sleep 0.05
	done
	echo "# bed: nothing listens on $proto/$port in $ns" >&2
	return 1
}

# ---------------------------------------------------------------- TAP-ish

t_ok() {
	BED_T_N=$((BED_T_N + 1)) BED_T_PASS=$((BED_T_PASS + 1))
	echo "ok $BED_T_N - $*"
}
t_fail() {
	BED_T_N=$((BED_T_N + 1)) BED_T_FAIL=$((BED_T_FAIL + 1))
	echo "not ok $BED_T_N - $*"
}
# t_eq NAME WANT GOT
t_eq() {
	if [ "$2" = "$3" ]; then
		t_ok "$1 ($3)"
	else
		t_fail "$1: want '$2', got '$3'"
	fi
}
# t_run NAME CMD...: the command must succeed (its output is kept on failure).
t_run() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		t_ok "$name"
	else
		t_fail "$name (exit $rc)"
		printf '%s\n' "$out" | head -20 | sed 's/^/#   /'
	fi
	return "$rc"
}
t_summary() {
	echo "# e2e: $BED_T_PASS passed, $BED_T_FAIL failed ($BED_T_N checks)"
	[ "$BED_T_FAIL" -eq 0 ]
}

# ---------------------------------------------------------------- bed

# bed_up LAYOUT VARIANT: fresh namespaces, ufw pristine (not enabled).
# Returns 77 when the layout cannot run on this machine, 1 on other failure.
bed_up() {
	local layout=$1 variant=$2 t0
	t0=$(bed_now)
	[ -z "$BED_UP" ] || bed_down
	# shellcheck disable=SC2034  # read by the scenarios
	BED_LAYOUT=$layout BED_VARIANT=$variant BED_UP=1
	mkdir -p "$BED_ROOT"
	sandbox_use_iptables "$variant"
	sandbox_reset_ufw
	bed_netns_add "$BED_SRV" || return 1
	bed_netns_add "$BED_CLI" || return 1
	ip -n "$BED_SRV" link add "$BED_SRV_IF" type veth peer name eth0 netns "$BED_CLI" || return 1
	ip -n "$BED_SRV" addr add "$BED_SRV4/24" dev "$BED_SRV_IF"
	ip -n "$BED_SRV" addr add "$BED_SRV6/64" dev "$BED_SRV_IF" nodad
	ip -n "$BED_CLI" addr add "$BED_CLI4/24" dev eth0
	ip -n "$BED_CLI" addr add "$BED_CLI4B/24" dev eth0
	ip -n "$BED_CLI" addr add "$BED_CLI6/64" dev eth0 nodad
	ip -n "$BED_CLI" addr add "$BED_CLI6B/64" dev eth0 nodad
	ip -n "$BED_SRV" link set "$BED_SRV_IF" up
	ip -n "$BED_CLI" link set eth0 up
	srv sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	bed_warm cli "$BED_SRV4" && bed_warm cli "$BED_SRV6" || return 1
	bed_warm srv "$BED_CLI4" && bed_warm srv "$BED_CLI4B" || return 1
	bed_warm srv "$BED_CLI6" && bed_warm srv "$BED_CLI6B" || return 1
	case $layout in
	docker20) bed_docker20_up || return ;;
	docker28) bed_docker28_up || return ;;
	docker29) bed_docker29_up || return ;;
	*) echo "bed: unknown layout $layout" >&2 && return 1 ;;
	esac
	bed_log "bed up: $layout/$variant in $(bed_since "$t0") s"
}

bed_netns_add() {
	ip netns add "$1" || return 1
	BED_NETNS+=("$1")
	ip -n "$1" link set lo up
	# No duplicate address detection on the links made here (a tentative
	# link-local address delays neighbour discovery by a second or more).
	nsenter --net="/run/netns/$1" -- sysctl -qw net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_dad=0
}

# bed_ufw_baseline: ufw enabled, default deny incoming, allow 22/tcp.
# docker29: DEFAULT_FORWARD_POLICY=ACCEPT too. Docker 29's nftables accept is
# not final: ufw's shipped FORWARD DROP in iptables would drop every
# published port before ufw-docker does anything, and the suite's "open
# before sync" (the bug) would not reproduce. The scenario fwdrop covers
# the shipped DROP.
bed_ufw_baseline() {
	if [ "$BED_LAYOUT" = docker29 ]; then
		bed_ufw_forward_policy ACCEPT || return 1
	fi
	srv ufw default deny incoming >/dev/null &&
		srv ufw allow 22/tcp >/dev/null &&
		srv ufw --force enable >/dev/null
}

# bed_ufw_forward_policy ACCEPT|DROP: DEFAULT_FORWARD_POLICY in
# /etc/default/ufw (a bind mount: rewritten in place, no sed -i); takes
# effect at the next ufw reload/enable.
bed_ufw_forward_policy() {
	sed "s/^DEFAULT_FORWARD_POLICY=.*/DEFAULT_FORWARD_POLICY=\"$1\"/" /etc/default/ufw \
		>"$BED_ROOT/default-ufw.new" && cat "$BED_ROOT/default-ufw.new" >/etc/default/ufw
}

# bed_publish HOSTPORT CPORT [tcp|udp]: a container (docker20: a new one;
# docker28: the first one) listening on CPORT, published on HOSTPORT.
# Sets BED_CT_IP / BED_CT_IP6.
bed_publish() {
	local hp=$1 cp=$2 proto=${3:-tcp}
	case $BED_LAYOUT in
	docker20) bed_docker20_publish "$hp" "$cp" "$proto" ;;
	docker28) bed_docker28_publish "$hp" "$cp" "$proto" ;;
	docker29) bed_docker29_publish "$hp" "$cp" "$proto" ;;
	esac
}

# bed_container NAME PORT: an unpublished container with a tcp echo on PORT
# (for container-to-container traffic). Sets BED_LAST_IP to its IPv4
# address. (Not from $(...): it starts processes and records them.)
bed_container() {
	BED_LAST_IP=
	case $BED_LAYOUT in
	docker20) bed_docker20_run "$1" "" "$2" tcp ;;
	docker28 | docker29) bed_docker28_ct "$1" && bed_docker28_listen "$1" tcp "$2" ;;
	esac || return 1
	# shellcheck disable=SC2034  # read by the caller
	BED_LAST_IP=$(bed_ct_ip "$1")
}

# bed_ct_ip NAME: the container's IPv4 address.
bed_ct_ip() {
	case $BED_LAYOUT in
	docker20) "$DOCKER" inspect -f '{{.NetworkSettings.IPAddress}}' "$1" ;;
	docker28 | docker29) ip -n "$1" -4 -o addr show dev eth0 | awk '{ sub("/.*", "", $4); print $4 }' ;;
	esac
}

# bed_ct_roundtrip CT DST PORT: from inside container CT, a line to a
# one-line echo service at DST:PORT and back (busybox nc). open|fail.
bed_ct_roundtrip() {
	local ct=$1 dst=$2 port=$3 tok out
	tok="ct-$RANDOM-$RANDOM"
	case $BED_LAYOUT in
	docker20)
		out=$(echo "$tok" | timeout 5 "$DOCKER" exec -i "$ct" nc -w 2 "$dst" "$port" 2>&1) ;;
	docker28 | docker29)
		out=$(echo "$tok" | timeout 5 nsenter --net="/run/netns/$ct" -- busybox nc -w 2 "$dst" "$port" 2>&1) ;;
	esac
	echo "#   from container $ct to $dst port $port: ${out:-<nothing>}" >&3
	if [ "$out" = "$tok" ]; then echo open; else echo fail; fi
}

# bed_cli_listen PORT: a one-line tcp echo service in the client (for
# container egress).
bed_cli_listen() {
	nsenter --net="/run/netns/$BED_CLI" -- "$BED_PY" -c "$BED_PYPROG" echo tcp "$1" once >>"$BED_ROOT/listeners.log" 2>&1 &
	BED_PIDS+=($!)
	bed_wait_listen "/run/netns/$BED_CLI" tcp "$1"
}

# bed_flush_firewall: the server's netfilter as after a reboot (every table
# of both families empty, policies ACCEPT, no conntrack entries).
bed_flush_firewall() {
	local ipt tb
	for ipt in iptables ip6tables; do
		for tb in filter nat raw mangle; do
			case $tb in
			filter) printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n' ;;
			nat) printf '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n' ;;
			raw) printf '*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n' ;;
			mangle) printf '*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n' ;;
			esac | srv "$ipt-restore" || return 1
		done
	done
	srv conntrack -F >/dev/null 2>&1
	[ -z "$(srv iptables-save | grep '^-A')$(srv ip6tables-save | grep '^-A')" ]
}

# bed_down: stop everything we started (by PID), delete our namespaces.
bed_down() {
	local t0 p ns
	[ -n "$BED_UP" ] || return 0
	t0=$(bed_now)
	[ "$BED_LAYOUT" = docker20 ] && bed_docker20_down
	for p in "${BED_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${BED_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	BED_PIDS=()
	# Anything still inside one of our namespaces was started by this bed.
	for ns in "${BED_NETNS[@]}"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			echo "# bed: killing leftover pid $p ($(cat "/proc/$p/comm" 2>/dev/null)) in $ns" >&2
			kill -9 "$p" 2>/dev/null
		done
	done
	for ns in "${BED_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	BED_NETNS=() BED_CTS=() BED_UP=
	bed_log "bed down in $(bed_since "$t0") s"
}

bed_exit_trap() {
	local rc=$?
	bed_down
	return "$rc"
}
trap bed_exit_trap EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP
# Probe logs go to the script's stdout even from inside $(...).
exec 3>&1

# ---------------------------------------------------------------- docker28

# bed_docker28_rules LOOPBACK SUBNET: Docker 28.2's tables for docker0, one
# family (iptables-restore text; the v4 and v6 layouts differ only there).
bed_docker28_rules() {
	cat <<-EOF
		*raw
		:PREROUTING ACCEPT [0:0]
		:OUTPUT ACCEPT [0:0]
		COMMIT
		*filter
		:INPUT ACCEPT [0:0]
		:FORWARD DROP [0:0]
		:OUTPUT ACCEPT [0:0]
		:DOCKER - [0:0]
		:DOCKER-BRIDGE - [0:0]
		:DOCKER-CT - [0:0]
		:DOCKER-FORWARD - [0:0]
		:DOCKER-ISOLATION-STAGE-1 - [0:0]
		:DOCKER-ISOLATION-STAGE-2 - [0:0]
		:DOCKER-USER - [0:0]
		-A FORWARD -j DOCKER-USER
		-A FORWARD -j DOCKER-FORWARD
		-A DOCKER ! -i docker0 -o docker0 -j DROP
		-A DOCKER-BRIDGE -o docker0 -j DOCKER
		-A DOCKER-CT -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
		-A DOCKER-FORWARD -j DOCKER-CT
		-A DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1
		-A DOCKER-FORWARD -j DOCKER-BRIDGE
		-A DOCKER-FORWARD -i docker0 -j ACCEPT
		-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
		-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
		COMMIT
		*nat
		:PREROUTING ACCEPT [0:0]
		:INPUT ACCEPT [0:0]
		:OUTPUT ACCEPT [0:0]
		:POSTROUTING ACCEPT [0:0]
		:DOCKER - [0:0]
		-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
		-A OUTPUT ! -d $1 -m addrtype --dst-type LOCAL -j DOCKER
		-A POSTROUTING -s $2 ! -o docker0 -j MASQUERADE
		-A DOCKER -i docker0 -j RETURN
		COMMIT
	EOF
}

# Docker 28.2's iptables layout (moby v28.2.2) for bridge docker0, without
# containers; bed_docker28_publish adds what `docker run -p` adds.
bed_docker28_up() {
	ip -n "$BED_SRV" link add docker0 type bridge || return 1
	ip -n "$BED_SRV" addr add "$BED_BR4/25" dev docker0
	ip -n "$BED_SRV" addr add "$BED_BR6/64" dev docker0 nodad
	ip -n "$BED_SRV" link set docker0 up
	bed_docker28_rules 127.0.0.0/8 203.0.113.0/25 | srv iptables-restore || return 1
	# The v6 side as Docker 28 lays it out for a network with --ipv6.
	bed_docker28_rules ::1/128 2001:db8:1::/64 | srv ip6tables-restore || return 1
	bed_docker28_ct ct1
}

# bed_docker28_ct NAME: a "container" netns on docker0, next free address
# (203.0.113.2, .3, ...; 2001:db8:1::2, ::3, ...), with Docker's raw drop
# (docker29: in nftables).
bed_docker28_ct() {
	local name=$1 n ip4 ip6 hv
	n=$((${#BED_CTS[@]} + 2))
	ip4=203.0.113.$n ip6=2001:db8:1::$n hv=veth-$name
	bed_netns_add "$name" || return 1
	BED_CTS+=("$name")
	ip -n "$BED_SRV" link add "$hv" type veth peer name eth0 netns "$name" || return 1
	ip -n "$BED_SRV" link set "$hv" master docker0 up
	ip -n "$name" addr add "$ip4/25" dev eth0
	ip -n "$name" addr add "$ip6/64" dev eth0 nodad
	ip -n "$name" link set eth0 up
	ip -n "$name" route add default via "$BED_BR4"
	ip -n "$name" -6 route add default via "$BED_BR6"
	if [ "$BED_LAYOUT" = docker29 ]; then
		{ bed_docker29_ctdrop ip "$ip4" && bed_docker29_ctdrop ip6 "$ip6"; } | srv nft -f - || return 1
	else
		srv iptables -t raw -A PREROUTING -d "$ip4/32" ! -i docker0 -j DROP || return 1
		srv ip6tables -t raw -A PREROUTING -d "$ip6/128" ! -i docker0 -j DROP || return 1
	fi
	# Neighbours resolved before the first probe (a lost first v6 SYN
	# would read as "filtered" for a second).
	bed_warm srv "$ip4" && bed_warm srv "$ip6"
}

# bed_warm srv|cli ADDR: ping ADDR until it answers (<= 30 s, busybox ping).
bed_warm() {
	local i
	for ((i = 0; i < 30; i++)); do
		"$1" busybox ping -c1 -W1 "$2" >/dev/null 2>&1 && return 0
	done
	echo "# bed: $2 does not answer pings from $1" >&2
	return 1
}

# bed_docker28_listen CT PROTO PORT: echo service in the container.
bed_docker28_listen() {
	nsenter --net="/run/netns/$1" -- "$BED_PY" -c "$BED_PYPROG" echo "$2" "$3" \
		>>"$BED_ROOT/listeners.log" 2>&1 &
	BED_PIDS+=($!)
	bed_wait_listen "/run/netns/$1" "$2" "$3"
}

bed_docker28_publish() {
	local hp=$1 cp=$2 proto=$3 ct=ct1
	BED_CT_IP=203.0.113.2 BED_CT_IP6=2001:db8:1::2
	bed_docker28_listen "$ct" "$proto" "$cp" || return 1
	# What Docker 28 adds per published port (v4 and v6): the DNAT, and the
	# ACCEPT in DOCKER ahead of its final DROP.
	srv iptables -t nat -A DOCKER ! -i docker0 -p "$proto" -m "$proto" --dport "$hp" \
		-j DNAT --to-destination "$BED_CT_IP:$cp" || return 1
	srv iptables -I DOCKER 1 -d "$BED_CT_IP/32" ! -i docker0 -o docker0 -p "$proto" \
		-m "$proto" --dport "$cp" -j ACCEPT || return 1
	srv ip6tables -t nat -A DOCKER ! -i docker0 -p "$proto" -m "$proto" --dport "$hp" \
		-j DNAT --to-destination "[$BED_CT_IP6]:$cp" || return 1
	srv ip6tables -I DOCKER 1 -d "$BED_CT_IP6/128" ! -i docker0 -o docker0 -p "$proto" \
		-m "$proto" --dport "$cp" -j ACCEPT
}

# ---------------------------------------------------------------- docker20

BED_IMAGE_TAR=

# The busybox rootfs tarball (once per script).
bed_docker20_image_tar() {
	local root=$BED_ROOT/rootfs
	[ -n "$BED_IMAGE_TAR" ] && [ -s "$BED_IMAGE_TAR" ] && return 0
	mkdir -p "$root/bin" "$root/tmp" "$root/etc" || return 1
	cp /bin/busybox "$root/bin/busybox" || return 1
	# Relative links (busybox --install would point at the host's realpath).
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$root/bin/$a"
	done
	echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
	tar -C "$root" -cf "$BED_ROOT/busybox.tar" . || return 1
	BED_IMAGE_TAR=$BED_ROOT/busybox.tar
}

# bed_docker20_ok: can a real dockerd run here at all? (else: skip, 77)
bed_docker20_ok() {
	local b
	for b in dockerd containerd runc docker-init; do
		command -v "$b" >/dev/null || {
			echo "SKIP: $b not installed (docker.io)"
			return 77
		}
	done
	[ -x "$DOCKER" ] || {
		echo "SKIP: no docker client at $DOCKER"
		return 77
	}
}

bed_docker20_sys() {
	# dockerd needs a sysfs of the server netns with the cgroup hierarchy on
	# it: mount a fresh sysfs (from inside the server netns) over /sys in our
	# mount namespace and bind the cgroup tree onto it.
	local hold=$BED_ROOT/cgroup
	if [ ! -d "$hold" ]; then
		mkdir -p "$hold" && mount --rbind /sys/fs/cgroup "$hold" || return 1
	fi
	srv mount -t sysfs sysfs /sys || return 1
	BED_SYS_MOUNTED=1
	mount --rbind "$hold" /sys/fs/cgroup || return 1
}

bed_docker20_start() {
	local d=$BED_ROOT/docker i
	mkdir -p "$d/data" "$d/exec" || return 1
	[ -f "$d/daemon.json" ] || echo '{}' >"$d/daemon.json"
	# nsenter directly (not the srv function): $! must be dockerd itself.
	local v6=()
	[ -n "${BED_DOCKER20_V6:-}" ] &&
		v6=(--experimental --ipv6 --fixed-cidr-v6 2001:db8:1::/64 --ip6tables)
	nsenter --net="/run/netns/$BED_SRV" -- dockerd -H "$DOCKER_HOST" --pidfile "$d/docker.pid" \
		"${v6[@]}" \
		--data-root "$d/data" --exec-root "$d/exec" --config-file "$d/daemon.json" \
		--bip "$BED_BR4/25" --default-address-pool base=203.0.113.128/25,size=28 \
		--exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "/ufwd-e2e-$$" \
		--storage-driver overlay2 --log-level warn >>"$d/dockerd.log" 2>&1 &
	BED_DOCKERD_PID=$!
	for ((i = 0; i < 200; i++)); do
		"$DOCKER" version >/dev/null 2>&1 && return 0
		kill -0 "$BED_DOCKERD_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "# bed: dockerd did not come up; its log:" >&2
	tail -20 "$d/dockerd.log" | sed 's/^/#   /' >&2
	return 1
}

# bed_docker20_stop: dockerd stops its containerd; wait for it (<= 15 s).
bed_docker20_stop() {
	local i
	[ -n "$BED_DOCKERD_PID" ] || return 0
	kill "$BED_DOCKERD_PID" 2>/dev/null
	for ((i = 0; i < 150; i++)); do
		kill -0 "$BED_DOCKERD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$BED_DOCKERD_PID" 2>/dev/null
	wait "$BED_DOCKERD_PID" 2>/dev/null
	BED_DOCKERD_PID=
}

# bed_docker20_restart: what `systemctl restart docker` does; containers come
# back by their restart policy. Waits until they listen again.
bed_docker20_restart() {
	bed_docker20_stop
	bed_docker20_resume
}

# bed_docker20_resume: start dockerd again, wait for its containers.
bed_docker20_resume() {
	local ct pid i
	bed_docker20_start || return 1
	for ct in "${BED_CTS[@]}"; do
		for ((i = 0; i < 300; i++)); do
			pid=$("$DOCKER" inspect -f '{{.State.Pid}}' "$ct" 2>/dev/null)
			[ -n "$pid" ] && [ "$pid" != 0 ] && break
			sleep 0.1
		done
		if [ -z "$pid" ] || [ "$pid" = 0 ]; then
			echo "# bed: container $ct not running after the dockerd restart; dockerd.log:" >&2
			grep -v 'level=info' "$BED_ROOT/docker/dockerd.log" | tail -15 | cut -c1-300 | sed 's/^/#   /' >&2
			return 1
		fi
		bed_wait_listen "/proc/$pid/ns/net" tcp "$(cat "$BED_ROOT/docker/$ct.port")" || return 1
	done
}

bed_docker20_up() {
	local rc
	bed_docker20_ok || return
	bed_docker20_image_tar || return 1
	bed_docker20_sys || return 1
	rm -rf "$BED_ROOT/docker"
	mkdir -p "$BED_ROOT/docker"
	mount -t tmpfs -o mode=0711 tmpfs "$BED_ROOT/docker" || return 1
	if ! bed_docker20_start; then
		rc=1
		# A daemon that cannot start at all on this machine: a skip, not a pass.
		grep -qiE 'operation not permitted|cgroup|not supported' "$BED_ROOT/docker/dockerd.log" && rc=77
		return "$rc"
	fi
	"$DOCKER" import - local/busybox <"$BED_IMAGE_TAR" >/dev/null || return 1
}

# bed_docker20_run NAME PUBLISH CPORT PROTO: a container with the echo service.
bed_docker20_run() {
	local name=$1 pub=$2 cp=$3 proto=$4 pid
	[ "$proto" = tcp ] || {
		echo "# bed: docker20 image has no udp echo service" >&2
		return 1
	}
	# shellcheck disable=SC2086
	"$DOCKER" run -d --init --restart always --name "$name" ${pub:+-p "$pub"} \
		local/busybox nc -ll -p "$cp" -e /bin/cat >/dev/null || return 1
	BED_CTS+=("$name")
	echo "$cp" >"$BED_ROOT/docker/$name.port"
	pid=$("$DOCKER" inspect -f '{{.State.Pid}}' "$name") || return 1
	bed_wait_listen "/proc/$pid/ns/net" tcp "$cp"
}

bed_docker20_publish() {
	local hp=$1 cp=$2 proto=$3 name
	name=ct$((${#BED_CTS[@]} + 1))
	bed_docker20_run "$name" "$hp:$cp/$proto" "$cp" "$proto" || return 1
	BED_CT_IP=$(bed_ct_ip "$name")
	BED_CT_IP6=
	if [ -n "${BED_DOCKER20_V6:-}" ]; then
		BED_CT_IP6=$("$DOCKER" inspect -f '{{.NetworkSettings.GlobalIPv6Address}}' "$name")
		# Neighbours resolved before the first v6 probe.
		bed_warm srv "$BED_CT_IP6" || return 1
	fi
}

bed_docker20_down() {
	local c d=/sys/fs/cgroup
	if [ -n "$BED_DOCKERD_PID" ] && [ ${#BED_CTS[@]} -gt 0 ]; then
		timeout 30 "$DOCKER" rm -f "${BED_CTS[@]}" >/dev/null 2>&1
	fi
	bed_docker20_stop
	# Container processes live in their own netns: catch them by our cgroup.
	for c in "$d"/*/"ufwd-e2e-$$"; do
		[ -d "$c" ] || continue
		cat "$c"/*/cgroup.procs "$c"/cgroup.procs 2>/dev/null | while read -r p; do
			kill -9 "$p" 2>/dev/null
		done
		find "$c" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
		rmdir "$c" 2>/dev/null
	done
	if [ -n "$BED_SYS_MOUNTED" ]; then
		umount -l /sys
		BED_SYS_MOUNTED=
	fi
	umount -R "$BED_ROOT/docker" 2>/dev/null || umount -l "$BED_ROOT/docker" 2>/dev/null
}

# ---------------------------------------------------------------- docker29

# Docker 29's nftables layout for bridge docker0 (v4 and v6), no containers;
# bed_docker29_publish adds what `docker run -p` adds. The accepts of the
# published ports, per family (the rule bodies of filter-forward-in__docker0).
BED_D29_ACC4=()
BED_D29_ACC6=()

# bed_docker29_table ip|ip6 SUBNET: Docker 29's table for docker0 with an
# empty filter-forward-in__docker0 (bed_docker29_in_chain fills it) and no
# DNAT (bed_docker29_dnat). Prints nft text.
bed_docker29_table() {
	local fam=$1 net=$2 a=ip lo=127.0.0.0/8
	[ "$fam" = ip6 ] && a=ip6 lo=::1
	cat <<-EOF
		table $fam docker-bridges {
			map filter-forward-in-jumps {
				type ifname : verdict
				elements = { "docker0" : jump filter-forward-in__docker0 }
			}
			map filter-forward-out-jumps {
				type ifname : verdict
				elements = { "docker0" : jump filter-forward-out__docker0 }
			}
			chain filter-FORWARD {
				type filter hook forward priority filter; policy accept;
				oifname vmap @filter-forward-in-jumps
				iifname vmap @filter-forward-out-jumps
			}
			chain filter-forward-in__docker0 {
			}
			chain filter-forward-out__docker0 {
				ct state established,related counter accept
				counter accept comment "OUTGOING"
			}
			chain nat-PREROUTING {
				type nat hook prerouting priority dstnat; policy accept;
				fib daddr type local counter jump nat-prerouting-and-output
			}
			chain nat-OUTPUT {
				type nat hook output priority -100; policy accept;
				$a daddr != $lo fib daddr type local counter jump nat-prerouting-and-output
			}
			chain nat-POSTROUTING {
				type nat hook postrouting priority srcnat; policy accept;
				$a saddr $net oifname != "docker0" counter masquerade
			}
			chain nat-prerouting-and-output {
			}
			chain raw-PREROUTING {
				type filter hook prerouting priority raw; policy accept;
			}
		}
	EOF
}

# bed_docker29_in_chain ip|ip6 [ACCEPT-MATCH...]: (re)fills
# filter-forward-in__docker0 in one transaction: replies, ICC, one accept
# per published port ("ip daddr 203.0.113.2 tcp dport 5432"), the drop.
bed_docker29_in_chain() {
	local fam=$1 c acc
	shift
	c="$fam docker-bridges filter-forward-in__docker0"
	echo "flush chain $c"
	echo "add rule $c ct state established,related counter accept"
	echo "add rule $c iifname \"docker0\" counter accept comment \"ICC\""
	for acc in "$@"; do
		echo "add rule $c $acc counter accept"
	done
	echo "add rule $c counter drop comment \"UNPUBLISHED PORT DROP\""
}

# bed_docker29_dnat ip|ip6 PROTO HOSTPORT CT-ADDR CPORT
bed_docker29_dnat() {
	local to="$4:$5"
	[ "$1" = ip6 ] && to="[$4]:$5"
	echo "add rule $1 docker-bridges nat-prerouting-and-output iifname != \"docker0\"" \
		"$2 dport $3 counter dnat to $to"
}

# bed_docker29_ctdrop ip|ip6 CT-ADDR: Docker's "DROP DIRECT ACCESS".
bed_docker29_ctdrop() {
	local a=ip
	[ "$1" = ip6 ] && a=ip6
	echo "add rule $1 docker-bridges raw-PREROUTING $a daddr $2 iifname != \"docker0\"" \
		"counter drop comment \"DROP DIRECT ACCESS\""
}

bed_docker29_up() {
	command -v nft >/dev/null || {
		echo "SKIP: nft not installed"
		return 77
	}
	BED_D29_ACC4=() BED_D29_ACC6=()
	ip -n "$BED_SRV" link add docker0 type bridge || return 1
	ip -n "$BED_SRV" addr add "$BED_BR4/25" dev docker0
	ip -n "$BED_SRV" addr add "$BED_BR6/64" dev docker0 nodad
	ip -n "$BED_SRV" link set docker0 up
	{
		bed_docker29_table ip 203.0.113.0/25
		bed_docker29_table ip6 2001:db8:1::/64
		bed_docker29_in_chain ip
		bed_docker29_in_chain ip6
	} | srv nft -f - || return 1
	bed_docker28_ct ct1
}

bed_docker29_publish() {
	local hp=$1 cp=$2 proto=$3 ct=ct1
	BED_CT_IP=203.0.113.2 BED_CT_IP6=2001:db8:1::2
	bed_docker28_listen "$ct" "$proto" "$cp" || return 1
	BED_D29_ACC4+=("ip daddr $BED_CT_IP $proto dport $cp")
	BED_D29_ACC6+=("ip6 daddr $BED_CT_IP6 $proto dport $cp")
	{
		bed_docker29_in_chain ip "${BED_D29_ACC4[@]}"
		bed_docker29_in_chain ip6 "${BED_D29_ACC6[@]}"
		bed_docker29_dnat ip "$proto" "$hp" "$BED_CT_IP" "$cp"
		bed_docker29_dnat ip6 "$proto" "$hp" "$BED_CT_IP6" "$cp"
	} | srv nft -f -
}
