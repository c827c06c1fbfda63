#!/usr/bin/env bash
# One harness for a fixed budget on its checked-in corpus (ctest label "fuzz"):
#   tests/fuzz/run.sh BUILD/fuzz/tests/fuzz/fuzz_NAME SECONDS
# The corpus in tests/fuzz/corpus/NAME is only read; new inputs go to a scratch directory.
# Any crash, sanitizer report, invariant failure, leak or timeout fails the test, and the
# input is printed (base64) so a CI log is enough to reproduce it.
set -uo pipefail
fuzzer=${1:?usage: run.sh FUZZER SECONDS}
seconds=${2:?usage: run.sh FUZZER SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
name=$(basename "$fuzzer")
seeds=$here/corpus/${name#fuzz_}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
[[ -x $fuzzer ]] || { echo "run.sh: $fuzzer not built" >&2; exit 1; }
[[ -d $seeds ]] || { echo "run.sh: no corpus $seeds" >&2; exit 1; }
# -close_fd_mask=1: the readers' own messages (stdout of a report) are noise here
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -close_fd_mask=1 -artifact_prefix="$work/" "$work/corpus" "$seeds" >"$work/log" 2>&1
rc=$?
grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs)' "$work/log"
shopt -s nullglob
artifacts=("$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*)
if ((rc != 0 || ${#artifacts[@]} > 0)); then
  tail -n 60 "$work/log"
  for a in "${artifacts[@]}"; do
    echo "--- $(basename "$a") (base64; reproduce: base64 -d > in && $fuzzer in)"
    base64 -w 76 "$a"
  done
  echo "FAIL: $name exit $rc, ${#artifacts[@]} artifact(s)"
  exit 1
fi
echo "$name: ${seconds}s, no crash"
