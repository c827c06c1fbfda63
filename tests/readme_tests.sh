#!/usr/bin/env bash
# The README's test table is the registry's: this checks that the table between the markers
# in README.md is exactly `tcpreq --list-tests=markdown`, and with --update rewrites it.
# Usage: tests/readme_tests.sh [--update] PATH/TO/tcpreq   (no root, sends nothing)
set -euo pipefail
update=0
if [ "${1:-}" = --update ]; then update=1; shift; fi
TCPREQ=${1:?usage: readme_tests.sh [--update] TCPREQ}
readme=$(cd "$(dirname "$0")/.." && pwd)/README.md
begin='<!-- test-table:begin (generated: tests/readme_tests.sh --update) -->'
end='<!-- test-table:end -->'
grep -qxF "$begin" "$readme" && grep -qxF "$end" "$readme" ||
  { echo "readme_tests: $readme: the markers are missing" >&2; exit 1; }
table=$("$TCPREQ" --list-tests=markdown)
current=$(awk -v b="$begin" -v e="$end" '$0 == e { on = 0 } on { print } $0 == b { on = 1 }' "$readme")
if [ "$update" = 1 ]; then
  tmp=$(mktemp)
  awk -v b="$begin" -v e="$end" -v t="$table" \
    '$0 == b { print; print t; skip = 1; next } $0 == e { skip = 0 } !skip { print }' "$readme" >"$tmp"
  cat "$tmp" >"$readme"
  rm -f "$tmp"
  exit 0
fi
if [ "$current" != "$table" ]; then
  echo "readme_tests: the README's test table differs from the registry; run tests/readme_tests.sh --update $TCPREQ" >&2
  diff <(echo "$current") <(echo "$table") >&2 || true
  exit 1
fi
echo "readme_tests: README test table matches the registry ($(($(wc -l <<<"$table") - 2)) tests)"
