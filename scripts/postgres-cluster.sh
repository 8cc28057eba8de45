#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and local runs.
#
#   scripts/postgres-cluster.sh start [--holder PID]   init a fresh cluster and start it (no-op if running)
#   scripts/postgres-cluster.sh stop  [--holder PID]   stop it (no-op if nothing runs)
#   scripts/postgres-cluster.sh env                    print `export PG*=… POSTGRES_*=…` lines
#   scripts/postgres-cluster.sh status                 say whether it runs, where, and on which port
#   scripts/postgres-cluster.sh destroy                stop it and delete its data
#
# The cluster listens on 127.0.0.1 only, on a free port (from 55432 up, or LIFELONG_PG_PORT),
# trusts every loopback connection, and has a database `lifelong_test`; connect as the superuser
# `postgres`. Its data live in <repo>/.pgdata, its socket and log in <repo>/.run/postgres; when
# the repository is not reachable by the `postgres` user (run as root from a private folder) both
# move to a temporary folder under /tmp. .run/postgres.state records where it all is.
#
# As root, initdb/pg_ctl run as the `postgres` user (initdb refuses root); as any other user they
# run as that user. Durability is switched off (fsync=off): the cluster is for tests only.
#
# Holders: `start --holder PID` registers a user of the cluster and `stop --holder PID` only stops
# it when no other live holder is left, so two test runs in one tree (or a `make pg-start` by
# hand, which holds it until `make pg-stop`) do not pull the database from under each other.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="$ROOT/.run"
STATE="$RUN_DIR/postgres.state"
HOLDERS="$RUN_DIR/postgres.holders"
LOCK="$RUN_DIR/postgres.lock"
DATABASE="lifelong_test"
SUPERUSER="postgres"
HOST="127.0.0.1"

log() { printf 'postgres-cluster: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

find_pg_bin() {
    if [[ -n "${LIFELONG_PG_BIN:-}" ]]; then
        printf '%s\n' "$LIFELONG_PG_BIN"
        return
    fi
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    [[ -n "$dir" && -x "$dir/initdb" ]] ||
        die "no PostgreSQL server binaries under /usr/lib/postgresql (run scripts/install-deps.sh)"
    printf '%s\n' "$dir"
}
PG_BIN="$(find_pg_bin)"

# Who owns the cluster's files and runs its programs.
if [[ $EUID -eq 0 ]]; then
    id -u postgres >/dev/null 2>&1 || die "no 'postgres' user (run scripts/install-deps.sh)"
    OWNER=postgres
else
    OWNER="$(id -un)"
fi

# Runs a PostgreSQL program as the owner, from / (the owner may not be allowed into the cwd).
as_owner() {
    if [[ $EUID -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

# Loads the recorded layout (PG_DATA, PG_SOCKET_DIR, PG_LOG, PG_PORT, PG_TEMP_BASE); 1 if none.
load_state() {
    PG_DATA="" PG_SOCKET_DIR="" PG_LOG="" PG_PORT="" PG_TEMP_BASE=""
    [[ -f "$STATE" ]] || return 1
    # shellcheck disable=SC1090
    source "$STATE"
    [[ -n "$PG_DATA" ]]
}

is_running() { # data-dir
    [[ -n "$1" ]] && as_owner "$PG_BIN/pg_ctl" status -D "$1" >/dev/null 2>&1
}

# The first port from $1 up (at most $2 ports) on which 127.0.0.1 can be bound now.
free_port() {
    if command -v python3 >/dev/null 2>&1 && python3 -c '' 2>/dev/null; then
        python3 - "$1" "${2:-200}" <<'PY'
import socket, sys
start, count = int(sys.argv[1]), int(sys.argv[2])
for port in range(start, min(start + count, 65536)):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # As PostgreSQL binds: a port whose last connections linger in TIME_WAIT (a cluster
    # stopped a moment ago) is free; one somebody listens on is not.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    sys.exit(0)
sys.exit("no free port in %d..%d" % (start, start + count - 1))
PY
        return
    fi
    # Without Python: a port nobody accepts connections on (a race is retried by the caller).
    local port
    for ((port = $1; port < $1 + ${2:-200} && port < 65536; port++)); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    log "no free port in $1..$(($1 + ${2:-200} - 1))"
    return 1
}

# Chooses where data, socket and log go: inside the repo when the owner can reach it and the
# socket path stays under the kernel's 107-byte limit, otherwise in a fresh folder under /tmp.
choose_layout() {
    PG_TEMP_BASE=""
    local reachable=1
    # The owner must be able to traverse every folder down to .run (and so to the repo root).
    if [[ $EUID -eq 0 ]] && ! runuser -u postgres -- test -x "$RUN_DIR" 2>/dev/null; then
        reachable=0
    fi
    if (( reachable )) && (( ${#RUN_DIR} + 30 < 100 )); then
        PG_DATA="$ROOT/.pgdata"
        PG_SOCKET_DIR="$RUN_DIR/postgres"
        PG_LOG="$RUN_DIR/postgres/postgres.log"
    else
        PG_TEMP_BASE="$(mktemp -d /tmp/lifelong-pg.XXXXXX)"
        PG_DATA="$PG_TEMP_BASE/data"
        PG_SOCKET_DIR="$PG_TEMP_BASE"
        PG_LOG="$PG_TEMP_BASE/postgres.log"
        log "repository not usable by '$OWNER' for the cluster; using $PG_TEMP_BASE"
    fi
}

write_state() {
    local tmp="$STATE.tmp"
    {
        printf 'PG_DATA=%q\n' "$PG_DATA"
        printf 'PG_SOCKET_DIR=%q\n' "$PG_SOCKET_DIR"
        printf 'PG_LOG=%q\n' "$PG_LOG"
        printf 'PG_PORT=%q\n' "$PG_PORT"
        printf 'PG_TEMP_BASE=%q\n' "$PG_TEMP_BASE"
    } >"$tmp"
    mv "$tmp" "$STATE"
}

remove_old_cluster() {
    if load_state; then
        if is_running "$PG_DATA"; then
            as_owner "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m immediate -w >/dev/null 2>&1 || true
        fi
        if [[ -n "$PG_TEMP_BASE" && -d "$PG_TEMP_BASE" ]]; then
            rm -rf "$PG_TEMP_BASE"
        fi
    fi
    if [[ -d "$ROOT/.pgdata" ]] && is_running "$ROOT/.pgdata"; then
        as_owner "$PG_BIN/pg_ctl" stop -D "$ROOT/.pgdata" -m immediate -w >/dev/null 2>&1 || true
    fi
    rm -rf "$ROOT/.pgdata" "$RUN_DIR/postgres" "$STATE" "$HOLDERS"
}

add_holder() { # pid or "manual"
    mkdir -p "$HOLDERS"
    : >"$HOLDERS/$1"
}

# Prints the holders still alive (a holder whose process is gone is dropped).
live_holders() {
    [[ -d "$HOLDERS" ]] || return 0
    local entry name
    for entry in "$HOLDERS"/*; do
        [[ -e "$entry" ]] || continue
        name="$(basename "$entry")"
        if [[ "$name" == manual || -d "/proc/$name" ]]; then
            printf '%s ' "$name"
        else
            rm -f "$entry"
        fi
    done
}

cmd_start() {
    local holder="${1:-manual}"
    if load_state && is_running "$PG_DATA"; then
        add_holder "$holder"
        log "already running on $HOST:$PG_PORT (data $PG_DATA)"
        return 0
    fi
    remove_old_cluster
    choose_layout
    mkdir -p "$PG_DATA" "$PG_SOCKET_DIR"
    chmod 700 "$PG_DATA"
    if [[ $EUID -eq 0 ]]; then
        chown postgres:postgres "$PG_DATA" "$PG_SOCKET_DIR"
    fi

    local initdb_log="$RUN_DIR/postgres.initdb.log"
    if ! as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U "$SUPERUSER" --auth=trust \
        --encoding=UTF8 --locale=C --no-sync >"$initdb_log" 2>&1; then
        cat "$initdb_log" >&2
        die "initdb failed"
    fi

    # Trust, but only from this machine: unix socket and 127.0.0.1.
    printf '%s\n' \
        '# lifelong throwaway cluster: trust loopback only' \
        'local all all trust' \
        'host  all all 127.0.0.1/32 trust' >"$PG_DATA/pg_hba.conf"
    printf "\ninclude = 'lifelong.conf'\n" >>"$PG_DATA/postgresql.conf"

    local attempt next_port="${LIFELONG_PG_PORT:-55432}" scan=200
    if [[ -n "${LIFELONG_PG_PORT:-}" ]]; then
        scan=1
    fi
    for attempt in 1 2 3 4 5; do
        PG_PORT="$(free_port "$next_port" "$scan")" || die "no free port from $next_port"
        printf '%s\n' \
            "listen_addresses = '$HOST'" \
            "port = $PG_PORT" \
            "unix_socket_directories = '${PG_SOCKET_DIR//\'/\'\'}'" \
            "fsync = off" \
            "synchronous_commit = off" \
            "full_page_writes = off" \
            "max_connections = 200" >"$PG_DATA/lifelong.conf"
        if [[ $EUID -eq 0 ]]; then
            chown postgres:postgres "$PG_DATA/lifelong.conf"
        fi
        rm -f "$PG_LOG" # so that the checks below read this attempt only
        # 8>&-: the postmaster must not inherit (and so keep) our lock.
        if as_owner "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t 60 >/dev/null 8>&-; then
            break
        fi
        if grep -q 'could not bind\|Address already in use\|could not create any TCP/IP sockets' "$PG_LOG" 2>/dev/null; then
            log "port $PG_PORT was taken meanwhile; trying another"
            next_port=$((PG_PORT + 1))
            if [[ -n "${LIFELONG_PG_PORT:-}" ]]; then
                break
            fi
            continue
        fi
        break
    done
    if ! is_running "$PG_DATA"; then
        tail -n 30 "$PG_LOG" >&2 2>/dev/null || true
        die "PostgreSQL did not start (log: $PG_LOG)"
    fi
    write_state

    "$PG_BIN/createdb" -h "$HOST" -p "$PG_PORT" -U "$SUPERUSER" "$DATABASE" ||
        die "could not create database $DATABASE"
    add_holder "$holder"
    log "PostgreSQL $("$PG_BIN/postgres" -V | awk '{print $3}') running on $HOST:$PG_PORT, database $DATABASE (data $PG_DATA, log $PG_LOG)"
}

stop_cluster() {
    if ! as_owner "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 60 >/dev/null; then
        log "fast shutdown failed; stopping immediately"
        as_owner "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m immediate -w -t 30 >/dev/null || true
    fi
    log "stopped (data kept in $PG_DATA until the next start)"
}

cmd_stop() {
    local holder="${1:-}"
    if ! load_state || ! is_running "$PG_DATA"; then
        # Not recorded, or recorded but gone: maybe an unrecorded leftover in .pgdata.
        if [[ -d "$ROOT/.pgdata" ]] && is_running "$ROOT/.pgdata"; then
            PG_DATA="$ROOT/.pgdata"
            stop_cluster
        else
            log "not running"
        fi
        rm -rf "$HOLDERS"
        return 0
    fi
    if [[ -n "$holder" ]]; then
        rm -f "$HOLDERS/$holder"
        local others
        others="$(live_holders)"
        if [[ -n "$others" ]]; then
            log "still used (holders: ${others% }); leaving it running"
            return 0
        fi
    fi
    stop_cluster
    rm -rf "$HOLDERS"
}

cmd_env() {
    if ! load_state || ! is_running "$PG_DATA"; then
        die "not running: start it with 'make pg-start' (or scripts/postgres-cluster.sh start)"
    fi
    printf 'export PGHOST=%q PGPORT=%q PGUSER=%q PGDATABASE=%q\n' \
        "$HOST" "$PG_PORT" "$SUPERUSER" "$DATABASE"
    printf 'export POSTGRES_HOSTNAME=%q POSTGRES_PORT=%q POSTGRES_USER=%q POSTGRES_DB=%q\n' \
        "$HOST" "$PG_PORT" "$SUPERUSER" "$DATABASE"
}

cmd_status() {
    if load_state && is_running "$PG_DATA"; then
        printf 'running on %s:%s, database %s, data %s, socket dir %s, log %s, holders: %s\n' \
            "$HOST" "$PG_PORT" "$DATABASE" "$PG_DATA" "$PG_SOCKET_DIR" "$PG_LOG" "$(live_holders)"
    else
        printf 'not running\n'
        return 3
    fi
}

cmd_destroy() {
    cmd_stop
    remove_old_cluster
    log "removed"
}

usage() {
    sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[[ $# -ge 1 ]] || usage
command="$1"
shift
holder=""
if [[ "${1:-}" == --holder ]]; then
    [[ -n "${2:-}" ]] || usage
    holder="$2"
    shift 2
fi
[[ $# -eq 0 ]] || usage

mkdir -p "$RUN_DIR"
# One start/stop at a time in a tree; `env` and `status` only read.
case "$command" in
    start | stop | destroy)
        exec 8>"$LOCK"
        flock 8
        ;;
esac

case "$command" in
    start) cmd_start "$holder" ;;
    stop) cmd_stop "$holder" ;;
    env) cmd_env ;;
    status) cmd_status ;;
    destroy) cmd_destroy ;;
    -h | --help | help) usage ;;
    *) usage ;;
esac
