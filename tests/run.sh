#!/usr/bin/env bash
# The test command: installs dependencies, builds tcpreq with AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs every unit test and every namespace-lab integration
# test through ctest. Run as root on Debian 12.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${TCPREQ_TEST_BUILD:-$top/build-test}

if [ "${TCPREQ_SKIP_DEPS:-0}" != 1 ]; then
  "$top/tests/install-deps.sh"
fi
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DTCPREQ_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
# Sanitizer reports make a test fail instead of scrolling by.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build" --output-on-failure "$@"
