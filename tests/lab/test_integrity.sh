#!/usr/bin/env bash
# Output integrity (issue 15): the dataset written with -o is fsync'ed before tcpreq closes
# it, at the end of a run and when SIGINT or SIGTERM stops one, after its last write; and
# the file holds whole JSON lines only. strace, attached to the running tcpreq, records the
# write, fsync and close calls on the output's file descriptor.
# Usage: test_integrity.sh PATH/TO/tcpreq   (as root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
. "$here/lab.sh"
TCPREQ=$(realpath "${1:?usage: test_integrity.sh TCPREQ}")
command -v strace >/dev/null || { echo "not ok - strace missing (tests/install-deps.sh)"; exit 1; }

work=$(mktemp -d)
chmod 755 "$work" # the dropped-privilege process only writes files opened before the drop
tracer=
cleanup() { [[ -n $tracer ]] && kill "$tracer" 2>/dev/null; lab_down; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

lab_up
lab_prober_firewall
lab_target_listen 80

for ((i = 1; i <= 300; i++)); do echo "198.18.$((128 + i / 250)).$((i % 250 + 1)):80"; done >"$work/targets"

# output_fd PID FILE: the descriptor number under which PID holds FILE open.
output_fd() {
  local fd
  for fd in /proc/"$1"/fd/*; do
    [[ $(readlink "$fd") == "$2" ]] && { basename "$fd"; return 0; }
  done
  return 1
}
traced() { [[ $(awk '/^TracerPid:/ {print $2}' "/proc/$1/status" 2>/dev/null) -gt 0 ]]; }

# run NAME SIGNAL EXPECTED_RC: a scan with strace attached; SIGNAL "" lets it end by itself.
run() {
  local name=$1 sig=$2 want_rc=$3 out=$work/$1.jsonl trace=$work/$1.trace
  # LeakSanitizer cannot run under ptrace (it would fail the exit code): off for these runs
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    ip netns exec "$LAB_PROBER_NS" "$TCPREQ" -B "$LAB_PROBER4" -r 1000 --inflight 16 \
    -T RSTACKTest -o "$out" @"$work/targets" 2>"$work/$name.err" &
  local pid=$!
  wait_for "$name: output open" 10 output_fd "$pid" "$out" >/dev/null
  local fd
  fd=$(output_fd "$pid" "$out")
  strace -f -qq -e trace=write,fsync,fdatasync,close -o "$trace" -p "$pid" 2>"$work/$name.strace.err" &
  tracer=$!
  wait_for "$name: strace attached" 10 traced "$pid"
  if [[ -n $sig ]]; then
    wait_for "$name: first results" 30 lines_at_least "$out" 10
    kill -s "$sig" "$pid"
  fi
  wait "$pid"
  local rc=$?
  wait "$tracer"
  tracer=
  assert_eq "$name: exit code" "$want_rc" "$rc"
  # in the trace (one call a line, "PID call(args) = result"): the last write to the
  # output's descriptor, then fsync of it returning 0, then its close
  local order
  order=$(awk -v fd="$fd" '
    $2 ~ ("^write\\(" fd ",") { last_write = NR }
    $2 ~ ("^fsync\\(" fd "\\)$") && $NF == "0" && !fsync { fsync = NR }
    $2 ~ ("^close\\(" fd "\\)$") && $NF == "0" && fsync && !closed { closed = NR }
    END { printf "%d %d %d", last_write, fsync, closed }' "$trace")
  read -r last_write fsync_at close_at <<<"$order"
  if ((last_write > 0 && fsync_at > last_write && close_at > fsync_at)); then
    pass "$name: fsync($fd) = 0 after the last write (trace lines $last_write < $fsync_at < $close_at)"
  else
    fail "$name: output fd $fd: last write at $last_write, fsync at $fsync_at, close at $close_at"
    grep -E "(write|fsync|close)\\($fd[,)]" "$trace" | tail -5 | sed 's/^/# /'
  fi
  local n ok
  n=$(wc -l <"$out")
  ok=$(jq -c 'select(type == "object" and has("results"))' "$out" 2>/dev/null | wc -l)
  assert_eq "$name: $n whole JSON lines, nothing else" "$n" "$ok"
  assert_eq "$name: the file ends with a line end" "" "$(tail -c 1 "$out" | tr -d '\n')"
}

run normal "" 0
run sigint INT 130
run sigterm TERM 143

assert_done
