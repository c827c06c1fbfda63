#!/usr/bin/env bash
# The README's generated tables: the test table is the registry's (`tcpreq
# --list-tests=markdown`), the stacks table is tests/lab/expected/stacks.tsv's (the verdicts
# tests/lab/test_stacks.sh checks, through tests/stacks_table.py). This checks that the tables
# between the markers in README.md are exactly those, and with --update rewrites them.
# Usage: tests/readme_tests.sh [--update] PATH/TO/tcpreq   (no root, sends nothing)
set -euo pipefail
update=0
if [ "${1:-}" = --update ]; then update=1; shift; fi
TCPREQ=${1:?usage: readme_tests.sh [--update] TCPREQ}
readme=$(cd "$(dirname "$0")/.." && pwd)/README.md
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$TCPREQ" --list-tests=markdown >"$tmp/tests.md"
"$TCPREQ" --list-tests >"$tmp/tests.txt"
python3 "$top/tests/stacks_table.py" "$top/tests/lab/expected/stacks.tsv" "$tmp/tests.txt" \
  >"$tmp/stacks.md"

# table NAME FILE: check (or with --update rewrite) the README's table NAME against FILE.
status=0
table() {
  local begin="<!-- $1:begin (generated: tests/readme_tests.sh --update) -->" end="<!-- $1:end -->"
  grep -qxF "$begin" "$readme" && grep -qxF "$end" "$readme" ||
    { echo "readme_tests: $readme: the $1 markers are missing" >&2; status=1; return; }
  if [ "$update" = 1 ]; then
    awk -v b="$begin" -v e="$end" -v f="$2" \
      '$0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
       $0 == e { skip = 0 } !skip { print }' "$readme" >"$tmp/readme"
    cat "$tmp/readme" >"$readme"
    return
  fi
  if ! diff <(awk -v b="$begin" -v e="$end" '$0 == e { on = 0 } on { print } $0 == b { on = 1 }' \
      "$readme") "$2" >"$tmp/diff"; then
    echo "readme_tests: the README's $1 differs; run tests/readme_tests.sh --update $TCPREQ" >&2
    sed 's/^/  /' "$tmp/diff" >&2
    status=1
    return
  fi
  echo "readme_tests: the README's $1 is up to date"
}

table test-table "$tmp/tests.md"
table stacks-table "$tmp/stacks.md"
exit $status
