#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The cases that watch a host's timers and its ISN generator (issue 13, Part B), against the
# Linux kernel behind two routers, IPv4 and IPv6:
# - SynAckBackoffTest: Linux retransmits its SYN-ACK after 1, 2, 4 s: PASS, and the capture
#   shows our SYN and RST only (the handshake's ACK withheld) and the four SYN-ACKs;
# - ZeroWindowProbeTest: Linux probes the zero window with old sequence numbers
#   (Wireshark's "keep-alive") every 200, 400, 800... ms: PASS, as many probes in the capture
#   as the case counted;
# - IsnTest after other tests: Linux's ISNs follow one clock on a 4-tuple (RFC 6528's M,
#   64 ns) and differ at random across 4-tuples: PASS; alone (no other 4-tuples to compare):
#   UNK;
# - the same Linux with tcp_syncookies=2 (SYN cookies for every SYN): no SYN-ACK is ever
#   retransmitted and the ISN follows ours: UNK for both, never FAIL.
# Usage: test_cases_timers.sh PATH/TO/tcpreq   (as root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
TCPREQ=$(realpath "${1:?usage: test_cases_timers.sh TCPREQ}")

work=$(mktemp -d)
cleanup() {
  lab_down
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# probe OUT ARGS...: tcpreq in the prober namespace, JSON Lines into $work/OUT, --pcap into
# $work/OUT.pcapng, stderr into $work/OUT.err.
probe() {
  local out=$1; shift
  ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -q -B "$LAB_PROBER4" -B "$LAB_PROBER6" \
    -o "$work/$out" --pcap "$work/$out.pcapng" "$@" 2>"$work/$out.err"
}
# result FILE IP TEST FILTER: jq FILTER over the result of TEST for target IP.
result() {
  jq -c --arg ip "$2" --arg t "$3" "select(.ip == \$ip) | .results[] | select(.test == \$t) | $4" \
    "$work/$1"
}
# frames PCAP TEST FILTER: how many frames of TEST match the display FILTER.
frames() {
  tshark -r "$work/$1" -Y "frame.comment contains \"test=$2\" && ($3)" 2>/dev/null | wc -l
}
# addr_is / src_is ADDR: a display filter for either family (ip.addr == an IPv6 address is an
# error that makes tshark print nothing).
ip_field() { if [[ $1 == *:* ]]; then echo "ipv6.$2 == $1"; else echo "ip.$2 == $1"; fi; }
addr_is() { ip_field "$1" addr; }
src_is() { ip_field "$1" src; }

lab_up
lab_prober_firewall
lab_target_listen 80
T4=$LAB_TARGET4 T6=$LAB_TARGET6

# --- Linux as it is --------------------------------------------------------------------
probe linux.jsonl -T SynAckBackoffTest ZeroWindowProbeTest OptionSupportTest UnknownOptionTest \
  IsnTest "$T4:80" "[$T6]:80"
for ip in "$T4" "$T6"; do
  assert_eq "$ip SynAckBackoffTest" '["PASS",3]' \
    "$(result linux.jsonl "$ip" SynAckBackoffTest '[.status, .custom.retransmissions]')"
  assert_eq "$ip SynAckBackoffTest: intervals grow" true \
    "$(result linux.jsonl "$ip" SynAckBackoffTest \
      '.custom.intervals_ms | .[1] > .[0] and .[2] > .[1]')"
  sab="$(addr_is "$ip") && tcp.port == 80"
  assert_eq "$ip SynAckBackoffTest: we sent the SYN and the RST only" 2 \
    "$(frames linux.jsonl.pcapng SynAckBackoffTest "$sab && tcp.dstport == 80")"
  assert_eq "$ip SynAckBackoffTest: the host sent its SYN-ACK four times" 4 \
    "$(frames linux.jsonl.pcapng SynAckBackoffTest "$sab && tcp.flags.syn == 1 && tcp.flags.ack == 1")"

  assert_eq "$ip ZeroWindowProbeTest" '["PASS",4]' \
    "$(result linux.jsonl "$ip" ZeroWindowProbeTest '[.status, .custom.probes]')"
  zwp="$(src_is "$ip") && tcp.srcport == 80"
  assert_eq "$ip ZeroWindowProbeTest: probes in the capture (Wireshark: keep-alive)" 4 \
    "$(frames linux.jsonl.pcapng ZeroWindowProbeTest "$zwp && tcp.analysis.keep_alive")"
  assert_eq "$ip ZeroWindowProbeTest: the reply came once the window opened" 1 \
    "$(frames linux.jsonl.pcapng ZeroWindowProbeTest "$zwp && tcp.len > 0")"
  assert_eq "$ip ZeroWindowProbeTest: our window stayed 0 until it opened" 1 \
    "$(frames linux.jsonl.pcapng ZeroWindowProbeTest "tcp.dstport == 80 && $(addr_is "$ip") && tcp.window_size_value > 0")"

  assert_eq "$ip IsnTest" '["PASS","clock",5]' \
    "$(result linux.jsonl "$ip" IsnTest '[.status, .custom.model, .custom.own.samples]')"
  assert_eq "$ip IsnTest: the other tests' 4-tuples compared" true \
    "$(result linux.jsonl "$ip" IsnTest '.custom.others.samples >= 5')"
done

# --- IsnTest alone: nothing to compare across 4-tuples ----------------------------------
probe alone.jsonl -T IsnTest "$T4:80"
assert_eq "IsnTest alone" '["UNK",2,"Too few ISNs of other connections (run it after other tests)"]' \
  "$(result alone.jsonl "$T4" IsnTest '[.status, .stage, .reason]')"

# --- SYN cookies for every SYN: no retransmission, the ISN follows ours ----------------
ip netns exec "$LAB_TARGET_NS" sysctl -q -w net.ipv4.tcp_syncookies=2
probe cookies.jsonl -T SynAckBackoffTest IsnTest "$T4:80" "[$T6]:80"
for ip in "$T4" "$T6"; do
  # the wait (7 s plus the jitter, which follows the RTT) is in custom, not in the reason
  assert_eq "$ip SynAckBackoffTest with SYN cookies" \
    '["UNK","No SYN-ACK retransmission within the wait (SYN cookies or no retries?)",0,true]' \
    "$(result cookies.jsonl "$ip" SynAckBackoffTest \
      '[.status, .reason, .custom.retransmissions, .custom.watched_ms >= 7000]')"
  assert_eq "$ip IsnTest with SYN cookies" \
    '["UNK","cookie","ISNs follow our SYNs'"'"' sequence numbers (SYN cookies?)"]' \
    "$(result cookies.jsonl "$ip" IsnTest '[.status, .custom.model, .reason]')"
done

assert_done
