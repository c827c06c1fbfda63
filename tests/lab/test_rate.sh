#!/usr/bin/env bash
# The send rate holds to -r on the wire. 300 AnyIP targets (280 IPv4, 20 IPv6: one global
# token bucket for both families) from a --json list are scanned at -r 2000, then 80 of them
# at -r 500, while an independent tcpdump on the prober's link records every IP packet from
# the prober's -B addresses. From the capture's timestamps: the most packets in any sliding
# 1 s window (every window, not only aligned ones) is at most rate * 1.05, and at least half
# the rate (so pacing broken the other way, far too slow, fails too); every packet went to a
# listed target's port; the capture holds exactly the packets tcpreq reports as sent. The
# tests themselves must pass at that rate (a send queue of seconds once made most
# handshakes time out).
# Usage: test_rate.sh PATH/TO/tcpreq   (as root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
TCPREQ=$(realpath "${1:?usage: test_rate.sh TCPREQ}")

work=$(mktemp -d)
tcpdump_pid=
cleanup() {
  [ -n "$tcpdump_pid" ] && kill "$tcpdump_pid" 2>/dev/null
  lab_down
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

N4=280
N6=20
TESTS=(-T OptionSupportTest) # a traced SYN burst per test: about 39 packets per target
PORT=80
WINDOW_MAX=1.05 # no 1 s window more than 5 % over -r
WINDOW_MIN=0.5  # and the scan gets near the rate (a loose bound: 2 shared cores, sanitizers)
PASS_MIN=0.9    # share of the tests that must PASS at full rate
CAPTURE_BUFFER_KIB=16384

lab_up
lab_prober_firewall
lab_target_listen "$PORT"

# targets_json N4 N6: JSON Lines with the first N4 IPv4 and N6 IPv6 AnyIP addresses of the
# target.
targets_json() {
  local i
  for ((i = 0; i < $1; i++)); do
    printf '{"ip": "198.18.%d.%d", "port": %d}\n' $((128 + i / 250)) $((i % 250 + 1)) "$PORT"
  done
  for ((i = 1; i <= $2; i++)); do
    printf '{"ip": "fd00:7463:8000::%x", "port": %d}\n' "$i" "$PORT"
  done
}

# The capture: every IP packet from the prober's addresses, except the kernel's IPv6
# neighbour discovery (ICMPv6 133-137, the counterpart of ARP).
FROM_PROBER="(ip src $LAB_PROBER4 or ip6 src $LAB_PROBER6) and not (icmp6 and ip6[40] >= 133 and ip6[40] <= 137)"

# max_window PCAP: "MOST START" -- the most packets in any half-open 1 s window [t, t + 1 s)
# and where it starts. The maximum is reached by a window starting at a packet, so a window
# per packet covers every sliding window. Integer microseconds (exact, unlike awk's doubles
# of epoch seconds).
max_window() {
  tcpdump -tt -nr "$1" 2>/dev/null | awk '
    { split($1, t, "."); ts[n++] = t[1] * 1000000 + t[2] }
    END {
      best = 0; at = 0; j = 0
      for (i = 0; i < n; i++) {
        while (j < n && ts[j] < ts[i] + 1000000) j++
        if (j - i > best) { best = j - i; at = ts[i] - ts[0] }
      }
      printf "%d %.3f\n", best, at / 1000000
    }'
}

# strays PCAP LIST: every packet in the capture that is not TCP to a listed target's port
# (as "dst proto"), one line per distinct kind.
strays() {
  tcpdump -nr "$1" 2>/dev/null | awk -v list="$2" -v port="$PORT" '
    BEGIN { while ((getline l < list) > 0) { split(l, f, "\""); ok[f[4]] = 1 } }
    {
      dst = $5; sub(/:$/, "", dst); p = dst; sub(/.*\./, "", p); sub(/\.[0-9]+$/, "", dst)
      tcp = $6 == "Flags"
      if (!tcp || p != port || !(dst in ok)) print dst, (tcp ? "tcp/" p : $6)
    }' | sort -u
}

# scan_at RATE N4 N6: scan that many targets at RATE with a capture, then check the capture.
scan_at() {
  local rate=$1 n4=$2 n6=$3 name=r$1
  local list=$work/$name.jsonl n=$(($2 + $3))
  targets_json "$n4" "$n6" >"$list"
  lab_capture_start tcpdump_pid "$LAB_PROBER_NS" "$LAB_PROBER_DEV" "$work/$name.pcap" \
    -B "$CAPTURE_BUFFER_KIB" "$FROM_PROBER" || fail "-r $rate: tcpdump did not start"
  ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -B "$LAB_PROBER4" -B "$LAB_PROBER6" -r "$rate" \
    "${TESTS[@]}" -o "$work/$name.out.jsonl" --json "$list" 2>"$work/$name.err"
  assert_eq "-r $rate: exit code" 0 "$?"
  local sent in_capture dropped most at
  sent=$(lab_packets_sent "$work/$name.err")
  lab_capture_wait "$work/$name.pcap" "$sent"
  lab_capture_stop "$tcpdump_pid"
  tcpdump_pid=
  in_capture=$(lab_capture_count "$work/$name.pcap")
  dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel$/\1/p' "$work/$name.pcap.err")
  assert_eq "-r $rate: tcpdump dropped nothing" 0 "$dropped"
  assert_eq "-r $rate: the capture holds every packet tcpreq sent" "$sent" "$in_capture"
  read -r most at < <(max_window "$work/$name.pcap")
  local limit floor
  limit=$(awk -v r="$rate" -v f="$WINDOW_MAX" 'BEGIN { printf "%d", r * f }')
  floor=$(awk -v r="$rate" -v f="$WINDOW_MIN" 'BEGIN { printf "%d", r * f }')
  local ratio
  ratio=$(awk -v m="$most" -v r="$rate" 'BEGIN { printf "%.4f", m / r }')
  echo "# -r $rate: $in_capture packets, most in a sliding 1 s window $most = $ratio x rate (at +$at s)"
  if ((most <= limit)); then pass "-r $rate: no 1 s window above $limit ($most)"
  else fail "-r $rate: $most packets in the 1 s window at +$at s (limit $limit)"; fi
  if ((most >= floor)); then pass "-r $rate: the scan reached $most >= $floor packets in 1 s"
  else fail "-r $rate: at most $most packets in any 1 s window (want >= $floor): pacing too slow"; fi

  assert_eq "-r $rate: nothing sent but TCP to the listed targets' port" "" \
    "$(strays "$work/$name.pcap" "$list" | tr '\n' ' ')"
  assert_eq "-r $rate: every listed target was sent to" "$n" \
    "$(tcpdump -nr "$work/$name.pcap" 2>/dev/null | awk '{ d = $5; sub(/\.[0-9]+:$/, "", d); print d }' | sort -u | wc -l)"
  assert_eq "-r $rate: one record per target" "$n" "$(wc -l <"$work/$name.out.jsonl")"
  local tests pass_n
  tests=$(jq -r '.results[].status' "$work/$name.out.jsonl" | wc -l)
  pass_n=$(jq -r '.results[].status' "$work/$name.out.jsonl" | grep -c '^PASS$')
  if awk -v p="$pass_n" -v t="$tests" -v m="$PASS_MIN" 'BEGIN { exit !(t > 0 && p >= t * m) }'; then
    pass "-r $rate: $pass_n of $tests tests PASS"
  else
    fail "-r $rate: only $pass_n of $tests tests PASS"
    jq -r '.results[] | select(.status != "PASS") | "\(.test) \(.status) \(.reason)"' \
      "$work/$name.out.jsonl" | sort | uniq -c | sed 's/^/# /'
  fi
}

scan_at 2000 "$N4" "$N6"
scan_at 500 70 10

assert_done
