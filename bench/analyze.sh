#!/usr/bin/env bash
# Throughput and memory of `tcpreq analyze` on a large capture, beside tshark on the same
# file. Generates synthetic Ethernet captures (bench/gen_capture.c: CONCURRENT connections
# open at once, bulk data with ~1 % loss and ~1 % reordering), then prints packets per
# second and peak RSS for each size: memory must follow the connections open at once, not the
# file size. Not part of the test suite; it never fails a build.
#
#     bench/analyze.sh [SIZE_MB (default 1024)] [CONCURRENT (default 1000)] [--no-tshark]
#
# The memory bounds (issue 15): peak RSS against a SYN scan's capture of N SYNs on distinct
# 4-tuples (default 1,000,000; goal: under 1 GB, a flow without payload under 512 bytes), the
# same with --max-flows 100000, and against -Y --json on one flow of N segments:
#
#     bench/analyze.sh --bounds [N]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bounds=0
if [[ ${1:-} == --bounds ]]; then
  bounds=1
  shift
fi
size=${1:-1024}
concurrent=${2:-1000}
with_tshark=1
[[ "${3:-}" == --no-tshark ]] && with_tshark=0
build=${TCPREQ_BENCH_BUILD:-$top/build-bench}
work=${TCPREQ_BENCH_DIR:-$(mktemp -d /var/tmp/tcpreq-bench.XXXXXX)}
trap 'rm -rf "$work"' EXIT

cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTCPREQ_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target tcpreq bench_gen_capture >/dev/null

# run_measured LABEL CMD...: wall time and peak RSS of one command (GNU time's format).
run_measured() {
  local label=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$work/rss" "$@" >"$work/out" 2>"$work/err" || { cat "$work/err" >&2; return 1; }
  t1=$(date +%s.%N)
  echo "$label $(echo "$t1 - $t0" | bc) $(cat "$work/rss")"
}

if ((bounds)); then
  n=${1:-1000000}
  printf '%-36s %10s %9s %10s %12s %s\n' "capture" "packets" "seconds" "peak RSS" "open at once" \
    "bytes/open flow"
  cap=$work/syn-scan.pcap
  gen=$("$build/bench_gen_capture" "$cap" --syn-scan "$n")
  packets=${gen%% packets*}
  for max in "" 100000; do
    line=$(run_measured tcpreq "$build/tcpreq" analyze ${max:+--max-flows "$max"} "$cap")
    read -r _ secs rss_kb <<<"$line"
    open=$(sed -n 's/.*at most \([0-9]*\) open at once.*/\1/p' "$work/out")
    printf '%-36s %10s %9.2f %6d MiB %12s %d\n' "$n-SYN scan${max:+ --max-flows $max}" \
      "$packets" "$secs" "$((rss_kb / 1024))" "$open" "$((rss_kb * 1024 / open))"
  done
  rm -f "$cap"
  cap=$work/one-flow.pcap
  gen=$("$build/bench_gen_capture" "$cap" --one-flow "$n")
  packets=${gen%% packets*}
  line=$(run_measured tcpreq "$build/tcpreq" analyze --json -Y 0 "$cap")
  read -r _ secs rss_kb <<<"$line"
  printf '%-36s %10s %9.2f %6d MiB %12s\n' "one flow, -Y 0 --json" "$packets" "$secs" \
    "$((rss_kb / 1024))" 1
  echo "(bytes/open flow: peak RSS over the flows open at once, the program's own baseline included)"
  exit 0
fi

printf '%-9s %10s %8s %9s %12s %10s  %s\n' "size" "packets" "tool" "seconds" "packets/s" "peak RSS" "flows open at once"
for mb in $((size / 4)) "$size"; do
  cap=$work/bench-$mb.pcap
  gen=$("$build/bench_gen_capture" "$cap" "$mb" "$concurrent")
  packets=${gen%% packets*}
  tools=(tcpreq)
  ((with_tshark)) && tools+=(tshark)
  for tool in "${tools[@]}"; do
    # warm the page cache so both tools read from memory
    cat "$cap" >/dev/null
    open=""
    if [[ $tool == tcpreq ]]; then
      line=$(run_measured tcpreq "$build/tcpreq" analyze "$cap")
      open=$(sed -n 's/.*at most \([0-9]*\) open at once.*/\1/p' "$work/out")
    else
      # with its TCP analysis (the -Y filter needs tcp.analysis.* on every frame)
      line=$(run_measured tshark tshark -n -q -r "$cap" -Y tcp.analysis.flags)
    fi
    read -r _ secs rss_kb <<<"$line"
    printf '%-9s %10s %8s %9.2f %12.0f %7d MiB  %s\n' "${mb}MB" "$packets" "$tool" "$secs" \
      "$(echo "$packets / $secs" | bc -l)" "$((rss_kb / 1024))" "$open"
  done
  rm -f "$cap"
done
echo "($concurrent connections open at once; one core: tcpreq analyze is single-threaded)"
