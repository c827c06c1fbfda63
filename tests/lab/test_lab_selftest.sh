#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Self-test of the namespace lab (tests/lab/lab.sh), no tcpreq needed: brings the lab up,
# checks reachability, the routers' time-exceeded sources (and that a burst of 30 is answered
# in full), the target's listener (IPv4, IPv6, AnyIP, many connections), the closed port,
# the prober firewall and both middleboxes on r2, then tears it down and checks nothing is
# left. Exits non-zero on any failure. Usage (as root): tests/lab/test_lab_selftest.sh (ctest passes the tcpreq path; it is unused)
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
