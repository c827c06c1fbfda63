#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The ECN cases (RFC 3168 6.1.1, 6.1.3, 6.1.4) against the Linux kernel behind two real
# routers, IPv4 and IPv6:
# - Linux's ECN is per network namespace (net.ipv4.tcp_ecn, IPv6 too): 1 asks for ECN and
#   accepts it, 2 (the default) only accepts it, 0 neither. With 1 and 2 the target answers an
#   ECN-setup SYN with an ECN-setup SYN-ACK and echoes CE until CWR: every case PASSes, the
#   same in three runs (the verdict must not change from run to run), on :80 (HTTP) and :443
#   (TLS); with 0 it answers plainly: EcnSetupTest still PASSes, EcnEchoTest is UNK;
# - the packets agree (tshark on the --pcap): the ECN-setup SYN-ACK is not-ECT, our CE piece
#   is acknowledged with ECE, the host's pure ACKs are not-ECT;
# - real nftables middleboxes on r2 (prerouting, so r2's own quote shows the change): one that
#   clears ECE and CWR from ECN-setup SYNs makes EcnSetupTest UNK at hop 2, one that bleaches
#   ECT makes EcnEchoTest UNK at hop 2.
# Usage: test_cases_ecn.sh PATH/TO/tcpreq   (as root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
TCPREQ=$(realpath "${1:?usage: test_cases_ecn.sh TCPREQ}")

work=$(mktemp -d)
cleanup() {
  lab_down
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ECN_TESTS=(EcnSetupTest EcnEceOnlySynTest EcnCwrOnlySynTest EcnEchoTest)
RUNS=3
MBOX_SYN="Middlebox interference detected at or before hop 2 (ECN flags or codepoint modified)"
MBOX_ECT="Middlebox interference detected at or before hop 2 (ECT bleached or ECN flags modified)"

# probe OUT ARGS...: tcpreq in the prober namespace, JSON Lines into $work/OUT.
probe() {
  local out=$1; shift
  ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -B "$LAB_PROBER4" -B "$LAB_PROBER6" \
    -o "$work/$out" "$@" 2>"$work/$out.err"
}
target_ecn() { ip netns exec "$LAB_TARGET_NS" sysctl -q -w net.ipv4.tcp_ecn="$1"; }
# repeat N WORD: WORD N times, space-separated (one jq line per target).
repeat() { local i out=(); for ((i = 0; i < $1; i++)); do out+=("$2"); done; echo "${out[*]}"; }
# verdicts FILE TEST: [status, stage, reason] of TEST for every target in FILE, in input order.
verdicts() { jq -c ".results[] | select(.test == \"$2\") | [.status, .stage, .reason]" "$1" | tr '\n' ' ' | sed 's/ $//'; }

lab_up
lab_prober_firewall
lab_target_listen 80
lab_target_tls 443
T4=$LAB_TARGET4 T6=$LAB_TARGET6
TARGETS=("$T4:80" "[$T6]:80" "$T4:443" "[$T6]:443")
PASS4=$(repeat 4 '["PASS",null,null]')

assert_eq "the target's default tcp_ecn is 2 (accept ECN when asked)" 2 \
  "$(ip netns exec "$LAB_TARGET_NS" sysctl -n net.ipv4.tcp_ecn)"

# --- Linux conforms, with tcp_ecn 2 (default) and 1, the same in every run ----------------
for ecn in 2 1; do
  target_ecn "$ecn"
  for ((run = 1; run <= RUNS; run++)); do
    out=ecn$ecn.$run.jsonl
    probe "$out" -T "${ECN_TESTS[@]}" --pcap "$work/ecn$ecn.$run.pcapng" "${TARGETS[@]}"
    assert_eq "tcp_ecn=$ecn run $run: exit code" 0 "$?"
    for t in "${ECN_TESTS[@]}"; do
      assert_eq "tcp_ecn=$ecn run $run: $t PASS on v4/v6 :80 and :443" "$PASS4" \
        "$(verdicts "$work/$out" "$t")"
    done
    assert_jq "tcp_ecn=$ecn run $run: EcnSetupTest: works, ECN negotiated, SYN-ACK not-ECT" "$work/$out" \
      '.results[] | select(.test == "EcnSetupTest") | .custom | [.connectivity, .negotiated, .synack_flags, .synack_ecn]' \
      "$(repeat 4 '["works",true,"ECE","not-ECT"]')"
    assert_jq "tcp_ecn=$ecn run $run: ECE-only and CWR-only SYNs: a plain SYN-ACK" "$work/$out" \
      '.results[] | select(.test == "EcnEceOnlySynTest" or .test == "EcnCwrOnlySynTest") | .custom.synack_flags' \
      "$(repeat 8 '"no ECE/CWR"')"
  done
done

# What the packets say (tshark, independently of tcpreq's parser), in the last run's capture.
cap=$work/ecn1.$RUNS.pcapng
fields() { tshark -r "$cap" -Y "$1" -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l; }
host="(ip.src == $T4 or ipv6.src == $T6)"
prober="(ip.src == $LAB_PROBER4 or ipv6.src == $LAB_PROBER6)"
ecn_field="(ip.dsfield.ecn == %s or ipv6.tclass.ecn == %s)"
# shellcheck disable=SC2059 # the ECN field filter is a format
ect() { printf "$ecn_field" "$1" "$1"; }
assert_eq "tshark: ECN-setup SYN-ACKs (ECE, no CWR), all not-ECT, in the ECN tests' flows" 0 \
  "$(fields "$host and tcp.flags.syn == 1 and tcp.flags.ack == 1 and tcp.flags.ece == 1 and not $(ect 0)")"
n=$(fields "$host and tcp.flags.syn == 1 and tcp.flags.ack == 1 and tcp.flags.ece == 1 and tcp.flags.cwr == 0")
if [ "$n" -ge 8 ]; then pass "tshark: $n flows with an ECN-setup SYN-ACK"; else fail "tshark: ECN-setup SYN-ACKs in only $n flows"; fi
assert_eq "tshark: one CE-marked data segment from us per EcnEchoTest flow (4 targets)" 4 \
  "$(fields "$prober and tcp.len > 0 and $(ect 3)")"
assert_eq "tshark: the host's pure ACKs are all not-ECT" 0 \
  "$(fields "$host and tcp.flags == 0x010 and tcp.len == 0 and not $(ect 0)")"
n=$(fields "$host and tcp.flags.ece == 1 and tcp.flags.syn == 0 and tcp.len == 0")
assert_eq "tshark: ACKs with ECE in the 4 EcnEchoTest flows" 4 "$n"

# --- tcp_ecn 0: plain SYN-ACKs; nothing to echo ----------------------------------------
target_ecn 0
probe ecn0.jsonl -T EcnSetupTest EcnEchoTest "$T4:80" "[$T6]:80"
assert_eq "tcp_ecn=0: EcnSetupTest PASS (a plain SYN-ACK conforms)" \
  '["PASS",null,null] ["PASS",null,null]' "$(verdicts "$work/ecn0.jsonl" EcnSetupTest)"
assert_jq "tcp_ecn=0: EcnSetupTest: nothing negotiated" "$work/ecn0.jsonl" \
  '.results[] | select(.test == "EcnSetupTest") | .custom.negotiated' "false false"
assert_eq "tcp_ecn=0: EcnEchoTest UNK" \
  '["UNK",1,"ECN not negotiated"] ["UNK",1,"ECN not negotiated"]' \
  "$(verdicts "$work/ecn0.jsonl" EcnEchoTest)"

# --- Middleboxes on r2: UNK at hop 2, IPv4 and IPv6 ---------------------------------------
target_ecn 1
lab_mbox_clear_ecn_setup
probe mbox_syn.jsonl -T "${ECN_TESTS[@]}" "$T4:80" "[$T6]:80"
assert_eq "ECE/CWR cleared from ECN-setup SYNs: EcnSetupTest UNK at hop 2" \
  "[\"UNK\",1,\"$MBOX_SYN\"] [\"UNK\",1,\"$MBOX_SYN\"]" "$(verdicts "$work/mbox_syn.jsonl" EcnSetupTest)"
assert_jq "ECE/CWR cleared: the diff shows what hop 2 saw" "$work/mbox_syn.jsonl" \
  '.results[] | select(.test == "EcnSetupTest") | .custom.diff' \
  '["ECE+CWR not-ECT DSCP 0","no ECE/CWR not-ECT DSCP 0"] ["ECE+CWR not-ECT DSCP 0","no ECE/CWR not-ECT DSCP 0"]'
for t in EcnEceOnlySynTest EcnCwrOnlySynTest; do
  assert_eq "ECE/CWR cleared from ECN-setup SYNs only: $t untouched, PASS" \
    '["PASS",null,null] ["PASS",null,null]' "$(verdicts "$work/mbox_syn.jsonl" "$t")"
done
assert_eq "ECE/CWR cleared: EcnEchoTest's connection never negotiates" \
  '["UNK",1,"ECN not negotiated"] ["UNK",1,"ECN not negotiated"]' \
  "$(verdicts "$work/mbox_syn.jsonl" EcnEchoTest)"

lab_mbox_bleach_ecn
probe mbox_ect.jsonl -T EcnSetupTest EcnEchoTest "$T4:80" "[$T6]:80"
assert_eq "ECT bleached: EcnEchoTest UNK at hop 2" \
  "[\"UNK\",2,\"$MBOX_ECT\"] [\"UNK\",2,\"$MBOX_ECT\"]" "$(verdicts "$work/mbox_ect.jsonl" EcnEchoTest)"
assert_jq "ECT bleached: the diff shows ECT(0) arriving not-ECT at hop 2" "$work/mbox_ect.jsonl" \
  '.results[] | select(.test == "EcnEchoTest") | .custom.diff[1]' '"no ECE/CWR not-ECT DSCP 0" "no ECE/CWR not-ECT DSCP 0"'
assert_jq "ECT bleached: the path ends at hop 2" "$work/mbox_ect.jsonl" \
  '.results[] | select(.test == "EcnEchoTest") | .path | map(.[0])' '[1,2] [1,2]'
assert_eq "ECT bleached: EcnSetupTest (its SYN is not-ECT) PASS" \
  '["PASS",null,null] ["PASS",null,null]' "$(verdicts "$work/mbox_ect.jsonl" EcnSetupTest)"
lab_mbox_clear

assert_done
