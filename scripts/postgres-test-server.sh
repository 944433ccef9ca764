#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests, on 127.0.0.1 only.
#   scripts/postgres-test-server.sh start DIR   → prints postgres://USER@127.0.0.1:PORT/postgres
#   scripts/postgres-test-server.sh stop DIR
# DIR holds the cluster, its socket and its log; stop removes it. Only the server this script
# started is stopped (pg_ctl reads its own postmaster.pid in DIR).
set -euo pipefail
action=${1:?start or stop}
dir=${2:?directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "postgres-test-server: PostgreSQL server binaries not found (install the postgresql package)" >&2; exit 1; }
# initdb and postgres refuse to run as root; the Debian package's postgres user runs them then.
as_owner=()
user=$(id -un)
if [ "$(id -u)" -eq 0 ]; then as_owner=(runuser -u postgres --); user=postgres; fi

case "$action" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U "$user" --auth=trust --locale=C.UTF-8 --encoding=UTF8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  echo "postgres://$user@127.0.0.1:$port/postgres"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true; fi
  rm -rf "$dir"
  ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
