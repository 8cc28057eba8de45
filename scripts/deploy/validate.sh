#!/usr/bin/env bash
# What can be checked of docker/ on a machine without a container engine, in `make test`:
#   hadolint          docker/Dockerfile lint-clean, at every level (style included)
#   compose config    docker-compose parses docker/docker-compose.yml with docker/.env.example,
#                     and refuses it without POSTGRES_PASSWORD
#   deploy files      the manifests against the Kubernetes schemas, the kustomization, every
#                     variable set against the ones the executables read (and the required ones),
#                     the compose topology (scripts/deploy/check_deploy_files.py)
#   rehearsal         the compose file's services as processes: SERVING, ListJobs through the
#                     gateway, clean SIGTERM (scripts/deploy/rehearse_compose.py)
# Images are never built here: that needs an engine. The Dockerfile's apt pins against Debian's
# current versions: scripts/deploy/apt-pins.sh (apt-cache is too slow for every test run).
#
# Environment: LIFELONG_DEPLOY_BIN_DIR, LIFELONG_PYTHON, PG* as for rehearse-compose.sh;
# LIFELONG_SWIFT_FLAGS as for make test.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PYTHON="${LIFELONG_PYTHON:-$ROOT/.venv/bin/python}"
VENV_BIN="$(dirname "$PYTHON")"
read -r -a SWIFT_FLAGS <<<"${LIFELONG_SWIFT_FLAGS:-}"
BIN_DIR="${LIFELONG_DEPLOY_BIN_DIR:-$(swift build "${SWIFT_FLAGS[@]}" --show-bin-path)}"
WORK="$(mktemp -d)"
HOLDING=""
PASSED=0
FAILED=0
TIMINGS=()

cleanup() {
    rm -rf "$WORK"
    if [[ -n "$HOLDING" ]]; then
        scripts/postgres-cluster.sh stop --holder "$HOLDING" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

now_ms() { local t="${EPOCHREALTIME/[.,]/}"; printf '%s' "$((10#$t / 1000))"; }

# step NAME COMMAND…: runs one check, prints its output and PASS/FAIL with its time.
step() {
    local name="$1" start status=0 took
    shift
    start="$(now_ms)"
    printf '\n--> %s\n' "$name"
    "$@" || status=$?
    took="$(($(now_ms) - start))"
    TIMINGS+=("$(printf '%-16s %6d ms  %s' "$name" "$took" "$([[ $status -eq 0 ]] && echo ok || echo FAILED)")")
    if [[ $status -eq 0 ]]; then
        PASSED=$((PASSED + 1))
        printf 'PASS %s (%d ms)\n' "$name" "$took"
    else
        FAILED=$((FAILED + 1))
        printf 'FAIL %s (exit %d, %d ms)\n' "$name" "$status" "$took"
    fi
}

hadolint_clean() {
    "$VENV_BIN/hadolint" --failure-threshold style docker/Dockerfile
}

compose_config() {
    local refused=0
    grep -v '^POSTGRES_PASSWORD=' docker/.env.example >"$WORK/no-password.env"
    # Both at once: docker-compose takes seconds to start.
    docker-compose --env-file "$WORK/no-password.env" -f docker/docker-compose.yml config >/dev/null 2>"$WORK/refused" &
    local without=$!
    docker-compose --env-file docker/.env.example -f docker/docker-compose.yml config >"$WORK/compose.yml" || return 1
    wait "$without" || refused=$?
    if [[ $refused -eq 0 ]]; then
        echo "docker-compose accepted the file without POSTGRES_PASSWORD"
        return 1
    fi
    grep -q 'POSTGRES_PASSWORD' "$WORK/refused" || { cat "$WORK/refused"; return 1; }
    echo "config ok with docker/.env.example ($(grep -c '^  [a-z]' "$WORK/compose.yml") top-level entries); refused without POSTGRES_PASSWORD"
}

deploy_files() {
    [[ -s "$WORK/compose.yml" ]] || { echo "no compose config (compose config failed)"; return 1; }
    "$PYTHON" scripts/deploy/check_deploy_files.py "$WORK/compose.yml" "$BIN_DIR"
}

rehearsal() {
    [[ -s "$WORK/compose.yml" ]] || { echo "no compose config (compose config failed)"; return 1; }
    if [[ -z "${PGHOST:-}" || -z "${PGPORT:-}" ]]; then
        HOLDING=$$
        scripts/postgres-cluster.sh start --holder "$HOLDING" >/dev/null
        eval "$(scripts/postgres-cluster.sh env)"
    fi
    "$PYTHON" scripts/deploy/rehearse_compose.py "$WORK/compose.yml" "$BIN_DIR"
}

step hadolint hadolint_clean
step "compose config" compose_config
step "deploy files" deploy_files
step rehearsal rehearsal

printf '\n--> deploy checks\n'
printf '  %s\n' "${TIMINGS[@]}"
printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
[[ $FAILED -eq 0 ]]
