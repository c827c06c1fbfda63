#!/usr/bin/env bash
# Demo: install dependencies, build tcpreq, set up a namespace lab (prober -- router --
# router -- Linux target listening on :80), scan it over IPv4 and IPv6 with every test that
# exists, print the console lines and one JSON Lines record, and tear the lab down.
# Run as root on Debian 12:  ./tests/lab/demo.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
"$top/tests/install-deps.sh"
cmake -S "$top" -B "$top/build" -DTCPREQ_TESTS=OFF >/dev/null
cmake --build "$top/build" -j"$(nproc)" >/dev/null
TCPREQ=$top/build/tcpreq

. "$top/tests/lab/lab.sh"
out=$(mktemp --suffix=.jsonl) # -o picks the format by the extension
trap 'lab_down; rm -f "$out"' EXIT
lab_up
lab_prober_firewall
lab_target_listen 80

echo "== tcpreq $("$TCPREQ" --list-tests | tail -n +2 | awk '{print $1}' | paste -sd' ')"
echo "== scanning $LAB_TARGET4:80, [$LAB_TARGET6]:80 and the closed port $LAB_TARGET4:81"
ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -B "$LAB_PROBER4" -B "$LAB_PROBER6" -T '*' \
  "$LAB_TARGET4:80" "[$LAB_TARGET6]:80" "$LAB_TARGET4:81"
echo
echo "== the same IPv4 target as JSON Lines (-o results.jsonl)"
ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -q -B "$LAB_PROBER4" -T OptionSupportTest \
  -o "$out" "$LAB_TARGET4:80"
if command -v jq >/dev/null; then jq . "$out"; else cat "$out"; fi
