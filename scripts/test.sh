#!/usr/bin/env bash
# The test command: set up, build warning-free, run every test (unit, property, interop).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Interop tests must not silently skip here: this is the command CI runs.
export EPCIS_GATEWAY_REQUIRE_INTEROP=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift build --build-tests 2>&1 | tee "$log"
# Our own code must build without warnings (dependencies' notes about unhandled files are theirs).
if grep -E '^(\./)?(Sources|Tests|Benchmarks)/.*warning:|/(Sources|Tests|Benchmarks)/[^ ]*: warning:' "$log" | grep -v '/.build/' ; then
  echo "test: the build printed warnings in project code (above); fix them" >&2
  exit 1
fi
swift test --skip-build "$@"
