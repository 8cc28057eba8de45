#!/usr/bin/env bash
# A private, throwaway PostgreSQL cluster for tests that must stop and start their server
# (the knowledge base's fault tests): the shared cluster of `make test` is never touched.
#
#   private-postgres.sh init DIR PORT      initdb into DIR, listen on 127.0.0.1:PORT (trust)
#   private-postgres.sh start DIR          pg_ctl start, wait until it accepts connections
#   private-postgres.sh crash DIR          pg_ctl stop -m immediate (no shutdown checkpoint)
#   private-postgres.sh destroy DIR        stop (immediate) and delete DIR
#
# As root, initdb and pg_ctl run as the `postgres` user (initdb refuses root).
set -euo pipefail

PG_BIN="${LIFELONG_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
[[ -x "$PG_BIN/initdb" ]] || { echo "private-postgres: no PostgreSQL server binaries (set LIFELONG_PG_BIN)" >&2; exit 1; }

as_owner() {
    if [[ $EUID -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

command="${1:-}"
dir="${2:-}"
[[ -n "$command" && -n "$dir" ]] || { echo "usage: $0 init|start|crash|destroy DIR [PORT]" >&2; exit 2; }

case "$command" in
init)
    port="${3:?init needs a port}"
    mkdir -p "$dir"
    chmod 700 "$dir"
    if [[ $EUID -eq 0 ]]; then chown postgres:postgres "$dir"; fi
    as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    printf '%s\n' 'local all all trust' 'host all all 127.0.0.1/32 trust' >"$dir/data/pg_hba.conf"
    printf '%s\n' "listen_addresses = '127.0.0.1'" "port = $port" "unix_socket_directories = '$dir'" \
        "fsync = off" "max_connections = 50" >>"$dir/data/postgresql.conf"
    if [[ $EUID -eq 0 ]]; then chown -R postgres:postgres "$dir"; fi
    ;;
start)
    as_owner "$PG_BIN/pg_ctl" start -D "$dir/data" -l "$dir/postgres.log" -w -t 60 >/dev/null
    ;;
crash)
    as_owner "$PG_BIN/pg_ctl" stop -D "$dir/data" -m immediate -w -t 30 >/dev/null
    ;;
destroy)
    as_owner "$PG_BIN/pg_ctl" stop -D "$dir/data" -m immediate -w -t 30 >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*)
    echo "unknown command $command" >&2
    exit 2
    ;;
esac
