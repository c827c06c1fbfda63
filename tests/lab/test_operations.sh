#!/usr/bin/env bash
# Operations: --pcap recording, SIGINT/SIGTERM shutdown (complete JSON lines only, RSTs to
# open flows, exit 130/143), --firewall nft|iptables (present while running, gone after a
# normal exit, a signal, and, for a SIGKILLed run, at the next start; a live run's table is
# left alone), and the privilege drop (the running tcpreq is nobody).
# Usage: test_operations.sh PATH/TO/tcpreq   (as root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
TCPREQ=$(realpath "${1:?usage: test_operations.sh TCPREQ}")

work=$(mktemp -d)
chmod 755 "$work" # the dropped-privilege process only writes files opened before the drop
cleanup() { lab_down; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

lab_up
lab_target_listen 80
# No lab_prober_firewall: the tables under test are tcpreq's own.

in_prober() { ip netns exec "$LAB_PROBER_NS" "$@"; }
# start_scan NAME ARGS...: tcpreq in the background in the prober namespace; sets $scan_pid
# (ip netns exec execs tcpreq, so the pid is tcpreq's).
start_scan() {
  local name=$1; shift
  ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -B "$LAB_PROBER4" -o "$work/$name.jsonl" "$@" \
    2>"$work/$name.err" &
  scan_pid=$!
}
# The listing is read in full before grep looks at it: `tool | grep -q` under pipefail
# fails when grep exits on a match before the tool has written its last line (EPIPE).
nft_has() {
  local tables
  tables=$(in_prober nft list tables 2>/dev/null) && grep -qx "table inet tcpreq_$1" <<<"$tables"
}
ipt_has() {
  local rules
  rules=$(in_prober iptables-save -t filter 2>/dev/null) && grep -q "^:TCPREQ_$1 " <<<"$rules"
}
# guard_helper_of PID: the firewall guard, the child of tcpreq PID that is tcpreq itself (not
# an nft or iptables it runs). Fails while there is none.
guard_helper_of() { pgrep -P "$1" -x tcpreq; }
tcpreq_pids_in_lab() {
  local p
  for p in $(ip netns pids "$LAB_PROBER_NS"); do
    [[ $(cat "/proc/$p/comm" 2>/dev/null) == tcpreq ]] && echo "$p"
  done
}
# targets_file NAME N: @FILE with N AnyIP targets on :80.
targets_file() {
  local i
  for ((i = 1; i <= $2; i++)); do echo "198.18.$((128 + i / 250)).$((i % 250 + 1)):80"; done >"$work/$1"
}
# all_lines_json FILE: every line parses as a complete JSON object with results.
all_lines_json() {
  local n ok
  n=$(wc -l <"$1")
  ok=$(jq -c 'select(type == "object" and has("results"))' "$1" 2>/dev/null | wc -l)
  [[ $n -eq $ok ]]
}
# flows_without_rst ANSWERS [RSTS]: flows with a SYN-ACK from a target in the capture
# ANSWERS but no RST from us in RSTS (default: the same capture).
flows_without_rst() {
  comm -23 \
    <(tshark -r "$1" -Y "ip.src != $LAB_PROBER4 && tcp.flags.syn == 1 && tcp.flags.ack == 1" \
        -T fields -e ip.src -e tcp.dstport 2>/dev/null | sort -u) \
    <(tshark -r "${2:-$1}" -Y "ip.src == $LAB_PROBER4 && tcp.flags.reset == 1" \
        -T fields -e ip.dst -e tcp.srcport 2>/dev/null | sort -u)
}

tty_targets=(198.18.130.1:80 198.18.130.2:80 198.18.130.3:80 198.18.130.4:80)

# --- a normal run: --pcap, --firewall nft present while running and gone afterwards, the
#     running process is nobody
targets_file few.txt 100
start_scan normal -r 1000 --inflight 16 -T OptionSupportTest --firewall nft --pcap "$work/normal.pcap" @"$work/few.txt"
if wait_for "firewall table" 10 nft_has "$scan_pid"; then pass "nft: table tcpreq_PID present while running"
else fail "nft: no table tcpreq_$scan_pid while running"; fi
# the table goes in before the drop; results are written only after it (a zombie's status
# still has its Uid line)
wait_for "first result" 30 lines_at_least "$work/normal.jsonl" 1
uid=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$scan_pid/status" 2>/dev/null)
nobody=$(id -u nobody)
assert_eq "privileges: the running tcpreq is nobody (real, effective, saved, fs)" \
  "$nobody $nobody $nobody $nobody" "$uid"
wait "$scan_pid"; rc=$?
assert_eq "normal run: exit code" 0 "$rc"
if nft_has "$scan_pid"; then fail "nft: table left after a normal exit"; else pass "nft: table removed after a normal exit"; fi
assert_eq "normal run: one record per target" 100 "$(wc -l <"$work/normal.jsonl")"
# the pcap: readable by tcpdump and tshark, as many packets as the engine reports
read -r sent received < <(sed -n 's/.* \([0-9]*\) packets sent, \([0-9]*\) received$/\1 \2/p' "$work/normal.err")
in_file=$(tcpdump -nr "$work/normal.pcap" 2>/dev/null | wc -l)
assert_eq "pcap: tcpdump reads as many packets as the engine sent and received" "$((sent + received))" "$in_file"
assert_eq "pcap: tshark agrees" "$in_file" "$(tshark -r "$work/normal.pcap" 2>/dev/null | wc -l)"
assert_eq "pcap: link type raw IP" 1 "$(tshark -r "$work/normal.pcap" -T fields -e frame.encap_type -c 1 2>/dev/null | grep -c '^7$')"
bursts=$(tcpdump -nr "$work/normal.pcap" "src host $LAB_PROBER4 and tcp[tcpflags] == tcp-syn and ip[8] == 1" 2>/dev/null | wc -l)
synacks=$(tcpdump -nr "$work/normal.pcap" "dst host $LAB_PROBER4 and tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)" 2>/dev/null | wc -l)
if ((bursts >= 100 && synacks >= 300)); then pass "pcap: the traced SYN bursts ($bursts TTL-1 SYNs) and the SYN-ACKs ($synacks)"
else fail "pcap: $bursts TTL-1 SYNs, $synacks SYN-ACKs"; fi
quotes=$(tcpdump -nr "$work/normal.pcap" "icmp[icmptype] == icmp-timxceed" 2>/dev/null | wc -l)
if ((quotes >= 100)); then pass "pcap: the routers' ICMP time-exceeded quotes ($quotes)"
else fail "pcap: $quotes ICMP time-exceeded quotes"; fi

# --- the status line on a terminal (script(1) gives tcpreq one): redrawn in place, erased
#     before the closing summary; -q keeps the terminal silent
tty_run() {
  local log=$1; shift
  ip netns exec "$LAB_PROBER_NS" script -qfec "$TCPREQ -B $LAB_PROBER4 -o $work/tty.jsonl $*" "$log" >/dev/null
}
# a rate that makes the run last a few seconds: the status line is redrawn every second
tty_run "$work/tty.log" -T RSTACKTest --inflight 4 -r 60 "${tty_targets[@]}"
esc=$'\e'
drawn=$(tr '\r' '\n' <"$work/tty.log" | grep -c "^$esc\[K[0-9.]*s [0-9.]*% .*/4 targets | .* pkt/s out, .* pkt/s in | PASS [0-9]* FAIL [0-9]* UNK [0-9]*")
if ((drawn >= 1)); then pass "status line: drawn $drawn times"; else fail "status line: never drawn"; cat -v "$work/tty.log"; fi
assert_eq "status line: erased before the summary" 1 \
  "$(tr '\r' '\n' <"$work/tty.log" | grep -c "^$esc\[Ktcpreq: done: 4 targets done")"
tty_run "$work/tty-quiet.log" -q -T RSTACKTest --inflight 4 "${tty_targets[@]}"
assert_eq "status line: -q writes nothing to the terminal" "" \
  "$(grep -v '^Script \(started\|done\)' "$work/tty-quiet.log" | tr -d '\r\n')"

# --- checksum offload: the lab turns it off on every veth (no warning above); on the
#     capture interface it earns a warning
assert_eq "offload off: no warning" 0 "$(grep -c 'checksum offload' "$work/normal.err")"
in_prober ethtool -K "$LAB_PROBER_DEV" tx on >/dev/null 2>&1
start_scan offload -T RSTACKTest "$LAB_TARGET4:80"
wait "$scan_pid"
in_prober ethtool -K "$LAB_PROBER_DEV" tx off >/dev/null 2>&1
assert_eq "offload on: warned" 1 \
  "$(grep -c "warning: $LAB_PROBER_DEV has checksum offload on (tx" "$work/offload.err")"

# --- SIGINT mid-scan: complete JSON lines only, some but not all targets, exit 130,
#     the firewall gone, RSTs to every flow the targets answered, no process left
N=2000
targets_file many.txt "$N"
start_scan sigint -r 1000 --inflight 16 -T RSTACKTest --firewall nft --pcap "$work/sigint.pcap" @"$work/many.txt"
wait_for "first results" 30 lines_at_least "$work/sigint.jsonl" 20
kill -INT "$scan_pid"
wait "$scan_pid"; rc=$?
assert_eq "SIGINT: exit code 130" 130 "$rc"
n=$(wc -l <"$work/sigint.jsonl")
if ((n > 0 && n < N)); then pass "SIGINT: $n of $N targets written"; else fail "SIGINT: $n of $N targets written"; fi
if all_lines_json "$work/sigint.jsonl"; then pass "SIGINT: every line a complete JSON object"; else fail "SIGINT: a partial line"; fi
if nft_has "$scan_pid"; then fail "SIGINT: table left"; else pass "SIGINT: table removed"; fi
assert_eq "SIGINT: every answered flow got a RST" "" "$(flows_without_rst "$work/sigint.pcap")"
assert_eq "SIGINT: no tcpreq process left" "" "$(tcpreq_pids_in_lab)"

# --- SIGTERM twice with --firewall iptables: abort at once (MSS tests hold connections
#     open, so the RST check fails when aborted flows are not reset), flushed, removed
# an independent capture on the prober's link: the RSTs must be on the wire, not only in
# tcpreq's own recording
lab_capture_start tcpdump_pid "$LAB_PROBER_NS" "$LAB_PROBER_DEV" "$work/wire.pcap" tcp ||
  fail "SIGTERM: tcpdump did not start"
start_scan sigterm -r 1000 --inflight 64 -T MSSSupportTest --firewall iptables --pcap "$work/sigterm.pcap" @"$work/many.txt"
if wait_for "iptables chain" 10 ipt_has "$scan_pid"; then pass "iptables: chain TCPREQ_PID present while running"
else fail "iptables: no chain TCPREQ_$scan_pid while running"; fi
wait_for "first results" 30 lines_at_least "$work/sigterm.jsonl" 20
kill -TERM "$scan_pid"
# the second signal once the first is handled (two at once may arrive as one)
wait_for "first signal handled" 5 grep -q "stopping" "$work/sigterm.err"
kill -TERM "$scan_pid"
wait "$scan_pid"; rc=$?
assert_eq "SIGTERM: exit code 143" 143 "$rc"
if all_lines_json "$work/sigterm.jsonl"; then pass "SIGTERM: every line a complete JSON object"; else fail "SIGTERM: a partial line"; fi
if ipt_has "$scan_pid"; then fail "SIGTERM: iptables chain left"; else pass "SIGTERM: iptables chain removed"; fi
# our last RSTs left before tcpreq exited: stop the capture once it holds every packet sent
lab_capture_wait "$work/wire.pcap" "$(lab_packets_sent "$work/sigterm.err")" "src host $LAB_PROBER4"
lab_capture_stop "$tcpdump_pid"
tcpdump_pid=
# (the SYN-ACKs tcpreq received: one arriving after it exited is the kernel's business)
assert_eq "SIGTERM: every answered flow got a RST (on the wire)" "" \
  "$(flows_without_rst "$work/sigterm.pcap" "$work/wire.pcap")"
assert_eq "SIGTERM: every answered flow got a RST (in --pcap)" "" "$(flows_without_rst "$work/sigterm.pcap")"
if tcpdump -nr "$work/sigterm.pcap" >/dev/null 2>&1; then pass "SIGTERM: pcap complete and readable"; else fail "SIGTERM: pcap unreadable"; fi
assert_eq "SIGTERM: no tcpreq process left" "" "$(tcpreq_pids_in_lab)"

# --- a run killed outright (with its helper) leaves its table; a new run removes it at
#     start (also when the killed run is an unreaped zombie), but leaves the table of a run
#     that is still alive
start_scan killed -r 500 --inflight 4 -T RSTACKTest --firewall nft @"$work/many.txt"
killed=$scan_pid
wait_for "firewall table" 10 nft_has "$killed"
# the guard helper is forked just after the table goes in: killed before it exists, a helper
# forked a moment later would see the pipe close and remove the table after all
wait_for "guard helper" 10 guard_helper_of "$killed" >/dev/null
start_scan live -r 500 --inflight 4 -T RSTACKTest --firewall nft @"$work/many.txt"
live=$scan_pid
wait_for "firewall table" 10 nft_has "$live"
helper=$(guard_helper_of "$killed")
kill -KILL $helper "$killed"; wait "$killed" 2>/dev/null
if nft_has "$killed"; then pass "SIGKILL: the table outlives a killed run"; else fail "SIGKILL: table already gone"; fi
start_scan next -T RSTACKTest --firewall nft "$LAB_TARGET4:80"
wait "$scan_pid"; rc=$?
assert_eq "next run: exit code" 0 "$rc"
if nft_has "$killed"; then fail "next run: stale table of pid $killed left"; else pass "next run: stale table removed at start"; fi
assert_eq "next run: says so" 1 "$(grep -c "removed the firewall left by a run that died (pid $killed)" "$work/next.err")"
if nft_has "$live"; then pass "next run: a live run's table left alone"; else fail "next run: removed a live run's table"; fi

# --- killed and not reaped: a zombie tcpreq still holds its pid (and its comm), but it is no
#     live run: its table is stale. The parent here never waits, as a hung supervisor would.
ip netns exec "$LAB_PROBER_NS" python3 -c '
import subprocess, sys, time
p = subprocess.Popen(sys.argv[1:], stderr=subprocess.DEVNULL)
print(p.pid, flush=True)
time.sleep(600)  # never reaps; killed by the test
' "$TCPREQ" -B "$LAB_PROBER4" -q -r 500 --inflight 4 -T RSTACKTest --firewall nft @"$work/many.txt" \
  >"$work/zombie.pid" &
zombie_parent=$!
wait_for "zombie's pid" 10 test -s "$work/zombie.pid"
zombie=$(cat "$work/zombie.pid")
wait_for "firewall table" 10 nft_has "$zombie"
wait_for "guard helper" 10 guard_helper_of "$zombie" >/dev/null
helper=$(guard_helper_of "$zombie")
kill -KILL $helper "$zombie"
zombie_state() { awk '{print $3}' "/proc/$zombie/stat" 2>/dev/null; }
zombie_is_z() { [[ $(zombie_state) == Z ]]; }
if wait_for "zombie state" 10 zombie_is_z; then pass "zombie: the killed tcpreq is unreaped (state Z)"
else fail "zombie: state '$(zombie_state)'"; fi
start_scan after-zombie -T RSTACKTest --firewall nft "$LAB_TARGET4:80"
wait "$scan_pid"; rc=$?
assert_eq "after a zombie: exit code" 0 "$rc"
if nft_has "$zombie"; then fail "after a zombie: its stale table left"; else pass "after a zombie: its stale table removed"; fi
kill -KILL "$zombie_parent"; wait "$zombie_parent" 2>/dev/null
wait_for "zombie reaped by init" 10 test ! -e "/proc/$zombie"

kill -TERM "$live"; wait "$live"
if nft_has "$live"; then fail "live run: table left after SIGTERM"; else pass "live run: table removed after SIGTERM"; fi
assert_eq "no tcpreq process left" "" "$(tcpreq_pids_in_lab)"

assert_done
