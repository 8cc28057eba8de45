#!/usr/bin/env bash
# What `make test` (and so CI) runs: dependencies, a throwaway PostgreSQL, `swift build`,
# `swift test` (in two runs, see below), then every suite in scripts/test.d/ — and PostgreSQL stopped again whatever
# happened. Extra arguments go to `swift test` (e.g. `--filter PostgresClientTests`).
#
# Environment:
#   LIFELONG_SWIFT_FLAGS     flags for both swift build and swift test (e.g. "--scratch-path .build-ci")
#   LIFELONG_SKIP_DEPS=1     do not run scripts/install-deps.sh
#   LIFELONG_TEST_TIMEOUT    seconds the whole run may take (default 1680 = 28 min); a phase
#                            still running then is interrupted and the run fails
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

read -r -a SWIFT_FLAGS <<<"${LIFELONG_SWIFT_FLAGS:-}"
TIMEOUT="${LIFELONG_TEST_TIMEOUT:-1680}"
STARTED_AT=$SECONDS
PHASES=()
PG_HOLDER=""
CHILD=""
CURRENT=""
CURRENT_START=""

# Microseconds since the epoch (bash 5's EPOCHREALTIME, no external tools).
now_us() { local t="${EPOCHREALTIME/[.,]/}"; printf '%s' "$((10#$t))"; }

# Tenths of a second between two now_us readings, as "12.3".
elapsed() { local d=$((($2 - $1) / 100000)); printf '%d.%d' "$((d / 10))" "$((d % 10))"; }

record() { # name start verdict
    local took
    took="$(elapsed "$2" "$(now_us)")"
    PHASES+=("$(printf '%-28s %8s s  %s' "$1" "$took" "$3")")
    printf '==> %s: %s in %s s\n' "$1" "$3" "$took"
}

# Runs one phase, timing it; the first failure ends the run (set -e).
phase() {
    local name="$1" status=0 verdict remaining
    shift
    remaining=$((TIMEOUT - (SECONDS - STARTED_AT)))
    if ((remaining < 1)); then remaining=1; fi
    printf '\n==> %s\n' "$name"
    CURRENT="$name"
    CURRENT_START="$(now_us)"
    # In the background and waited for, so that a signal reaches our traps at once; in a
    # session of its own, so that stopping it reaches its children too. SIGINT, because
    # swift test passes that one on to the test processes it starts.
    setsid timeout --signal=INT --kill-after=30 "$remaining" "$@" &
    CHILD=$!
    wait "$CHILD" || status=$?
    CHILD=""
    case $status in
        0) verdict=ok ;;
        124 | 137) verdict="TIMED OUT (the run's limit is ${TIMEOUT} s: LIFELONG_TEST_TIMEOUT)" ;;
        *) verdict="FAILED (exit $status)" ;;
    esac
    record "$name" "$CURRENT_START" "$verdict"
    CURRENT=""
    return "$status"
}

finish() {
    local status=$?
    trap - EXIT
    if [[ -n "$CHILD" ]] && kill -0 -- "-$CHILD" 2>/dev/null; then
        printf '\n==> interrupted: stopping %s\n' "$CURRENT"
        local signal tries
        for signal in INT TERM; do
            kill -"$signal" -- "-$CHILD" 2>/dev/null || true
            for tries in {1..25}; do
                kill -0 -- "-$CHILD" 2>/dev/null || break 2
                sleep 0.2
            done
        done
        kill -KILL -- "-$CHILD" 2>/dev/null || true
        wait "$CHILD" 2>/dev/null || true
        CHILD=""
    fi
    if [[ -n "$CURRENT" ]]; then
        record "$CURRENT" "$CURRENT_START" "INTERRUPTED"
        CURRENT=""
    fi
    if [[ -n "$PG_HOLDER" ]]; then
        TIMEOUT=$((SECONDS - STARTED_AT + 120)) # stopping gets its own two minutes
        phase "stop PostgreSQL" scripts/postgres-cluster.sh stop --holder "$PG_HOLDER" || true
    fi
    printf '\n==> timings\n'
    printf '  %s\n' "${PHASES[@]}"
    printf '  %-28s %8d s\n' "total" "$((SECONDS - STARTED_AT))"
    if [[ $status -eq 0 ]]; then
        printf '==> make test: passed\n'
    else
        printf '==> make test: FAILED (exit %d)\n' "$status"
    fi
    exit "$status"
}
trap finish EXIT
# Make Ctrl-C and SIGTERM go through the EXIT trap too.
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ "${LIFELONG_SKIP_DEPS:-0}" != 1 ]]; then
    phase "install dependencies" scripts/install-deps.sh
fi

# Holding by our PID: a cluster someone else also uses (another run, `make pg-start`) stays up.
PG_HOLDER=$$
phase "start PostgreSQL" scripts/postgres-cluster.sh start --holder "$PG_HOLDER"
PG_ENV="$(scripts/postgres-cluster.sh env)"
eval "$PG_ENV"
export LIFELONG_PYTHON="${LIFELONG_PYTHON:-${LIFELONG_VENV:-$ROOT/.venv}/bin/python}"
printf 'PGHOST=%s PGPORT=%s PGDATABASE=%s LIFELONG_PYTHON=%s\n' "$PGHOST" "$PGPORT" "$PGDATABASE" "$LIFELONG_PYTHON"

phase "swift build" swift build "${SWIFT_FLAGS[@]}"
# docker/ without a container engine: lint, compose config, schemas, variables, the compose rehearsal.
phase "deploy checks" scripts/deploy/validate.sh
# Two runs of the test binary: the suites whose training keeps both cores busy for minutes
# (learning, lifelong core, CLI experiments, task mining, training) run apart from the
# transport, service-host and knowledge-base suites, whose health, deadline and pool-wait
# checks must not compete with them for the CPU. With extra arguments: one run, as given.
CPU_BOUND='^(LearningTests|LifelongCoreTests|CLITests|TaskMiningTests|TrainingTests|GatewayTests)\.'
if [[ $# -gt 0 ]]; then
    phase "swift test" swift test "${SWIFT_FLAGS[@]}" "$@"
else
    phase "swift test (transport, host, knowledge base, …)" swift test "${SWIFT_FLAGS[@]}" --skip "$CPU_BOUND"
    phase "swift test (learning, task mining, training, gateway)" swift test "${SWIFT_FLAGS[@]}" --filter "$CPU_BOUND"
fi

# Further suites (Python interop peers, service integration, …): executable scripts in
# scripts/test.d/, run in name order with the same environment.
if [[ -d scripts/test.d ]]; then
    for suite in scripts/test.d/*; do
        [[ -f "$suite" && -x "$suite" ]] || continue
        phase "$(basename "$suite")" "$suite"
    done
fi
