#!/usr/bin/env bash
# The test command: set up, build warning-free, run every test (unit, property, interop).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Formatting is checked like a warning: `.swift-format` rules, every finding fails the run.
# (`swift format format -i -r Sources Tests Benchmarks Package.swift` fixes what it reports.)
swift format lint --strict -r Sources Tests Benchmarks Package.swift
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
# A real PostgreSQL server for the store tests, stopped however the tests end.
pgdir=$(mktemp -d -t epcis-gateway-pg.XXXXXX)
trap 'rm -f "$log"; scripts/postgres-test-server.sh stop "$pgdir"' EXIT
EPCIS_GATEWAY_TEST_POSTGRES=$(scripts/postgres-test-server.sh start "$pgdir")
export EPCIS_GATEWAY_TEST_POSTGRES
echo "test: PostgreSQL for the store tests at $EPCIS_GATEWAY_TEST_POSTGRES"
swift test --skip-build "$@"
