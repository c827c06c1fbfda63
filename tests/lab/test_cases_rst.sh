#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The RST and RFC 5961 family against the Linux kernel behind two real routers, IPv4 and IPv6:
# RstChallengeAckTest, SynChallengeAckTest, AckBeyondSndNxtTest, SynRcvdRstTest,
# RstWithDataTest and RSTACKTest (whose machine SynRcvdRstTest shares).
# - Linux conforms: every case PASSes, three runs in a row, the same verdicts each time
#   (SynChallengeAckTest only through the alive probe's repeat: Linux answers no
#   out-of-window ACK within 500 ms of its challenge ACK);
# - middleboxes on r2 (prerouting, before its TTL check, so its own quote shows them): one
#   turning RSTs into RST-ACKs and pure ACKs into ACK-PSHs makes the traced probes of
#   RstChallengeAckTest, RstWithDataTest and AckBeyondSndNxtTest UNK at hop 2; one dropping
#   RSTs that carry data makes RstWithDataTest UNK "(probe dropped)" at hop 2, path [[1, r1]];
# - a host that drops RSTs carrying data (a host firewall is the host's): RstWithDataTest
#   FAILs, the path being clean.
# Usage: test_cases_rst.sh PATH/TO/tcpreq   (as root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
TCPREQ=$(realpath "${1:?usage: test_cases_rst.sh TCPREQ}")

work=$(mktemp -d)
cleanup() { lab_down; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

CASES=(RstChallengeAckTest SynChallengeAckTest AckBeyondSndNxtTest SynRcvdRstTest RstWithDataTest
  RSTACKTest)
TRACED=(RstChallengeAckTest RstWithDataTest AckBeyondSndNxtTest)
RUNS=3

# probe OUT ARGS...: tcpreq in the prober namespace, JSON Lines into $work/OUT.
probe() {
  local out=$1; shift
  ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -q -B "$LAB_PROBER4" -B "$LAB_PROBER6" \
    -o "$work/$out" "$@"
}
# verdicts FILE IP: [test, status, stage, reason] of every result but the LivenessTests.
verdicts() {
  jq -c --arg ip "$2" 'select(.ip == $ip) | [.results[] | select(.test != "LivenessTest")
    | [.test, .status, .stage, .reason]] | sort' "$1"
}
# r2's middlebox, from the prober's side only (iifname to-r1), in prerouting.
mbox() {
  _lab_mbox_load "table inet $LAB_MBOX_TABLE {
  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
$1
  }
}"
}
FROM_R1='iifname "to-r1" meta l4proto tcp'
# A RST with data: longer than the 40 (IPv4 total) / 20 (IPv6 payload) bytes of a RST
# without options (our probes carry none).
RST_WITH_DATA4='tcp flags & rst == rst ip length > 40'
RST_WITH_DATA6='tcp flags & rst == rst ip6 length > 20'

lab_up
lab_prober_firewall
lab_target_listen 80
T4=$LAB_TARGET4 T6=$LAB_TARGET6

# --- Linux conforms: all PASS, the same in every run --------------------------------------
expected=$(printf '%s\n' "${CASES[@]}" | jq -Rsc 'split("\n")[:-1] | map([., "PASS", null, null]) | sort')
for ((run = 1; run <= RUNS; run++)); do
  probe "run$run.jsonl" -T "${CASES[@]}" "$T4:80" "[$T6]:80"
  assert_eq "run $run: exit code" 0 "$?"
  for ip in "$T4" "$T6"; do
    assert_eq "run $run, $ip: every case PASS" "$expected" "$(verdicts "$work/run$run.jsonl" "$ip")"
    assert_jq "run $run, $ip: every LivenessTest PASS" "$work/run$run.jsonl" \
      "select(.ip == \"$ip\") | [.results[] | select(.test == \"LivenessTest\" and .status != \"PASS\")]" '[]'
  done
done

# --- r2 rewrites the flags of RSTs and pure ACKs: the traced probes are UNK at hop 2 -------
mbox "    $FROM_R1 tcp flags == rst counter tcp flags set rst | ack
    $FROM_R1 tcp flags == ack counter tcp flags set ack | psh"
probe rewrite.jsonl -T "${TRACED[@]}" "$T4:80" "[$T6]:80"
for ip in "$T4" "$T6"; do
  r=$(jq -c --arg ip "$ip" 'select(.ip == $ip) | [.results[] | select(.test != "LivenessTest")
    | [.test, .status, .stage, .reason, (.path | map(.[0]))]] | sort' "$work/rewrite.jsonl")
  assert_eq "$ip: flags rewritten at r2: UNK at hop 2" \
    '[["AckBeyondSndNxtTest","UNK",1,"Middlebox interference detected at or before hop 2 (ACK beyond SND.NXT modified)",[1,2]],["RstChallengeAckTest","UNK",2,"Middlebox interference detected at or before hop 2 (RST modified)",[1,2]],["RstWithDataTest","UNK",1,"Middlebox interference detected at or before hop 2 (RST with data modified)",[1,2]]]' \
    "$r"
done
assert_jq "$T4: the quote shows what r2 did to the RST with data" "$work/rewrite.jsonl" \
  "select(.ip == \"$T4\") | .results[] | select(.test == \"RstWithDataTest\") | .custom.diff | map(.[:4])" \
  '["0x04","0x14"]'

# --- r2 drops RSTs carrying data (no quote either): RstWithDataTest UNK, probe dropped -----
mbox "    $FROM_R1 $RST_WITH_DATA4 counter drop
    $FROM_R1 $RST_WITH_DATA6 counter drop"
probe dropped.jsonl -T RstWithDataTest "$T4:80" "[$T6]:80"
for ip in "$T4" "$T6"; do
  if [ "$ip" = "$T4" ]; then r1=$LAB_R1_4; else r1=$LAB_R1_6; fi
  assert_jq "$ip: RST with data dropped at r2: UNK at hop 2, path up to r1" "$work/dropped.jsonl" \
    "select(.ip == \"$ip\") | .results[] | select(.test == \"RstWithDataTest\") | [.status, .reason, .path]" \
    "[\"UNK\",\"Middlebox interference detected at or before hop 2 (probe dropped)\",[[1,\"$r1\"]]]"
done
lab_mbox_clear

# --- the host drops RSTs carrying data: the path is clean, the FAIL is the host's ----------
_lab_in "$LAB_TARGET_NS" nft -f - <<<"table inet $LAB_TARGET_TABLE {
  chain input {
    type filter hook input priority filter; policy accept;
    meta l4proto tcp tcp dport 80 $RST_WITH_DATA4 counter drop
    meta l4proto tcp tcp dport 80 $RST_WITH_DATA6 counter drop
  }
}"
probe host_drops.jsonl -T RstWithDataTest "$T4:80" "[$T6]:80"
for ip in "$T4" "$T6"; do
  assert_jq "$ip: host ignores RSTs with data: FAIL" "$work/host_drops.jsonl" \
    "select(.ip == \"$ip\") | [.results[] | [.test, .status, .stage, .reason]]" \
    '[["LivenessTest","PASS",null,null],["RstWithDataTest","FAIL",1,"RST with data ignored"],["LivenessTest","PASS",null,null]]'
done
lab_target_clear

assert_done
