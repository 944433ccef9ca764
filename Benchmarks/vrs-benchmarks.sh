#!/usr/bin/env bash
# VRS responder benchmark (issue 15), side by side in one run. Release build; loopback only;
# every process this script starts is stopped by its PID.
#   For each engine (SQLite, then a throw-away PostgreSQL): seed SERIALS serials (default
#   10,000,000) over ten GTINs, start `epcis-gateway serve` with the responder on, then with wrk:
#   1. latency p50/p99 at about 500 req/s (10 connections, each waiting 20 ms between requests),
#      every request a different random serial, each answered and written to the audit log;
#   2. the most req/s (2 threads, 64 connections, no wait).
#   Then nginx serving a static JSON file the size of one answer, the same wrk run: the ratio.
# Usage: Benchmarks/vrs-benchmarks.sh [SERIALS] [SECONDS]   (VRS_BENCH_SCRATCH: SwiftPM scratch path)
set -euo pipefail
cd "$(dirname "$0")/.."
serials="${1:-10000000}"
seconds="${2:-20}"
scratch="${VRS_BENCH_SCRATCH:-.build}"
for tool in wrk nginx; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
    echo "vrs-benchmarks: installing $tool (Debian package)" >&2
    sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$tool" >/dev/null
  }
done
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
swift build -c release --scratch-path "$scratch" --product epcis-gateway >/dev/null 2>&1
swift build -c release --scratch-path "$scratch" --product VRSBenchmarks >/dev/null 2>&1
bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)"
work="$(mktemp -d -t vrs-bench.XXXXXX)"
pgdir="$(mktemp -d -t vrs-bench-pg.XXXXXX)"  # its own: the postgres user must reach it
gateway=""
nginx_pid=""
cleanup() {
  [ -z "$gateway" ] || kill "$gateway" 2>/dev/null || true
  [ -z "$nginx_pid" ] || kill "$nginx_pid" 2>/dev/null || true
  scripts/postgres-test-server.sh stop "$pgdir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
echo "vrs-benchmarks: release build, $(nproc) cores, $serials serials, ${seconds}s per wrk run, $(date -u +%FT%TZ)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
mkdir -p "$work/profiles"
cat > "$work/profiles/acme.yaml" <<YAML
id: acme
name: ACME Wholesale
gln: "0614141000012"
epcis: { version: "1.2", format: xml }
transport: { https: { url: https://127.0.0.1:9/capture } }
verification:
  requestorGLNs: ["0614141000012"]
  auth: { apiKey: { header: X-API-Key, valueEnv: BENCH_VRS_KEY } }
YAML
# Each request: a random one of the ten GTINs and of the serials seeded under it.
cat > "$work/verify.lua" <<LUA
local gtins = {}
for i = 0, 9 do
  local payload = "003000101234" .. i
  local sum = 0
  for k = 1, 13 do
    local d = tonumber(payload:sub(k, k))
    sum = sum + d * ((k % 2 == 1) and 3 or 1)
  end
  gtins[i] = payload .. ((10 - sum % 10) % 10)
end
local per = math.floor($serials / 10)
local uuid = "3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
math.randomseed(42)
request = function()
  local serial = string.format("S%07d", math.random(0, per - 1))
  local path = "/vrs/verify/gtin/" .. gtins[math.random(0, 9)] .. "/lot/L1/ser/" .. serial ..
    "?exp=300615&linkType=verificationService&context=dscsaSaleableReturn&reqGLN=0614141000012&corrUUID=" .. uuid
  return wrk.format("GET", path, { ["X-API-Key"] = "bench-key", ["Accept"] = "application/json" })
end
LUA
printf 'delay = function() return 20 end\n' > "$work/paced.lua"
cat "$work/verify.lua" "$work/paced.lua" > "$work/verify-paced.lua"

# wrk's summary as one JSON line: requests/s, p50 and p99 in ms, non-2xx count.
summarize() {
  python3 -c '
import re, sys
text = sys.stdin.read()
def ms(label):
    m = re.search(r"^\s*" + label + r"%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    if not m: return None
    value, unit = float(m.group(1)), m.group(2)
    return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 3)
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
errors = re.search(r"Socket errors:.*", text)
print("{\"reqPerSec\": %s, \"p50ms\": %s, \"p99ms\": %s, \"non2xx\": %s%s}" % (
    rps.group(1) if rps else "null", ms("50"), ms("99"), bad.group(1) if bad else 0,
    (", \"socketErrors\": \"%s\"" % errors.group(0)) if errors else ""))'
}

declare -A max_rps
run_engine() {
  local engine="$1" store="$2"
  echo "== $engine"
  "$bin/VRSBenchmarks" seed "$store" "$serials"
  local port; port="$(free_port)"
  cat > "$work/gateway-$engine.yaml" <<YAML
store: "$store"
data: $work/data-$engine
profiles: $work/profiles
http: { port: $port }
verification:
  responderGLN: "0300019999990"
  companyPrefixes: ["030001"]
  coolDown: { failures: 100000 }
YAML
  BENCH_VRS_KEY=bench-key EPCIS_GATEWAY_LOG_LEVEL=warning "$bin/epcis-gateway" serve --config "$work/gateway-$engine.yaml" >"$work/gateway-$engine.log" 2>&1 &
  gateway=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  local sample
  sample="$(curl -s -H 'X-API-Key: bench-key' "http://127.0.0.1:$port/vrs/verify/gtin/00300010123455/lot/L1/ser/S0000001?exp=300615&linkType=verificationService&context=dscsaSaleableReturn&reqGLN=0614141000012&corrUUID=3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d")"
  echo "sample answer: $sample"
  printf '%s' "$sample" > "$work/answer.json"
  wrk -t2 -c10 -d5s -s "$work/verify.lua" "http://127.0.0.1:$port" >/dev/null  # warm-up
  echo -n "paced (~500 req/s): "; wrk -t2 -c10 -d"${seconds}s" --latency -s "$work/verify-paced.lua" "http://127.0.0.1:$port" | summarize
  echo -n "most req/s:         "; local line; line="$(wrk -t2 -c64 -d"${seconds}s" --latency -s "$work/verify.lua" "http://127.0.0.1:$port" | summarize)"; echo "$line"
  max_rps[$engine]="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["reqPerSec"])' "$line")"
  echo "audit log rows: $("$bin/epcis-gateway" verify log --store "$store" --limit 1 --json >/dev/null 2>&1 && echo written || echo unreadable)"
  kill "$gateway"; wait "$gateway" 2>/dev/null || true; gateway=""
}

run_engine sqlite "$work/sqlite/gateway.sqlite"
url="$(scripts/postgres-test-server.sh start "$pgdir")"
run_engine postgres "$url"

echo "== nginx, a static JSON file of $(wc -c < "$work/answer.json") bytes"
port="$(free_port)"
mkdir -p "$work/nginx/html" "$work/nginx/tmp"
cp "$work/answer.json" "$work/nginx/html/answer.json"
# As root, nginx's workers would run as nobody, who cannot read the private work directory.
nginx_user=""; [ "$(id -u)" -ne 0 ] || nginx_user="user root;"
cat > "$work/nginx/nginx.conf" <<CONF
$nginx_user
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/tmp; proxy_temp_path $work/nginx/tmp; fastcgi_temp_path $work/nginx/tmp;
  uwsgi_temp_path $work/nginx/tmp; scgi_temp_path $work/nginx/tmp;
  server { listen 127.0.0.1:$port; root $work/nginx/html; location / { default_type application/json; } }
}
CONF
"$nginx_bin" -c "$work/nginx/nginx.conf" -p "$work/nginx" &
nginx_pid=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/answer.json" >/dev/null && break; sleep 0.1; done
echo -n "most req/s:         "; line="$(wrk -t2 -c64 -d"${seconds}s" --latency "http://127.0.0.1:$port/answer.json" | summarize)"; echo "$line"
nginx_rps="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["reqPerSec"])' "$line")"
kill "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true; nginx_pid=""
python3 -c '
import sys
sqlite, postgres, nginx = map(float, sys.argv[1:4])
print("ratios: SQLite/nginx %.2f (goal >= 0.3), PostgreSQL/nginx %.2f, PostgreSQL/SQLite %.2f" % (sqlite / nginx, postgres / nginx, postgres / sqlite))
' "${max_rps[sqlite]}" "${max_rps[postgres]}" "$nginx_rps"
