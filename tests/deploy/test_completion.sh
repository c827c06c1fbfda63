#!/usr/bin/env bash
# The bash completion (completions/tcpreq.bash) against the real binary: options from its
# --help, test names from --list-tests (also after other names and with '!'), option
# values, subcommands and their options, files by extension.
# Usage: test_completion.sh TCPREQ COMPLETION_SCRIPT   (under unshare -n: it runs tcpreq)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lab/assert.sh"
TCPREQ=${1:?usage: test_completion.sh TCPREQ SCRIPT}
. "${2:?usage: test_completion.sh TCPREQ SCRIPT}"

# complete WORD...: what completing the last word offers, space-separated and sorted.
complete_words() {
  COMP_WORDS=("$TCPREQ" "$@")
  COMP_CWORD=$#
  COMPREPLY=()
  _tcpreq
  printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

assert_eq "long option" "--shard" "$(complete_words --sh)"
assert_eq "options from --help" "--rate --resume --rtt-mult" "$(complete_words --r)"
assert_eq "subcommands" "summary" "$(complete_words su)"
assert_eq "-T: a test name" "OptionSupportTest" "$(complete_words -T Opt)"
assert_eq "-T: a second name" "UnknownOptionTest" "$(complete_words -T OptionSupportTest Unk)"
assert_eq "-T: a removal" "!RSTACKTest" "$(complete_words -T '!RST')"
assert_eq "-T: after a target, no names" "" "$(complete_words -T OptionSupportTest 198.18.3.2:80 Unk)"
assert_eq "--firewall values" "nft none" "$(complete_words --firewall n)"
assert_eq "--timing values" "original" "$(complete_words --timing o)"
assert_eq "summary options" "--csv" "$(complete_words summary --c)"
assert_eq "analyze options" "--json" "$(complete_words analyze --j)"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
touch "$dir/scan.csv" "$dir/scan.jsonl" "$dir/scan.log" "$dir/cap.pcapng"
assert_eq "-o: files of the output formats" "$dir/scan.csv $dir/scan.jsonl" "$(complete_words -o "$dir/s")"
assert_eq "summary: datasets" "$dir/scan.jsonl" "$(complete_words summary "$dir/s")"
assert_eq "analyze: captures" "$dir/cap.pcapng" "$(complete_words analyze "$dir/c")"
assert_done
