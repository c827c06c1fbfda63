#!/usr/bin/env bash
# Foundation integration test: the Linux kernel's real TCP stack in a network namespace,
# reached through two real routers, probed by tcpreq over IPv4 and IPv6; real nftables
# middleboxes on router 2. Usage: test_foundation.sh PATH/TO/tcpreq   (as root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
TCPREQ=$(realpath "${1:?usage: test_foundation.sh TCPREQ}")

work=$(mktemp -d)
cleanup() { lab_down; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

FOUNDATION_TESTS=(-T LivenessTest RSTACKTest OptionSupportTest)
OPTION_UNK_HOP2="Middlebox interference detected at or before hop 2 (header option(s) deleted)"

# probe OUT ARGS...: run tcpreq inside the prober namespace, JSON Lines into $work/OUT.
probe() {
  local out=$1; shift
  ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -q -B "$LAB_PROBER4" -B "$LAB_PROBER6" \
    -o "$work/$out" "$@"
}

lab_up
lab_prober_firewall
lab_target_listen 80

# --- all three tests PASS against the kernel on :80, with the path through both routers
for fam in 4 6; do
  if [ "$fam" = 4 ]; then target="$LAB_TARGET4:80"; r1=$LAB_R1_4; r2=$LAB_R2_4
  else target="[$LAB_TARGET6]:80"; r1=$LAB_R1_6; r2=$LAB_R2_6; fi
  start=$(date +%s)
  probe "pass$fam.jsonl" "${FOUNDATION_TESTS[@]}" "$target"
  assert_eq "IPv$fam: tcpreq exit code" 0 "$?"
  elapsed=$(( $(date +%s) - start ))
  f="$work/pass$fam.jsonl"
  assert_jq "IPv$fam: one record" "$f" '.port' 80
  # Liveness before each test and once at the end.
  assert_jq "IPv$fam: run order" "$f" '[.results[].test]' \
    '["LivenessTest","RSTACKTest","LivenessTest","OptionSupportTest","LivenessTest"]'
  assert_jq "IPv$fam: all PASS" "$f" '[.results[].status] | unique' '["PASS"]'
  assert_jq "IPv$fam: OptionSupportTest path" "$f" \
    '.results[] | select(.test=="OptionSupportTest") | .path' "[[1,\"$r1\"],[2,\"$r2\"]]"
  # as the original: a PASS carries no stage and no reason
  assert_jq "IPv$fam: PASS without stage or reason" "$f" '[.results[] | .stage, .reason] | unique' '[null]'
  assert_jq "IPv$fam: ISNs collected in every test" "$f" '[.results[].isns | length >= 1] | all' true
  assert_jq "IPv$fam: src port fresh per round" "$f" '[.results[].src.port] | unique | length' 5
  assert_jq "IPv$fam: schema keys" "$f" '.results[0] | keys' \
    '["custom","isns","path","reason","src","stage","status","test","timestamp"]'
  if [ "$elapsed" -lt 60 ]; then pass "IPv$fam: finished in ${elapsed}s (< 60 s)"
  else fail "IPv$fam: took ${elapsed}s"; fi
done

# --- many targets in flight at once (AnyIP: one listener answers the whole /17), and a
#     capture proving that nothing went anywhere but the targets, always from our port range
capture="$work/many.pcap"
lab_capture_start tcpdump_pid "$LAB_PROBER_NS" "$LAB_PROBER_DEV" "$capture" "ip and src host $LAB_PROBER4" ||
  fail "many targets: tcpdump did not start"
many=()
for i in $(seq 1 24); do many+=("198.18.$((128 + i)).$i:80"); done
ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -B "$LAB_PROBER4" -o "$work/many.jsonl" \
  -T RSTACKTest OptionSupportTest "${many[@]}" 2>"$work/many.err"
lab_capture_wait "$capture" "$(lab_packets_sent "$work/many.err")"
lab_capture_stop "$tcpdump_pid"
tcpdump_pid=
assert_eq "many targets: one record per target" \
  "$(printf '%s\n' "${many[@]%:80}" | sort)" "$(jq -r .ip "$work/many.jsonl" | sort)"
assert_eq "many targets: all 5 tests PASS on each" "24" \
  "$(jq -c '[.results[] | select(.status == "PASS")] | length' "$work/many.jsonl" | grep -c '^5$')"
allowed="dst net 198.18.128.0/17 and tcp dst port 80 and tcp src portrange 49152-65535"
stray=$(tcpdump -nr "$capture" "not ($allowed)" 2>/dev/null | wc -l)
sent=$(tcpdump -nr "$capture" 2>/dev/null | wc -l)
assert_eq "capture: nothing sent but to the targets from our port range ($sent packets)" 0 "$stray"
if [ "$sent" -gt 0 ]; then pass "capture: packets were recorded"; else fail "capture: empty"; fi

# --- a port that never answers: liveness times out (1 s, 2 s, 4 s backoff) and the process
#     sleeps in the kernel meanwhile instead of spinning
lab_target_silent_port 82
TIMEFORMAT='%U %S %R'
{ time probe silent.jsonl -T RSTACKTest "$LAB_TARGET4:82" ; } 2>"$work/time"
assert_jq "silent port: liveness FAIL" "$work/silent.jsonl" '[.results[] | [.test, .status, .reason]]' \
  '[["LivenessTest","FAIL","Timeout during handshake"]]'
read -r user sys real <"$work/time"
if awk -v u="$user" -v s="$sys" -v r="$real" 'BEGIN { exit !(r >= 6 && u + s < r / 10) }'; then
  pass "silent port: waited ${real}s using ${user}s user + ${sys}s system CPU"
else
  fail "silent port: ${real}s wall, ${user}s user, ${sys}s system (busy loop or wrong backoff?)"
fi
lab_target_clear

# --- console output when no -o is given
console=$(ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -q -B "$LAB_PROBER4" -T RSTACKTest "$LAB_TARGET4:80")
assert_eq "console lines" \
  "$LAB_TARGET4	80	LivenessTest	PASS
$LAB_TARGET4	80	RSTACKTest	PASS
$LAB_TARGET4	80	LivenessTest	PASS" "$console"

# --- --explain: the report names the requirement, the path and the segments on the wire;
# with -o the dataset is written too, in the original's schema (no evidence key)
report=$(probe explain.jsonl -T OptionSupportTest --explain "$LAB_TARGET4:80")
assert_eq "explain: verdict line" 1 "$(grep -c '^  OptionSupportTest: PASS$' <<<"$report")"
assert_eq "explain: requirement" 1 "$(grep -c 'requirement: RFC 9293 MUST-4' <<<"$report")"
# the path: from the first LivenessTest's discovery and from OptionSupportTest's quotes
assert_eq "explain: path" 2 "$(grep -c "path:        hop 1 $LAB_R1_4, hop 2 $LAB_R2_4" <<<"$report")"
# the traced probe: one copy for the host, TTL-limited copies for hops 1 and 2 only
assert_eq "explain: the traced probe's copy for the host" 1 \
  "$(grep -c '> SYN .*opts=01010000 ttl=30$' <<<"$report")"
assert_eq "explain: the traced probe's copies for the routers" 1 \
  "$(grep -c '> SYN .*opts=01010000 ttl=1..2 (2 probes' <<<"$report")"
assert_eq "explain: the SYN-ACK answering it" 1 "$(grep -c '< SYN,ACK .* ack=1 ' <<<"$report" | awk '{print ($1 >= 1)}')"
assert_jq "explain: dataset without evidence" "$work/explain.jsonl" \
  '[.results[] | has("evidence")] | any' false

# --- a closed port: liveness fails, and the target is skipped for the rest
probe closed.jsonl "${FOUNDATION_TESTS[@]}" "$LAB_TARGET4:81"
assert_jq "closed port: liveness FAIL reason" "$work/closed.jsonl" \
  '[.results[] | [.test, .status, .reason]]' \
  '[["LivenessTest","FAIL","RST in reply to SYN during handshake"]]'

# --- a middlebox on router 2 overwrites the SYN's NOOP/EOL bytes with another option
lab_mbox_overwrite_nop_eol
for fam in 4 6; do
  if [ "$fam" = 4 ]; then target="$LAB_TARGET4:80"; else target="[$LAB_TARGET6]:80"; fi
  probe "mbox$fam.jsonl" -T OptionSupportTest "$target"
  f="$work/mbox$fam.jsonl"
  assert_jq "IPv$fam overwrite: OptionSupportTest UNK at hop 2" "$f" \
    '.results[] | select(.test=="OptionSupportTest") | [.status, .reason]' \
    "[\"UNK\",\"$OPTION_UNK_HOP2\"]"
  assert_jq "IPv$fam overwrite: diff names the lost options" "$f" \
    '.results[] | select(.test=="OptionSupportTest") | .custom.diff' '["01,00",""]'
done
lab_mbox_clear

# --- the middlebox also breaks the handshake: a quote still shows the change, so the
#     path is blamed (UNK), not the host (FAIL)
lab_mbox_break_nop_eol
for fam in 4 6; do
  if [ "$fam" = 4 ]; then target="$LAB_TARGET4:80"; else target="[$LAB_TARGET6]:80"; fi
  probe "break$fam.jsonl" -T OptionSupportTest "$target"
  assert_jq "IPv$fam broken handshake: OptionSupportTest UNK at hop 2" "$work/break$fam.jsonl" \
    '.results[] | select(.test=="OptionSupportTest") | [.status, .reason]' \
    "[\"UNK\",\"$OPTION_UNK_HOP2\"]"
done
lab_mbox_clear

# --- a host that ignores RST-ACKs in SYN-RECEIVED: RSTACKTest FAIL (plain RSTs still work,
#     so liveness passes); nothing on the path changed anything, so it is the host's fault
lab_target_ignore_rstack
probe rstack_ignored.jsonl -T RSTACKTest "$LAB_TARGET4:80"
assert_jq "RST-ACK ignored: verdicts" "$work/rstack_ignored.jsonl" '[.results[] | [.test, .status, .stage, .reason]]' \
  '[["LivenessTest","PASS",null,null],["RSTACKTest","FAIL",1,"RST-ACK ignored"],["LivenessTest","PASS",null,null]]'

# --- a host that ignores every RST: liveness FAIL, and nothing else runs
lab_target_ignore_rst
probe rst_ignored.jsonl -T RSTACKTest "[$LAB_TARGET6]:80"
assert_jq "RSTs ignored: liveness FAIL" "$work/rst_ignored.jsonl" '[.results[] | [.test, .status, .reason]]' \
  '[["LivenessTest","FAIL","RSTs ignored"]]'
lab_target_clear

# --- --timing original reproduces the original's fixed waits (only the fast-failing path
#     here: a closed port answers at once, so no fixed wait is reached)
start=$(date +%s)
probe original.jsonl --timing original -T OptionSupportTest "$LAB_TARGET4:81"
assert_jq "original timing: closed port" "$work/original.jsonl" '[.results[] | [.test, .status, .reason]]' \
  '[["LivenessTest","FAIL","RST in reply to SYN during handshake"]]'

assert_done
