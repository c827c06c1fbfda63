#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `tcpreq summary` on real datasets: two shards of a lab scan with a middlebox on router 2
# (OptionSupportTest UNK at hop 2), a closed port (FAIL), a DISC and a duplicated list line
# (FLTR). Every figure of the summary is checked against jq over the same files; a shard
# given twice is reported as duplicates and not counted; the CSV is read with Python's csv
# module; the SVG chart is read back with Python's XML parser (every bar as wide as its
# count) and rendered once by Debian's headless Chromium, whose screenshot must show each
# status's colour over about the area its bars have. Usage: test_summary.sh TCPREQ (root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
TCPREQ=$(realpath "${1:?usage: test_summary.sh TCPREQ}")

work=$(mktemp -d)
cleanup() { lab_down; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

TESTS=(-T OptionSupportTest UnknownOptionTest)
# Chart geometry the pixel check relies on (src/summary/svg.c): bar height, legend square.
BAR_H=18
LEGEND_AREA=144

lab_up
lab_prober_firewall
lab_target_listen 80
lab_mbox_overwrite_nop_eol

{
  for i in $(seq 1 16); do echo "198.18.128.$i:80"; done
  for i in 1 2 3; do echo "[fd00:7463:8000::$i]:80"; done
  echo "$LAB_TARGET4:$LAB_CLOSED_PORT" # nothing listens: liveness FAILs
  echo "192.0.2.1:80"                  # documentation range: DISC
  echo "198.18.128.1:80"               # listed twice: FLTR
} >"$work/targets.txt"
for s in 0 1; do
  ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -q -B "$LAB_PROBER4" -B "$LAB_PROBER6" "${TESTS[@]}" \
    --shard "$s/2" -o "$work/shard$s.jsonl" "@$work/targets.txt"
  assert_eq "shard $s/2: exit code" 0 "$?"
done
cat "$work/shard0.jsonl" "$work/shard1.jsonl" >"$work/all.jsonl"

# summary runs no network code; unshare -n all the same (house rule for tcpreq commands)
summary() { unshare -n "$TCPREQ" summary "$@"; }
summary --json "$work/shard0.jsonl" "$work/shard1.jsonl" >"$work/sum.json"
assert_eq "summary --json: exit code" 0 "$?"
sj() { jq -c "$1" "$work/sum.json"; }
dj() { jq -sc "$1" "$work/all.jsonl"; }

assert_eq "records" "$(dj 'length')" "$(sj '.records')"
assert_eq "DISC" 1 "$(sj '.disc')"
assert_eq "FLTR" 1 "$(sj '.fltr')"
assert_eq "tested targets" "$(dj 'map(select(._status == null)) | length')" "$(sj '.targets.tested')"
assert_eq "test results" "$(dj '[.[].results[]] | length')" "$(sj '.results')"
assert_eq "targets that passed every test" \
  "$(dj 'map(select(._status == null and (.results | length) > 0 and all(.results[]; .status == "PASS"))) | length')" \
  "$(sj '.targets.all_pass')"
assert_eq "targets with a FAIL" \
  "$(dj 'map(select(any(.results[]; .status == "FAIL"))) | length')" "$(sj '.targets.with_fail')"
per_test='[.[].results[]] | group_by(.test) | map({test: .[0].test, runs: length,
  PASS: map(select(.status == "PASS")) | length, UNK: map(select(.status == "UNK")) | length,
  FAIL: map(select(.status == "FAIL")) | length, ERR: map(select(.status == "ERR")) | length})
  | sort_by(.test)'
assert_eq "per test: runs and statuses" "$(dj "$per_test")" \
  "$(sj '.tests | map({test, runs, PASS, UNK, FAIL, ERR}) | sort_by(.test)')"
assert_eq "OptionSupportTest: UNK at hop 2 for every tested host" \
  "$(dj '[.[].results[] | select(.test == "OptionSupportTest" and .status == "UNK")] | length')" \
  "$(sj '.tests[] | select(.test == "OptionSupportTest") | .middlebox_hops["2"]')"
if [ "$(sj '.tests[] | select(.test == "OptionSupportTest") | .UNK')" -ge 19 ]; then
  pass "the middlebox made OptionSupportTest UNK"
else fail "OptionSupportTest UNK: $(sj '.tests[] | select(.test == "OptionSupportTest") | .UNK')"; fi
assert_eq "most common reason of OptionSupportTest" \
  "$(dj '[.[].results[] | select(.test == "OptionSupportTest" and .reason != null) | .reason]
         | group_by(.) | map([length, .[0]]) | sort_by(-.[0]) | .[0][1]')" \
  "$(sj '.tests[] | select(.test == "OptionSupportTest") | .reasons[0].reason')"
assert_eq "no duplicates across the two shards" 0 "$(sj '.duplicates.records')"

# a shard given twice: its records are reported once each as duplicates, counted once
summary --json "$work/shard0.jsonl" "$work/shard1.jsonl" "$work/shard0.jsonl" >"$work/dup.json"
assert_eq "shard given twice: duplicates" "$(wc -l <"$work/shard0.jsonl")" \
  "$(jq '.duplicates.records' "$work/dup.json")"
assert_eq "shard given twice: the same counts" "$(sj '.tests')" "$(jq -c '.tests' "$work/dup.json")"
# standard input and text
text=$(summary - <"$work/all.jsonl")
assert_contains "text: records line" "$text" "records"
assert_contains "text: middlebox hops" "$text" "hop 2: $(sj '.tests[] | select(.test == "OptionSupportTest") | .middlebox_hops["2"]')"

# CSV, read by an independent RFC 4180 reader
summary --csv --svg "$work/chart.svg" "$work/shard0.jsonl" "$work/shard1.jsonl" >"$work/sum.csv"
assert_eq "summary --csv --svg: exit code" 0 "$?"
assert_eq "csv: runs per test as in the JSON" "$(sj '.tests | map([.test, .runs]) | sort')" \
  "$(python3 -c 'import csv,json,sys; print(json.dumps(sorted([r["test"], int(r["runs"])] for r in csv.DictReader(open(sys.argv[1], newline=""))), separators=(",", ":")))' "$work/sum.csv")"

# The SVG read back: each bar segment as wide as its count on the chart's one scale; the
# counts as jq counts them. Prints "STATUS TOTAL_WIDTH" lines for the pixel check below.
python3 - "$work/chart.svg" "$work/sum.json" >"$work/widths.txt" <<'PY'
import json, sys
import xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
scale = float(root.get("data-scale"))
tests = {t["test"]: t for t in json.load(open(sys.argv[2]))["tests"]}
widths, bad = {}, []
for r in root.iter(ns + "rect"):
    if r.get("class") != "bar":
        continue
    test, status, count = r.get("data-test"), r.get("data-status"), int(r.get("data-count"))
    if abs(float(r.get("width")) - count * scale) > 1e-3:
        bad.append(f"{test} {status}: width {r.get('width')} for {count}")
    if tests[test][status] != count:
        bad.append(f"{test} {status}: {count} drawn, {tests[test][status]} counted")
    widths[status] = widths.get(status, 0.0) + float(r.get("width"))
for line in bad:
    print("BAD", line)
for status, w in sorted(widths.items()):
    print(status, w)
PY
assert_eq "svg: every segment as wide as its count, counts as counted" "" "$(grep '^BAD' "$work/widths.txt")"

# Rendered by a real browser: Chromium, headless, offline, with a profile of its own.
profile=$(mktemp -d)
unshare -n chromium --headless --no-sandbox --disable-gpu --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --force-device-scale-factor=1 --user-data-dir="$profile" --window-size=880,400 \
  --screenshot="$work/chart.png" "file://$work/chart.svg" >"$work/chromium.log" 2>&1
assert_eq "chromium: screenshot written" 0 "$?"
rm -rf "$profile"
declare -A colour=([PASS]=009E73 [UNK]=E69F00 [FAIL]=D55E00 [ERR]=0072B2)
python3 "$here/png_colours.py" "$work/chart.png" "${colour[@]}" >"$work/pixels.txt"
while read -r status width; do
  [[ $status == BAD ]] && continue
  px=$(awk -v c="${colour[$status]}" '$1 == c { print $2 }' "$work/pixels.txt")
  area=$(awk -v w="$width" -v h="$BAR_H" 'BEGIN { printf "%d", w * h }')
  # inside a bar only the count printed over it hides its colour; edges may blend a pixel
  if [ "$px" -ge $(( area * 6 / 10 )) ] && [ "$px" -le $(( area + LEGEND_AREA + 2 * BAR_H * 4 )) ]; then
    pass "screenshot: $status bars cover $px px of ~$area"
  else fail "screenshot: $status bars cover $px px, expected about $area"; fi
done <"$work/widths.txt"
if [ -n "${TCPREQ_KEEP_CHART:-}" ]; then cp "$work/chart.svg" "$work/chart.png" "$TCPREQ_KEEP_CHART/"; fi

assert_done
