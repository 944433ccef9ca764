#!/usr/bin/env bash
# SFTP benchmark, side by side in one run (issue 14): a MB-sized file (default 100 MB) uploaded
# and downloaded by the gateway's SFTP transport and by the OpenSSH sftp client, against the same
# loopback sshd (../shared/peers/sftp; needs root). Reports seconds, MB/s, the ratio to sftp, and
# the gateway's peak RSS. Every process it starts is stopped by its PID.
# Usage: Benchmarks/sftp-benchmarks.sh [MB] [ROUNDS]
#        (SFTP_BENCH_BUILD=debug measures a debug build; SFTP_BENCH_SCRATCH=.build-release builds there)
set -euo pipefail
cd "$(dirname "$0")/.."
megabytes="${1:-100}"
rounds="${2:-3}"
build="${SFTP_BENCH_BUILD:-release}"
scratch="${SFTP_BENCH_SCRATCH:-.build}"
peer="$(cd .. && pwd)/shared/peers/sftp/sftppeer.sh"
[ -f "$peer" ] || { echo "sftp-benchmarks: ../shared/peers is missing" >&2; exit 1; }
swift build -c "$build" --scratch-path "$scratch" --product SFTPBenchmarks >/dev/null
bin="$(swift build -c "$build" --scratch-path "$scratch" --show-bin-path)"
work="$(mktemp -d -t sftp-bench.XXXXXX)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() { bash "$peer" stop "$work/peer" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
bash "$peer" start "$work/peer" "$port" 900 > /dev/null < /dev/null
root="$(cat "$work/peer/root")"
key="$work/peer/client_ed25519"
fingerprint="$(ssh-keygen -lf "$work/peer/host_ed25519.pub" | awk '{print $2}')"
head -c "$((megabytes << 20))" /dev/urandom > "$work/payload.xml"
cp "$work/payload.xml" "$root/outbound/payload.xml"
chown edipeer:edipeer "$root/outbound/payload.xml"
sftp=(sftp -q -P "$port" -i "$key" -o BatchMode=yes -o UserKnownHostsFile="$work/peer/known_hosts" -o StrictHostKeyChecking=yes)
echo "sftp-benchmarks: $build build, $(nproc) cores, ${megabytes} MB, best of $rounds, $(date -u +%FT%TZ)"
now() { date +%s.%N; }
best() { sort -n | head -1; }
for direction in upload download; do
  ours=(); theirs=(); rss=0
  for round in $(seq 1 "$rounds"); do
    if [ "$direction" = upload ]; then
      start=$(now); "${sftp[@]}" -b - edipeer@127.0.0.1 >/dev/null <<SFTP
put $work/payload.xml /inbound/openssh-$round.xml.part
rename /inbound/openssh-$round.xml.part /inbound/openssh-$round.xml
SFTP
      theirs+=("$(echo "$(now) - $start" | bc)")
      out=$(/usr/bin/time -f "rss %M" "$bin/SFTPBenchmarks" upload "$port" "$key" "$fingerprint" "$work/payload.xml" 2>&1)
    else
      start=$(now); "${sftp[@]}" -b - edipeer@127.0.0.1 >/dev/null <<SFTP
get /outbound/payload.xml $work/openssh-download
SFTP
      theirs+=("$(echo "$(now) - $start" | bc)")
      rm -f "$work/openssh-download"
      out=$(/usr/bin/time -f "rss %M" "$bin/SFTPBenchmarks" download "$port" "$key" "$fingerprint" "payload.xml" 2>&1)
    fi
    ours+=("$(echo "$out" | head -1)")
    this=$(echo "$out" | awk '/^rss/ {print $2}')
    [ "$this" -gt "$rss" ] && rss=$this
    rm -f "$root"/inbound/*
  done
  g=$(printf '%s\n' "${ours[@]}" | best); o=$(printf '%s\n' "${theirs[@]}" | best)
  printf '%-8s gateway %6.2f s (%6.1f MB/s)   openssh sftp %6.2f s (%6.1f MB/s)   ratio %.2fx   gateway peak RSS %d MB\n' \
    "$direction" "$g" "$(echo "$megabytes / $g" | bc -l)" "$o" "$(echo "$megabytes / $o" | bc -l)" "$(echo "$o / $g" | bc -l)" "$((rss / 1024))"
  echo "         runs: gateway ${ours[*]}; sftp ${theirs[*]}"
done
