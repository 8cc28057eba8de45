#!/usr/bin/env bash
# `make bench-training`: 50 tasks x 2,000 samples trained through the services (lifelong-kb and
# lifelong-training as processes on loopback, on the throwaway PostgreSQL) against the same work
# in-process with the learning core; then the same run with two training instances sharing the
# queue. Prints each measurement and one `SUMMARY key=value ...` line: service overhead ratio
# (target <= 1.15) and the speed-up from one to two instances (2 cores: expect little).
#
# Environment: TRAINING_BENCH_SCRATCH_PATH (SwiftPM scratch path, default .build),
# TRAINING_BENCH_TASKS (50), TRAINING_BENCH_ROWS (2000), TRAINING_BENCH_CONFIGURATION (release; debug
# for a quick check of the script), TRAINING_BENCH_TIMELINE=1 (also print each run's own events
# with their times).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
SCRATCH="${TRAINING_BENCH_SCRATCH_PATH:-.build}"
CONFIGURATION="${TRAINING_BENCH_CONFIGURATION:-release}"
TASKS="${TRAINING_BENCH_TASKS:-50}"
ROWS="${TRAINING_BENCH_ROWS:-2000}"

scripts/postgres-cluster.sh start --holder $$ >&2
eval "$(scripts/postgres-cluster.sh env)"
for product in lifelong-kb lifelong-taskmining lifelong-training lifelong-tokens training-benchmark; do
    echo "bench-training: building $product (release)" >&2
    swift build --scratch-path "$SCRATCH" -c "$CONFIGURATION" --product "$product" >&2
done
BIN="$(swift build --scratch-path "$SCRATCH" -c "$CONFIGURATION" --show-bin-path)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/bench-training.XXXXXX")"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
    scripts/postgres-cluster.sh stop --holder $$ >&2 || true
}
trap cleanup EXIT
SUFFIX="$$_$(date +%s)"
TIMELINE=()
[[ -n "${TRAINING_BENCH_TIMELINE:-}" ]] && TIMELINE=(--timeline)

# The services check bearer tokens as deployed: a token file of their own for this run.
"$BIN/lifelong-tokens" "$WORK/tokens" > /dev/null
AUTH=(--auth-tokens "$WORK/tokens/tokens.sha256" --service-token-file "$WORK/tokens/service.token")

# Starts an executable with --port 0, its first line ("<name> listening on host:port") in $WORK/<tag>.out.
launch() {
    local name="$1" tag="$2"; shift 2
    "$BIN/$name" --port 0 --log-level warning "${AUTH[@]}" "$@" > "$WORK/$tag.out" 2>> "$WORK/services.log" &
    PIDS+=("$!")
    echo "$!" > "$WORK/$tag.pid"
}
# The port a launched executable listens on, once it does.
port_of() {
    local tag="$1"
    for _ in $(seq 1 600); do
        if grep -q "listening on" "$WORK/$tag.out" 2>/dev/null; then
            sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$WORK/$tag.out" | head -1
            return
        fi
        kill -0 "$(cat "$WORK/$tag.pid")" 2>/dev/null || { echo "bench-training: $tag exited:" >&2; cat "$WORK/services.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "bench-training: $tag did not start" >&2
    exit 1
}

launch lifelong-kb kb --schema "bench_kb_$SUFFIX"
KB_PORT="$(port_of kb)"
launch lifelong-taskmining mining --kb-address "127.0.0.1:$KB_PORT"
MINING_PORT="$(port_of mining)"
launch lifelong-training one --schema "bench_training_$SUFFIX" --kb-address "127.0.0.1:$KB_PORT" \
    --taskmining-address "127.0.0.1:$MINING_PORT" --worker-id one
T1_PORT="$(port_of one)"
echo "bench-training: one training instance" >&2
"$BIN/training-benchmark" --kb "127.0.0.1:$KB_PORT" --training "127.0.0.1:$T1_PORT" --job "one-$SUFFIX" \
    --token-file "$WORK/tokens/service.token" \
    --tasks "$TASKS" --rows "$ROWS" "${TIMELINE[@]}" | tee "$WORK/one.txt"
launch lifelong-training two --schema "bench_training_$SUFFIX" --kb-address "127.0.0.1:$KB_PORT" \
    --taskmining-address "127.0.0.1:$MINING_PORT" --worker-id two
port_of two > /dev/null
echo "bench-training: two training instances" >&2
"$BIN/training-benchmark" --kb "127.0.0.1:$KB_PORT" --training "127.0.0.1:$T1_PORT" --job "two-$SUFFIX" \
    --token-file "$WORK/tokens/service.token" \
    --tasks "$TASKS" --rows "$ROWS" --no-in-process "${TIMELINE[@]}" | tee "$WORK/two.txt"

value() { sed -n "s/^RESULT .*$2=\([0-9.na]*\).*/\1/p" "$1"; }
ONE="$(value "$WORK/one.txt" service_seconds)"
INPROC="$(value "$WORK/one.txt" in_process_seconds)"
TWO="$(value "$WORK/two.txt" service_seconds)"
awk -v one="$ONE" -v inproc="$INPROC" -v two="$TWO" -v tasks="$TASKS" -v rows="$ROWS" 'BEGIN {
    printf "SUMMARY tasks=%d rows_per_task=%d service_seconds=%.3f in_process_seconds=%.3f service_overhead_ratio=%.3f two_instances_seconds=%.3f speedup_two_instances=%.3f target_met=%d\n",
        tasks, rows, one, inproc, one / inproc, two, one / two, (one / inproc <= 1.15) ? 1 : 0
}'
