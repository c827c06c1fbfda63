#!/usr/bin/env bash
# Command-line behaviour that needs no network: usage errors exit 2 with one line,
# --help, --list-tests and --version work. tcpreq runs in a network namespace of its own
# (unshare -n: no interface, no address), so a case that slipped past its error could send
# nothing. Usage: test_cli.sh PATH/TO/tcpreq
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/assert.sh"
TCPREQ=${1:?usage: test_cli.sh TCPREQ}

# expect_usage_error WHAT ARGS...: exit code 2 and exactly one line on stderr naming the problem.
expect_usage_error() {
  local what=$1 pattern=$2; shift 2
  local err rc
  err=$(unshare -n "$TCPREQ" "$@" 2>&1 >/dev/null); rc=$?
  assert_eq "$what: exit code" 2 "$rc"
  assert_eq "$what: one line on stderr" 1 "$(printf '%s\n' "$err" | wc -l)"
  if grep -q -- "$pattern" <<<"$err"; then pass "$what: names the problem"; else fail "$what: stderr '$err' lacks '$pattern'"; fi
}

expect_usage_error "unknown test" "unknown test 'NoSuchTest'" -B 198.18.1.2 -T NoSuchTest 198.18.3.2:80
expect_usage_error "bad target" "invalid target '198.18.3.2'" -B 198.18.1.2 198.18.3.2
expect_usage_error "bad port" "invalid target '198.18.3.2:70000'" -B 198.18.1.2 198.18.3.2:70000
expect_usage_error "unbracketed IPv6" "invalid target" -B fd00::1 fd00::2:80
# A target of a family without -B is DISC (tests/lab/test_filter.sh); no -B at all is an error.
expect_usage_error "no -B at all" "no source address" 198.18.3.2:80
expect_usage_error "bad rate" "invalid rate" -B 198.18.1.2 -r 10x 198.18.3.2:80
expect_usage_error "unknown option" "unrecognized argument" --frobnicate 198.18.3.2:80
expect_usage_error "no targets" "at least one valid target" -B 198.18.1.2
expect_usage_error "bad --shard" "argument --shard" -B 198.18.1.2 --shard 2/2 198.18.3.2:80
blocklist=$(mktemp); trap 'rm -f "$blocklist"' EXIT
printf '# lab\n198.18.128.0/24\n198.18.300.1\n' >"$blocklist"
expect_usage_error "malformed blocklist line" "$blocklist:3: invalid blocklist entry '198.18.300.1'" \
  -B 198.18.1.2 -b "$blocklist" 198.18.3.2:80
expect_usage_error "missing blocklist" "nosuchfile" -B 198.18.1.2 -b /nonexistent/nosuchfile 198.18.3.2:80
expect_usage_error "missing @file" "nosuchfile" -B 198.18.1.2 @/nonexistent/nosuchfile
# -B an address no local interface holds (in this namespace none does): refused, not used
expect_usage_error "-B not local" "-B 198.18.1.2: no local interface holds this address" \
  -B 198.18.1.2 198.18.3.2:80
expect_usage_error "-B not local (IPv6)" "-B fd00:7463:1::2: no local interface" \
  -B fd00:7463:1::2 "[fd00:7463:3::2]:80"
out=$(mktemp); printf 'kept\n' >"$out.jsonl"
expect_usage_error "-B not local: -o untouched" "no local interface" -B 198.18.1.2 -o "$out.jsonl" \
  198.18.3.2:80
assert_eq "-B not local: the output file is left as it was" kept "$(cat "$out.jsonl")"
rm -f "$out" "$out.jsonl"
expect_usage_error "unknown output extension" "known: .jsonl, .json, .csv, .txt" \
  -B 198.18.1.2 -o out.parquet 198.18.3.2:80

out=$(unshare -n "$TCPREQ" --version); rc=$?
assert_eq "--version exit code" 0 "$rc"
if grep -qE '^tcpreq [0-9]+\.[0-9]+\.[0-9]+ \(git [^ ()]+\)$' <<<"$out"; then
  pass "--version: version and revision ($out)"
else fail "--version: '$out'"; fi

out=$(unshare -n "$TCPREQ" --help); rc=$?
assert_eq "--help exit code" 0 "$rc"
if grep -q -- "-T, --test" <<<"$out"; then pass "--help lists -T"; else fail "--help lacks -T"; fi

out=$(unshare -n "$TCPREQ" --list-tests); rc=$?
assert_eq "--list-tests exit code" 0 "$rc"
for name in LivenessTest RSTACKTest OptionSupportTest; do
  if grep -q "^$name " <<<"$out"; then pass "--list-tests shows $name"; else fail "--list-tests lacks $name"; fi
done

assert_done
