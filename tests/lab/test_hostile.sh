#!/usr/bin/env bash
# A hostile peer (issue 15): tests/lab/hostile.py in the target namespace answers tcpreq's
# probes with malformed segments (data offset below 5 or past the segment, options running
# past the header, a zero-length option), SYN-ACKs acknowledging the wrong number, RST
# storms, segments sprayed at other tests' ports, and forged ICMP time-exceeded quotes that
# are cut short, lie about the 4-tuple or carry another TTL's coding. Expected: no crash and
# no sanitizer report (the test build), every result belongs to the test that ran it, the
# tests on the hostile ports FAIL or UNK with a reason naming what was seen, and the tests of
# other flows keep the verdicts they have without the attacker.
# Usage: test_hostile.sh PATH/TO/tcpreq   (as root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
TCPREQ=$(realpath "${1:?usage: test_hostile.sh TCPREQ}")

work=$(mktemp -d)
peer_pid=
stop_peer() {
  if [[ -n $peer_pid ]]; then kill "$peer_pid" 2>/dev/null; wait "$peer_pid" 2>/dev/null; fi
  peer_pid=
}
cleanup() { stop_peer; lab_down; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

lab_up
lab_prober_firewall
# a body large enough for every test (WindowScaleClampTest needs rounds past the clamped window)
lab_target_listen 80 --body-size 131072
HOSTILE_PORTS=5001-5007
SPRAY_PORT=5007
# the target's own stack never sees the hostile ports: the peer alone answers there
lab_target_silent_port "$HOSTILE_PORTS"

# start_peer NAME ARGS...: hostile.py on the target's link; returns once it reads.
start_peer() {
  local name=$1 i; shift
  ip netns exec "$LAB_TARGET_NS" python3 "$here/hostile.py" to-r2 "$@" >"$work/$name.peer" 2>&1 &
  peer_pid=$!
  for ((i = 0; i < 200; i++)); do
    grep -q '^ready$' "$work/$name.peer" && return 0
    sleep 0.05
  done
  fail "$name: hostile peer did not start: $(cat "$work/$name.peer")"
  return 1
}

runs=0 crashes=0 misattributed=0
# scan NAME ARGS...: tcpreq (the sanitizer build) in the prober namespace; exit code checked.
scan() {
  local name=$1; shift
  ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -B "$LAB_PROBER4" -o "$work/$name.jsonl" "$@" \
    2>"$work/$name.err"
  local rc=$?
  runs=$((runs + 1))
  ((rc == 0)) || crashes=$((crashes + 1))
  assert_eq "$name: exit code 0 (no crash, no sanitizer report)" 0 "$rc"
  ((rc == 0)) || sed 's/^/# /' "$work/$name.err" | tail -20
}

# expect_named NAME PORT TEST PATTERN: the target on PORT ran the plan of -T OptionSupportTest
# (LivenessTest, the test, LivenessTest; or LivenessTest alone when that failed: fail early),
# and its TEST result is FAIL or UNK with a reason matching PATTERN (an ERE). LivenessTest
# fails only when nothing or a RST answers; any other answer means the host is alive and
# its oddity is the next test's business (the original's rule).
expect_named() {
  local file=$work/$1.jsonl port=$2 test=$3 v tests
  v=$(jq -r --argjson p "$port" --arg t "$test" \
    'select(.port == $p) | [.results[] | select(.test == $t)][0] | "\(.status): \(.reason)"' "$file")
  tests=$(jq -c --argjson p "$port" 'select(.port == $p) | [.results[].test]' "$file")
  jq -r --argjson p "$port" 'select(.port == $p) | .results[] | "#   \(.test) \(.status) \(.reason)"' "$file"
  if [[ $v =~ ^(FAIL|UNK):\  ]] && grep -Eq "$4" <<<"$v" &&
    [[ $tests == '["LivenessTest"]' || $tests == '["LivenessTest","OptionSupportTest","LivenessTest"]' ]]; then
    pass "$1: port $port: $test $v"
  else
    fail "$1: port $port: $test got '$v' ($tests), want FAIL/UNK matching /$4/"
  fi
}

# --- malformed answers, a wrong ACK, a RST storm: the tests there FAIL or UNK and say why
start_peer malformed
scan malformed -T OptionSupportTest 198.18.3.2:5001 198.18.3.2:5002 198.18.3.2:5003 \
  198.18.3.2:5004 198.18.3.2:5005 198.18.3.2:5006
expect_named malformed 5001 LivenessTest 'ignored [0-9]+ malformed segments?: data offset 3 \(below 5\)'
expect_named malformed 5002 LivenessTest "ignored [0-9]+ malformed segments?: data offset 15 \(60 header bytes\) past the segment's 20 bytes"
expect_named malformed 5003 LivenessTest 'ignored [0-9]+ malformed segments?: option kind 8 of length 10 running 8 bytes past the header'
expect_named malformed 5004 LivenessTest 'ignored [0-9]+ malformed segments?: option kind 2 with length 0 \(below 2\)'
expect_named malformed 5005 OptionSupportTest 'Wrong SEQ acked in reply to SYN during handshake'
# the storm's first RST acknowledges the SYN: "RST in reply to SYN"; its others acknowledge
# nothing sent and arrive after a retried SYN: "Non-SYN-ACK in reply to SYN"
expect_named malformed 5006 OptionSupportTest '(RST|Non-SYN-ACK) in reply to SYN during handshake'
assert_eq "malformed: no ERR (no deadline, no budget exceeded)" "" \
  "$(jq -r '.results[] | select(.status == "ERR") | "\(.test) \(.reason)"' "$work/malformed.jsonl")"
assert_eq "malformed: the peer answered every port" 6 \
  "$(sed -n 's/^\(500[1-6]\) reply to .*/\1/p' "$work/malformed.peer" | sort -u | wc -l)"
grep -q "limits reached: .*malformed segments of running tests ignored" "$work/malformed.err" &&
  pass "malformed: the ignored segments are counted at the end" ||
  fail "malformed: no count of ignored segments: $(grep limits "$work/malformed.err")"
stop_peer

# Four well-behaved targets on :80 run every test beside the hostile one; every one of
# their results must be the PASS the lab's Linux target earns (tests/lab/test_parity.sh).
GOOD=(198.18.128.1:80 198.18.128.2:80 198.18.128.3:80 198.18.128.4:80)
# expect_good NAME: every result of the :80 targets PASS, each target's tests in plan order
# (the result of a test is its own), and nothing else in the file but the hostile target
expect_good() {
  local bad order
  bad=$(jq -r 'select(.port == 80) | .ip as $ip | .results[] | select(.status != "PASS") |
    "\($ip) \(.test) \(.status) \(.reason)"' "$work/$1.jsonl")
  assert_eq "$1: every result of the :80 targets PASS" "" "$bad"
  [[ -z $bad ]] || misattributed=$((misattributed + $(wc -l <<<"$bad")))
  order=$(jq -c 'select(.port == 80) | [.results[].test]' "$work/$1.jsonl" | sort -u | wc -l)
  assert_eq "$1: the 4 targets' results in one order, the plan's" 1 "$order"
  assert_eq "$1: 4 targets on :80" 4 "$(jq -c 'select(.port == 80)' "$work/$1.jsonl" | wc -l)"
}

# --- segments from a hostile port sprayed at the other tests' ports: unknown to tcpreq
#     (wrong remote port), so they reach no test; the :80 tests are untouched
start_peer spray --spray-port "$SPRAY_PORT"
scan spray -T '*' --inflight 8 "${GOOD[@]}" 198.18.128.9:$SPRAY_PORT
expect_good spray
expect_named spray "$SPRAY_PORT" LivenessTest 'Timeout during handshake'
sprayed=$(grep -c "^spray $SPRAY_PORT -> [0-9]" "$work/spray.peer")
if ((sprayed > 0)); then pass "spray: $sprayed segments sent at other tests' ports"
else fail "spray: the peer sprayed nothing"; fi
stop_peer

# --- forged time-exceeded quotes of the probes that reach the target (hop 3). "From" an
#     address no lab box holds: a router drops a packet whose source is its own address.
#     A path-aware traced probe (the default) reaches the target as the host's copy, sent
#     with TTL 30 (HOP_LIMIT) and 28 after r1 and r2; --trace-burst full's copy sent with
#     TTL 3 arrives with 1.
FORGED_ROUTER=198.18.4.1
HOST_COPY_TTL=28
# cut to 4 bytes: nothing to compare, nothing changes
start_peer cut --quotes-from "$FORGED_ROUTER" --quote-mode cut --quote-ttl "$HOST_COPY_TTL"
scan cut -T '*' --inflight 8 "${GOOD[@]}"
expect_good cut
assert_eq "cut: quotes were forged" 1 "$(grep -q '^quote cut to 4 bytes' "$work/cut.peer" && echo 1)"
stop_peer

# a probe quoted under another flow's 4-tuple, its options changed: believed, it would make
# that flow's test report a middlebox; its seq is not one that flow sent, so it is refused
start_peer lie --quotes-from "$FORGED_ROUTER" --quote-mode lie --quote-ttl "$HOST_COPY_TTL"
scan lie -T '*' --inflight 8 "${GOOD[@]}"
expect_good lie
lies=$(grep -c '^quote of [0-9]* under ' "$work/lie.peer")
refused=$(sed -n 's/.* \([0-9]*\) ICMP quotes of segments a test did not send ignored.*/\1/p' "$work/lie.err")
if ((lies > 0 && ${refused:-0} > 0)); then pass "lie: $lies lying quotes forged, $refused refused by the flows they named"
else fail "lie: $lies lying quotes forged, ${refused:-none} refused"; fi
stop_peer

# the flow's own probe (the host's copy) quoted with another TTL's option coding, "from hop
# 3": no router before the host sees that copy expire, so the quote names no hop; what it
# shows changed is still the path's doing as far as tcpreq can tell: the tests that look at
# options say UNK at an unknown hop, never FAIL, never a hop the host's copy passed
start_peer coding --quotes-from "$FORGED_ROUTER" --quote-mode coding --quote-ttl "$HOST_COPY_TTL"
scan coding -T '*' --inflight 8 "${GOOD[@]}"
others=$(jq -r '.ip as $ip | .results[] | select(.status != "PASS") |
  select(.status != "UNK" or (.reason | test("^Middlebox interference detected at unknown hop ") | not)) |
  "\($ip) \(.test) \(.status) \(.reason)"' "$work/coding.jsonl")
assert_eq "coding: every result PASS or UNK for a middlebox at an unknown hop" "" "$others"
[[ -z $others ]] || misattributed=$((misattributed + $(wc -l <<<"$others")))
assert_eq "coding: no path names a hop at or beyond the host's (3)" "" \
  "$(jq -r '.ip as $ip | .results[] | select(any(.path[]?; .[0] >= 3)) | "\($ip) \(.test) \(.path)"' "$work/coding.jsonl")"
unk=$(jq -r --arg r "$FORGED_ROUTER" '.results[] | select(.status == "UNK") |
  select(.path | any(. == [0, $r])) | .test' "$work/coding.jsonl" | sort -u | tr '\n' ' ')
if [[ -n $unk ]]; then pass "coding: the tests whose probes were quoted changed say so, hop unknown: $unk"
else fail "coding: no test saw the changed quotes"; fi
stop_peer

# --trace-burst full: the copy sent with TTL 3 is quoted with another TTL's option coding:
# the change is real as far as tcpreq can tell, and the tests that look at options say so
# (UNK, middlebox, hop 3), attributed to the test whose probe it was; no FAIL, no ERR
start_peer coding-full --quotes-from "$FORGED_ROUTER" --quote-mode coding
scan coding-full -T '*' --inflight 8 --trace-burst full "${GOOD[@]}"
others=$(jq -r '.ip as $ip | .results[] | select(.status != "PASS") |
  select(.status != "UNK" or (.reason | test("^Middlebox interference detected") | not)) |
  "\($ip) \(.test) \(.status) \(.reason)"' "$work/coding-full.jsonl")
assert_eq "coding-full: every result PASS or UNK for a middlebox" "" "$others"
[[ -z $others ]] || misattributed=$((misattributed + $(wc -l <<<"$others")))
unk=$(jq -r --arg r "$FORGED_ROUTER" '.results[] | select(.status == "UNK") |
  select(.reason | test("at or before hop 3 ")) | select(.path[-1] == [3, $r]) | .test' \
  "$work/coding-full.jsonl" | sort -u | tr '\n' ' ')
if [[ -n $unk ]]; then pass "coding-full: the tests whose probes were quoted changed say so at hop 3: $unk"
else fail "coding-full: no test saw the changed quotes"; fi
stop_peer

echo "# hostile peer: $runs runs, $crashes crashes, $misattributed misattributed results"
assert_done
