#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Self-test of the lab's independent TCP stacks (tests/lab/stacks.sh), no tcpreq needed: brings
# the lab and every stack up, then checks from the prober, for each stack and both families,
# that it answers HTTP with the whole body (LAB_STACK_BODY_SIZE), that the path is prober -> r1 ->
# r2 -> stack (time-exceeded from r1 at TTL 1 and r2 at TTL 2; echo reply and SYN-ACK at
# TTL 3), that a SYN with a wrong TCP checksum gets no SYN-ACK (for gVisor this proves its rx
# checksum offload is off), that a capture at the stack's host side saw the probes, that
# each Linux variant's sysctl is in effect in its namespace only, and that every stack still
# runs and answers at the end; then tears it all down and checks that nothing is left.
# Usage (as root): test_stacks_selftest.sh [TCPREQ]  (ctest passes the tcpreq path; unused)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
. "$here/stacks.sh"
work=$(mktemp -d)
cleanup() { lab_down; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# net ARGS...: tests/lab/labnet.py in the prober namespace (output only, never fails).
net() { ip netns exec "$LAB_PROBER_NS" python3 "$LAB_NET_PY" "$@" 2>&1 || true; }
# http_get ADDR: "STATUS BODY_BYTES" of an HTTP GET to the stack's port from the prober (curl).
http_get() {
  local host=$1
  [[ $host == *:* ]] && host="[$host]"
  ip netns exec "$LAB_PROBER_NS" curl -s -o /dev/null --max-time 5 \
    -w '%{http_code} %{size_download}' "http://$host:$LAB_STACK_PORT/" 2>&1 || true
}
# SYNs without ACK to the stack's port: what a host-side capture counts. (libpcap's tcp[]
# reads IPv4 only; for IPv6 the TCP header follows the fixed 40-byte header here: byte 6 is
# the next header, 40 + 13 the TCP flags.)
SYN_FILTER="tcp dst port $LAB_STACK_PORT and ((ip and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn)
  or (ip6 and ip6[6] == 6 and ip6[53] & 0x12 == 0x02))"
WRONG_CSUM=0x5a5a
SILENCE_S=1 # how long a SYN with a wrong checksum must stay unanswered (a SYN-ACK takes ms)

if ! lab_up; then fail "lab_up"; exit 1; fi
if ! lab_stacks_up; then fail "lab_stacks_up"; exit 1; fi
pass "lab_up and lab_stacks_up: ${LAB_STACK_UP[*]}"

declare -A cap
for name in "${LAB_STACKS[@]}"; do
  lab_capture_start "cap[$name]" "$(lab_stack_ns "$name")" "$(lab_stack_dev "$name")" \
    "$work/$name.pcap" "$SYN_FILTER" || fail "$name: capture on $(lab_stack_dev "$name")"
done

for name in "${LAB_STACKS[@]}"; do
  for fam in 4 6; do
    dst=$(lab_stack_addr "$name" "$fam")
    if [[ $fam == 4 ]]; then r1=$LAB_R1_4 r2=$LAB_R2_4; else r1=$LAB_R1_6 r2=$LAB_R2_6; fi
    what="$name IPv$fam $dst"
    assert_eq "$what: HTTP 200 with the whole body" "200 $LAB_STACK_BODY_SIZE" \
      "$(http_get "$dst")"
    assert_eq "$what: TTL 1 -> time-exceeded from r1" "time-exceeded $r1" "$(net ping "$dst" --ttl 1)"
    assert_eq "$what: TTL 2 -> time-exceeded from r2" "time-exceeded $r2" "$(net ping "$dst" --ttl 2)"
    assert_eq "$what: TTL 3 -> echo reply from the stack" "echo-reply $dst" "$(net ping "$dst" --ttl 3)"
    assert_eq "$what: SYN with TTL 3 -> SYN-ACK" synack "$(net syn "$dst" "$LAB_STACK_PORT" --ttl 3 | cut -d' ' -f1)"
    assert_eq "$what: SYN with a wrong checksum -> no answer" timeout \
      "$(net syn "$dst" "$LAB_STACK_PORT" --csum-xor "$WRONG_CSUM" --timeout "$SILENCE_S")"
  done
done

# Each stack's host side received exactly the SYNs that were sent to it with a full TTL (HTTP,
# TTL 3, wrong checksum: 3 per family; the TTL-2 ones died at r2), the two with a wrong one
# among them. tcpdump -vv verifies each TCP checksum it reads.
for name in "${LAB_STACKS[@]}"; do
  lab_capture_wait "$work/$name.pcap" 6
  lab_capture_stop "${cap[$name]}"
  assert_eq "$name: host-side capture saw the 6 SYNs" 6 "$(lab_capture_count "$work/$name.pcap")"
  assert_eq "$name: 2 of them with a wrong checksum" 2 \
    "$(tcpdump -vvnr "$work/$name.pcap" 2>/dev/null | grep -c 'cksum 0x[0-9a-f]* (incorrect')"
done

# --- The Linux variants' sysctls, each in effect in its own namespace only ----------------
# cookies: a SYN cookie was sent (the SYNs above), in that namespace and no other.
for name in cookies nosynretry nots; do
  sent=$(ip netns exec "$(lab_stack_ns "$name")" nstat -az TcpExtSyncookiesSent | awk '/Syncookies/ {print $2}')
  if [[ $name == cookies ]]; then
    if ((sent > 0)); then pass "cookies: $sent SYN cookies sent"; else fail "cookies: no SYN cookie sent"; fi
  else
    assert_eq "$name: no SYN cookie sent" 0 "$sent"
  fi
done
# nots: no timestamp option (kind 8, "080a") in a SYN-ACK to a SYN offering one; nosynretry
# (the kernel default there) is the control.
TS_SYN_OPTS=020405b40402080a0000000100000000 # MSS, SACK permitted, timestamps
for name in nots nosynretry; do
  opts=$(net syn "$(lab_stack_addr "$name" 4)" "$LAB_STACK_PORT" --opts "$TS_SYN_OPTS")
  if [[ $name == nots ]]; then want=no; else want=yes; fi
  if [[ "$opts" == synack*080a* ]]; then got=yes; else got=no; fi
  assert_eq "$name: timestamp option in the SYN-ACK ($opts)" "$want" "$got"
done
# nosynretry: no SYN-ACK retransmission. The prober firewall keeps the prober's kernel from
# resetting the half-open connections (source ports >= 49152). The SYN to nosynretry goes
# first, then one to cookies and one to nots (timer 1 s): once nots has retransmitted, a
# retransmission from nosynretry (same kernel, same timer, armed earlier) would have come.
lab_prober_firewall || fail "lab_prober_firewall"
for name in nosynretry cookies nots; do
  lab_capture_start "cap[$name]" "$(lab_stack_ns "$name")" to-r2 "$work/$name-synack.pcap" \
    "tcp src port $LAB_STACK_PORT and tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)" ||
    fail "$name: SYN-ACK capture"
done
sport=50000
for name in nosynretry cookies nots; do
  sport=$((sport + 1))
  assert_eq "$name: SYN from port $sport -> SYN-ACK" synack \
    "$(net syn "$(lab_stack_addr "$name" 4)" "$LAB_STACK_PORT" --sport "$sport" | cut -d' ' -f1)"
done
lab_capture_wait "$work/nots-synack.pcap" 2 || fail "nots (control): no SYN-ACK retransmission"
lab_capture_stop "${cap[nosynretry]}" "${cap[cookies]}" "${cap[nots]}"
assert_eq "nosynretry: no SYN-ACK retransmission" 1 "$(lab_capture_count "$work/nosynretry-synack.pcap")"
assert_eq "cookies: no SYN-ACK retransmission (no state kept)" 1 "$(lab_capture_count "$work/cookies-synack.pcap")"

for name in "${LAB_STACKS[@]}"; do
  if lab_stack_alive "$name"; then pass "$name: still running and answering"; else fail "$name: not alive"; fi
done

# --- Teardown leaves nothing behind -----------------------------------------------------
pids=""
for name in "${LAB_STACKS[@]}"; do pids+=" ${_LAB_STACK_PID[$name]} $(ip netns pids "$(lab_stack_ns "$name")")"; done
runsc_state=$(_lab_stack_gvisor_dir)/state
lab_down
alive=""
for pid in $pids; do # zombies do not count: runsc's sandbox children are reaped by init
  [[ "$(ps -o stat= -p "$pid")" == [^Z]* ]] && alive+=" $pid"
done
assert_eq "stack processes gone" "" "$alive"
# runsc's gofer runs outside the namespace: look for it by the state directory on its command line
assert_eq "no runsc process of this lab left" "" "$(pgrep -f -- "--root=$runsc_state" || true)"
assert_eq "no namespaces with prefix $LAB_PREFIX left" "" "$(ip netns list | grep -- "^$LAB_PREFIX-" || true)"

assert_done
