#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# gen-rules.py N DIR [ALLOW_PORT...]: writes DIR/user.rules, DIR/user6.rules
# and DIR/commands.txt with N ufw rules in ufw 0.36.2's exact format (tuple
# line + the iptables lines ufw makes from it), as `ufw` itself would write
# them after running the commands of commands.txt in that order (checked
# byte for byte against real ufw by validate.sh). Then one `allow PORT/tcp`
# per ALLOW_PORT, last. Fifteen forms cycle: ports, ranges, lists, sources,
# destinations, source ports, interfaces, any-protocol, reject, limit, log,
# comment, v6-only, route (BENCH_ORDER=grouped: sorted by form, so
# like rules are consecutive). No generated rule matches the bench's traffic
# (sources 10.0.0.0/8 and 2001:db8:5::/48, ports >= 10000).
import os
import sys

HEAD = """*filter
:{p}-user-input - [0:0]
:{p}-user-output - [0:0]
:{p}-user-forward - [0:0]
:{p}-before-logging-input - [0:0]
:{p}-before-logging-output - [0:0]
:{p}-before-logging-forward - [0:0]
:{p}-user-logging-input - [0:0]
:{p}-user-logging-output - [0:0]
:{p}-user-logging-forward - [0:0]
:{p}-after-logging-input - [0:0]
:{p}-after-logging-output - [0:0]
:{p}-after-logging-forward - [0:0]
:{p}-logging-deny - [0:0]
:{p}-logging-allow - [0:0]
:{p}-user-limit - [0:0]
:{p}-user-limit-accept - [0:0]
### RULES ###
"""
TAIL = """
### END RULES ###

### LOGGING ###
-A {p}-after-logging-input -j LOG --log-prefix "[UFW BLOCK] " -m limit --limit 3/min --limit-burst 10
-A {p}-after-logging-forward -j LOG --log-prefix "[UFW BLOCK] " -m limit --limit 3/min --limit-burst 10
-I {p}-logging-deny -m conntrack --ctstate INVALID -j RETURN -m limit --limit 3/min --limit-burst 10
-A {p}-logging-deny -j LOG --log-prefix "[UFW BLOCK] " -m limit --limit 3/min --limit-burst 10
-A {p}-logging-allow -j LOG --log-prefix "[UFW ALLOW] " -m limit --limit 3/min --limit-burst 10
### END LOGGING ###

### RATE LIMITING ###
-A {p}-user-limit -m limit --limit 3/minute -j LOG --log-prefix "[UFW LIMIT BLOCK] "
-A {p}-user-limit -j REJECT
-A {p}-user-limit-accept -j ACCEPT
### END RATE LIMITING ###
COMMIT
"""
NFORMS = 15


def rule(i):
    """(command, families, tuple-tail, [iptables lines]) of rule i. The
    tuple tail and lines use {any} (0.0.0.0/0 or ::/0) and {p} (ufw/ufw6)."""
    P = 10000 + 5 * i
    a, b = (i >> 8) & 255, i & 255
    f = i % NFORMS
    both, v4, v6 = (4, 6), (4,), (6,)
    if f == 0:
        return (f"allow {P}/tcp", both, f"allow tcp {P} {{any}} any {{any}} in",
                [f"-A {{p}}-user-input -p tcp --dport {P} -j ACCEPT"])
    if f == 1:
        s = f"10.{a}.{b}.0/24"
        return (f"allow from {s} to any port {P} proto tcp", v4,
                f"allow tcp {P} {{any}} any {s} in",
                [f"-A {{p}}-user-input -p tcp --dport {P} -s {s} -j ACCEPT"])
    if f == 2:
        return (f"deny {P}:{P + 3}/udp", both, f"deny udp {P}:{P + 3} {{any}} any {{any}} in",
                [f"-A {{p}}-user-input -p udp -m multiport --dports {P}:{P + 3} -j DROP"])
    if f == 3:
        s = f"10.{a}.{b}.1"
        return (f"allow from {s}", v4, f"allow any any {{any}} any {s} in",
                [f"-A {{p}}-user-input -s {s} -j ACCEPT"])
    if f == 4:
        return (f"reject {P},{P + 1}/tcp", both,
                f"reject tcp {P},{P + 1} {{any}} any {{any}} in",
                [f"-A {{p}}-user-input -p tcp -m multiport --dports {P},{P + 1} "
                 "-j REJECT --reject-with tcp-reset"])
    if f == 5:
        return (f"allow {P}", both, f"allow any {P} {{any}} any {{any}} in",
                [f"-A {{p}}-user-input -p tcp --dport {P} -j ACCEPT",
                 f"-A {{p}}-user-input -p udp --dport {P} -j ACCEPT"])
    if f == 6:
        return (f"allow in on eth1 to any port {P} proto tcp", both,
                f"allow tcp {P} {{any}} any {{any}} in_eth1",
                [f"-A {{p}}-user-input -i eth1 -p tcp --dport {P} -j ACCEPT"])
    if f == 7:
        s = f"10.{a}.0.0/16"
        return (f"allow from {s} to 203.0.113.7 port {P} proto tcp", v4,
                f"allow tcp {P} 203.0.113.7 any {s} in",
                [f"-A {{p}}-user-input -p tcp -d 203.0.113.7 --dport {P} -s {s} -j ACCEPT"])
    if f == 8:
        s = f"10.{a}.{b}.2"
        return (f"deny from {s} port 53 to any port {P} proto udp", v4,
                f"deny udp {P} {{any}} 53 {s} in",
                [f"-A {{p}}-user-input -p udp --dport {P} -s {s} --sport 53 -j DROP"])
    if f == 9:
        s = f"2001:db8:5:{i:x}::/64"
        return (f"allow from {s} to any port {P} proto tcp", v6,
                f"allow tcp {P} {{any}} any {s} in",
                [f"-A {{p}}-user-input -p tcp --dport {P} -s {s} -j ACCEPT"])
    if f == 10:
        s = f"10.{a}.{b}.3"
        return (f"deny from {s} to any port {P}", v4, f"deny any {P} {{any}} any {s} in",
                [f"-A {{p}}-user-input -p tcp --dport {P} -s {s} -j DROP",
                 f"-A {{p}}-user-input -p udp --dport {P} -s {s} -j DROP"])
    if f == 11:
        ports = f"{P},{P + 1},{P + 2}:{P + 4}"
        return (f"allow {ports}/tcp", both, f"allow tcp {ports} {{any}} any {{any}} in",
                [f"-A {{p}}-user-input -p tcp -m multiport --dports {ports} -j ACCEPT"])
    if f == 12:
        m = f"-A {{p}}-user-input -p tcp --dport {P}"
        return (f"limit {P}/tcp", both, f"limit tcp {P} {{any}} any {{any}} in",
                [f"{m} -m conntrack --ctstate NEW -m recent --set",
                 f"{m} -m conntrack --ctstate NEW -m recent --update --seconds 30 "
                 "--hitcount 6 -j {p}-user-limit",
                 f"{m} -j {{p}}-user-limit-accept"])
    if f == 13:
        c = f"bench {i}"
        return (f"allow {P}/tcp comment '{c}'", both,
                f"allow tcp {P} {{any}} any {{any}} in comment={c.encode().hex()}",
                [f"-A {{p}}-user-input -p tcp --dport {P} -j ACCEPT"])
    s = f"10.{a}.{b}.0/24"
    return (f"route allow from {s} to any port {P} proto tcp", v4,
            f"route:allow tcp {P} {{any}} any {s} in",
            [f"-A {{p}}-user-forward -p tcp --dport {P} -s {s} -j ACCEPT"])


def allow(port):
    return (f"allow {port}/tcp", (4, 6), f"allow tcp {port} {{any}} any {{any}} in",
            [f"-A {{p}}-user-input -p tcp --dport {port} -j ACCEPT"])


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    order = range(n)
    if os.environ.get("BENCH_ORDER") == "grouped":
        order = sorted(order, key=lambda i: i % NFORMS)
    rules = [rule(i) for i in order] + [allow(int(p)) for p in sys.argv[3:]]
    with open(f"{out}/commands.txt", "w") as f:
        f.writelines(r[0] + "\n" for r in rules)
    for fam, name, p, anyaddr in ((4, "user.rules", "ufw", "0.0.0.0/0"),
                                  (6, "user6.rules", "ufw6", "::/0")):
        parts = [HEAD.format(p=p)]
        for _, fams, tup, lines in rules:
            if fam not in fams:
                continue
            parts.append("\n### tuple ### " + tup.format(any=anyaddr) + "\n")
            parts.extend(ln.format(p=p) + "\n" for ln in lines)
        parts.append(TAIL.format(p=p))
        with open(f"{out}/{name}", "w") as f:
            f.write("".join(parts))


main()
