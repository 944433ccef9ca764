#!/usr/bin/env bash
# Ingest, compose and trace N serials (default 1,000,000) on SQLite and on a throw-away PostgreSQL,
# side by side in one run. Usage: Benchmarks/store-benchmarks.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
swift build -c release --product StoreBenchmarks >/dev/null
bench=$(swift build -c release --show-bin-path)/StoreBenchmarks
work=$(mktemp -d -t store-bench.XXXXXX)
pgdir=$(mktemp -d -t store-bench-pg.XXXXXX)
trap 'scripts/postgres-test-server.sh stop "$pgdir"; rm -rf "$work"' EXIT
url=$(scripts/postgres-test-server.sh start "$pgdir")
for store in "$work/bench.sqlite" "$url"; do
  echo "== ${store%%:*}"
  "$bench" ingest "$store" "$n"
  "$bench" compose "$store" "$work/out.xml"
  "$bench" trace "$store" -
done
