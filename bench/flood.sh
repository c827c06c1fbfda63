#!/usr/bin/env bash
# Peak RSS of a scan under a flood (50,000 unknown segments and forged ICMP quotes per second;
# tests/lab/test_flood.sh), for a Release build, against the README's ceiling for it
# (FLOOD_RSS_CEILING_MIB, 64), beside the same scan without the flood. Root, Debian 12; about
# 40 s. Prints the lab test's figures; a benchmark: it never fails a build.
#
#     bench/flood.sh
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${TCPREQ_BENCH_BUILD:-$top/build-bench}
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTCPREQ_TESTS=OFF -DTCPREQ_MANPAGES=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target tcpreq >/dev/null
FLOOD_RSS_CEILING_MIB=64 bash "$top/tests/lab/test_flood.sh" "$build/tcpreq" |
  grep -E '^# (peak RSS|flooder|RSTs|tcpreq: limits)|^(not )?ok - flood: peak'
