# SPDX-License-Identifier: GPL-3.0-or-later
# plots.gp: run in the results directory by run.sh (reads *.dat, writes *.png).
set terminal pngcairo size 900,560 font "DejaVu Sans,10"
set grid
set key top left

set output "sync-time.png"
set title "Sync cost: median wall time vs ufw rules (log-log)"
set logscale xy
set xlabel "ufw rules"
set ylabel "seconds"
plot "sync.dat" using 1:3 with linespoints lw 2 title "ufw reload", \
     "sync.dat" using 1:2 with linespoints lw 2 title "ufw-docker sync (iptables)", \
     "sync.dat" using 1:5 with linespoints title "sync, already in sync", \
     "sync.dat" using 1:4 with linespoints dt 2 title "floor: iptables-restore -n (v4+v6)", \
     "sync.dat" using 1:6 with linespoints lw 2 title "nftables backend apply", \
     "sync.dat" using 1:7 with linespoints dt 2 title "floor: nft -f"

set output "memory.png"
set title "Memory vs ufw rules (log-log)"
set ylabel "kB"
plot "memory.dat" using 1:2 with linespoints lw 2 title "ufw-docker sync: peak heap (massif)", \
     "memory.dat" using 1:3 with linespoints lw 2 title "nftables apply: peak heap (massif)", \
     "memory.dat" using 1:4 with linespoints title "sync: peak RSS, process tree", \
     "memory.dat" using 1:5 with linespoints title "nftables apply: peak RSS", \
     "memory.dat" using 1:6 with linespoints title "ufw reload: peak RSS, process tree"

unset logscale
set key bottom left
set xlabel "ufw rules"
set yrange [0:*]
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.7 border -1
set boxwidth 0.9

set output "conn-rate.png"
set title "New connections/s through a published port, relative to the path without ufw-docker"
set ylabel "rate / rate without ufw-docker"
set yrange [0:1.3]
plot "packet.dat" using 2:xtic(1) title "iptables backend", \
     "" using 3 title "nftables backend, mixed order", \
     "" using 4 title "nftables backend, grouped order", \
     0.9 with lines dt 2 lw 2 lc rgb "black" title "target 0.9 (nftables, 10,000 rules)"

set output "throughput.png"
set title "Bulk TCP throughput through a published port, relative to the path without ufw-docker"
set ylabel "throughput / throughput without ufw-docker"
plot "packet.dat" using 5:xtic(1) title "iptables backend", \
     "" using 6 title "nftables backend, mixed order", \
     "" using 7 title "nftables backend, grouped order"
