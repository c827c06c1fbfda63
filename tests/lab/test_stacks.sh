#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Verdicts that hold on every TCP stack: `tcpreq -T '*'` three times against every lab stack
# (tests/lab/stacks.sh: the Linux kernel, lwIP, gVisor's netstack, Linux with SYN cookies
# always, with no SYN-ACK retransmission, without timestamps), IPv4 and IPv6 at once. Every
# run must give exactly the verdicts checked in with their evidence in
# tests/lab/expected/stacks.tsv (all others PASS): a verdict that changes between identical
# runs is a defect, and so is a FAIL the file does not explain. A capture at lwIP's host side
# proves that it received each probe once; every stack must still be alive at the end (a lab
# program that crashes is a lab defect, not a verdict).
# Usage: test_stacks.sh PATH/TO/tcpreq   (as root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
. "$here/stacks.sh"
TCPREQ=$(realpath "${1:?usage: test_stacks.sh TCPREQ}")
EXPECTED=$here/expected/stacks.tsv
RUNS=3

work=$(mktemp -d)
cap_pid=
cleanup() {
  [ -n "$cap_pid" ] && lab_capture_stop "$cap_pid"
  lab_down
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

lab_up
lab_prober_firewall
lab_target_listen 80 --body-size "$LAB_STACK_BODY_SIZE"
lab_stacks_up

STACKS=(linux lwip gvisor cookies nosynretry nots)
# stack_addr NAME 4|6: the lab target for linux, else the stack's address.
stack_addr() {
  if [ "$1" = linux ]; then
    if [ "$2" = 4 ]; then echo "$LAB_TARGET4"; else echo "$LAB_TARGET6"; fi
  else
    lab_stack_addr "$1" "$2"
  fi
}

targets=() names=()
for st in "${STACKS[@]}"; do
  targets+=("$(stack_addr "$st" 4):80" "[$(stack_addr "$st" 6)]:80")
done
# "ADDRESS STACK FAMILY" lines, for naming the records
for st in "${STACKS[@]}"; do
  names+=("$(stack_addr "$st" 4) $st 4" "$(stack_addr "$st" 6) $st 6")
done
printf '%s\n' "${names[@]}" >"$work/names"

# expected: "stack family test status stage reason" per non-PASS verdict, "any" expanded
expected=$(grep -v '^#' "$EXPECTED" | grep -v '^$' |
  awk -F'\t' '{ if ($2 == "any") { print $1 "\t4\t" $3 "\t" $4 "\t" $5 "\t" $6;
                                    print $1 "\t6\t" $3 "\t" $4 "\t" $5 "\t" $6 }
                else print }' | sort)
n_tests=$(("$(ip netns exec "$LAB_PROBER_NS" "$TCPREQ" --list-tests | wc -l)" - 2)) # less the header and LivenessTest

# observed FILE: the same lines from a run's records
observed() {
  jq -r '.ip as $ip | .results[] | select(.status != "PASS") |
         [$ip, .test, .status, (.stage // "null" | tostring), (.reason // "")] | @tsv' "$1" |
    awk -F'\t' 'NR == FNR { split($0, w, " "); st[w[1]] = w[2]; fam[w[1]] = w[3]; next }
                { print st[$1] "\t" fam[$1] "\t" $2 "\t" $3 "\t" $4 "\t" $5 }' "$work/names" - | sort
}

lwip_dev=$(lab_stack_dev lwip)
for run in $(seq 1 "$RUNS"); do
  if [ "$run" = 1 ]; then
    lab_capture_start cap_pid "$(lab_stack_ns lwip)" "$lwip_dev" "$work/lwip.pcap" "tcp and port 80" ||
      fail "lwip host capture did not start"
  fi
  start=$(date +%s.%N)
  ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -q -B "$LAB_PROBER4" -B "$LAB_PROBER6" -T '*' \
    -o "$work/run$run.jsonl" "${targets[@]}"
  assert_eq "run $run: exit code" 0 "$?"
  echo "# run $run: ${#targets[@]} targets, -T '*', $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
  if [ "$run" = 1 ]; then
    lab_capture_wait "$work/lwip.pcap" 1
    lab_capture_stop "$cap_pid"
    cap_pid=
  fi
  assert_eq "run $run: all ${#targets[@]} targets ran every test" "${#targets[@]} [$((2 * n_tests + 1))]" \
    "$(jq -sc '"\(length) \([.[].results | length] | unique)"' -r "$work/run$run.jsonl")"
  got=$(observed "$work/run$run.jsonl")
  if [ "$got" = "$expected" ]; then
    pass "run $run: the verdicts of every stack are the expected ones"
  else
    fail "run $run: verdicts differ from $EXPECTED"
    diff <(echo "$expected") <(echo "$got") | sed 's/^/#   /'
  fi
done
# across runs: identical (test, status, stage, reason) for each target
first=$(jq -c '[.ip, [.results[] | [.test, .status, .stage, .reason]]]' "$work/run1.jsonl" | sort)
for run in $(seq 2 "$RUNS"); do
  assert_eq "run $run gives run 1's verdicts, target by target" "$first" \
    "$(jq -c '[.ip, [.results[] | [.test, .status, .stage, .reason]]]' "$work/run$run.jsonl" | sort)"
done
assert_eq "lwIP's host capture: every SYN and data segment arrived once" 1 \
  "$(lab_capture_max_copies "$work/lwip.pcap")"
for st in "${STACKS[@]:1}"; do
  if lab_stack_alive "$st"; then pass "$st: still alive after $RUNS runs"
  else fail "$st: the lab's stack died (a lab defect)"; fi
done

assert_done
