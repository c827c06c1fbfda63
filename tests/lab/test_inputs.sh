#!/usr/bin/env bash
# Target lists from real tools and files in the lab: ZMap's own CSV and Nmap's own XML (zmap
# and nmap run in the prober namespace against the target's AnyIP addresses; open port 80
# and closed port 81), and a JSON Lines file with extra keys and a bad line. Only the open ports are tested, extra keys
# are passed through, bad input is named by file and line and the run goes on.
# Usage: test_inputs.sh PATH/TO/tcpreq   (as root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
TCPREQ=$(realpath "${1:?usage: test_inputs.sh TCPREQ}")
for tool in zmap nmap; do
  command -v $tool >/dev/null || { echo "test_inputs.sh: $tool missing (tests/install-deps.sh)" >&2; exit 1; }
done

work=$(mktemp -d)
cleanup() { lab_down; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

lab_up
lab_prober_firewall
lab_target_listen 80

# assert_slurp WHAT FILE FILTER EXPECTED: jq -sc FILTER over the whole JSON Lines file.
assert_slurp() { assert_eq "$1" "$4" "$(jq -sc "$3" "$2" 2>&1)"; }

probe() {
  ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -B "$LAB_PROBER4" -B "$LAB_PROBER6" \
    -T OptionSupportTest "$@"
}

# --- ZMap: a real scan of 16 AnyIP addresses on :80 (open) and 4 on :81 (closed: RST) ---
# zmap's default blocklist excludes 198.18.0.0/15 (RFC 2544): an empty one instead; it sends
# from its own raw socket, so it is told r1's MAC as the gateway. Its source ports stay below
# the probe range, where the prober firewall drops the kernel's RSTs: there the kernel's RST
# closes each answered connection, and no SYN-ACK comes again to make a second row. The
# cooldown is 3 s: zmap reads replies in capture blocks the kernel hands over up to 1 s late.
gw_mac=$(ip netns exec "$LAB_R1_NS" cat /sys/class/net/to-prober/address)
: >"$work/zmap-blocklist.conf"
zmap_scan() {
  local port=$1 net=$2 out=$3
  ip netns exec "$LAB_PROBER_NS" zmap -q -p "$port" -i to-r1 -S "$LAB_PROBER4" -G "$gw_mac" \
    -b "$work/zmap-blocklist.conf" -O csv -f saddr,sport,success,classification \
    -o "$out" -s 40000-40999 --cooldown-time=3 -r 1000 "$net" >"$out.log" 2>&1
}
zmap_scan 80 198.18.128.0/28 "$work/open.csv"
assert_eq "zmap :80: 16 synack rows" 16 "$(grep -c ',80,1,synack$' "$work/open.csv")"
zmap_scan 81 198.18.128.0/30 "$work/closed.csv"
assert_eq "zmap :81: 4 rst rows, success 0" 4 "$(grep -c ',0,rst$' "$work/closed.csv")"

probe -o "$work/zmap.jsonl" --zmap "$work/open.csv" --zmap "$work/closed.csv" 2>"$work/zmap.err"
assert_eq "--zmap: exit code" 0 "$?"
assert_slurp "--zmap: the 16 open targets tested, no closed one" "$work/zmap.jsonl" \
  '[.[] | .port] | [length, (unique)]' '[16,[80]]'
assert_slurp "--zmap: every result PASS" "$work/zmap.jsonl" \
  '[.[].results[].status] | unique' '["PASS"]'
assert_eq "--zmap: no input errors" "" "$(grep -F 'csv:' "$work/zmap.err")"

# a ZMap file without the header: named, skipped, the other file still read
tail -n +2 "$work/open.csv" | head -3 >"$work/noheader.csv"
probe -q -o "$work/nohdr.jsonl" --zmap "$work/noheader.csv" 198.18.128.1:80 2>"$work/nohdr.err"
assert_eq "--zmap without header: message" 1 \
  "$(grep -c "^tcpreq: $work/noheader.csv:1: not a ZMap CSV header" "$work/nohdr.err")"
assert_slurp "--zmap without header: the command-line target still tested" "$work/nohdr.jsonl" \
  '[.[].ip]' '["198.18.128.1"]'

# --- Nmap: connect scans of 8 IPv4 and 2 IPv6 AnyIP addresses on :80 (open) and :81
# (closed), plus one address nothing answers (its ports filtered) ---
nmap_scan() {
  ip netns exec "$LAB_PROBER_NS" nmap -n -Pn -sT --max-retries 1 --host-timeout 20s \
    -p 80,81 -oX "$@" >/dev/null 2>&1
}
nmap_scan "$work/v4.xml" 198.18.128.32/29 198.18.5.1
nmap_scan "$work/v6.xml" -6 fd00:7463:8000::20 fd00:7463:8000::21
assert_eq "nmap v4: 8 open ports" 8 "$(grep -c 'portid="80"><state state="open"' "$work/v4.xml")"
assert_eq "nmap v6: 2 open ports" 2 "$(grep -c 'portid="80"><state state="open"' "$work/v6.xml")"
probe -o "$work/nmap.jsonl" --nmap "$work/v4.xml" --nmap "$work/v6.xml" 2>"$work/nmap.err"
assert_eq "--nmap: exit code" 0 "$?"
assert_slurp "--nmap: the open ports of the 10 hosts, nothing else" "$work/nmap.jsonl" \
  '[.[] | [.ip, .port, .host]] | sort' \
  "$(jq -nc '[range(32;40) | ["198.18.128.\(.)", 80, null]] +
             [["fd00:7463:8000::20", 80, null], ["fd00:7463:8000::21", 80, null]] | sort')"
assert_slurp "--nmap: every result PASS" "$work/nmap.jsonl" '[.[].results[].status] | unique' '["PASS"]'
assert_eq "--nmap: no input errors" "" "$(grep -F '.xml:' "$work/nmap.err")"

# nmap's file cut off inside the fourth host (a scan killed mid-write): the three hosts
# before it are tested, the cut is named by its line
cut_at=$(grep -n '<host ' "$work/v4.xml" | sed -n 4p | cut -d: -f1)
head -n $((cut_at + 1)) "$work/v4.xml" >"$work/cut.xml"
probe -q -o "$work/cut.jsonl" --nmap "$work/cut.xml" 2>"$work/cut.err"
assert_eq "--nmap truncated: exit code" 0 "$?"
assert_slurp "--nmap truncated: the complete hosts tested" "$work/cut.jsonl" '[.[].ip] | sort' \
  '["198.18.128.32","198.18.128.33","198.18.128.34"]'
assert_eq "--nmap truncated: the cut named" 1 \
  "$(grep -c "^tcpreq: $work/cut.xml:$((cut_at + 1)): not well-formed XML: .*rest of the file skipped$" "$work/cut.err")"
# a ZMap CSV given as Nmap XML: named, nothing tested from it
probe -q --nmap "$work/open.csv" 198.18.128.1:80 -o "$work/wrong.jsonl" 2>"$work/wrong.err"
assert_eq "--nmap given CSV: named" 1 \
  "$(grep -c "^tcpreq: $work/open.csv:1: not an Nmap XML file (nmap -oX): " "$work/wrong.err")"
assert_slurp "--nmap given CSV: the command-line target still tested" "$work/wrong.jsonl" \
  '[.[].ip]' '["198.18.128.1"]'

# --- JSON Lines: extra keys kept, a bad line named, the good lines around it measured ---
cat >"$work/targets.jsonl" <<JSON
{"ip": "198.18.128.20", "port": 80, "asn": 64500, "note": "first"}
{"ip": "198.18.128.21", "port": "eighty"}
not json at all

{"ip": "$LAB_TARGET6", "port": 80, "host": "lab.example"}
JSON
probe -o "$work/json.jsonl" --json "$work/targets.jsonl" 2>"$work/json.err"
assert_eq "--json: exit code" 0 "$?"
# Records come in the order the targets finish, not the input's.
assert_slurp "--json: good lines tested, keys passed through" "$work/json.jsonl" \
  '[.[] | [.ip, .port, .host, .asn, .note, (.results | length > 0)]] | sort_by(.[0] | test(":"))' \
  "[[\"198.18.128.20\",80,null,64500,\"first\",true],[\"$LAB_TARGET6\",80,\"lab.example\",null,null,true]]"
assert_eq "--json: line 2 named" 1 \
  "$(grep -c "^tcpreq: $work/targets.jsonl:2: \"port\" is not an integer in 1..65535$" "$work/json.err")"
assert_eq "--json: line 3 named" 1 \
  "$(grep -c "^tcpreq: $work/targets.jsonl:3: invalid JSON" "$work/json.err")"
assert_eq "--json: summary" 1 "$(grep -c '^tcpreq: 2 targets read, 2 bad input lines skipped$' "$work/json.err")"

# standard input, and a file with no valid target at all: usage error
echo "{\"ip\": \"198.18.128.22\", \"port\": 80}" |
  probe -q -o "$work/stdin.jsonl" --json - 2>/dev/null
assert_slurp "--json -: read from standard input" "$work/stdin.jsonl" '[.[].ip]' '["198.18.128.22"]'
echo "garbage" >"$work/bad.jsonl"
probe -q --json "$work/bad.jsonl" >/dev/null 2>"$work/bad.err"
assert_eq "--json with no valid target: exit code 2" 2 "$?"
probe -q --json "$work/missing.jsonl" >/dev/null 2>"$work/missing.err"
assert_eq "--json missing file: exit code 2" 2 "$?"
assert_eq "--json missing file: named" 1 "$(grep -c "$work/missing.jsonl: No such file" "$work/missing.err")"

assert_done
