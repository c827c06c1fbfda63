#!/usr/bin/env bash
# Benchmark: scanning at scale. The default test suite over 1000 and 32768 lab targets (the
# target's AnyIP prefix 198.18.128.0/17: one Linux stack and one listener answer them all)
# at -r 50k, fed from a --json file (streamed: input memory stays flat), each run under
# /usr/bin/time -v. Prints per run: targets, wall s, targets/s, packets sent (tcpreq's exit
# summary), achieved pps against -r (goal >= 90 %), CPU s (user + sys), peak RSS, the
# verdicts and any handshakes the target kernel dropped; then the peak RSS ratio of the
# largest run to the smallest and, when their targets in flight differ (the default follows
# -r but never exceeds the list), the largest list once more with the smallest run's number
# in flight: that ratio isolates the list's length (goal: near 1).
#
# Usage: bench/scale.sh [--rate R] [--sizes "N ..."] [--tests "Name ..."] [--inflight N]
#                       [PATH/TO/tcpreq]   (root, Debian 12)
#   --tests: a subset instead of the default suite (e.g. when the 32768 run is too long for
#   the machine); the figures then say so.
# Build the binary under test as Release (the sanitizer build measures the sanitizers):
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DTCPREQ_TESTS=OFF
#   cmake --build build-bench
# Prints figures; never fails on a slow result (machines are shared and noisy).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rate=50k
sizes="1000 32768"
tests=""
inflight=""
while [ $# -gt 0 ]; do
  case $1 in
  --rate) rate=$2; shift 2 ;;
  --sizes) sizes=$2; shift 2 ;;
  --tests) tests=$2; shift 2 ;;
  --inflight) inflight=$2; shift 2 ;;
  -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  -*) echo "bench: unknown option $1" >&2; exit 2 ;;
  *) break ;;
  esac
done
TCPREQ=$(realpath "${1:-$top/build-bench/tcpreq}")
[ -x "$TCPREQ" ] || { echo "bench: build tcpreq first (see the top of $0)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
ANYIP_SIZE=32768 # addresses in the lab's AnyIP /17
for n in $sizes; do
  ((n >= 1 && n <= ANYIP_SIZE)) || { echo "bench: size $n outside 1..$ANYIP_SIZE" >&2; exit 2; }
done
rate_pps=$(awk -v r="$rate" 'BEGIN { m = 1; s = tolower(substr(r, length(r)))
  if (s == "k") m = 1e3; else if (s == "m") m = 1e6; else if (s == "g") m = 1e9
  printf "%.0f", (m == 1 ? r : substr(r, 1, length(r) - 1)) * m }')

. "$top/tests/lab/lab.sh"
work=$(mktemp -d)
trap 'lab_down; [ -n "${BENCH_KEEP:-}" ] && cp -r "$work" "$BENCH_KEEP"; rm -rf "$work"' EXIT
lab_up >/dev/null
lab_prober_firewall
lab_target_listen 80

test_args=()
if [ -n "$tests" ]; then read -ra names <<<"$tests"; test_args=(-T "${names[@]}"); fi
inflight_args=()
if [ -n "$inflight" ]; then inflight_args=(--inflight "$inflight"); fi

# tv FILE KEY: a value from /usr/bin/time -v's report.
tv() { sed -n "s/^[[:space:]]*$2: //p" "$1"; }
# seconds H:MM:SS.ss | M:SS.ss -> seconds
seconds() { awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }' <<<"$1"; }

echo "tcpreq at scale: -r $rate, ${tests:-default suite}, ${inflight:-default} targets in flight"
echo "($(nproc) cores, $(uname -r); $TCPREQ)"
# Targets in flight: --inflight, or tcpreq's default for the rate (src/cli/args.h:
# rate / 25, 1024..65536), never more than the list holds.
inflight_for() {
  awk -v n="$1" -v given="$inflight" -v r="$rate_pps" 'BEGIN {
    k = given != "" ? given : r / 25; if (given == "" && k < 1024) k = 1024
    if (given == "" && k > 65536) k = 65536; k = int(k); print (n < k ? n : k) }'
}
printf '%8s %8s %9s %10s %11s %10s %7s %9s %10s  %s\n' targets inflight wall_s targets/s \
  packets pps pps/-r cpu_s rss_MiB verdicts
# run N [INFLIGHT]: one scan of the first N AnyIP targets (INFLIGHT overrides --inflight);
# prints its row and leaves the peak RSS in $run_rss, the targets in flight in $run_flight.
run() {
  local n=$1 tag=$1${2:+-$2} flight_args=("${inflight_args[@]}")
  [ -z "${2:-}" ] || flight_args=(--inflight "$2")
  local list=$work/targets-$n.jsonl
  [ -f "$list" ] || awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++)
    printf "{\"ip\": \"198.18.%d.%d\", \"port\": 80}\n", 128 + int(i / 256), i % 256 }' >"$list"
  ip netns exec "$LAB_TARGET_NS" nstat -n # reset the target kernel's counters
  /usr/bin/time -v -o "$work/time-$tag" ip netns exec "$LAB_PROBER_NS" "$TCPREQ" \
    -B "$LAB_PROBER4" -r "$rate" "${test_args[@]}" "${flight_args[@]}" \
    -o "$work/out-$tag.jsonl" --json "$list" 2>"$work/err-$tag" || {
    echo "bench: tcpreq failed on $n targets:" >&2; cat "$work/err-$tag" "$work/time-$tag" >&2; exit 1; }
  local wall cpu sent verdicts done_n
  wall=$(seconds "$(tv "$work/time-$tag" 'Elapsed (wall clock) time (h:mm:ss or m:ss)')")
  cpu=$(awk -v u="$(tv "$work/time-$tag" 'User time (seconds)')" \
    -v s="$(tv "$work/time-$tag" 'System time (seconds)')" 'BEGIN { printf "%.2f", u + s }')
  run_rss=$(tv "$work/time-$tag" 'Maximum resident set size (kbytes)')
  sent=$(sed -n 's/^tcpreq: done: .* \([0-9]*\) packets sent, .*/\1/p' "$work/err-$tag")
  verdicts=$(jq -r '.results[].status' "$work/out-$tag.jsonl" | sort | uniq -c |
    awk '{ printf "%s%s %d", sep, $2, $1; sep = ", " }')
  done_n=$(wc -l <"$work/out-$tag.jsonl")
  if [ -n "${2:-}" ]; then run_flight=$(( $2 < n ? $2 : n )); else run_flight=$(inflight_for "$n"); fi
  awk -v n="$done_n" -v f="$run_flight" -v w="$wall" -v p="$sent" -v r="$rate_pps" -v c="$cpu" \
    -v k="$run_rss" -v v="$verdicts" 'BEGIN {
      printf "%8d %8d %9.1f %10.1f %11d %10.0f %6.1f%% %9.2f %10.1f  %s\n",
        n, f, w, n / w, p, p / w, 100 * p / w / r, c, k / 1024, v }'
  # Where the lab itself dropped connections (SYN or accept queue full on the target):
  # verdicts other than PASS are then the lab's limits, not tcpreq's.
  local drops
  drops=$(ip netns exec "$LAB_TARGET_NS" nstat -a 2>/dev/null | awk '
    $1 ~ /ListenOverflows|ListenDrops|TCPReqQFullDrop|SyncookiesSent|TCPBacklogDrop/ && $2 > 0 {
      printf "%s%s %s", sep, $1, $2; sep = ", " }')
  [ -z "$drops" ] || echo "         target kernel: $drops"
}
declare -A rss flight
for n in $sizes; do
  run "$n"
  rss[$n]=$run_rss
  flight[$n]=$run_flight
done
set -- $sizes
first=$1
last=${*: -1}
if [ "$first" != "$last" ]; then
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b / a }'; }
  echo "peak RSS $last targets / $first targets: $(ratio "${rss[$first]}" "${rss[$last]}")" \
    "(${flight[$last]} vs ${flight[$first]} targets in flight)"
  if [ "${flight[$first]}" != "${flight[$last]}" ]; then
    # Memory is meant to follow the targets in flight (set by -r), not the list: the same
    # list again with as many in flight as the smallest run isolates the list's length.
    echo "the $last-target list again with ${flight[$first]} targets in flight, for the memory comparison:"
    run "$last" "${flight[$first]}"
    echo "peak RSS $last targets / $first targets, both ${flight[$first]} in flight:" \
      "$(ratio "${rss[$first]}" "$run_rss") (goal: near 1)"
  fi
fi
echo "goal: pps/-r >= 90 %; RSS independent of the list's length"
