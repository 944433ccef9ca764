#!/usr/bin/env bash
# `make install PREFIX=…`: the epcis-gateway binary in PREFIX/bin and the schemas it validates
# with in PREFIX/share/epcis-gateway/Schemas, where the binary finds them from any working
# directory. The release binary carries the Swift runtime (--static-swift-stdlib), so it needs
# only the Debian libraries scripts/setup.sh installs (libxml2, libcurl, OpenSSL, libssh2,
# SQLite). EPCIS_GATEWAY_BINARY=path installs an already built binary instead (the tests do).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${PREFIX:-/usr/local}"
strip=()
if [ -n "${EPCIS_GATEWAY_BINARY:-}" ]; then
  binary="$EPCIS_GATEWAY_BINARY"
else
  # The release binary is installed without its symbol tables (less than half the size).
  strip=(-s)
  scripts/setup.sh
  swift build -c release --static-swift-stdlib --scratch-path .build-install --product epcis-gateway
  binary="$(swift build -c release --static-swift-stdlib --scratch-path .build-install --show-bin-path)/epcis-gateway"
fi
[ -x "$binary" ] || { echo "install: $binary is not an executable" >&2; exit 1; }
install -d -m 0755 "$prefix/bin" "$prefix/share/epcis-gateway/Schemas"
install -m 0755 "${strip[@]}" "$binary" "$prefix/bin/epcis-gateway"
install -m 0644 Schemas/*.xsd Schemas/*.json "$prefix/share/epcis-gateway/Schemas/"
echo "install: $prefix/bin/epcis-gateway, schemas in $prefix/share/epcis-gateway/Schemas"
