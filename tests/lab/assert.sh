# Assertions for the lab tests (sourced). Each failure is reported and counted; the test
# script exits non-zero at the end if any failed.
ASSERT_FAILURES=0
ASSERT_PASSES=0

pass() { ASSERT_PASSES=$((ASSERT_PASSES + 1)); echo "ok - $*"; }
fail() { ASSERT_FAILURES=$((ASSERT_FAILURES + 1)); echo "not ok - $*"; }

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected '$2', got '$3'"; fi
}

# assert_jq WHAT FILE FILTER EXPECTED: jq -c FILTER over the JSON Lines file must print EXPECTED.
assert_jq() {
  local got
  got=$(jq -c "$3" "$2" 2>&1 | tr '\n' ' ' | sed 's/ $//')
  assert_eq "$1" "$4" "$got"
}

# assert_contains WHAT TEXT NEEDLE: TEXT holds NEEDLE (a fixed string).
assert_contains() {
  if grep -qF -- "$3" <<<"$2"; then pass "$1"; else fail "$1: '$3' not in '$2'"; fi
}

# wait_for WHAT SECONDS CMD...: poll CMD until it succeeds; false after the deadline.
wait_for() {
  local what=$1 secs=$2 i; shift 2
  for ((i = 0; i < secs * 20; i++)); do "$@" && return 0; sleep 0.05; done
  echo "# timed out waiting for $what" >&2
  return 1
}

# lines_at_least FILE N: FILE exists and holds at least N lines.
lines_at_least() { [[ -f $1 ]] && (($(wc -l <"$1") >= $2)); }

assert_done() {
  echo "# $ASSERT_PASSES passed, $ASSERT_FAILURES failed"
  [ "$ASSERT_FAILURES" -eq 0 ]
}
