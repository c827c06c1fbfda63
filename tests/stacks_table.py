#!/usr/bin/env python3
"""The README's table of TCP stacks by tests, from tests/lab/expected/stacks.tsv (the verdicts
tests/lab/test_stacks.sh checks) and the registry (`tcpreq --list-tests`): every test of every
stack PASS unless the file says otherwise, and every other verdict with the evidence the file
gives for it. Usage: stacks_table.py EXPECTED_TSV LIST_TESTS_OUTPUT"""
import sys

STACKS = [("linux", "Linux"), ("lwip", "lwIP 2.1.3"), ("gvisor", "gVisor netstack"),
          ("cookies", "Linux, SYN cookies"), ("nosynretry", "Linux, no SYN-ACK retries"),
          ("nots", "Linux, no timestamps")]


def main() -> int:
    expected_path, listing_path = sys.argv[1], sys.argv[2]
    tests = [line.split()[0] for line in open(listing_path).read().splitlines()[1:] if line]
    verdicts, notes, comment = {}, [], []
    for line in open(expected_path):
        line = line.rstrip("\n")
        if line.startswith("#"):
            text = line[1:].strip()
            if text:
                comment.append(text)
            else:
                comment = []
            continue
        if not line:
            continue
        stack, family, test, status, stage, reason = line.split("\t")
        if comment:
            notes.append(" ".join(comment))
            comment = []
        fam = "" if family == "any" else f" (IPv{family})"
        verdicts.setdefault((stack, test), []).append(f"{status}{fam} [{len(notes)}]")
    print("| Test | " + " | ".join(name for _, name in STACKS) + " |")
    print("|---" * (len(STACKS) + 1) + "|")
    for test in tests:
        if test == "LivenessTest":
            continue
        cells = [", ".join(verdicts.get((key, test), ["PASS"])) for key, _ in STACKS]
        print(f"| {test} | " + " | ".join(cells) + " |")
    print()
    for i, note in enumerate(notes, 1):
        print(f"[{i}] {note}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
