#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The cases on options and on ACK generation (RFC 9293 MUST-64, MUST-65, MUST-69, SHLD-5,
# SHLD-31, MUST-40) against the Linux kernel's TCP stack behind two real routers, IPv4 and
# IPv6, HTTP (:80, labnet.py) and TLS (:443, openssl s_server):
# - Linux conforms: every case PASSes, the same in each of three rounds, and what each
#   verdict rests on is in its custom (the SYN-ACK's MSS, the duplicate ACK for the hole,
#   the ACK's delay, a pure ACK on :443); `tcpreq analyze` of the same --pcap finds no MSS option without SYN
#   and no non-zero byte after EOL either (src/tcp/option_rules.h, one rule);
# - a router that rewrites the MSS of SYNs (nftables `tcp option maxseg size set`) leaves a
#   misaligned MSS option with a wrong checksum, so the host never sees the SYN: the quote
#   check makes OptionAlignmentTest UNK at hop 2, never FAIL (its control SYN is answered);
# - a router that writes a non-zero byte after EOL into the host's SYN-ACK on its way back
#   is invisible to tracebox: ZeroPaddingAfterEolTest FAILs, and analyze of the --pcap
#   reports nonzero-after-eol for the same segment.
# Usage: test_cases_options_acks.sh PATH/TO/tcpreq   (as root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
TCPREQ=$(realpath "${1:?usage: test_cases_options_acks.sh TCPREQ}")

work=$(mktemp -d)
cleanup() { lab_down; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

CASES=(OptionAlignmentTest MssOnlyInSynTest ZeroPaddingAfterEolTest MssSentTest
  OutOfOrderQueueTest DelayedAckTest)
ROUNDS=3
# Every case, in registry order, between the LivenessTests.
EXPECTED_PASS=$(printf '["%s","PASS"],' "${CASES[@]}" | sed 's/,$//')
EXPECTED_PASS="[$EXPECTED_PASS]"

# probe OUT ARGS...: tcpreq in the prober namespace, JSON Lines into $work/OUT.
probe() {
  local out=$1; shift
  ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -q -B "$LAB_PROBER4" -B "$LAB_PROBER6" \
    -o "$work/$out" "$@"
}
# analyze PCAP OUT: tcpreq analyze --json (no packets: under unshare -n).
analyze() { unshare -n "$TCPREQ" analyze --json "$1" >"$2" 2>"$2.err"; }
sel() { echo "select(.ip == \"$1\" and .port == $2)"; }
# result IP PORT TEST: jq prefix selecting one test's result.
result() { echo "$(sel "$1" "$2") | .results[] | select(.test == \"$3\")"; }

lab_up
lab_prober_firewall
lab_target_listen 80
lab_target_tls 443
T4=$LAB_TARGET4 T6=$LAB_TARGET6
TARGETS=("$T4 80" "$T6 80" "$T4 443" "$T6 443")

# --- Linux conforms, the same in every round -----------------------------------------------
for ((round = 1; round <= ROUNDS; round++)); do
  start=$(date +%s.%N)
  probe "pass$round.jsonl" -T "${CASES[@]}" --pcap "$work/pass$round.pcapng" \
    "$T4:80" "[$T6]:80" "$T4:443" "[$T6]:443"
  echo "# round $round: $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
  for target in "${TARGETS[@]}"; do
    read -r ip port <<<"$target"
    assert_jq "round $round, $ip :$port: every case PASS" "$work/pass$round.jsonl" \
      "$(sel "$ip" "$port") | [.results[] | select(.test != \"LivenessTest\") | [.test, .status]]" \
      "$EXPECTED_PASS"
  done
done

f=$work/pass1.jsonl
for target in "${TARGETS[@]}"; do
  read -r ip port <<<"$target"
  mss=1460
  [[ "$ip" == *:* ]] && mss=1440
  assert_jq "$ip :$port: MssSentTest saw the SYN-ACK's MSS $mss" "$f" \
    "$(result "$ip" "$port" MssSentTest) | .custom.synack_mss" "$mss"
  assert_jq "$ip :$port: MssOnlyInSynTest judged segments without SYN" "$f" \
    "$(result "$ip" "$port" MssOnlyInSynTest) | .custom.judged > 0" true
  assert_jq "$ip :$port: OutOfOrderQueueTest saw the duplicate ACK for the hole" "$f" \
    "$(result "$ip" "$port" OutOfOrderQueueTest) | .custom.duplicate_ack" true
  assert_jq "$ip :$port: DelayedAckTest's ACK within 500 ms plus the RTT" "$f" \
    "$(result "$ip" "$port" DelayedAckTest) | .custom | .ack_after_us <= 500000 + .rtt_us" true
  # TLS waits for the rest of the ClientHello: a pure ACK (HTTP here answers at once).
  [[ "$port" == 443 ]] && assert_jq "$ip :$port: DelayedAckTest's ACK was a pure ACK" "$f" \
    "$(result "$ip" "$port" DelayedAckTest) | .custom.ack_with_data" false
done

analyze "$work/pass1.pcapng" "$work/pass1.an"
assert_eq "analyze of the PASS capture: exit code" 0 "$?"
for t in "${CASES[@]}"; do
  assert_jq "offline: $t's flows show neither mss-on-non-syn nor nonzero-after-eol" \
    "$work/pass1.an" "select(.test == \"$t\") | [.findings[] |
      select(.id == \"mss-on-non-syn\" or .id == \"nonzero-after-eol\")] | length" \
    "$(printf '0 %.0s' "${TARGETS[@]}" | sed 's/ $//')"
done

# --- A router's MSS rewrite breaks the misaligned option: the path, not the host --------
lab_mbox_mss_rewrite 500
probe mss_rewrite.jsonl -T OptionAlignmentTest "$T4:80" "[$T6]:80"
lab_mbox_clear
for target in "$T4 80 198.18.1.1 198.18.2.2" "$T6 80 fd00:7463:1::1 fd00:7463:2::2"; do
  read -r ip port r1 r2 <<<"$target"
  assert_jq "$ip: OptionAlignmentTest UNK at hop 2 under an MSS rewrite" "$work/mss_rewrite.jsonl" \
    "$(result "$ip" "$port" OptionAlignmentTest) | [.status, .stage, .reason, .custom.diff, .path]" \
    "[\"UNK\",1,\"Middlebox interference detected at or before hop 2 (MSS option moved or modified)\",[\"0102040203000000\",\"01020401f4000000\"],[[1,\"$r1\"],[2,\"$r2\"]]]"
done

# --- Junk after EOL on the way back: the host is blamed, live and offline alike ----------
lab_mbox_junk_after_eol_to_prober
probe eol.jsonl -T ZeroPaddingAfterEolTest MssOnlyInSynTest --pcap "$work/eol.pcapng" \
  "$T4:80" "[$T6]:80"
lab_mbox_clear
analyze "$work/eol.pcapng" "$work/eol.an"
# 0x55 at header offset 27 of the SYN-ACK (flags 0x12): in custom, the reason is one text
assert_jq "live: ZeroPaddingAfterEolTest FAIL on both targets" "$work/eol.jsonl" \
  ".results[] | select(.test == \"ZeroPaddingAfterEolTest\") | [.status, .reason, .custom.nonzero_byte, .custom.header_offset, .custom.segment_flags]" \
  "$(printf '["FAIL","Non-zero header byte after EOL",85,27,18] %.0s' 1 2 | sed 's/ $//')"
assert_jq "live: MssOnlyInSynTest still PASS (the SYN-ACK's MSS is where it belongs)" \
  "$work/eol.jsonl" ".results[] | select(.test == \"MssOnlyInSynTest\") | .status" '"PASS" "PASS"'
assert_jq "offline: nonzero-after-eol at header offset 27 in both of its flows" "$work/eol.an" \
  "select(.test == \"ZeroPaddingAfterEolTest\") | [.findings[] | select(.id == \"nonzero-after-eol\") | .message | test(\"0x55 at header offset 27\")]" \
  "[true] [true]"

assert_done
