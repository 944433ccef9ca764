#!/usr/bin/env bash
# Installs what building and testing the gateway needs, and nothing that is already there.
# Idempotent: on a machine that has everything it only checks, in about a second.
set -euo pipefail

DEBIAN_PACKAGES=(libxml2-dev libcurl4-openssl-dev libssl-dev libssh2-1-dev libsqlite3-dev zlib1g-dev pkgconf
  postgresql   # the store tests start a throw-away server of their own
  openssh-server  # the SFTP interop tests start a throw-away sshd of their own (never as a service)
  libxml2-utils)  # xmllint: the tests validate output against the official XSDs with it
# Independent implementations the interop tests compare against (pinned for repeatable verdicts).
PYTHON_PACKAGES=("biip==5.2.0"
  # the official EPCIS JSON schema is checked with jsonschema; the rfc packages make it enforce
  # the date-time and uri formats
  "jsonschema==4.26.0" "rfc3339-validator==0.1.4" "rfc3987==1.3.8"
  # reads partner profiles for the schema-agreement test
  "PyYAML==6.0.3"
  # the independent AS2 peer (../shared/peers/as2) the AS2 interop tests exchange with
  "pyas2lib==1.4.4")

log() { printf 'setup: %s\n' "$*"; }

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

command -v swift >/dev/null || { log "swift is not on PATH: install Swift 6.3 first"; exit 1; }
command -v python3 >/dev/null || { log "python3 is not on PATH"; exit 1; }

for requirement in "${PYTHON_PACKAGES[@]}"; do
  name=${requirement%%==*}
  version=${requirement#*==}
  installed=$(python3 -c "import importlib.metadata as m; print(m.version('$name'))" 2>/dev/null || true)
  if [ "$installed" != "$version" ]; then
    log "installing Python package $requirement"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "$requirement"
  fi
done
