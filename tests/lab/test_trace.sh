#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Path-aware tracing and the verdicts that depend on the path, against the Linux kernel behind
# two real routers, IPv4 and IPv6 (issue: trustworthy verdicts):
# - a capture AT THE HOST proves that every SYN and every data segment a test sends reaches it
#   exactly once with the default --trace-burst path, and many times with --trace-burst full
#   (so the check can fail);
# - the hop distance is learned once, by the first LivenessTest;
# - a router that drops a probe (and sends no time-exceeded for it) makes the test UNK at its
#   hop, never FAIL;
# - a change at the egress of the last router that quotes is invisible to tracebox: the MSS
#   tests FAIL, and `tcpreq analyze` of their --pcap reaches the same verdict, as it does for
#   their PASSes (one MSS rule, src/tcp/mss_rule.h);
# - --pcap is in wire order: timestamps never go back, every reply follows its cause.
# Usage: test_trace.sh PATH/TO/tcpreq   (as root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
TCPREQ=$(realpath "${1:?usage: test_trace.sh TCPREQ}")

work=$(mktemp -d)
cap_pid=
cleanup() {
  [ -n "$cap_pid" ] && lab_capture_stop "$cap_pid"
  lab_down
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

MSS_TESTS=(MSSSupportTest MissingMSSTest LateOptionTest MultiMSSTest)

# probe OUT ARGS...: tcpreq in the prober namespace, JSON Lines into $work/OUT, stderr into
# $work/OUT.err.
probe() {
  local out=$1; shift
  ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -B "$LAB_PROBER4" -B "$LAB_PROBER6" \
    -o "$work/$out" "$@" 2>"$work/$out.err"
}
sel() { echo "select(.ip == \"$1\" and .port == $2)"; }

lab_up
lab_prober_firewall
# A reply of several windows: WindowScaleClampTest can tell nothing from less (UNK).
lab_target_listen 80 --body-size 131072
lab_target_tls 443
T4=$LAB_TARGET4 T6=$LAB_TARGET6

# --- Each probe reaches the host once ----------------------------------------------------
lab_capture_start cap_pid "$LAB_TARGET_NS" to-r2 "$work/host.pcap" "tcp and port 80" ||
  fail "host capture did not start"
probe path.jsonl -T '*' "$T4:80" "[$T6]:80"
assert_eq "path-aware run: exit code" 0 "$?"
sent=$(lab_packets_sent "$work/path.jsonl.err")
lab_capture_wait "$work/host.pcap" 1
lab_capture_stop "$cap_pid"
cap_pid=
for ip in "$T4" "$T6"; do
  assert_jq "$ip: -T '*' all PASS (else listed)" "$work/path.jsonl" \
    "$(sel "$ip" 80) | [.results[] | select(.status != \"PASS\") | [.test, .status, .reason]]" '[]'
  assert_jq "$ip: the first LivenessTest learned the distance from the host's RSTs" "$work/path.jsonl" \
    "$(sel "$ip" 80) | .results[0].custom" '{"hop_distance":3,"hop_distance_source":"ack-rst","quoting_hops":[1,2]}'
  assert_jq "$ip: only the first LivenessTest discovers" "$work/path.jsonl" \
    "$(sel "$ip" 80) | [.results[1:][] | select(.custom.hop_distance != null)] | length" 0
done
assert_eq "host capture: every SYN and data segment arrived exactly once" 1 \
  "$(lab_capture_max_copies "$work/host.pcap")"
echo "# packets sent for -T '*' on two targets, path-aware: $sent"

lab_capture_start cap_pid "$LAB_TARGET_NS" to-r2 "$work/host_full.pcap" "tcp and port 80" ||
  fail "host capture did not start"
probe full.jsonl --trace-burst full -T OptionSupportTest "$T4:80"
lab_capture_wait "$work/host_full.pcap" 1
lab_capture_stop "$cap_pid"
cap_pid=
copies=$(lab_capture_max_copies "$work/host_full.pcap")
if [ "$copies" -ge 20 ]; then
  pass "--trace-burst full: the host got $copies copies of one SYN (the original's burst)"
else
  fail "--trace-burst full: expected the original's burst at the host, got $copies copies"
fi

# --- A router that drops the probe: UNK at its hop, never FAIL ---------------------------
lab_mbox_drop_unknown_option
probe drop.jsonl -T UnknownOptionTest "$T4:80" "[$T6]:80"
for fam in 4 6; do
  if [ $fam = 4 ]; then ip=$T4 r1=$LAB_R1_4; else ip=$T6 r1=$LAB_R1_6; fi
  assert_jq "$ip: dropped probe is UNK at hop 2" "$work/drop.jsonl" \
    "$(sel "$ip" 80) | .results[] | select(.test == \"UnknownOptionTest\") | [.status, .stage, .reason]" \
    '["UNK",1,"Middlebox interference detected at or before hop 2 (probe dropped)"]'
  assert_jq "$ip: the path ends at the last hop that quoted" "$work/drop.jsonl" \
    "$(sel "$ip" 80) | .results[] | select(.test == \"UnknownOptionTest\") | .path" "[[1,\"$r1\"]]"
done
lab_mbox_clear

# --- One MSS rule, live and offline -----------------------------------------------------
# The MSS tests PASS on both ports; analyze of the same capture finds nothing too large.
probe mss_pass.jsonl -T "${MSS_TESTS[@]}" --pcap "$work/mss_pass.pcapng" "$T4:443" "[$T6]:80"
"$TCPREQ" analyze --json "$work/mss_pass.pcapng" >"$work/mss_pass.an" 2>"$work/mss_pass.an.err"
assert_eq "analyze of the MSS tests' PASS capture: exit code" 0 "$?"
for t in "${MSS_TESTS[@]}"; do
  assert_jq "live: $t PASS on both targets" "$work/mss_pass.jsonl" \
    ".results[] | select(.test == \"$t\") | .status" '"PASS" "PASS"'
  assert_jq "offline: no exceeds-mss in $t's flows" "$work/mss_pass.an" \
    "select(.test == \"$t\") | [.findings[] | select(.id == \"exceeds-mss\")] | length" "0 0"
done
# A router rewrites the MSS on its way out (invisible): the host sends 1460-byte segments.
lab_mbox_raise_mss_after_r2
probe mss_fail.jsonl -T MSSSupportTest LateOptionTest MultiMSSTest --pcap "$work/mss_fail.pcapng" \
  "$T4:443" "[$T6]:443"
lab_mbox_clear
"$TCPREQ" analyze --json "$work/mss_fail.pcapng" >"$work/mss_fail.an" 2>"$work/mss_fail.an.err"
for t in MSSSupportTest LateOptionTest MultiMSSTest; do
  assert_jq "live: $t FAIL on both targets (a change after the last quoting router is invisible)" \
    "$work/mss_fail.jsonl" ".results[] | select(.test == \"$t\") | [.status, .reason]" \
    '["FAIL","Segment too large"] ["FAIL","Segment too large"]'
  assert_jq "offline: $t's flows show exceeds-mss as well" "$work/mss_fail.an" \
    "select(.test == \"$t\") | [.findings[] | select(.id == \"exceeds-mss\")] | length > 0" "true true"
done
assert_jq "offline: LateOptionTest's late MSS is a deliberate fault, not mss-on-non-syn" \
  "$work/mss_fail.an" \
  "select(.test == \"LateOptionTest\") | [.findings[].id] | (index(\"deliberate-fault\") != null and index(\"mss-on-non-syn\") == null)" \
  "true true"

# --- --pcap in wire order ----------------------------------------------------------------
back=$(tshark -r "$work/mss_pass.pcapng" -T fields -e frame.time_epoch 2>/dev/null |
  awk 'NR > 1 && $1 < prev { n++ } { prev = $1 } END { print n + 0 }')
assert_eq "--pcap: no timestamp goes back" 0 "$back"
# Every SYN-ACK comes after the SYN it acknowledges.
early=$(tshark -r "$work/mss_pass.pcapng" -Y tcp -T fields -e frame.number -e tcp.srcport -e tcp.dstport \
  -e tcp.flags.syn -e tcp.flags.ack -e tcp.seq_raw -e tcp.ack_raw 2>/dev/null |
  awk -F'\t' '$4 == 1 && $5 == 0 { syn[$2 " " sprintf("%.0f", ($6 + 1) % 4294967296)] = 1 }
              $4 == 1 && $5 == 1 { if (!(($3 " " $7) in syn)) n++ }
              END { print n + 0 }')
assert_eq "--pcap: every SYN-ACK follows the SYN it answers" 0 "$early"

assert_done
