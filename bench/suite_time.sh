#!/usr/bin/env bash
# Benchmark: wall time and packets sent of the full suite (-T '*') against one lab target,
# the Linux kernel behind two routers, over IPv4 and IPv6, with HTTP on :80 and TLS on :443
# (openssl s_server). Goals: <= 10 s per target with the default suite, <= 60 s with
# -T '*' (the Python tcpreq needs about 722 s for the same). Each run also goes once with
# --trace-burst full, the original's TTL 1..30 bursts, for the packets path-aware tracing
# saves. With --original it also runs --timing original (the original's fixed waits) and
# prints the ratio.
# Usage: bench/suite_time.sh [--original] [PATH/TO/tcpreq]   (root, Debian 12)
# Prints figures; never fails on a slow result (machines are shared and noisy).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
original=0
if [ "${1:-}" = --original ]; then original=1; shift; fi
TCPREQ=$(realpath "${1:-$top/build/tcpreq}")
[ -x "$TCPREQ" ] || { echo "bench: build tcpreq first (cmake -S . -B build && cmake --build build)" >&2; exit 1; }
. "$top/tests/lab/lab.sh"
work=$(mktemp -d)
trap 'lab_down; rm -rf "$work"' EXIT
lab_up >/dev/null
lab_prober_firewall
# A reply large enough for WindowScaleClampTest's rounds (over TLS the server's flight stays
# too small for it: UNK there).
lab_target_listen 80 --body-size 131072
lab_target_tls 443

# run_suite LABEL TARGET default|all [ARGS...]: one target, the default suite or -T '*';
# prints wall seconds, packets sent and the verdicts.
run_suite() {
  local label=$1 target=$2 suite=$3; shift 3
  local start end tests=(-T '*')
  [ "$suite" = default ] && tests=()
  start=$(date +%s.%N)
  ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -B "$LAB_PROBER4" -B "$LAB_PROBER6" \
    "${tests[@]}" -o "$work/$label.jsonl" "$@" "$target" 2>"$work/$label.err"
  end=$(date +%s.%N)
  local wall sent
  wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
  sent=$(sed -n 's/^tcpreq: [a-z]*: .* \([0-9]*\) packets sent, .*/\1/p' "$work/$label.err")
  printf '%-30s wall %7.2f s  sent %5s pkts   ' "$label" "$wall" "$sent"
  jq -r '([.results[].status] | group_by(.) | map("\(.[0]) \(length)") | join(", ")) +
         ([.results[] | select(.status != "PASS") | " [\(.test) \(.status): \(.reason)]"] | join(""))' \
    "$work/$label.jsonl"
  echo "$wall" >"$work/$label.wall"
  echo "$sent" >"$work/$label.sent"
}

# ratio LABEL_A LABEL_B WHAT: A's figure over B's.
ratio() {
  awk -v a="$(cat "$work/$1.$3")" -v b="$(cat "$work/$2.$3")" -v w="$3" -v x="$1" -v y="$2" \
    'BEGIN { printf "  %s: %s / %s = %.2f\n", w, x, y, a / b }'
}

echo "tcpreq on one lab target ($(nproc) cores, $(uname -r))"
run_suite default-v4 "$LAB_TARGET4:80" default
run_suite default-v6 "[$LAB_TARGET6]:80" default
run_suite all-v4 "$LAB_TARGET4:80" all
run_suite all-v6 "[$LAB_TARGET6]:80" all
run_suite all-tls-v4 "$LAB_TARGET4:443" all
run_suite all-tls-v6 "[$LAB_TARGET6]:443" all
run_suite all-v4-trace-full "$LAB_TARGET4:80" all --trace-burst full
run_suite all-tls-v4-trace-full "$LAB_TARGET4:443" all --trace-burst full
echo "packets per target, the original's bursts against path-aware tracing:"
ratio all-v4-trace-full all-v4 sent
ratio all-tls-v4-trace-full all-tls-v4 sent
if [ "$original" = 1 ]; then
  run_suite original-timing-v4 "$LAB_TARGET4:80" all --timing original
  awk -v o="$(cat "$work/original-timing-v4.wall")" -v a="$(cat "$work/all-v4.wall")" \
    'BEGIN { printf "speed-up of adaptive over original timing: %.1fx\n", o / a }'
fi
echo "goals: default suite <= 10 s, -T '*' <= 60 s per target (Python tcpreq: about 722 s)"
