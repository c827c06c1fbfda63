#!/usr/bin/env python3
"""A verdict's reason is a fixed text per outcome: `tcpreq summary` groups results by it and
tests/lab/test_stacks.sh compares it between identical runs, so a reason that carries a
measured value (milliseconds, octets, sequence numbers) splits one outcome into a row per
target and differs between runs. Measurements go into the result's `custom`.

This checks the reason formats in the test cases' sources (tests_cases/, src/testcase/):
every macro named *REASON* and every format an snprintf writes into a reason (a destination
named reason or why, the format a literal or a macro from these files) may hold %s (texts
composed of texts) but no numeric conversion, unless ALLOWED below says why it is kept. An
ALLOWED entry that matches nothing fails too, so the list stays what the sources hold.

Usage: check_reason_formats.py SOURCE_DIR   (exit 0: clean; 1: findings, one FILE:LINE each)
"""
import pathlib
import re
import sys

SCANNED = ("tests_cases/*.c", "tests_cases/*.h", "src/testcase/*.c", "src/testcase/*.h")

# (file, macro name or format literal): why the value in it is kept.
ALLOWED = {
    ("tests_cases/alp_request.h", "ALP_REQUEST_NO_MODULE"):
        "the original tcpreq's reason, 'Missing ALP module for port %u'",
    ("tests_cases/ecn_echo.c", "REASON_NO_ALP"): "the original tcpreq's reason",
    ("tests_cases/urgent_pointer.c", "REASON_NO_ALP"): "the original tcpreq's reason",
    ("tests_cases/mss_support.c", "Missing ALP module for port %u"):
        "the original tcpreq's reason",
    ("tests_cases/window_scale_clamp.c", "REASON_ROUNDS"): "a compile-time constant (ROUNDS_MAX)",
}

# printf conversions other than %s and %%: the ones that print numbers (or pointers).
NUMERIC = re.compile(r"%[-+ #0]*(\*|\d+)?(\.(\*|\d+))?(hh|h|ll|l|j|z|t|L)?[diouxXeEfFgGaAcp]")
DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(\w+)\s+((?:\"(?:[^\"\\\n]|\\.)*\"\s*)+)$",
                    re.M)
LITERAL = re.compile(r"\"((?:[^\"\\\n]|\\.)*)\"")
DESTINATION = re.compile(r"reason|why")


def literal_text(src):
    """The concatenation of the C string literals in src (escapes kept as written)."""
    return "".join(LITERAL.findall(src))


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def split_args(text, start):
    """The arguments of the call whose '(' is at start, split at top-level commas."""
    args, depth, cur, i = [], 0, [], start + 1
    while i < len(text):
        ch = text[i]
        if ch == '"':
            m = LITERAL.match(text, i)
            cur.append(m.group(0))
            i = m.end()
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                args.append("".join(cur).strip())
                return args
            depth -= 1
        elif ch == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    return args


def main(top):
    top = pathlib.Path(top)
    files = sorted({p for pattern in SCANNED for p in top.glob(pattern)})
    if not files:
        print(f"check_reason_formats: no sources under {top}", file=sys.stderr)
        return 1
    texts = {p.relative_to(top).as_posix(): p.read_text() for p in files}
    # Macros per file (cases reuse names such as REASON_RST); a backslash-newline is
    # whitespace, so a format split over lines is one literal.
    macros = {}  # (file, name) -> (line, format)
    for rel, text in texts.items():
        joined = text.replace("\\\n", " \n")
        for m in DEFINE.finditer(joined):
            macros[(rel, m.group(1))] = (line_of(joined, m.start()), literal_text(m.group(2)))
    found = {}  # (file, key) -> (where, format)
    for (rel, name), (line, fmt) in macros.items():
        if "REASON" in name and NUMERIC.search(fmt):
            found[(rel, name)] = ((rel, line), fmt)
    for rel, text in texts.items():
        for m in re.finditer(r"\bsnprintf\s*\(", text):
            args = split_args(text, m.end() - 1)
            if len(args) < 3 or not DESTINATION.search(args[0]):
                continue
            fmt_arg = args[2]
            if fmt_arg.startswith('"'):
                key, fmt, owner = literal_text(fmt_arg), literal_text(fmt_arg), rel
            else:
                # a macro of this file, else of a header; anything else is a variable, whose
                # texts are checked where they are defined
                owners = [rel] if (rel, fmt_arg) in macros else sorted(
                    o for (o, n) in macros if n == fmt_arg and o.endswith(".h"))
                if not owners:
                    continue
                owner, key = owners[0], fmt_arg
                fmt = macros[(owner, key)][1]
            if NUMERIC.search(fmt):
                found.setdefault((owner, key), ((rel, line_of(text, m.start())), fmt))
    status = 0
    for ident, ((rel, line), fmt) in sorted(found.items(), key=lambda item: item[1][0]):
        if ident not in ALLOWED:
            print(f"{rel}:{line}: reason format \"{fmt}\" carries a value: make the reason a fixed "
                  "text and put the value in custom (or, if it is fixed per configuration, "
                  "say why in tests/check_reason_formats.py's ALLOWED)")
            status = 1
    for ident in sorted(set(ALLOWED) - set(found)):
        print(f"{ident[0]}: ALLOWED lists {ident[1]!r}, which no reason format holds any more: "
              "remove it from tests/check_reason_formats.py")
        status = 1
    if status == 0:
        print(f"check_reason_formats: {len(files)} files, {len(found)} allowed formats with "
              "values, no other")
    return status


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
