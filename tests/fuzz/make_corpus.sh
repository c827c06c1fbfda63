#!/usr/bin/env bash
# Rebuilds the seed corpora in tests/fuzz/corpus/ from real traffic and real tools' output in
# the namespace lab (root; a built tcpreq):
#   LAB_PREFIX=name tests/fuzz/make_corpus.sh BUILD/tcpreq
# - tcpreq runs every test (-T '*') against the lab's Linux target on :80 and :443, IPv4
#   and IPv6, clean and through a middlebox, recording --pcap (raw IP pcapng with the test
#   names); tcpdump records the same on the prober's link (Ethernet) and on "any" (Linux
#   cooked v2); a curl download makes a capture with data in both directions.
# - zmap and nmap scan the lab's AnyIP targets: their CSV and XML are the readers' seeds;
#   zmap's own blocklist file and tcpreq's command lines are the CLI seeds.
# - tests/fuzz/corpus_from_captures.py cuts all of that into each harness's input format.
# Seeds are replaced, not merged: commit what changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
TCPREQ=$(realpath "${1:?usage: make_corpus.sh TCPREQ}")
. "$here/../lab/lab.sh"
work=$(mktemp -d)
# CORPUS_KEEP=1 keeps the collected files (for working on the converter)
cleanup() { lab_down; if [[ ${CORPUS_KEEP:-0} == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

lab_up
lab_prober_firewall
lab_target_listen 80
lab_target_tls 443

in_prober() { ip netns exec "$LAB_PROBER_NS" "$@"; }
lab_capture_start eth_pid "$LAB_PROBER_NS" "$LAB_PROBER_DEV" "$work/eth.pcap"
lab_capture_start any_pid "$LAB_PROBER_NS" any "$work/any.pcap"

# scan NAME ARGS...: one tcpreq run; its command line is kept as a CLI seed (one argument
# per line, as @FILE reads them)
scan() {
  local name=$1; shift
  local args=(-q -B "$LAB_PROBER4" -B "$LAB_PROBER6" --pcap "$work/$name.pcapng"
    -o "$work/$name.jsonl" "$@")
  printf '%s\n' "${args[@]}" >"$work/scan-$name.args"
  in_prober "$TCPREQ" "${args[@]}"
}
in_prober "$TCPREQ" --list-tests >"$work/tests.txt"
scan clean -T '*' "$LAB_TARGET4:80" "[$LAB_TARGET6]:80" "$LAB_TARGET4:443" "[$LAB_TARGET6]:443" \
  "$LAB_TARGET4:$LAB_CLOSED_PORT"
lab_mbox_overwrite_nop_eol
scan mbox-options -T OptionSupportTest "$LAB_TARGET4:80" "[$LAB_TARGET6]:80"
lab_mbox_mss_rewrite 500
scan mbox-mss -T MSSSupportTest MultiMSSTest "$LAB_TARGET4:80" "[$LAB_TARGET6]:80"
lab_mbox_clear_reserved
scan mbox-reserved -T ReservedFlagsTest "$LAB_TARGET4:80"
lab_mbox_clear_urg
scan mbox-urg -T UrgentPointerTest "$LAB_TARGET4:80"
lab_mbox_clear
lab_target_silent_port 82
scan silent -T LivenessTest "$LAB_TARGET4:82"
lab_target_clear
in_prober python3 "$here/../lab/labnet.py" http "$LAB_TARGET4" 80 >/dev/null
in_prober python3 "$here/../lab/labnet.py" http "$LAB_TARGET6" 80 >/dev/null

sent=0
for f in "$work"/*.pcapng; do sent=$((sent + $(tcpdump -nr "$f" "src host $LAB_PROBER4 or src host $LAB_PROBER6" 2>/dev/null | wc -l))); done
lab_capture_wait "$work/eth.pcap" "$sent" "tcp and (src host $LAB_PROBER4 or src host $LAB_PROBER6)" || true
lab_capture_stop "$eth_pid" "$any_pid"

# real tools' output: zmap (its own default blocklist excludes the lab's range, so an empty
# one for the scan; the default one is a CLI seed) and nmap
# (as tests/lab/test_inputs.sh: r1's MAC as gateway, source ports below the probe range)
gw_mac=$(ip netns exec "$LAB_R1_NS" cat /sys/class/net/to-prober/address)
: >"$work/zmap-empty-blocklist.conf"
zmap_scan() {
  local port=$1 net=$2 fields=$3 out=$4
  in_prober zmap -q -p "$port" -i "$LAB_PROBER_DEV" -S "$LAB_PROBER4" -G "$gw_mac" \
    -b "$work/zmap-empty-blocklist.conf" -O csv -f "$fields" -o "$out" -s 40000-40999 \
    --cooldown-time=3 -r 1000 "$net" >"$out.log" 2>&1
}
zmap_scan 80 198.18.128.0/29 saddr,sport,success,classification,repeat "$work/zmap-80.csv"
zmap_scan 81 198.18.128.8/30 '*' "$work/zmap-81-all-fields.csv"
nmap_scan() {
  in_prober nmap -n -Pn -sT --max-retries 1 --host-timeout 20s -oX "$@" >/dev/null 2>&1
}
nmap_scan "$work/nmap-v4.xml" -p 80,81,443 198.18.128.32/30 198.18.5.1
nmap_scan "$work/nmap-v6.xml" -p 80,443 -6 fd00:7463:8000::20 fd00:7463:8000::21
for f in /etc/zmap/blocklist.conf /etc/zmap/blacklist.conf; do [[ -f $f ]] && cp "$f" "$work/zmap-default-blocklist.conf"; done
# tcpreq's own JSON Lines: targets for --json (every key passes through) and --resume files,
# whole and cut mid-line as a killed run leaves them
cp "$work/clean.jsonl" "$work/targets-clean.jsonl"
cp "$work/mbox-mss.jsonl" "$work/targets-mbox-mss.jsonl"
cp "$work/clean.jsonl" "$work/resume-clean.jsonl"
head -c "$(($(stat -c %s "$work/clean.jsonl") * 2 / 3))" "$work/clean.jsonl" >"$work/resume-cut.jsonl"

python3 "$here/corpus_from_captures.py" "$work" "$here/corpus"
