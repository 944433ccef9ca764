#!/usr/bin/env bash
# The gateway's main job as far as it exists: read the codes a warehouse scans and show what
# they mean in every form the gateway writes (EPC URI, Digital Link, element string).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --product epcis-gateway
gateway=$(swift build --show-bin-path)/epcis-gateway
"$gateway" version
echo
while IFS= read -r line; do
  [ -z "$line" ] && continue
  case "$line" in \#*) continue ;; esac
  # Each line: the code, then the options master data would supply.
  eval "set -- $line"
  echo "\$ epcis-gateway gs1 parse $*"
  "$gateway" gs1 parse "$@" || true
  echo
done < scripts/demo-codes.txt
echo "\$ epcis-gateway partners check"
"$gateway" partners check || true
echo
echo "\$ epcis-gateway partners list"
"$gateway" partners list || true
