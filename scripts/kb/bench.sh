#!/usr/bin/env bash
# `make bench-kb`: the knowledge base over HTTP/2 on loopback against the throwaway PostgreSQL
# (started here if it is not running), with psql anchors on the same server: `\copy` of the
# same sample rows and the same model bytes as one bytea. Prints a table and ends with one
# `SUMMARY key=value ...` line (from Benchmarks/KBBenchmark).
#
# Environment: KB_SCRATCH_PATH (SwiftPM scratch path, default .build), BENCH_SAMPLES (default
# 200000), BENCH_MODEL_MIB (default 64).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
SCRATCH="${KB_SCRATCH_PATH:-.build}"

command -v psql >/dev/null || { echo "bench-kb: psql is missing; run 'make deps'" >&2; exit 1; }
scripts/postgres-cluster.sh start --holder $$ >&2
trap 'scripts/postgres-cluster.sh stop --holder $$ >&2 || true' EXIT
eval "$(scripts/postgres-cluster.sh env)"

echo "bench-kb: building kb-benchmark (release)" >&2
swift build --scratch-path "$SCRATCH" -c release --product kb-benchmark >&2
BIN="$(swift build --scratch-path "$SCRATCH" -c release --show-bin-path)/kb-benchmark"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/bench-kb.XXXXXX")"
chmod 755 "$WORK"
trap 'rm -rf "$WORK"; scripts/postgres-cluster.sh stop --holder $$ >&2 || true' EXIT
"$BIN" --samples "${BENCH_SAMPLES:-200000}" --model-mib "${BENCH_MODEL_MIB:-64}" --work "$WORK"
