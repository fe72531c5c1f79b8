#!/usr/bin/env bash
# Start a throwaway PostgreSQL on 127.0.0.1 for the ledger's tests and print its URL.
#   bash .ci/postgres.sh [DATA_DIR] [PORT]      (stop: pg_ctl -D DATA_DIR stop)
# Installs Debian's postgresql first if no server binaries are present (needs root).
set -euo pipefail
DIR=${1:-/tmp/launchcast-pg}
PORT=${2:-55432}
find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
BIN=$(find_bin || true)
if [ -z "$BIN" ] || [ ! -x "$BIN/postgres" ]; then
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    BIN=$(find_bin)
fi
AS=()
if [ "$(id -u)" = 0 ]; then AS=(runuser -u postgres --); fi
if [ -f "$DIR/postmaster.pid" ]; then "${AS[@]}" "$BIN/pg_ctl" -D "$DIR" -m immediate stop >&2 || true; fi
rm -rf "$DIR"
mkdir -p "$DIR"
if [ "$(id -u)" = 0 ]; then chown postgres "$DIR"; fi
"${AS[@]}" "$BIN/initdb" -D "$DIR" -U postgres --auth=trust -E UTF8 >/dev/null
"${AS[@]}" "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off" start >/dev/null
echo "postgresql://postgres@127.0.0.1:$PORT/postgres"
