#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# report.py OUT: medians, ratios, growth and targets from run.sh's raw CSVs
# (OUT/sync-raw.csv, grind.csv, packet-raw.csv) into OUT/results.md,
# OUT/sync.csv, OUT/packet.csv and the gnuplot data files OUT/*.dat.
import csv
import math
import statistics
import sys
from collections import defaultdict

out = sys.argv[1]


def rows(name):
    with open(f"{out}/{name}") as f:
        return list(csv.DictReader(f))


secs, rss = defaultdict(list), defaultdict(list)
for r in rows("sync-raw.csv"):
    k = (int(r["rules"]), r["what"])
    secs[k].append(float(r["seconds"]))
    rss[k].append(int(r["maxrss_kb"]))
grind = {(int(r["rules"]), r["what"]): (int(r["instructions"] or 0), int(r["peak_heap_bytes"] or 0))
         for r in rows("grind.csv")}
sizes = sorted({k[0] for k in secs})


def med(d, n, what):
    v = d.get((n, what))
    return statistics.median(v) if v else float("nan")


def f3(x):
    return "n/a" if x != x else f"{x:.3f}"


def ratio(a, b):
    return float("nan") if not b or a != a or b != b else a / b


def fr(x, digits=3):
    return "n/a" if x != x else f"{x:.{digits}f}"


md = []
md.append("## Sync cost (median wall seconds; ratios of medians)\n")
md.append("iptables backend (`ufw-docker sync`, Docker 28 iptables layout, iptables-nft):\n")
md.append("| ufw rules | sync | ufw reload | sync / reload | floor: iptables-restore -n | sync / floor "
          "| sync, nothing to do | check --json | peak RSS sync (kB) | peak RSS ufw reload (kB) "
          "| ufw-docker instructions | ufw-docker peak heap (bytes) |")
md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
scsv = [["rules", "sync_s", "ufw_reload_s", "sync_over_reload", "iptables_restore_s",
         "sync_over_floor", "sync_noop_s", "sync_rss_kb", "reload_rss_kb", "sync_instructions",
         "sync_heap_bytes", "nft_sync_s", "nft_f_s", "nft_over_floor", "nft_rss_kb",
         "nft_instructions", "nft_heap_bytes"]]
for n in sizes:
    s, rl, fl = med(secs, n, "sync"), med(secs, n, "ufw-reload"), med(secs, n, "iptables-restore")
    ns, nf = med(secs, n, "nft-sync"), med(secs, n, "nft-f")
    gi, gh = grind.get((n, "sync"), (0, 0))
    ni, nh = grind.get((n, "nft-sync"), (0, 0))
    md.append(f"| {n} | {f3(s)} | {f3(rl)} | {fr(ratio(s, rl))} | {f3(fl)} | {fr(ratio(s, fl), 2)} "
              f"| {f3(med(secs, n, 'sync-noop'))} | {f3(med(secs, n, 'check'))} "
              f"| {med(rss, n, 'sync'):.0f} "
              f"| {med(rss, n, 'ufw-reload'):.0f} | {gi:,} | {gh:,} |")
    scsv.append([n, s, rl, ratio(s, rl), fl, ratio(s, fl), med(secs, n, "sync-noop"),
                 med(rss, n, "sync"), med(rss, n, "ufw-reload"), gi, gh, ns, nf, ratio(ns, nf),
                 med(rss, n, "nft-sync"), ni, nh])
md.append("\nnftables backend (Docker 29 nftables layout):\n")
md.append("| ufw rules | nftables sync | floor: nft -f | sync / floor | sync / ufw reload "
          "| sync, nothing to do | check --json | peak RSS (kB) | ufw-docker instructions "
          "| ufw-docker peak heap (bytes) |")
md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for n in sizes:
    ns, nf = med(secs, n, "nft-sync"), med(secs, n, "nft-f")
    ni, nh = grind.get((n, "nft-sync"), (0, 0))
    md.append(f"| {n} | {f3(ns)} | {f3(nf)} | {fr(ratio(ns, nf), 2)} "
              f"| {fr(ratio(ns, med(secs, n, 'ufw-reload')))} | {f3(med(secs, n, 'nft-sync-noop'))} "
              f"| {f3(med(secs, n, 'nft-check'))} "
              f"| {med(rss, n, 'nft-sync'):.0f} "
              f"| {ni:,} | {nh:,} |")
with open(f"{out}/sync.csv", "w", newline="") as f:
    csv.writer(f).writerows(scsv)
with open(f"{out}/sync.dat", "w") as f:
    f.write("# rules sync reload iptables-restore sync-noop nft-sync nft-f\n")
    for n in sizes:
        f.write(" ".join(str(x) for x in [n] + [med(secs, n, w) for w in (
            "sync", "ufw-reload", "iptables-restore", "sync-noop", "nft-sync", "nft-f")]) + "\n")
with open(f"{out}/memory.dat", "w") as f:
    f.write("# rules sync_heap_kB nft_heap_kB sync_rss_kB nft_rss_kB reload_rss_kB\n")
    for n in sizes:
        f.write(f"{n} {grind.get((n, 'sync'), (0, 0))[1] / 1024:.1f} "
                f"{grind.get((n, 'nft-sync'), (0, 0))[1] / 1024:.1f} {med(rss, n, 'sync')} "
                f"{med(rss, n, 'nft-sync')} {med(rss, n, 'ufw-reload')}\n")

# growth: exponent k in cost ~ rules^k between consecutive sizes
md.append("\n## Growth (exponent k in cost ∝ rules^k between sizes; 1 = linear, 0 = flat)\n")
hdr = [f"{a}→{b}" for a, b in zip(sizes, sizes[1:])]
md.append("| cost | " + " | ".join(hdr) + " |")
md.append("|---|" + "---:|" * len(hdr))


def growth(name, get):
    ks = []
    for a, b in zip(sizes, sizes[1:]):
        va, vb = get(a), get(b)
        ks.append(fr(math.log(vb / va) / math.log(b / a), 2) if va and vb and va == va and vb == vb
                  else "n/a")
    md.append(f"| {name} | " + " | ".join(ks) + " |")


growth("sync wall time", lambda n: med(secs, n, "sync"))
growth("ufw reload wall time", lambda n: med(secs, n, "ufw-reload"))
growth("iptables-restore floor", lambda n: med(secs, n, "iptables-restore"))
growth("sync instructions (ufw-docker)", lambda n: grind.get((n, "sync"), (0, 0))[0])
growth("sync peak heap (ufw-docker)", lambda n: grind.get((n, "sync"), (0, 0))[1])
growth("nftables apply wall time", lambda n: med(secs, n, "nft-sync"))
growth("nftables instructions", lambda n: grind.get((n, "nft-sync"), (0, 0))[0])
growth("nftables peak heap", lambda n: grind.get((n, "nft-sync"), (0, 0))[1])
md.append("\nPeak heap per rule (bytes, (heap(N) - heap(smallest)) / (N - smallest)):\n")
md.append("| backend | " + " | ".join(str(n) for n in sizes[1:]) + " |")
md.append("|---|" + "---:|" * (len(sizes) - 1))
for what, name in (("sync", "iptables"), ("nft-sync", "nftables")):
    h0 = grind.get((sizes[0], what), (0, 0))[1]
    md.append(f"| {name} | " + " | ".join(
        f"{(grind.get((n, what), (0, 0))[1] - h0) / (n - sizes[0]):.0f}" for n in sizes[1:]) + " |")

# packet path
conn, mbps = defaultdict(list), defaultdict(list)
for r in rows("packet-raw.csv"):
    conn[(r["backend"], r["rules"])].append(float(r["conn_per_s"]))
    mbps[(r["backend"], r["rules"])].append(float(r["MB_per_s"]))
backends = [b for b in ("iptables", "nftables", "nftables-grouped")
            if (b.split("-")[0], "base") in conn and any(k[0] == b for k in conn)]
psizes = sorted({int(k[1]) for k in conn if k[1] != "base"})
md.append("\n## Packet path (medians over rounds; base = the same path without ufw-docker;"
          " nftables-grouped: the same rules sorted by form)\n")
md.append("| backend | ufw rules | new connections/s | / base | throughput MB/s | / base | samples |")
md.append("|---|---:|---:|---:|---:|---:|---:|")
pcsv = [["backend", "rules", "conn_per_s", "conn_over_base", "MB_per_s", "MB_over_base"]]
pdat = {}
for b in backends:
    bb = b.split("-")[0]
    cb, tb = statistics.median(conn[(bb, "base")]), statistics.median(mbps[(bb, "base")])
    if b == bb:
        md.append(f"| {b} | base (empty) | {cb:.0f} | 1.000 | {tb:.0f} | 1.000 | {len(conn[(b, 'base')])} |")
        pcsv.append([b, "base", cb, 1, tb, 1])
    for n in psizes:
        k = (b, str(n))
        if k not in conn:
            continue
        c, t = statistics.median(conn[k]), statistics.median(mbps[k])
        md.append(f"| {b} | {n} | {c:.0f} | {c / cb:.3f} | {t:.0f} | {t / tb:.3f} | {len(conn[k])} |")
        pcsv.append([b, n, c, c / cb, t, t / tb])
        pdat.setdefault(n, {})[b] = (c / cb, t / tb, c, t)
with open(f"{out}/packet.csv", "w", newline="") as f:
    csv.writer(f).writerows(pcsv)
with open(f"{out}/packet.dat", "w") as f:
    f.write("# rules conn_ratio(iptables nftables nftables-grouped) mb_ratio(same)\n")
    for n in psizes:
        d = pdat.get(n, {})
        c = [d.get(b, (float("nan"),) * 4) for b in ("iptables", "nftables", "nftables-grouped")]
        f.write(f"{n} " + " ".join(f"{x[0]:.4f}" for x in c) + " "
                + " ".join(f"{x[1]:.4f}" for x in c) + "\n")

# targets
md.append("\n## Targets\n")
if 1000 in sizes:
    r = ratio(med(secs, 1000, "sync"), med(secs, 1000, "ufw-reload"))
    md.append(f"- sync at 1,000 rules at most 0.1 of `ufw reload`: {fr(r)} → "
              f"{'met' if r <= 0.1 else 'MISSED'}")
for b in ("nftables", "nftables-grouped"):
    if 10000 in psizes and b in pdat.get(10000, {}):
        r = pdat[10000][b][0]
        md.append(f"- {b} backend at 10,000 rules at least 0.9 of the empty-path connection "
                  f"rate: {r:.3f} → {'met' if r >= 0.9 else 'MISSED'}")
if len(sizes) > 2:
    per = [(grind.get((n, "sync"), (0, 0))[1] - grind.get((sizes[0], "sync"), (0, 0))[1]) /
           (n - sizes[0]) for n in sizes[1:]]
    spread = max(per) / min(per) if min(per) > 0 else float("nan")
    md.append(f"- memory linear in rules: ufw-docker's peak heap per rule (sync) ranges "
              f"{min(per):.0f}-{max(per):.0f} bytes over {sizes[1]}-{sizes[-1]} rules "
              f"(max/min {spread:.2f}) → {'met' if spread <= 1.5 else 'check'}")
with open(f"{out}/results.md", "w") as f:
    f.write("\n".join(md) + "\n")
