#!/usr/bin/env bash
# A flood during a scan (issue 15): tests/lab/flood.c sends 50,000 packets per second from the
# target's side to the prober, five of every six TCP segments of flows no test knows (late
# SYN-ACKs, ACKs, data, FINs: each flow new, far more flows than the RST table holds), the
# sixth a forged ICMP time exceeded quoting a 4-tuple of no test. tcpreq keeps scanning.
# Checked: exit 0 and one record per target; peak RSS (GNU time) under the ceiling the README
# states (FLOOD_RSS_CEILING_MIB) and printed beside the same scan without the flood; on the
# wire (tcpdump on the prober's link) no flow gets more than 3 RSTs, and a flow that comes
# after the flood still gets its 3; the bounds the flood reached are reported on stderr.
# Usage: test_flood.sh PATH/TO/tcpreq   (as root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
TCPREQ=$(realpath "${1:?usage: test_flood.sh TCPREQ}")

FLOOD_PPS=50000
FLOOD_SECONDS=10 # 83,000 new flows: more than the RST table holds
TARGETS=400
# README "Hardening": the peak RSS of this scan under the flood, for the build the tests run
# (AddressSanitizer's shadow memory and quarantine included); a Release build needs a
# fraction of it (bench/flood.sh).
FLOOD_RSS_CEILING_MIB=${FLOOD_RSS_CEILING_MIB:-160}
LATE_FLOW=4000000 # a flow number the flood never reaches

work=$(mktemp -d)
flood_pid=
cap_pid=
cleanup() {
  [[ -n $flood_pid ]] && kill "$flood_pid" 2>/dev/null
  [[ -n $cap_pid ]] && lab_capture_stop "$cap_pid"
  lab_down
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cc -O2 -Wall -Wextra -Werror -o "$work/flood" "$here/flood.c" || { echo "not ok - flood.c does not build"; exit 1; }
lab_up
lab_prober_firewall
lab_target_listen 80
lab_target_silent_port 82 # one target that never answers keeps the scan going a while

for ((i = 1; i <= TARGETS; i++)); do echo "198.18.$((129 + i / 250)).$((i % 250 + 1)):80"; done >"$work/targets"
echo "$LAB_TARGET4:82" >>"$work/targets"

# scan NAME: the scan under GNU time; its peak RSS in NAME.rss (KiB)
scan() {
  ip netns exec "$LAB_PROBER_NS" /usr/bin/time -f %M -o "$work/$1.rss" "$TCPREQ" -B "$LAB_PROBER4" \
    -r 10000 -T RSTACKTest -o "$work/$1.jsonl" @"$work/targets" 2>"$work/$1.err"
}

scan calm
assert_eq "calm: exit code" 0 "$?"
calm_kib=$(cat "$work/calm.rss")

# the prober's RSTs to the flood's sources (port 8080), on the wire
lab_capture_start cap_pid "$LAB_PROBER_NS" "$LAB_PROBER_DEV" "$work/rsts.pcap" \
  "src host $LAB_PROBER4 and tcp dst port 8080 and tcp[tcpflags] & tcp-rst != 0"
scan flood &
scan_pid=$!
ip netns exec "$LAB_TARGET_NS" "$work/flood" "$LAB_PROBER4" "$FLOOD_PPS" "$FLOOD_SECONDS" 1 \
  >"$work/flood.out" 2>&1 &
flood_pid=$!
wait "$flood_pid"
flood_pid=
# a flow after the flood: a late SYN-ACK and more, 5 segments, while the scan still runs
ip netns exec "$LAB_TARGET_NS" "$work/flood" "$LAB_PROBER4" 0 0 "$LATE_FLOW" >>"$work/flood.out"
wait "$scan_pid"
rc=$?
assert_eq "flood: exit code" 0 "$rc"
sed 's/^/# flooder: /' "$work/flood.out"
assert_eq "flood: one record per target" "$((TARGETS + 1))" "$(wc -l <"$work/flood.jsonl")"
flood_kib=$(cat "$work/flood.rss")
echo "# peak RSS: $((calm_kib / 1024)) MiB without the flood, $((flood_kib / 1024)) MiB with it (ceiling $FLOOD_RSS_CEILING_MIB MiB)"
if ((flood_kib / 1024 <= FLOOD_RSS_CEILING_MIB)); then
  pass "flood: peak RSS $((flood_kib / 1024)) MiB <= $FLOOD_RSS_CEILING_MIB MiB"
else
  fail "flood: peak RSS $((flood_kib / 1024)) MiB > $FLOOD_RSS_CEILING_MIB MiB"
fi
pps=$(sed -n 's/^sent [0-9]* packets in .* s: \([0-9]*\) pps.*/\1/p' "$work/flood.out")
if ((${pps:-0} >= FLOOD_PPS * 9 / 10)); then pass "flood: $pps packets/s sent"
else fail "flood: only ${pps:-0} packets/s sent (want $FLOOD_PPS)"; fi

# RSTs on the wire: at most 3 per flow (prober port, source address); the late flow 3
sent=$(sed -n 's/^tcpreq: [a-z]*: .* \([0-9]*\) packets sent, .*/\1/p' "$work/flood.err")
# the capture holds the late flow's 3 RSTs (sent before the scan ended) once tcpdump has read
# them: wait for those, then stop it
read -r late_addr late_port < <(sed -n 's/^late flow \([0-9.]*\) \([0-9]*\):.*/\1 \2/p' "$work/flood.out")
late_rsts() { lab_capture_count "$work/rsts.pcap" "dst host $late_addr and src port $late_port"; }
for ((i = 0; i < 100 && $(late_rsts) < 3; i++)); do sleep 0.05; done
lab_capture_stop "$cap_pid"
cap_pid=
# per flow: "count our-address.port their-address.port"
most=$(tcpdump -nr "$work/rsts.pcap" 2>/dev/null | awk '{ print $3, $5 }' | sort | uniq -c |
  sort -rn | awk 'NR == 1 { print $1, $2, $3 }')
total=$(lab_capture_count "$work/rsts.pcap")
flows=$(tcpdump -nr "$work/rsts.pcap" 2>/dev/null | awk '{ print $3, $5 }' | sort -u | wc -l)
echo "# RSTs to the flood on the wire: $total to $flows flows; the most to one flow: ${most:-none}"
if ((${most%% *} <= 3)); then pass "flood: at most 3 RSTs per unknown flow ($total RSTs)"
else fail "flood: a flow got ${most%% *} RSTs: $most"; fi
assert_eq "flood: the late flow got its 3 RSTs" 3 "$(late_rsts)"
limits=$(grep '^tcpreq: limits reached:' "$work/flood.err")
echo "# $limits"
if grep -q "unknown flows forgotten early by the full RST table\|RSTs for unknown segments not sent" <<<"$limits"; then
  pass "flood: the bounds it reached are reported"
else
  fail "flood: no bound reported: $limits"
fi
echo "# (sent by tcpreq: $sent packets)"
assert_done
