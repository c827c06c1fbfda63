#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Parity integration test: every test case of the original tcpreq against the Linux kernel's
# real TCP stack behind two real routers, IPv4 and IPv6, over HTTP (:80, labnet.py) and TLS
# (:443, openssl s_server); then one real middlebox per test on router 2, each of which
# must be blamed on hop 2 (UNK, never FAIL), and one real host fault that must be blamed on
# the host (FAIL, never UNK). Usage: test_parity.sh PATH/TO/tcpreq   (as root)
#
# Before each middlebox scenario the middlebox itself is checked on the wire with labnet.py
# (r2's quote of a TTL-2 probe shows the rewrite, with a valid checksum), so a broken lab
# is reported as such and not mistaken for a tcpreq bug.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
TCPREQ=$(realpath "${1:?usage: test_parity.sh TCPREQ}")

work=$(mktemp -d)
cleanup() { lab_down; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# `-T '*'`: every registered case in the registry's order (the original's first), as
# --list-tests prints them; a LivenessTest runs before each test and once at the end.
mapfile -t ALL_TESTS < <("$TCPREQ" --list-tests | awk 'NR > 1 && $1 != "LivenessTest" { print $1 }')
# Cases that open with the traced SYN burst (all but these) report the path.
UNTRACED='["LivenessTest","RSTACKTest","RstChallengeAckTest","SynAckBackoffTest","ZeroWindowProbeTest","IsnTest"]'
SUITE_GOAL_S=60
NO_ALP_PORT=8080

# probe OUT ARGS...: run tcpreq inside the prober namespace, JSON Lines into $work/OUT.
probe() {
  local out=$1; shift
  ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -q -B "$LAB_PROBER4" -B "$LAB_PROBER6" \
    -o "$work/$out" "$@"
}
# net ARGS...: labnet.py in the prober namespace (its output; never fails).
net() { ip netns exec "$LAB_PROBER_NS" python3 "$LAB_NET_PY" "$@" 2>&1 || true; }
# r2_quote DST ARGS...: the TCP header r2 quotes for a TTL-2 raw SYN, and its checksum state.
r2_quote() { local dst=$1; shift; net syn "$dst" 80 --ttl 2 --header "$@" | cut -d' ' -f3-; }
# sel IP PORT: jq prefix selecting one target's record.
sel() { echo "select(.ip == \"$1\" and .port == $2)"; }
# mbox_reason HOP INFO
mbox_reason() { echo "Middlebox interference detected at or before hop $1 ($2)"; }

expected_order() {
  local t out='"LivenessTest"'
  for t in "${ALL_TESTS[@]}"; do out+=",\"$t\",\"LivenessTest\""; done
  echo "[$out]"
}
EXPECTED_ORDER=$(expected_order)

# check_all_pass FILE IP PORT R1 R2: the whole suite ran on that target, every result PASS,
# and every traced result saw both routers at their hops.
check_all_pass() {
  local f=$1 ip=$2 port=$3 r1=$4 r2=$5 what="$2 :$3"
  assert_jq "$what: -T '*' run order" "$f" "$(sel "$ip" "$port") | [.results[].test]" "$EXPECTED_ORDER"
  assert_jq "$what: every test PASS (else listed)" "$f" \
    "$(sel "$ip" "$port") | [.results[] | select(.status != \"PASS\") | [.test, .status, .stage, .reason]]" '[]'
  assert_jq "$what: path [[1,r1],[2,r2]] in every traced result (else listed)" "$f" \
    "$(sel "$ip" "$port") | [.results[] | select(.test as \$t | $UNTRACED | index(\$t) | not)
      | select(.path != [[1,\"$r1\"],[2,\"$r2\"]]) | [.test, .path]]" '[]'
}

# check_verdict FILE IP TEST STATUS STAGE REASON: one test's verdict on IP:80.
check_verdict() {
  local f=$1 ip=$2 t=$3
  assert_jq "$ip: $t $4 stage $5 \"$6\"" "$f" \
    "$(sel "$ip" 80) | .results[] | select(.test == \"$t\") | [.status, .stage, .reason]" \
    "$(jq -cn --arg s "$4" --argjson st "$5" --arg r "$6" '[$s, $st, $r]')"
}

# check_diff FILE IP TEST JQ_PREDICATE: custom.diff is [expected, seen] and satisfies it.
check_diff() {
  assert_jq "$2: $3 custom.diff $4" "$1" \
    "$(sel "$2" 80) | .results[] | select(.test == \"$3\") | .custom.diff
      | (type == \"array\" and length == 2 and (map(type) == [\"string\",\"string\"])) and ($4)" true
}

lab_up
lab_prober_firewall
lab_target_listen 80
lab_target_tls 443
lab_target_listen "$NO_ALP_PORT"
T4=$LAB_TARGET4 T6=$LAB_TARGET6

# --- The whole suite PASSes on HTTP and TLS, IPv4 and IPv6 -------------------------------
# One target alone first, timed (the goal is <= 60 s for -T '*' on one target). The TLS
# server handles one connection at a time, so the two TLS targets never run concurrently.
start=$(date +%s.%N)
probe pass_v4_80.jsonl -T '*' "$T4:80"
assert_eq "suite on $T4:80: exit code" 0 "$?"
wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "# wall time of -T '*' on one target ($T4:80): ${wall} s (goal <= ${SUITE_GOAL_S} s)"
if awk -v w="$wall" -v g="$SUITE_GOAL_S" 'BEGIN { exit !(w <= g) }'; then
  pass "-T '*' on one target in ${wall} s (<= ${SUITE_GOAL_S} s)"
else
  fail "-T '*' on one target took ${wall} s (goal <= ${SUITE_GOAL_S} s)"
fi
check_all_pass "$work/pass_v4_80.jsonl" "$T4" 80 "$LAB_R1_4" "$LAB_R2_4"

# Not asserted against the goal: over TLS, MSSSupport/LateOption/MultiMSS send only the hinted
# 400 bytes of a 517-byte ClientHello (as the original), so the server stays silent and each
# ends only when the reply wait runs out (about 3 s each).
start=$(date +%s.%N)
probe pass_b.jsonl -T '*' "[$T6]:80" "$T4:443"
assert_eq "suite on [$T6]:80 and $T4:443: exit code" 0 "$?"
echo "# wall time of -T '*' on [$T6]:80 and $T4:443 at once: $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
check_all_pass "$work/pass_b.jsonl" "$T6" 80 "$LAB_R1_6" "$LAB_R2_6"
check_all_pass "$work/pass_b.jsonl" "$T4" 443 "$LAB_R1_4" "$LAB_R2_4"

start=$(date +%s.%N)
probe pass_v6_443.jsonl -T '*' "[$T6]:443"
assert_eq "suite on [$T6]:443: exit code" 0 "$?"
echo "# wall time of -T '*' on [$T6]:443: $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
check_all_pass "$work/pass_v6_443.jsonl" "$T6" 443 "$LAB_R1_6" "$LAB_R2_6"

# --- TLS: the whole ClientHello goes out, so the server answers and the MSS is really
# tested (segments of exactly 515 bytes from the host: MSS honoured, and the reply seen) ---
report=$(ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -q -B "$LAB_PROBER4" -T MSSSupportTest \
  --explain "$T4:443" | awk '/^  MSSSupportTest:/ { on = 1 } /^  LivenessTest:/ { on = 0 } on')
assert_eq "$T4:443 MSSSupportTest: PASS" 1 "$(grep -c '^  MSSSupportTest: PASS$' <<<"$report")"
assert_eq "$T4:443 MSSSupportTest: the ClientHello in 400-byte pieces and the rest" "len=400 more" \
  "$(grep -o '> ACK .*len=[0-9]*' <<<"$report" | grep -o 'len=[0-9]*' | head -2 |
    sed '2s/.*/more/' | xargs)"
assert_eq "$T4:443 MSSSupportTest: the server's flight in full-MSS segments" 1 \
  "$(grep -c '< ACK .* len=515$' <<<"$report" | awk '{ print ($1 >= 1) }')"

# --- A port without an ALP module: the tests that need payload say so at stage 0 ----------
probe noalp.jsonl -T MSSSupportTest "$T4:$NO_ALP_PORT" "[$T6]:$NO_ALP_PORT"
for ip in "$T4" "$T6"; do
  assert_jq "$ip:$NO_ALP_PORT: MSSSupportTest without ALP" "$work/noalp.jsonl" \
    "$(sel "$ip" "$NO_ALP_PORT") | [.results[] | [.test, .status, .stage, .reason]]" \
    "[[\"LivenessTest\",\"PASS\",null,null],[\"MSSSupportTest\",\"UNK\",0,\"Missing ALP module for port $NO_ALP_PORT\"],[\"LivenessTest\",\"PASS\",null,null]]"
done

# --- Middleboxes on r2: each change is blamed on hop 2 -----------------------------------
# Each scenario: check the middlebox on the wire, run the affected test(s) on both families
# at once, check status, stage, reason, custom.diff and the path up to the middlebox.

# mbox_path_ok FILE TEST: the path of an UNK-at-hop-2 result ends at the middlebox.
mbox_path_ok() {
  assert_jq "$T4: $2 path up to hop 2" "$1" "$(sel "$T4" 80) | .results[] | select(.test == \"$2\") | .path" \
    "[[1,\"$LAB_R1_4\"],[2,\"$LAB_R2_4\"]]"
  assert_jq "$T6: $2 path up to hop 2" "$1" "$(sel "$T6" 80) | .results[] | select(.test == \"$2\") | .path" \
    "[[1,\"$LAB_R1_6\"],[2,\"$LAB_R2_6\"]]"
}

# Checksum corrected: a tc BPF program recomputes every checksum at r2's ingress.
lab_mbox_fix_checksum
for ip in "$T4" "$T6"; do
  assert_eq "wire: $ip r2 quotes a SYN sent with a wrong checksum with a valid one" \
    "csum-ok" "$(r2_quote "$ip" --csum-xor 0x5a5a | awk '{print $2}')"
done
probe csum.jsonl -T IncorrectChecksumTest ZeroChecksumTest "$T4:80" "[$T6]:80"
for ip in "$T4" "$T6"; do
  for t in IncorrectChecksumTest ZeroChecksumTest; do
    check_verdict "$work/csum.jsonl" "$ip" "$t" UNK 1 "$(mbox_reason 2 "checksum corrected")"
    check_diff "$work/csum.jsonl" "$ip" "$t" '.[0] != .[1]'
  done
done
mbox_path_ok "$work/csum.jsonl" IncorrectChecksumTest
lab_mbox_clear

# MSS modified: the MSS option of SYNs clamped to 500 (the tests send 515; MultiMSSTest
# 550, 505, 515, of which the first is rewritten).
lab_mbox_mss_rewrite 500
for ip in "$T4" "$T6"; do
  assert_eq "wire: $ip r2 quotes MSS 515 as 500, checksum valid" "020401f4 csum-ok" \
    "$(r2_quote "$ip" --opts 02040203 | sed -E 's/^.{40}//')"
done
probe mss.jsonl -T MSSSupportTest LateOptionTest MultiMSSTest "$T4:80" "[$T6]:80"
for ip in "$T4" "$T6"; do
  for t in MSSSupportTest LateOptionTest MultiMSSTest; do
    check_verdict "$work/mss.jsonl" "$ip" "$t" UNK 1 "$(mbox_reason 2 "MSS modified or deleted")"
  done
  check_diff "$work/mss.jsonl" "$ip" MSSSupportTest '. == ["", "020401f4"]'
  check_diff "$work/mss.jsonl" "$ip" MultiMSSTest '. == ["", "020401f4"]'
done
mbox_path_ok "$work/mss.jsonl" MSSSupportTest
lab_mbox_clear

# Reserved flags reset.
lab_mbox_clear_reserved
for ip in "$T4" "$T6"; do
  assert_eq "wire: $ip r2 quotes reserved bits 0100 as 0000, checksum valid" "60 csum-ok" \
    "$(r2_quote "$ip" --rsrvd 4 | sed -E 's/^.{24}(..).{22}/\1/')"
done
probe rsrvd.jsonl -T ReservedFlagsTest "$T4:80" "[$T6]:80"
for ip in "$T4" "$T6"; do
  check_verdict "$work/rsrvd.jsonl" "$ip" ReservedFlagsTest UNK 1 "$(mbox_reason 2 "reserved flags reset")"
  check_diff "$work/rsrvd.jsonl" "$ip" ReservedFlagsTest '. == ["0b0100", "0b0000"]'
done
mbox_path_ok "$work/rsrvd.jsonl" ReservedFlagsTest
lab_mbox_clear

# URG flag and urgent pointer cleared.
lab_mbox_clear_urg
for ip in "$T4" "$T6"; do
  # flags 0x38 (URG ACK PSH) -> 0x18, urgent pointer 0x1234 -> 0
  assert_eq "wire: $ip r2 quotes URG|ACK|PSH up 0x1234 as ACK|PSH up 0, checksum valid" \
    "18 0000 csum-ok" \
    "$(r2_quote "$ip" --flags 0x38 --urgptr 0x1234 | sed -E 's/^.{26}(..).{8}(....)[^ ]* /\1 \2 /')"
done
probe urg.jsonl -T UrgentPointerTest "$T4:80" "[$T6]:80"
for ip in "$T4" "$T6"; do
  check_verdict "$work/urg.jsonl" "$ip" UrgentPointerTest UNK 1 "$(mbox_reason 2 "URG/UP modified")"
  check_diff "$work/urg.jsonl" "$ip" UrgentPointerTest \
    '(.[0] | test("^0x20,[0-9a-f]{4}$")) and .[1] == "0x00,0000"'
done
mbox_path_ok "$work/urg.jsonl" UrgentPointerTest
lab_mbox_clear

# Unknown option (kind 158) overwritten with NOOPs.
lab_mbox_unknown_option_to_nops
for ip in "$T4" "$T6"; do
  assert_eq "wire: $ip r2 quotes option 9e0558fa89 as five NOOPs, checksum valid" \
    "0101010101000000 csum-ok" "$(r2_quote "$ip" --opts 9e0558fa89000000 | sed -E 's/^.{40}//')"
done
probe unknown.jsonl -T UnknownOptionTest "$T4:80" "[$T6]:80"
for ip in "$T4" "$T6"; do
  check_verdict "$work/unknown.jsonl" "$ip" UnknownOptionTest UNK 1 \
    "$(mbox_reason 2 "unknown header option deleted")"
  check_diff "$work/unknown.jsonl" "$ip" UnknownOptionTest \
    '.[0] == "9e0558fa89" and (.[1] | startswith("0101010101"))'
done
mbox_path_ok "$work/unknown.jsonl" UnknownOptionTest
lab_mbox_clear

# --- A host fault: the target's own output sets a reserved bit. Nothing on the path
#     changed our probes, so the host is blamed (FAIL), not the path.
lab_target_set_reserved
for ip in "$T4" "$T6"; do
  assert_eq "wire: $ip SYN-ACK carries reserved bit 0x08, checksum valid" "68 csum-ok" \
    "$(net syn "$ip" 80 --header | awk '{print substr($2, 25, 2), $3}')"
done
probe host_rsrvd.jsonl -T ReservedFlagsTest "$T4:80" "[$T6]:80"
for ip in "$T4" "$T6"; do
  check_verdict "$work/host_rsrvd.jsonl" "$ip" ReservedFlagsTest FAIL 1 \
    "Reserved flags not zeroed in reply to SYN during handshake with reserved flag"
done
lab_target_clear

assert_done
