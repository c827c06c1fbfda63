#!/usr/bin/env bash
# Throughput and memory of `tcpreq summary` on a generated dataset: TARGETS targets
# (default 1 million) with the default suite's 19 results each, split over 4 shard files
# as --shard would split them (bench/gen_dataset.c: mostly PASS, some UNK blaming a
# middlebox at hops 1..8 or an unknown hop, some FAIL and ERR, 0.5 % DISC, 0.3 % FLTR, one
# target in 8 IPv6). Prints targets/s, results/s, CPU and peak RSS, pinned to one core;
# then the same with one shard given a second time (every record of it a duplicate).
# Goal: 1 million targets (about 19 million results) in under 2 minutes on one core, memory
# flat in the dataset's size. Not part of the test suite; it never fails a build.
#
#     bench/summary.sh [TARGETS]      (TCPREQ_BENCH_DIR: where the ~4.5 GB dataset goes)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
targets=${1:-1000000}
shards=4
build=${TCPREQ_BENCH_BUILD:-$top/build-bench}
work=${TCPREQ_BENCH_DIR:-$(mktemp -d /var/tmp/tcpreq-bench.XXXXXX)}
[ -n "${BENCH_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT

cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTCPREQ_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target tcpreq bench_gen_dataset >/dev/null

echo "generating $targets targets in $shards shards under $work ..."
gen=$("$build/bench_gen_dataset" "$work" "$targets" "$shards")
results=$(awk '{ print $4 }' <<<"$gen")
bytes=$(cat "$work"/shard-*.jsonl | wc -c)
echo "$gen; $((bytes / 1048576)) MiB"
cat "$work"/shard-*.jsonl >/dev/null # read once, so the runs read from the page cache

# run LABEL FILE...: one summary pinned to core 0, under GNU time; prints a table row.
run() {
  local label=$1; shift
  unshare -n taskset -c 0 /usr/bin/time -f '%e %U %S %M' -o "$work/time" \
    "$build/tcpreq" summary --json "$@" >"$work/summary.json"
  read -r wall user sys rss_kb <"$work/time"
  awk -v l="$label" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss_kb" -v t="$targets" \
    -v n="$results" -v d="$(jq '.duplicates.records' "$work/summary.json")" 'BEGIN {
      printf "%-22s %9.1f s %12.0f %14.0f %9.1f s %10.1f MiB %10d\n", l, w, t / w, n / w, u + s, r / 1024, d }'
}
printf '%-22s %11s %12s %14s %11s %14s %10s\n' run wall targets/s results/s CPU "peak RSS" duplicates
run "$shards shards" "$work"/shard-*.jsonl
run "$shards shards + shard 0" "$work"/shard-*.jsonl "$work/shard-0.jsonl"
jq -c '{records, results, disc, fltr, targets}' "$work/summary.json"
