#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The TCP extension cases (RFC 7323 timestamps and window scale, RFC 2018 SACK) against the
# Linux kernel behind two real routers, IPv4 and IPv6: each case three times, the same
# verdict (PASS) every run; then a real middlebox on r2 that overwrites the Timestamps
# option of SYNs with NOOPs in its prerouting hook, which the traced TsecrIgnoredWithoutAckTest
# must blame on hop 2 (UNK, never FAIL), and after which TimestampsEverySegmentTest (untraced)
# finds timestamps not negotiated (UNK).
# Usage: test_cases_tcp_extensions.sh PATH/TO/tcpreq   (as root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
TCPREQ=$(realpath "${1:?usage: test_cases_tcp_extensions.sh TCPREQ}")

work=$(mktemp -d)
cleanup() { lab_down; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

CASES=(TimestampsEverySegmentTest TsecrIgnoredWithoutAckTest WindowScaleClampTest
  SackNotOfferedTest SackFirstBlockTest)
RUNS=3
# WindowScaleClampTest needs a reply of several windows (Linux: about 64 KB before it is
# held by the clamped one); less is UNK "Reply too small to tell".
BODY_SIZE=262144

# probe OUT ARGS...: tcpreq in the prober namespace, JSON Lines into $work/OUT.
probe() {
  local out=$1; shift
  ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -q -B "$LAB_PROBER4" -B "$LAB_PROBER6" \
    -o "$work/$out" "$@"
}
sel() { echo "select(.ip == \"$1\" and .port == 80)"; }
# verdicts FILE IP: [[test, status, stage, reason], ...] of the cases (no LivenessTest).
verdicts() {
  jq -c "$(sel "$2") | [.results[] | select(.test != \"LivenessTest\") | [.test, .status, .stage, .reason]]" "$1"
}

lab_up
lab_prober_firewall
lab_target_listen 80 --body-size "$BODY_SIZE"
T4=$LAB_TARGET4 T6=$LAB_TARGET6

# --- Every case PASSes, the same in every run ----------------------------------------------
expected_pass=$(printf '%s\n' "${CASES[@]}" | jq -R . | jq -sc 'map([., "PASS", null, null])')
start=$(date +%s.%N)
for run in $(seq "$RUNS"); do
  probe "run$run.jsonl" -T "${CASES[@]}" "$T4:80" "[$T6]:80"
  assert_eq "run $run: exit code" 0 "$?"
  for ip in "$T4" "$T6"; do
    assert_eq "run $run $ip: every case PASS" "$expected_pass" "$(verdicts "$work/run$run.jsonl" "$ip")"
  done
done
echo "# $RUNS runs of ${#CASES[@]} cases on two targets: $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
for ip in "$T4" "$T6"; do
  r1=$LAB_R1_4 r2=$LAB_R2_4
  [ "$ip" = "$T6" ] && r1=$LAB_R1_6 r2=$LAB_R2_6
  assert_jq "$ip: the traced TsecrIgnoredWithoutAckTest saw both routers" "$work/run1.jsonl" \
    "$(sel "$ip") | .results[] | select(.test == \"TsecrIgnoredWithoutAckTest\") | .path" \
    "[[1,\"$r1\"],[2,\"$r2\"]]"
done

# --- A middlebox removing the SYN's timestamps: UNK at hop 2, never FAIL ------------------
lab_mbox_reset_timestamps
probe mbox.jsonl -T TimestampsEverySegmentTest TsecrIgnoredWithoutAckTest "$T4:80" "[$T6]:80"
assert_eq "middlebox run: exit code" 0 "$?"
rewritten=$(ip netns exec "$LAB_R2_NS" nft list table inet "$LAB_MBOX_TABLE" |
  sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
if [ "${rewritten:-0}" -gt 0 ]; then pass "r2 rewrote $rewritten SYNs"; else fail "r2 rewrote no SYN"; fi
for ip in "$T4" "$T6"; do
  assert_eq "$ip: middlebox blamed at hop 2, timestamps not negotiated" \
    '[["TimestampsEverySegmentTest","UNK",1,"Timestamps not negotiated (no TSopt on the SYN-ACK)"],["TsecrIgnoredWithoutAckTest","UNK",1,"Middlebox interference detected at or before hop 2 (timestamps option modified or deleted)"]]' \
    "$(verdicts "$work/mbox.jsonl" "$ip")"
  assert_jq "$ip: diff shows the option overwritten with NOOPs" "$work/mbox.jsonl" \
    "$(sel "$ip") | .results[] | select(.test == \"TsecrIgnoredWithoutAckTest\") | .custom.diff" \
    '["080a746372710badcafe","010101010101010101010000"]'
done
lab_mbox_clear

assert_done
