#!/usr/bin/env bash
# `make bench-training`: one round of tasks trained through the services (KB and training
# instances on loopback in one process, queue and KB on the throwaway PostgreSQL, started here
# if it is not running) against the same work in-process with the learning core, with one and
# two training instances. Prints a table and ends with one `SUMMARY key=value ...` line (from
# Benchmarks/TrainingBenchmark).
#
# Environment: TRAINING_SCRATCH_PATH (SwiftPM scratch path, default .build), BENCH_TASKS
# (default 50), BENCH_SAMPLES_PER_TASK (default 2000).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
SCRATCH="${TRAINING_SCRATCH_PATH:-.build}"

scripts/postgres-cluster.sh start --holder $$ >&2
trap 'scripts/postgres-cluster.sh stop --holder $$ >&2 || true' EXIT
eval "$(scripts/postgres-cluster.sh env)"

echo "bench-training: building training-benchmark (release)" >&2
swift build --scratch-path "$SCRATCH" -c release --product training-benchmark >&2
BIN="$(swift build --scratch-path "$SCRATCH" -c release --show-bin-path)/training-benchmark"
"$BIN" --tasks "${BENCH_TASKS:-50}" --samples-per-task "${BENCH_SAMPLES_PER_TASK:-2000}"
