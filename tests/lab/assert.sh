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

assert_done() {
  echo "# $ASSERT_PASSES passed, $ASSERT_FAILURES failed"
  [ "$ASSERT_FAILURES" -eq 0 ]
}
