#!/usr/bin/env bash
# Fuzzing campaign: each libFuzzer harness of tests/fuzz/ for a given time, starting from its
# checked-in seed corpus, then the line coverage its final corpus reaches in each source file
# it exercises (clang source-based coverage, llvm-cov). Prints per harness: executions,
# executions/s, libFuzzer's coverage counters (edges, features), corpus size, peak RSS,
# crashes (any crash, sanitizer report, invariant failure, leak, timeout or OOM: each leaves
# an artifact, kept and listed), then the per-file table.
#
#   bench/fuzz.sh [--seconds N] [--jobs J] [--keep DIR] [HARNESS...]
#
# Defaults: 600 s each, 2 at a time (nice 10: the machine is shared), every harness. HARNESS
# is a name without "fuzz_" (segment, icmp, ...). Builds build-fuzz (ASan+UBSan, what is
# fuzzed) and build-fuzz-cov (coverage only) with clang when missing. --keep DIR keeps the
# corpora, logs and artifacts. A benchmark: it prints, it does not fail a build.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=600 jobs=2 keep=""
harnesses=()
while (($#)); do
  case $1 in
  --seconds) seconds=$2; shift 2 ;;
  --jobs) jobs=$2; shift 2 ;;
  --keep) keep=$2; shift 2 ;;
  -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
  *) harnesses+=("$1"); shift ;;
  esac
done
if ((${#harnesses[@]} == 0)); then
  for f in "$top"/tests/fuzz/fuzz_*.c; do n=$(basename "$f" .c); harnesses+=("${n#fuzz_}"); done
fi
for tool in clang llvm-profdata llvm-cov; do
  command -v "$tool" >/dev/null || { echo "bench/fuzz.sh: needs $tool (tests/install-deps.sh)" >&2; exit 1; }
done

build() { # DIR EXTRA_CMAKE_ARGS...
  local dir=$1; shift
  CC=clang cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTCPREQ_FUZZ=ON \
    -DTCPREQ_TESTS=OFF -DTCPREQ_MANPAGES=OFF "$@" >/dev/null && cmake --build "$dir" -j"$(nproc)" >/dev/null
}
build "$top/build-fuzz" || { echo "bench/fuzz.sh: build-fuzz failed" >&2; exit 1; }
build "$top/build-fuzz-cov" -DTCPREQ_FUZZ_COVERAGE=ON || { echo "bench/fuzz.sh: build-fuzz-cov failed" >&2; exit 1; }

work=${keep:-$(mktemp -d)}
mkdir -p "$work"
[[ -n $keep ]] || trap 'rm -rf "$work"' EXIT

run_one() {
  local h=$1 dir=$work/$1
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp "$top/tests/fuzz/corpus/$h"/* "$dir/corpus/" 2>/dev/null
  local start=$SECONDS
  nice -n 10 "$top/build-fuzz/tests/fuzz/fuzz_$h" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -close_fd_mask=1 \
    -artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$dir/log" 2>&1
  echo $? >"$dir/rc"
  echo $((SECONDS - start)) >"$dir/secs" # less than asked when a crash stopped it
  # coverage of the final corpus, replayed by the coverage build
  LLVM_PROFILE_FILE="$dir/cov.profraw" "$top/build-fuzz-cov/tests/fuzz/fuzz_$h" -runs=0 \
    -close_fd_mask=3 "$dir/corpus" >/dev/null 2>&1
  llvm-profdata merge -sparse "$dir/cov.profraw" -o "$dir/cov.profdata" 2>/dev/null &&
    llvm-cov report "$top/build-fuzz-cov/tests/fuzz/fuzz_$h" -instr-profile="$dir/cov.profdata" \
      "$top/src" "$top/tests_cases" "$top/alp" "$top/input" "$top/output" >"$dir/cov.txt" 2>/dev/null
}

echo "fuzzing ${#harnesses[@]} harnesses, ${seconds} s each, $jobs at a time (nice 10) ..."
running=0
for h in "${harnesses[@]}"; do
  [[ -d $top/tests/fuzz/corpus/$h ]] || { echo "no corpus for $h" >&2; continue; }
  run_one "$h" &
  running=$((running + 1))
  if ((running >= jobs)); then wait -n; running=$((running - 1)); fi
done
wait

stat_of() { sed -n "s/^stat::$2: *//p" "$1" | tail -1; }
printf '\n%-14s %8s %12s %9s %7s %7s %8s %8s %8s\n' harness seconds executions exec/s edges \
  features corpus rss_mb crashes
total_crashes=0
for h in "${harnesses[@]}"; do
  dir=$work/$h
  [[ -f $dir/log ]] || continue
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$dir/log" | tail -1)
  execs=$(stat_of "$dir/log" number_of_executed_units)
  secs=$(cat "$dir/secs" 2>/dev/null || echo "$seconds")
  edges=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$done_line")
  rss=$(stat_of "$dir/log" peak_rss_mb)
  crashes=$(find "$dir/artifacts" -type f | wc -l)
  rc=$(cat "$dir/rc")
  ((rc != 0 && crashes == 0)) && crashes=1 # died without an artifact: count it too
  total_crashes=$((total_crashes + crashes))
  printf '%-14s %8s %12s %9s %7s %7s %8s %8s %8s\n' "$h" "$secs" "${execs:-?}" \
    "$(( ${execs:-0} / (secs > 0 ? secs : 1) ))" "${edges:-?}" "${ft:-?}" "${corp:-?}" "${rss:-?}" "$crashes"
done
echo
echo "line coverage of the final corpora, per source file a harness reaches (llvm-cov):"
for h in "${harnesses[@]}"; do
  dir=$work/$h
  [[ -s $dir/cov.txt ]] || continue
  echo "  $h:"
  # llvm-cov report columns: Filename Regions Missed Cover Functions Missed Executed Lines Missed Cover ...
  awk -v top="$top/" 'NR > 2 && $1 != "TOTAL" && /^[^-]/ && $8 > 0 {
      f = $1; sub(top, "", f); covered = $8 - $9
      if (covered > 0) printf "    %-34s %5d/%-5d lines %7s\n", f, covered, $8, $10 }' "$dir/cov.txt"
done
for h in "${harnesses[@]}"; do
  for a in "$work/$h"/artifacts/*; do [[ -e $a ]] && echo "artifact: $a"; done
done
echo "crashes in all: $total_crashes"
