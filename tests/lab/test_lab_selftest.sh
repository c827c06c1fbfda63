#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Self-test of the namespace lab (tests/lab/lab.sh), no tcpreq needed: brings the lab up,
# checks reachability, the routers' time-exceeded sources (and that a burst of 30 is answered
# in full), the target's listeners (HTTP and TLS; IPv4, IPv6, AnyIP, many connections), the
# closed port, the prober firewall, every middlebox on r2 and the target's own faults (on
# the wire, with labnet.py), then tears it down and checks nothing is left. Exits non-zero on any failure. Usage (as root): tests/lab/test_lab_selftest.sh (ctest passes the tcpreq path; it is unused)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lab.sh"
trap lab_down EXIT
trap 'exit 130' INT TERM

failures=0
ok() { echo "ok - $*"; }
bad() { failures=$((failures + 1)); echo "not ok - $*"; }
# check WHAT EXPECTED ACTUAL
check() { if [[ "$2" == "$3" ]]; then ok "$1"; else bad "$1: expected '$2', got '$3'"; fi; }
# net ARGS...: tests/lab/labnet.py inside the prober namespace (output only, never fails).
net() { ip netns exec "$LAB_PROBER_NS" python3 "$LAB_NET_PY" "$@" 2>&1 || true; }

if ! lab_up; then
  echo "not ok - lab_up"
  exit 1
fi
ok "lab_up ($LAB_PREFIX)"
check "LAB_R1_4" 198.18.1.1 "$LAB_R1_4"
check "LAB_R2_4" 198.18.2.2 "$LAB_R2_4"
check "LAB_R1_6" fd00:7463:1::1 "$LAB_R1_6"
check "LAB_R2_6" fd00:7463:2::2 "$LAB_R2_6"

for fam in 4 6; do
  if [[ $fam == 4 ]]; then t=$LAB_TARGET4 r1=$LAB_R1_4 r2=$LAB_R2_4 anyip=198.18.200.7
  else t=$LAB_TARGET6 r1=$LAB_R1_6 r2=$LAB_R2_6 anyip=fd00:7463:8000::42; fi
  check "IPv$fam ping target" "echo-reply $t" "$(net ping "$t")"
  check "IPv$fam TTL 1 -> time-exceeded from r1" "time-exceeded $r1" "$(net ping "$t" --ttl 1)"
  check "IPv$fam TTL 2 -> time-exceeded from r2" "time-exceeded $r2" "$(net ping "$t" --ttl 2)"
  check "IPv$fam TTL 3 -> target" "echo-reply $t" "$(net ping "$t" --ttl 3)"
  # A burst: with the default ICMP rate limits only ~6 of these would be answered.
  check "IPv$fam burst of 30 TTL-1 probes all answered" "time-exceeded $r1 30/30" \
    "$(net ping "$t" --ttl 1 --count 30 --timeout 2)"
  check "IPv$fam burst of 30 TTL-2 probes all answered" "time-exceeded $r2 30/30" \
    "$(net ping "$t" --ttl 2 --count 30 --timeout 2)"
  check "IPv$fam ping AnyIP $anyip" "echo-reply $anyip" "$(net ping "$anyip")"
done

if lab_target_listen 80; then ok "lab_target_listen 80"; else bad "lab_target_listen 80"; fi
for dst in "$LAB_TARGET4" "$LAB_TARGET6" 198.18.128.1 198.18.255.254 fd00:7463:8000::42; do
  check "HTTP from prober to $dst:80" "HTTP/1.1 200 OK" "$(net http "$dst" 80)"
done
n=0
for ((i = 0; i < 20; i++)); do
  [[ "$(net http "$LAB_TARGET4" 80)" == "HTTP/1.1 200 OK" ]] && n=$((n + 1))
done
check "listener survives 20 more connections" 20 "$n"

for fam in 4 6; do
  if [[ $fam == 4 ]]; then t=$LAB_TARGET4 r1=$LAB_R1_4 r2=$LAB_R2_4
  else t=$LAB_TARGET6 r1=$LAB_R1_6 r2=$LAB_R2_6; fi
  check "IPv$fam closed port $LAB_CLOSED_PORT -> RST" rst "$(net syn "$t" "$LAB_CLOSED_PORT")"
  check "IPv$fam raw SYN (NOP NOP EOL) -> SYN-ACK" "synack" "$(net syn "$t" 80 | cut -d' ' -f1)"
  check "IPv$fam r2's quote, no middlebox" "time-exceeded $r2 01010000" "$(net syn "$t" 80 --ttl 2)"
done

if lab_prober_firewall; then ok "lab_prober_firewall"; else bad "lab_prober_firewall"; fi
net syn "$LAB_TARGET4" 80 --sport 50000 >/dev/null
net syn "$LAB_TARGET6" 80 --sport 50001 >/dev/null
drops=$(ip netns exec "$LAB_PROBER_NS" nft list table inet tcpreq | grep -o 'packets [0-9]*' | cut -d' ' -f2)
if [[ "${drops:-0}" -ge 2 ]]; then ok "firewall dropped the prober kernel's RSTs ($drops)"
else bad "firewall dropped ${drops:-0} RSTs, expected >= 2"; fi

lab_mbox_overwrite_nop_eol || bad "lab_mbox_overwrite_nop_eol"
for fam in 4 6; do
  if [[ $fam == 4 ]]; then t=$LAB_TARGET4 r1=$LAB_R1_4 r2=$LAB_R2_4
  else t=$LAB_TARGET6 r1=$LAB_R1_6 r2=$LAB_R2_6; fi
  # A SYN-ACK proves the target accepted the rewritten SYN, i.e. its checksum is intact.
  check "IPv$fam overwrite: handshake still works" synack "$(net syn "$t" 80 | cut -d' ' -f1)"
  check "IPv$fam overwrite: r1's quote unchanged" "time-exceeded $r1 01010000" "$(net syn "$t" 80 --ttl 1)"
  check "IPv$fam overwrite: r2's quote rewritten" "time-exceeded $r2 fe0402fc" "$(net syn "$t" 80 --ttl 2)"
done
check "checksum errors at the target" 0 \
  "$(ip netns exec "$LAB_TARGET_NS" nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ {print $2}')"

lab_mbox_break_nop_eol || bad "lab_mbox_break_nop_eol"
for fam in 4 6; do
  if [[ $fam == 4 ]]; then t=$LAB_TARGET4 r2=$LAB_R2_4; else t=$LAB_TARGET6 r2=$LAB_R2_6; fi
  check "IPv$fam break: no SYN-ACK" timeout "$(net syn "$t" 80 --timeout 1.5)"
  check "IPv$fam break: r2's quote rewritten" "time-exceeded $r2 fe04abcd" "$(net syn "$t" 80 --ttl 2)"
done

# The middleboxes for the remaining test cases: r2's quote of a TTL-2 probe shows the
# rewrite with a valid checksum, r1's does not, and the target still answers (so it accepted
# the rewritten segment). quote_hdr prints "HEADERHEX csum-STATE" of r2's (or r1's) quote.
quote_hdr() { local dst=$1 ttl=$2; shift 2; net syn "$dst" 80 --ttl "$ttl" --header "$@" | cut -d' ' -f3-; }
# mbox_case WHAT LAB_FUNCTION 'SED_EXTRACT' EXPECT_R1 EXPECT_R2 LABNET_ARGS...
mbox_case() {
  local what=$1 fn=$2 ext=$3 e1=$4 e2=$5 fam t
  shift 5
  $fn || bad "$fn"
  for fam in 4 6; do
    if [[ $fam == 4 ]]; then t=$LAB_TARGET4; else t=$LAB_TARGET6; fi
    check "IPv$fam $what: r1's quote unchanged" "$e1" "$(quote_hdr "$t" 1 "$@" | sed -E "$ext")"
    check "IPv$fam $what: r2's quote rewritten" "$e2" "$(quote_hdr "$t" 2 "$@" | sed -E "$ext")"
    check "IPv$fam $what: target answers" synack "$(net syn "$t" 80 "$@" | cut -d' ' -f1)"
  done
}
OPTS='s/^.{40}//'               # option bytes of a 20-byte header + checksum state
BYTE12='s/^.{24}(..).{22}/\1/'  # header byte 12 (offset, reserved bits) of a 24-byte header
URG='s/^.{26}(..).{8}(....)[^ ]* /\1 \2 /'  # flags and urgent pointer
mbox_case "MSS 515 -> 500" "lab_mbox_mss_rewrite 500" "$OPTS" "02040203 csum-ok" "020401f4 csum-ok" \
  --opts 02040203
mbox_case "reserved bits cleared" lab_mbox_clear_reserved "$BYTE12" "64 csum-ok" "60 csum-ok" --rsrvd 4
mbox_case "URG and urgent pointer cleared" lab_mbox_clear_urg "$URG" "22 1234 csum-ok" "02 0000 csum-ok" \
  --flags 0x22 --urgptr 0x1234
mbox_case "option 158 -> NOOPs" lab_mbox_unknown_option_to_nops "$OPTS" "9e0558fa89000000 csum-ok" \
  "0101010101000000 csum-ok" --opts 9e0558fa89000000
# A SYN with a wrong checksum: r1 quotes it wrong, r2 (BPF at ingress) quotes it corrected,
# and the target answers it.
mbox_case "checksum recomputed" lab_mbox_fix_checksum 's/^.* //' "csum-bad" "csum-ok" --csum-xor 0x5a5a
lab_mbox_clear || bad "lab_mbox_clear after the BPF middlebox"
check "after clear: no tc program on r2" "" \
  "$(ip netns exec "$LAB_R2_NS" tc filter show dev to-r1 ingress 2>/dev/null)"
check "after clear: a wrong checksum is not answered" timeout \
  "$(net syn "$LAB_TARGET4" 80 --csum-xor 0x5a5a --timeout 0.5)"

# The host fault: the target's own SYN-ACKs carry reserved bit 0x08, checksum valid.
lab_target_set_reserved || bad "lab_target_set_reserved"
for t in "$LAB_TARGET4" "$LAB_TARGET6"; do
  check "$t: SYN-ACK with reserved bit 0x08" "synack 68 csum-ok" \
    "$(net syn "$t" 80 --header | awk '{print $1, substr($2, 25, 2), $3}')"
done
lab_target_clear || bad "lab_target_clear"
check "after lab_target_clear: SYN-ACK clean" "synack 60 csum-ok" \
  "$(net syn "$LAB_TARGET4" 80 --header | awk '{print $1, substr($2, 25, 2), $3}')"

# The TLS server: both families, and many sequential connections.
if lab_target_tls 443; then ok "lab_target_tls 443"; else bad "lab_target_tls 443"; fi
tls_get() {
  printf 'GET / HTTP/1.0\r\n\r\n' | ip netns exec "$LAB_PROBER_NS" timeout 5 \
    openssl s_client -quiet -connect "$1" 2>/dev/null | head -1 | tr -d '\r'
}
for dst in "$LAB_TARGET4:443" "[$LAB_TARGET6]:443" "198.18.200.9:443"; do
  check "TLS GET from prober to $dst" "HTTP/1.0 200 ok" "$(tls_get "$dst")"
done
n=0
for ((i = 0; i < 10; i++)); do
  [[ "$(tls_get "$LAB_TARGET4:443")" == "HTTP/1.0 200 ok" ]] && n=$((n + 1))
  # a connection reset (SO_LINGER 0) right after the TCP handshake must not stop the server
  ip netns exec "$LAB_PROBER_NS" python3 -c 'import socket, struct, sys
s = socket.create_connection((sys.argv[1], 443), timeout=5)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()' "$LAB_TARGET6" || bad "reset connection to the TLS server"
done
check "TLS server survives 10 more connections and 10 reset ones" 10 "$n"

lab_mbox_clear || bad "lab_mbox_clear"
lab_mbox_clear || bad "lab_mbox_clear twice"
check "after clear: handshake" synack "$(net syn "$LAB_TARGET4" 80 | cut -d' ' -f1)"
check "after clear: r2's quote" "time-exceeded $LAB_R2_4 01010000" "$(net syn "$LAB_TARGET4" 80 --ttl 2)"

listener_pids=$(ip netns pids "$LAB_TARGET_NS")
lab_down
lab_down  # idempotent
check "no namespaces with prefix $LAB_PREFIX left" "" "$(ip netns list | grep -- "^$LAB_PREFIX-" || true)"
alive=""
for pid in $listener_pids; do kill -0 "$pid" 2>/dev/null && alive+=" $pid"; done
check "listener processes gone" "" "$alive"

echo "# $failures failed"
[[ $failures -eq 0 ]]
