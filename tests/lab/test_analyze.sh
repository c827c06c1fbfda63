#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# tcpreq analyze against tshark on real Linux TCP: a client (curl, prober namespace) fetches
# a 4 MB file over HTTP from a server (python3 -m http.server, target namespace) through
# router r1, which loses, delays, reorders and duplicates packets; tcpdump captures at both
# ends. For every capture the per-frame verdicts of `tcpreq analyze --json -Y 0` are compared
# with tshark's tcp.analysis.retransmission / out_of_order / duplicate_ack, and the agreement
# (frames flagged by both / frames flagged by either, per kind) must be at least 98 %.
# Then a probe run with --pcap is analysed: every flow is named by the test that made it.
# Usage: test_analyze.sh PATH/TO/tcpreq   (as root)
#
# The impairment. This kernel has no sch_netem (CONFIG_NET_SCH_NETEM is not set), so r1
# impairs in user space: iptables hands each direction's forwarded packets to an NFQUEUE
# (impair.py, seeded) that drops some, holds the rest for a delay, and holds some longer so
# that later packets overtake them (reordering); duplication is an nftables `dup` rule, whose
# copy leaves at once while the original waits in the queue (so the copy arrives first).
#
# Kinds of disagreement with tshark, and why (none is expected in these captures; the
# threshold leaves room for them):
# - Flow boundaries: tshark keeps a conversation for the whole file; tcpreq completes a
#   closed flow 10 s (capture time) after its FINs/RST and an idle one after 300 s, so a
#   segment later than that (a very late FIN retransmission) starts a fresh flow with no
#   history and is not flagged. Not reached here (one short transfer per capture).
# - Duplicate-ACK numbering after an "ACKed unseen segment": tshark restarts the count at 1
#   through its dupacknum = -1 trick; tcpreq keeps counting. Only the number differs, not the
#   flag, and the comparison is on the flag.
# - Out-of-order vs retransmission is tshark's timing rule in both tools (handshake RTT at the
#   capture point, 3 ms without one). Wireshark computes times in nanoseconds, tcpreq in
#   microseconds: a segment landing within 1 us of the threshold could fall either way.
# - Window scaling: tshark compares scaled windows for duplicate ACKs; tcpreq compares raw
#   windows scaled by the same known factor, equal except if the scale is unknown on one
#   side only (a capture without the SYN).
# What tcpreq adds beyond tshark (reassembly: "duplicate" when every byte was captured
# before, "fills-gap", "partial"; lost segments = holes never filled) is not compared.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
TCPREQ=$(realpath "${1:?usage: test_analyze.sh TCPREQ}")
for tool in tshark tcpdump curl jq iptables ip6tables; do
  command -v "$tool" >/dev/null || { echo "test_analyze.sh: $tool missing (tests/install-deps.sh)" >&2; exit 1; }
done

work=$(mktemp -d)
HTTP_PORT=8080
AGREEMENT_MIN=98
FILE_BYTES=$((4 * 1024 * 1024))
MIN_FLAGGED=20 # below this the impairment did not work and the comparison proves little
impair_pids=()
capture_pids=()
stop_pids() { local p; for p in "$@"; do kill -INT "$p" 2>/dev/null; done; for p in "$@"; do wait "$p" 2>/dev/null; done; }
cleanup() {
  stop_pids "${capture_pids[@]}" "${impair_pids[@]}"
  lab_down
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

lab_up
# Background processes are started with `ip netns exec` itself (it execs the command), never
# through a shell function: $! must be the process to signal, not a subshell waiting for it.
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# --- the server --------------------------------------------------------------------------
mkdir -p "$work/www"
head -c "$FILE_BYTES" /dev/urandom >"$work/www/blob.bin"
ip netns exec "$LAB_TARGET_NS" python3 -m http.server "$HTTP_PORT" --bind :: --directory "$work/www" \
  >"$work/http.log" 2>&1 </dev/null &
LAB_LISTENER_PIDS+=("$!")
_lab_wait_listen "$HTTP_PORT" "$!" "$work/http.log" || { fail "HTTP server did not start"; assert_done; exit 1; }

# --- the impaired path on r1 ---------------------------------------------------------------
# Queue 0: server -> client (arrives on to-r2); queue 1: client -> server (on to-prober).
# --queue-bypass: while impair.py restarts between scenarios, packets pass instead of being
# dropped, so the previous transfer's last segments cannot linger into the next capture.
for ipt in iptables ip6tables; do
  in_ns "$LAB_R1_NS" "$ipt" -A FORWARD -i to-r2 -p tcp --sport "$HTTP_PORT" -j NFQUEUE --queue-num 0 --queue-bypass
  in_ns "$LAB_R1_NS" "$ipt" -A FORWARD -i to-prober -p tcp --dport "$HTTP_PORT" -j NFQUEUE --queue-num 1 --queue-bypass
done

# impair QUEUE ARGS...: (re)start impair.py for one queue.
impair() {
  local q=$1; shift
  if [[ -n "${impair_pids[$q]:-}" ]]; then stop_pids "${impair_pids[$q]}"; fi
  ip netns exec "$LAB_R1_NS" python3 "$here/impair.py" --queue "$q" "$@" >"$work/impair$q.log" 2>&1 &
  impair_pids[$q]=$!
  local i
  for ((i = 0; i < 100; i++)); do grep -q ready "$work/impair$q.log" 2>/dev/null && return 0; sleep 0.05; done
  fail "impair.py queue $q did not start: $(cat "$work/impair$q.log")"
  return 1
}

# duplicate PERCENT: nftables copies that share of server -> client segments at once (one
# table per family: `dup to` needs the address family of its table).
duplicate() {
  in_ns "$LAB_R1_NS" nft delete table ip tcpreq_dup 2>/dev/null
  in_ns "$LAB_R1_NS" nft delete table ip6 tcpreq_dup 2>/dev/null
  ((${1} > 0)) || return 0
  in_ns "$LAB_R1_NS" nft -f - <<EOF
table ip tcpreq_dup {
  chain dup_fwd {
    type filter hook forward priority -10; policy accept;
    iifname "to-r2" tcp sport $HTTP_PORT numgen random mod 100 < $1 dup to $LAB_PROBER4 device "to-prober"
  }
}
table ip6 tcpreq_dup {
  chain dup_fwd {
    type filter hook forward priority -10; policy accept;
    iifname "to-r2" tcp sport $HTTP_PORT numgen random mod 100 < $1 dup to $LAB_PROBER6 device "to-prober"
  }
}
EOF
}

# capture NS DEV OUT: tcpdump on the HTTP port in the background (pid in capture_pids).
capture() {
  local pid
  lab_capture_start pid "$1" "$2" "$3" -s 0 tcp port "$HTTP_PORT" || fail "tcpdump on $2 did not start"
  capture_pids+=("$pid")
}
# closed_both_ways CAPTURE: wait until it holds a FIN from each end (the transfer's end
# crosses the impaired path after curl has its bytes; a lost FIN comes again after an RTO).
# (libpcap's tcp[] reaches into IPv4 only: for IPv6 the flags byte is read at its offset
# behind a bare 40-byte header, which is what the lab's TCP packets have.)
FIN="((ip and tcp[tcpflags] & tcp-fin != 0) or (ip6 and ip6[6] == 6 and ip6[53] & 1 != 0))"
closed_both_ways() {
  lab_capture_wait "$1" 1 "$FIN and src port $HTTP_PORT" &&
    lab_capture_wait "$1" 1 "$FIN and dst port $HTTP_PORT"
}

# compare CAPTURE: per-frame agreement with tshark; prints it and asserts the minimum.
compare() {
  local cap=$1 name=$2
  tshark -r "$cap" -T fields -e frame.number -e tcp.analysis.retransmission \
    -e tcp.analysis.out_of_order -e tcp.analysis.duplicate_ack >"$cap.tshark" 2>/dev/null
  "$TCPREQ" analyze --json -Y 0 "$cap" >"$cap.json" 2>"$cap.analyze.err"
  local flows
  flows=$(jq -s length "$cap.json")
  assert_eq "$name: one flow" 1 "$flows"
  python3 - "$cap.tshark" "$cap.json" "$name" "$AGREEMENT_MIN" "$MIN_FLAGGED" <<'EOF'
import json, sys
tshark_path, json_path, name, minimum, min_flagged = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
kinds = ["retransmission", "out-of-order", "dup-ack"]
theirs, ours = {}, {}
for line in open(tshark_path):
    f = line.rstrip("\n").split("\t")
    theirs[int(f[0])] = {k for k, v in zip(kinds, f[1:4]) if v}
for line in open(json_path):
    for s in json.loads(line).get("segments", []):
        ours[s["frame"]] = {k for k in kinds if k in s["verdict"]}
both = either = 0
per = {k: [0, 0, 0, 0] for k in kinds}  # both, either, tshark only, tcpreq only
only = []
for frame in sorted(set(theirs) | set(ours)):
    a, b = theirs.get(frame, set()), ours.get(frame, set())
    for k in kinds:
        if k in a or k in b:
            per[k][1] += 1
            if k in a and k in b:
                per[k][0] += 1
            else:
                per[k][2 if k in a else 3] += 1
                only.append("frame %d: %s only by %s" % (frame, k, "tshark" if k in a else "tcpreq"))
total_both = sum(v[0] for v in per.values())
total_either = sum(v[1] for v in per.values())
pct = 100.0 * total_both / total_either if total_either else 0.0
detail = ", ".join("%s %d/%d" % (k, per[k][0], per[k][1]) for k in kinds)
print("# %s: agreement with tshark %.2f%% of %d flagged frames (%s)" % (name, pct, total_either, detail))
for line in only[:20]:
    print("#   " + line)
ok = pct >= minimum and total_either >= min_flagged
print("%s - %s: agreement %.2f%% >= %.0f%% over %d flagged frames (at least %d)" %
      ("ok" if ok else "not ok", name, pct, minimum, total_either, min_flagged))
sys.exit(0 if ok else 1)
EOF
  if [[ $? -eq 0 ]]; then ASSERT_PASSES=$((ASSERT_PASSES + 1)); else ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); fi
}

# scenario NAME FAMILY DUP% -- QUEUE0 ARGS -- QUEUE1 ARGS: one fetch through the impaired path,
# captured at the client and at the server, both compared with tshark.
scenario() {
  local name=$1 family=$2 dup=$3 url
  shift 3
  local q0=() q1=()
  while [[ $# -gt 0 && $1 != -- ]]; do q0+=("$1"); shift; done
  shift
  q1=("$@")
  impair 0 "${q0[@]}" || return
  impair 1 "${q1[@]}" || return
  duplicate "$dup"
  capture_pids=()
  capture "$LAB_PROBER_NS" to-r1 "$work/$name-client.pcap"
  capture "$LAB_TARGET_NS" to-r2 "$work/$name-server.pcap"
  if [[ $family == 6 ]]; then url="http://[$LAB_TARGET6]:$HTTP_PORT/blob.bin"; else url="http://$LAB_TARGET4:$HTTP_PORT/blob.bin"; fi
  local got
  got=$(in_ns "$LAB_PROBER_NS" curl -sS -g --max-time 60 -o /dev/null -w '%{http_code} %{size_download}' "$url" 2>&1)
  assert_eq "$name: fetched the file" "200 $FILE_BYTES" "$got"
  closed_both_ways "$work/$name-client.pcap"
  closed_both_ways "$work/$name-server.pcap"
  lab_capture_stop "${capture_pids[@]}"
  capture_pids=()
  compare "$work/$name-client.pcap" "$name (client side)"
  compare "$work/$name-server.pcap" "$name (server side)"
}

# Loss both ways: retransmissions, fast retransmissions, duplicate ACKs, holes at the client.
scenario loss 4 0 --delay-ms 10 --loss 3 --seed 11 -- --delay-ms 5 --loss 1 --seed 12
# Reordering: 15 % of server segments held 4 ms longer (within the RTT: out-of-order).
scenario reorder 4 0 --delay-ms 10 --reorder 15 --reorder-extra-ms 4 --loss 0.5 --seed 21 -- --delay-ms 5 --seed 22
# IPv6, duplication with some loss and reordering.
scenario duplicate 6 4 --delay-ms 8 --loss 1 --reorder 5 --reorder-extra-ms 3 --seed 31 -- --delay-ms 4 --loss 0.5 --seed 32

# --- what tcpreq analyze says about the impaired transfer itself ---------------------------
json=$work/loss-client.pcap.json
assert_eq "loss: handshake established, closed by FINs" '"established" "closed"' \
  "$(jq -c '.handshake, .close' "$json" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "loss: every byte of the file delivered (new bytes, server to client)" "yes" \
  "$(jq -r --argjson n "$FILE_BYTES" 'if .directions.server_to_client.new_bytes > $n then "yes" else "no" end' "$json")"
assert_eq "loss: retransmission finding with frames" "yes" \
  "$(jq -r '[.findings[] | select(.id == "retransmission" and (.frames | length) > 0)] | if length == 1 then "yes" else "no" end' "$json")"
tuple="$LAB_PROBER4:$(jq -r .client.port "$json")-$LAB_TARGET4:$HTTP_PORT"
listing=$("$TCPREQ" analyze -Y "$tuple" "$work/loss-client.pcap" 2>&1)
if grep -q "^segments of flow 0" <<<"$listing" && grep -q "retransmission" <<<"$listing"; then
  pass "loss: -Y 4-tuple lists the flow's segments"
else fail "loss: -Y $tuple listing: $(head -5 <<<"$listing")"; fi

# --- a probe run recorded with --pcap: flows named by their tests --------------------------
stop_pids "${impair_pids[@]}"
impair_pids=()
for ipt in iptables ip6tables; do in_ns "$LAB_R1_NS" "$ipt" -F FORWARD; done
duplicate 0
lab_prober_firewall
lab_target_listen 80
in_ns "$LAB_PROBER_NS" "$TCPREQ" -q -B "$LAB_PROBER4" -o "$work/probe.jsonl" --pcap "$work/probe.pcap" \
  -T OptionSupportTest MSSSupportTest ReservedFlagsTest IncorrectChecksumTest "$LAB_TARGET4:80"
assert_eq "probe: tcpdump reads the pcapng" "yes" \
  "$(tcpdump -nr "$work/probe.pcap" >/dev/null 2>&1 && echo yes || echo no)"
"$TCPREQ" analyze --json "$work/probe.pcap" >"$work/probe.analyze.json"
# every result of the run (test and source port) is a flow of that name in the capture
# (IncorrectChecksumTest's port carries two incarnations: the unanswered SYN with a bad
# checksum, then a handshake with another ISN)
expected=$(jq -r '.results[] | "\(.test) \(.src.port)"' "$work/probe.jsonl" | sort)
named=$(jq -r 'select(.test != null) | "\(.test) \(.client.port)"' "$work/probe.analyze.json" | sort -u)
assert_eq "probe: every test's flow named by its test" "$expected" "$named"
assert_eq "probe: no flow without a test" 0 "$(jq -s '[.[] | select(.test == null)] | length' "$work/probe.analyze.json")"
comments=$(tshark -r "$work/probe.pcap" -T fields -e frame.comment 2>/dev/null | grep -c '^tcpreq test=')
if ((comments > 0)); then pass "probe: tshark shows the test names ($comments frames)"; else fail "probe: no frame.comment"; fi
# faults the tests make on purpose: named by the --pcap comments, reported as deliberate,
# never as the prober's reserved bits, bad checksums or checksum offload
for t in ReservedFlagsTest IncorrectChecksumTest; do
  assert_eq "probe: $t's flow reports its faults as deliberate" "deliberate-fault" \
    "$(jq -rs '[.[] | select(.test == "'$t'") | .findings[].id] | map(select(. == "deliberate-fault" or . == "reserved-bits" or . == "bad-checksum" or . == "checksum-offload")) | unique | join(",")' "$work/probe.analyze.json")"
done
assert_eq "probe: the target never exceeded the announced MSS" "" \
  "$(jq -r 'select(.findings[].id == "exceeds-mss") | .test' "$work/probe.analyze.json")"
text=$("$TCPREQ" analyze "$work/probe.pcap")
if grep -q "^flow 0: $LAB_PROBER4:[0-9]* -> $LAB_TARGET4:80 (IPv4) \[test LivenessTest\]" <<<"$text" &&
  grep -q "^findings by severity:" <<<"$text"; then
  pass "probe: text report names flows and ranks findings"
else fail "probe: text report: $(head -3 <<<"$text")"; fi

assert_done
