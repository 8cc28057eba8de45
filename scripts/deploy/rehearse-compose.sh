#!/usr/bin/env bash
# Rehearses docker/docker-compose.yml without containers (see rehearse_compose.py): the services
# of the compose file as processes with its environment, SERVING, one call through the gateway.
#
#   scripts/deploy/rehearse-compose.sh [--training-replicas N]
#
# Environment:
#   LIFELONG_DEPLOY_BIN_DIR  the built executables (default: swift build's bin path, debug)
#   LIFELONG_PYTHON          the venv's python (default: <repo>/.venv/bin/python)
#   PGHOST, PGPORT, PGUSER, PGDATABASE  a PostgreSQL to make the rehearsal's database in; unset,
#                            the throwaway cluster of scripts/postgres-cluster.sh is started (and
#                            stopped again) for it
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PYTHON="${LIFELONG_PYTHON:-$ROOT/.venv/bin/python}"
read -r -a SWIFT_FLAGS <<<"${LIFELONG_SWIFT_FLAGS:-}"
BIN_DIR="${LIFELONG_DEPLOY_BIN_DIR:-$(swift build "${SWIFT_FLAGS[@]}" --show-bin-path)}"
WORK="$(mktemp -d)"
HOLDING=""

cleanup() {
    rm -rf "$WORK"
    if [[ -n "$HOLDING" ]]; then
        scripts/postgres-cluster.sh stop --holder "$HOLDING" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

if [[ -z "${PGHOST:-}" || -z "${PGPORT:-}" ]]; then
    HOLDING=$$
    scripts/postgres-cluster.sh start --holder "$HOLDING" >/dev/null
    eval "$(scripts/postgres-cluster.sh env)"
fi

docker-compose --env-file docker/.env.example -f docker/docker-compose.yml config >"$WORK/compose.yml"
"$PYTHON" scripts/deploy/rehearse_compose.py "$WORK/compose.yml" "$BIN_DIR" "$@"
