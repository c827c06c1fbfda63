#!/usr/bin/env bash
# A target list that stalls (issue 15, defect 9): `--json -` read from a pipe whose writer
# sends one target and then nothing for a while must not freeze the engine (it used to wait
# in getc, so the target already admitted never finished). Its record must be written while
# the pipe is still open; closing the pipe then ends the run.
# Usage: test_input_stall.sh PATH/TO/tcpreq   (as root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
TCPREQ=$(realpath "${1:?usage: test_input_stall.sh TCPREQ}")

work=$(mktemp -d)
chmod 755 "$work"
writer=
cleanup() { [[ -n $writer ]] && exec {writer}>&-; lab_down; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

lab_up
lab_prober_firewall
lab_target_listen 80


mkfifo "$work/in"
exec {writer}<>"$work/in" # read-write: opening does not wait for the reader
# (the writer's descriptor closed in tcpreq: else it would hold the pipe open itself)
ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -q -B "$LAB_PROBER4" -T RSTACKTest \
  -o "$work/out.jsonl" --json - <"$work/in" 2>"$work/err" {writer}>&- &
pid=$!
echo "{\"ip\": \"$LAB_TARGET4\", \"port\": 80, \"host\": \"first\"}" >&"$writer"
# the pipe stays open and silent: the first target's tests must still run to the end
if wait_for "the first record" 60 lines_at_least "$work/out.jsonl" 1; then
  pass "stalled pipe: the admitted target's record is written while the input waits"
else
  fail "stalled pipe: no record while the input waits (the engine is blocked)"
fi
kill -0 "$pid" 2>/dev/null && pass "stalled pipe: tcpreq waits for more input" ||
  fail "stalled pipe: tcpreq ended before its input did"
# a target sent in pieces, then the end of the input
printf '{"ip": "%s", ' 198.18.128.7 >&"$writer" # another target: a duplicate is FLTR
printf '"port": 80, "host": "second"}' >&"$writer"
exec {writer}>&-
writer=
wait "$pid"
assert_eq "stalled pipe: exit code" 0 "$?"
assert_jq "stalled pipe: both targets, in order, every result PASS" "$work/out.jsonl" \
  '[.host, ([.results[].status] | unique)]' '["first",["PASS"]] ["second",["PASS"]]'
assert_done
