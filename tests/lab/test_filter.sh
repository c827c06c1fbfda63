#!/usr/bin/env bash
# The target filter in the lab: a list with good, blocklisted, duplicate and DISC targets.
# A capture in the prober namespace proves that nothing went to a blocklisted or DISC
# target and that a duplicate was tested once; the dataset holds DISC/FLTR records for them
# and results for the rest. Then --shard 0/2 + 1/2 cover the list exactly once, and
# --resume completes a run killed with SIGKILL (its last line cut in half) without testing
# a finished target again, in JSON Lines and in CSV (-o out.csv: its own format, resumed
# from itself, one header). Usage: test_filter.sh PATH/TO/tcpreq   (as root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
TCPREQ=$(realpath "${1:?usage: test_filter.sh TCPREQ}")

work=$(mktemp -d)
tcpdump_pid=
probe_pid=
cleanup() {
  [ -n "$probe_pid" ] && kill -KILL "$probe_pid" 2>/dev/null
  [ -n "$tcpdump_pid" ] && kill "$tcpdump_pid" 2>/dev/null
  lab_down
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

TESTS=(-T OptionSupportTest)
DEADLINE_S=60

lab_up
lab_prober_firewall
lab_target_listen 80

# --- the list: AnyIP addresses of the lab target (one listener answers them all)
good4=(); for i in $(seq 1 12); do good4+=("198.18.128.$i"); done
good6=(fd00:7463:8000::1 fd00:7463:8000::2)
blocked=(198.18.128.16 198.18.128.17 198.18.128.18 198.18.128.19 198.18.128.20 fd00:7463:8000::99)
disc=(192.0.2.1 2001:db8::1) # documentation ranges: unroutable from the lab as well
{
  for a in "${good4[@]}"; do echo "$a:80"; done
  for a in "${good6[@]}"; do echo "[$a]:80"; done
  for a in "${blocked[@]}"; do if [[ $a == *:* ]]; then echo "[$a]:80"; else echo "$a:80"; fi; done
  echo "192.0.2.1:80"; echo "[2001:db8::1]:80"
  # duplicates: the same target again, once in another spelling of the address
  echo "198.18.128.1:80"; echo "198.18.128.1:80"; echo "[fd00:7463:8000:0:0::1]:80"
} >"$work/targets.txt"
cat >"$work/block.txt" <<'EOF'
# lab hosts that asked not to be scanned
198.18.128.17/30   # host bits set on purpose: means 198.18.128.16/30

198.18.128.20
fd00:7463:8000::99/128
EOF

# start_capture NAME / stop_capture NAME: everything the prober's link carries over TCP into
# $work/NAME.pcap; stopped once it holds every packet the run ($work/NAME.err) sent.
start_capture() {
  lab_capture_start tcpdump_pid "$LAB_PROBER_NS" "$LAB_PROBER_DEV" "$work/$1.pcap" tcp ||
    fail "$1: tcpdump did not start"
}
stop_capture() {
  lab_capture_wait "$work/$1.pcap" "$(lab_packets_sent "$work/$1.err")" \
    "src host $LAB_PROBER4 or src host $LAB_PROBER6"
  lab_capture_stop "$tcpdump_pid"
  tcpdump_pid=
}

# syn_flows NAME: "DST_IP SRC_PORT" for every distinct flow our SYNs opened (v4 and v6).
syn_flows() {
  tcpdump -nr "$work/$1.pcap" 2>/dev/null | awk '
    $2 ~ /^IP6?$/ && $7 == "[S]," {
      src = $3; dst = $5; sub(/:$/, "", dst)
      sport = src; sub(/.*\./, "", sport); dip = dst; sub(/\.[0-9]+$/, "", dip)
      print dip, sport }' | sort -u
}
# dests NAME: every address the prober sent a TCP segment to.
dests() {
  tcpdump -nr "$work/$1.pcap" 2>/dev/null | awk -v p4="$LAB_PROBER4" -v p6="$LAB_PROBER6" '
    $2 ~ /^IP6?$/ { src = $3; sub(/\.[0-9]+$/, "", src)
      if (src == p4 || src == p6) { d = $5; sub(/:$/, "", d); sub(/\.[0-9]+$/, "", d); print d } }' | sort -u
}
# summary FILE: "ip port kind" per record (kind: the _status, or TESTED), sorted.
summary() { jq -r '[.ip, (.port | tostring), (._status // "TESTED")] | join(" ")' "$1" | sort; }
# csv_summary FILE: the same from a CSV dataset, read with Python's csv module (an
# independent RFC 4180 reader): a target is its rows in a row, as many as its "tests".
# A target whose rows are not all there, or a second header, prints a line saying so.
csv_summary() {
  python3 - "$1" <<'PY' | sort
import csv, sys
with open(sys.argv[1], newline="") as f:
    rows = list(csv.reader(f))
header = rows[0]
col = {name: i for i, name in enumerate(header)}
i = 1
while i < len(rows):
    r = rows[i]
    if r == header:
        print("SECOND HEADER at row", i); i += 1; continue
    n = max(int(r[col["tests"]]), 1)
    group = rows[i:i + n]
    if len(group) != n or any(g[:2] != r[:2] for g in group):
        print("INCOMPLETE", r[0], r[1]); i += 1; continue
    status = r[col["status"]]
    kind = status if int(r[col["tests"]]) == 0 and status in ("DISC", "FLTR") else "TESTED"
    print(r[col["ip"]], r[col["port"]], kind)
    i += n
PY
}

probe() { ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -B "$LAB_PROBER4" -B "$LAB_PROBER6" "$@"; }

# --- 1. one full run with a blocklist
start_capture full
probe "${TESTS[@]}" -b "$work/block.txt" -o "$work/full.jsonl" "@$work/targets.txt" 2>"$work/full.err"
assert_eq "full run: exit code" 0 "$?"
stop_capture full
f=$work/full.jsonl

flows=$(syn_flows full)
sent_to=$(dests full)
for a in "${blocked[@]}" "${disc[@]}"; do
  if grep -qxF "$a" <<<"$sent_to"; then fail "capture: packets sent to filtered $a"
  else pass "capture: nothing sent to filtered $a"; fi
done
expected_dests=$(printf '%s\n' "${good4[@]}" "${good6[@]}" | sort)
assert_eq "capture: the prober sent only to the good targets" "$expected_dests" "$sent_to"
# a duplicate is tested once: its SYN flows are exactly the source ports of its one record
mismatches=0
for a in "${good4[@]}" "${good6[@]}"; do
  want=$(jq -r --arg ip "$a" 'select(.ip == $ip and ._status == null) | .results[].src.port' "$f" | sort -u | tr '\n' ' ')
  got=$(awk -v ip="$a" '$1 == ip { print $2 }' <<<"$flows" | sort -u | tr '\n' ' ')
  if [ -z "$want" ] || [ "$want" != "$got" ]; then
    fail "capture: SYN flows to $a ($got) != its record's source ports ($want)"; mismatches=$((mismatches + 1))
  fi
done
assert_eq "capture: each target's SYN flows are its one record's source ports" 0 "$mismatches"
assert_eq "capture: 3 SYN flows (liveness, test, liveness) per good target" \
  "$(( 3 * (${#good4[@]} + ${#good6[@]}) ))" "$(wc -l <<<"$flows")"
assert_eq "capture: 198.18.128.1 (listed 3 times) got 3 SYN flows" 3 \
  "$(awk '$1 == "198.18.128.1"' <<<"$flows" | wc -l)"

assert_jq "DISC record (IPv4 documentation)" "$f" 'select(.ip == "192.0.2.1")' \
  '{"ip":"192.0.2.1","port":80,"host":null,"results":[],"_status":"DISC"}'
assert_jq "DISC record (IPv6 documentation)" "$f" 'select(.ip == "2001:db8::1")' \
  '{"ip":"2001:db8::1","port":80,"host":null,"results":[],"_status":"DISC"}'
for a in "${blocked[@]}"; do
  assert_jq "FLTR record for blocklisted $a" "$f" "select(.ip == \"$a\") | [.results, ._status]" '[[],"FLTR"]'
done
assert_jq "duplicates: FLTR records" "$f" \
  'select(._status == "FLTR" and (.ip == "198.18.128.1" or .ip == "fd00:7463:8000::1")) | .ip' \
  '"198.18.128.1" "198.18.128.1" "fd00:7463:8000::1"'
assert_eq "results: one tested record per good target, all PASS" \
  "$(printf '%s\n' "${good4[@]}" "${good6[@]}" | sort)" \
  "$(jq -r 'select(._status == null and ([.results[].status] | unique) == ["PASS"]) | .ip' "$f" | sort)"
assert_eq "dataset: one record per listed target" "$(wc -l <"$work/targets.txt")" "$(wc -l <"$f")"
summary "$f" >"$work/full.summary"

# host bits in a blocklist entry: accepted with a warning naming FILE:LINE
err=$(probe "${TESTS[@]}" -b "$work/block.txt" -o "$work/warn.jsonl" 192.0.2.1:80 2>&1 >/dev/null)
assert_eq "blocklist host bits: warning" \
  "tcpreq: $work/block.txt:2: warning: host bits set in '198.18.128.17/30', using 198.18.128.16/30" \
  "$(grep -F 'warning:' <<<"$err")"

# a family without a -B address: DISC, not a usage error
ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -q -B "$LAB_PROBER4" "${TESTS[@]}" -o "$work/nov6.jsonl" \
  "[fd00:7463:8000::1]:80"
assert_eq "no IPv6 -B: exit code" 0 "$?"
assert_jq "no IPv6 -B: DISC" "$work/nov6.jsonl" '._status' '"DISC"'

# --- 2. two shards cover the list exactly once, DISC/FLTR included
for s in 0 1; do
  probe -q "${TESTS[@]}" -b "$work/block.txt" --shard "$s/2" -o "$work/shard$s.jsonl" "@$work/targets.txt"
  assert_eq "shard $s/2: exit code" 0 "$?"
done
assert_eq "shards: together the full run's dataset" "$(cat "$work/full.summary")" \
  "$(cat "$work/shard0.jsonl" "$work/shard1.jsonl" | summary /dev/stdin)"
for s in 0 1; do
  n=$(wc -l <"$work/shard$s.jsonl")
  if [ "$n" -gt 0 ] && [ "$n" -lt "$(wc -l <"$f")" ]; then pass "shard $s/2: $n records"; else fail "shard $s/2: $n records"; fi
done

# --- 3. --resume after a run killed with SIGKILL midway
out=$work/resume.jsonl
# one target at a time, so records appear one after another
ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -q -B "$LAB_PROBER4" -B "$LAB_PROBER6" "${TESTS[@]}" \
  --inflight 1 -b "$work/block.txt" -o "$out" "@$work/targets.txt" &
probe_pid=$!
deadline=$(( $(date +%s) + DEADLINE_S ))
until [ "$(jq -c 'select(._status == null)' "$out" 2>/dev/null | wc -l)" -ge 4 ] || [ "$(date +%s)" -ge "$deadline" ]; do
  sleep 0.1
done
kill -KILL "$probe_pid"; wait "$probe_pid" 2>/dev/null; probe_pid=
done_before=$(jq -r 'select(._status == null) | .ip' "$out" | sort)
n_before=$(wc -l <<<"$done_before")
if [ "$n_before" -ge 4 ] && [ "$n_before" -lt 14 ]; then pass "killed midway: $n_before targets tested"
else fail "killed run: $n_before targets tested (want 4..13)"; fi
# a crash mid-write: cut the last record in half (it must be tested again)
last=$(tail -n 1 "$out")
cut_ip=$(grep -o '^{"ip":"[^"]*"' <<<"$last" | cut -d'"' -f4) # the record's first key
if [ "$(tail -c 1 "$out" | od -An -c | tr -d ' ')" = '\n' ]; then
  truncate -s $(( $(stat -c %s "$out") - ${#last} / 2 - 1 )) "$out"
fi # else the kill itself cut the last line
done_before=$(grep -vxF "$cut_ip" <<<"$done_before")

start_capture resume
probe "${TESTS[@]}" -b "$work/block.txt" --resume "$out" -o "$out" "@$work/targets.txt" 2>"$work/resume.err"
assert_eq "resume: exit code" 0 "$?"
stop_capture resume
assert_eq "resume: every line of the file is whole JSON" "$(wc -l <"$out")" "$(jq -c . "$out" | wc -l)"
assert_eq "resume: the same dataset as the uninterrupted run" "$(cat "$work/full.summary")" \
  "$(summary "$out")"
resumed_dests=$(dests resume)
again=$(comm -12 <(sort <<<"$done_before") <(sort <<<"$resumed_dests") | tr '\n' ' ')
assert_eq "resume: no packet to a target finished before the kill" "" "$again"
if grep -qxF "$cut_ip" <<<"$resumed_dests"; then pass "resume: the cut-off target $cut_ip tested again"
else fail "resume: the cut-off target $cut_ip was not tested again"; fi

# --- 4. CSV: -o out.csv writes CSV, and --resume out.csv -o out.csv completes it
out=$work/resume.csv
probe -q "${TESTS[@]}" -b "$work/block.txt" -o "$work/full.csv" "@$work/targets.txt"
assert_eq "csv: exit code" 0 "$?"
assert_eq "csv: the header row first" \
  "ip,port,host,input,test,status,stage,reason,hops,routers,custom,tests" \
  "$(head -n 1 "$work/full.csv" | tr -d '\r')"
assert_eq "csv: the same targets as the JSON Lines run" "$(cat "$work/full.summary")" \
  "$(csv_summary "$work/full.csv")"
assert_eq "csv: one row per test result" "$(jq -s '[.[].results | length] | add' "$f")" \
  "$(grep -c ',OptionSupportTest,\|,LivenessTest,' "$work/full.csv")"
ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -q -B "$LAB_PROBER4" -B "$LAB_PROBER6" "${TESTS[@]}" \
  --inflight 1 -b "$work/block.txt" -o "$out" "@$work/targets.txt" &
probe_pid=$!
deadline=$(( $(date +%s) + DEADLINE_S ))
# each tested target writes its three rows at once: four OptionSupportTest rows, four targets
until [ "$(grep -c ',OptionSupportTest,' "$out" 2>/dev/null)" -ge 4 ] || [ "$(date +%s)" -ge "$deadline" ]; do
  sleep 0.1
done
kill -KILL "$probe_pid"; wait "$probe_pid" 2>/dev/null; probe_pid=
done_before=$(csv_summary "$out" | awk '$3 == "TESTED" { print $1 }' | sort)
# cut the last row in half: its target's rows are then incomplete, so it is tested again
last=$(tail -n 1 "$out")
cut_ip=${last%%,*}
truncate -s $(( $(stat -c %s "$out") - ${#last} / 2 - 1 )) "$out"
done_before=$(grep -vxF "$cut_ip" <<<"$done_before")
n_before=$(wc -l <<<"$done_before")
if [ "$n_before" -ge 3 ] && [ "$n_before" -lt 14 ]; then pass "csv killed midway: $n_before targets whole"
else fail "csv killed run: $n_before targets whole (want 3..13)"; fi
start_capture resume_csv
probe "${TESTS[@]}" -b "$work/block.txt" --resume "$out" -o "$out" "@$work/targets.txt" 2>"$work/resume_csv.err"
assert_eq "csv resume: exit code" 0 "$?"
stop_capture resume_csv
assert_eq "csv resume: one header" 1 "$(grep -c '^ip,port,host,' "$out")"
assert_eq "csv resume: the same dataset as the uninterrupted run" "$(cat "$work/full.summary")" \
  "$(csv_summary "$out")"
again=$(comm -12 <(sort <<<"$done_before") <(dests resume_csv) | tr '\n' ' ')
assert_eq "csv resume: no packet to a target finished before the kill" "" "$again"
if dests resume_csv | grep -qxF "$cut_ip"; then pass "csv resume: the cut-off target $cut_ip tested again"
else fail "csv resume: the cut-off target $cut_ip was not tested again"; fi
# the console format cannot be resumed, and an unknown extension is no silent JSON Lines
err=$(probe "${TESTS[@]}" --resume "$work/x.txt" -o "$work/x.txt" 198.18.128.1:80 2>&1)
assert_eq "console resume: usage error" 2 "$?"
assert_contains "console resume: says why" "$err" "cannot be resumed"
err=$(probe "${TESTS[@]}" -o "$work/x.xlsx" 198.18.128.1:80 2>&1)
assert_eq "unknown extension: usage error" 2 "$?"
assert_contains "unknown extension: names the known ones" "$err" "known: .jsonl, .json, .csv, .txt"

assert_done
