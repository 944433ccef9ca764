#!/usr/bin/env bash
# Deliveries through the queue to a local HTTPS capture sink (Tests/Interop/https_sink.py), on
# SQLite and on a throw-away PostgreSQL, side by side in one run.
# Usage: Benchmarks/delivery-benchmarks.sh [N]   (needs ../shared/peers for the test certificates)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
swift build -c release --product DeliveryBenchmarks >/dev/null
bench=$(swift build -c release --show-bin-path)/DeliveryBenchmarks
work=$(mktemp -d -t delivery-bench.XXXXXX)
pgdir=$(mktemp -d -t delivery-bench-pg.XXXXXX)
sink_pid=
trap '[ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null; scripts/postgres-test-server.sh stop "$pgdir"; rm -rf "$work"' EXIT
bash ../shared/peers/as2/gen_certs.sh "$work/certs" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 Tests/Interop/https_sink.py --certs "$work/certs" --port "$port" --log "$work/received.jsonl" --timeout 3600 >"$work/sink.out" 2>&1 &
sink_pid=$!
for _ in $(seq 100); do grep -q listening "$work/sink.out" 2>/dev/null && break; sleep 0.1; done
url=$(scripts/postgres-test-server.sh start "$pgdir")
for store in "$work/bench.sqlite" "$url"; do
  echo "== ${store%%:*}"
  "$bench" "$store" "https://127.0.0.1:$port" "$work/certs/ca.crt" "$n"
done
