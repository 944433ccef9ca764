#!/usr/bin/env bash
# AS2 benchmarks, side by side in one run (issue 13). Release builds; loopback only; every
# process this script starts is stopped by its PID.
#   1. 100 KB messages, sign+encrypt+send+signed sync MDN: the gateway's sender vs pyas2lib's,
#      to the same receiver (a gateway `serve`), messages/s.
#   2. 100 MB: the gateway's sender vs the `openssl cms` + `curl` pipeline on the same bytes
#      (../shared/peers/as2/openssl_send.sh), seconds; the gateway sender's peak RSS.
#   3. 1 GB, gateway to gateway: the sender's and the receiver's peak RSS.
#   4. 1 MB messages for SECONDS (default 60), 8 in flight: messages/s and p99 round trip.
# Usage: Benchmarks/as2-benchmarks.sh [SECONDS]   (AS2_BENCH_BUILD=debug measures a debug build;
#        AS2_BENCH_SCRATCH=.build-release builds there, beside a debug .build)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
build="${AS2_BENCH_BUILD:-release}"
peers="$(cd .. && pwd)/shared/peers/as2"
[ -f "$peers/gen_certs.sh" ] || { echo "as2-benchmarks: ../shared/peers is missing" >&2; exit 1; }
scratch="${AS2_BENCH_SCRATCH:-.build}"
swift build -c "$build" --scratch-path "$scratch" --product epcis-gateway >/dev/null
swift build -c "$build" --scratch-path "$scratch" --product AS2Benchmarks >/dev/null
bin="$(swift build -c "$build" --scratch-path "$scratch" --show-bin-path)"
echo "as2-benchmarks: $build build, $(nproc) cores, $(date -u +%FT%TZ)"
work="$(mktemp -d -t as2-bench.XXXXXX)"
receiver=""
cleanup() { [ -z "$receiver" ] || kill "$receiver" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
bash "$peers/gen_certs.sh" "$work/certs" >/dev/null 2>&1
mkdir -p "$work/profiles"
cat > "$work/profiles/sender.yaml" <<YAML
id: sender
name: benchmark sender
gln: "0614141000005"
epcis: { version: "1.2", format: xml }
transport:
  as2:
    url: http://127.0.0.1:9/unused
    as2From: PARTNER
    as2To: GATEWAY
    partnerCertificate: $work/certs/gateway.crt
    ourCertificate: $work/certs/partner.crt
    ourKey: $work/certs/partner.key
    maxInboundBytes: 2GB
    mdn: { mode: sync }
YAML
port=$((20000 + RANDOM % 20000))
url="http://127.0.0.1:$port/as2"
start_receiver() {
  rm -rf "$work/data"
  printf 'store: %s\nprofiles: %s\nhttp: { port: %s }\n' "$work/data/gateway.sqlite" "$work/profiles" "$port" > "$work/gateway.yaml"
  EPCIS_GATEWAY_LOG_LEVEL=warning "$bin/epcis-gateway" serve --config "$work/gateway.yaml" > "$work/receiver.log" 2>&1 &
  receiver=$!
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null && return 0; sleep 0.1; done
  echo "as2-benchmarks: the receiver did not start" >&2; cat "$work/receiver.log" >&2; exit 1
}
stop_receiver() {
  local hwm; hwm=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$receiver/status")
  kill "$receiver"; wait "$receiver" 2>/dev/null || true; receiver=""
  echo "$hwm"
}
payload() { head -c "$2" /dev/zero | tr '\0' 'A' > "$1"; }

echo "== 1. 100 KB, signed + encrypted, signed sync MDN (50 messages each, one at a time)"
start_receiver
echo "gateway sender:  $("$bin/AS2Benchmarks" "$url" "$work/certs" 102400 50 1)"
payload "$work/p100k.xml" 102400
python3 - "$peers" "$work/certs" "$url" "$work/p100k.xml" <<'PY'
import os, sys, time, urllib.request
sys.path.insert(0, sys.argv[1]); import _oscrypto_compat  # noqa
from pyas2lib import Mdn, Message, Organization, Partner
certs, url = sys.argv[2], sys.argv[3]
rd = lambda n: open(os.path.join(certs, n), "rb").read()
org = Organization(as2_name="GATEWAY", sign_key=rd("gateway.pem"), decrypt_key=rd("gateway.pem"), domain="bench.test")
partner = Partner(as2_name="PARTNER", verify_cert=rd("partner.crt"), verify_cert_ca=rd("ca.crt"), encrypt_cert=rd("partner.crt"),
                  encrypt_cert_ca=rd("ca.crt"), sign=True, encrypt=True, digest_alg="sha256", enc_alg="aes_256_cbc", mdn_mode="SYNC", mdn_digest_alg="sha256")
data = open(sys.argv[4], "rb").read()
ok, start = 0, time.time()
for i in range(50):
    m = Message(org, partner); m.build(data, filename=f"b{i}.xml", content_type="application/octet-stream")
    h = {k: " ".join(str(v).split()) for k, v in m.headers.items()}
    with urllib.request.urlopen(urllib.request.Request(url, data=m.content, headers=h, method="POST"), timeout=60) as r:
        raw = "".join(f"{k}: {v}\r\n" for k, v in r.headers.items() if k.lower() not in ("content-length", "connection")).encode() + b"\r\n" + r.read()
    status, _ = Mdn().parse(raw, find_message_cb=lambda mid, _r: m if mid == m.message_id else None)
    ok += status == "processed"
elapsed = time.time() - start
print(f'pyas2lib sender: {{"messages": 50, "acknowledged": {ok}, "seconds": {elapsed:.2f}, "perSecond": {ok / elapsed:.1f}}}')
PY
echo "receiver peak RSS MiB: $(stop_receiver)"

echo "== 2. 100 MB, signed + encrypted, signed sync MDN"
payload "$work/p100m.xml" 104857600
start_receiver
echo "gateway sender:  $("$bin/AS2Benchmarks" "$url" "$work/certs" 104857600 1 1)"
# The reference pipeline signs as GATEWAY and encrypts to partner.crt, like the gateway.
t0=$(date +%s.%N)
bash "$peers/openssl_send.sh" "$work/certs" "$url" "$work/p100m.xml" aes-256-cbc pkcs1 > "$work/openssl.out" 2>&1 || { tail -5 "$work/openssl.out"; }
t1=$(date +%s.%N)
echo "openssl cms + curl: {\"seconds\": $(echo "$t1 - $t0" | bc), \"result\": \"$(grep -E '^MIC' "$work/openssl.out" | head -1)\"}"
echo "receiver peak RSS MiB: $(stop_receiver)"

echo "== 3. 1 GB, gateway to gateway"
start_receiver
echo "gateway sender:  $("$bin/AS2Benchmarks" "$url" "$work/certs" 1073741824 1 1)"
echo "receiver peak RSS MiB: $(stop_receiver)"

echo "== 4. 1 MB messages for ${seconds}s, 8 in flight, gateway to gateway"
start_receiver
echo "gateway sender:  $("$bin/AS2Benchmarks" "$url" "$work/certs" 1048576 0 8 "$seconds")"
echo "receiver peak RSS MiB: $(stop_receiver)"
