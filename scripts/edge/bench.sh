#!/usr/bin/env bash
# `make bench-edge`: the edge node against what an edge team would deploy instead, and its
# per-sample pipeline in-process (docs/edge.md, Benchmark).
#   1. `edge-benchmark make-store`: an edge store of 100 task models (33 rounds x 3 classes = 99
#      trees each, depth <= 6), one task's training rows, and V2 ModelInfer requests of 1 and 256
#      samples, pre-encoded for h2load;
#   2. scripts/edge/bench_run.py (in .venv-mlserver): trains XGBoost of the same shape on those
#      rows, serves it with Seldon MLServer 1.7 (mlserver-xgboost), serves the store with
#      `lifelong-edge --store`, checks both answers, then loads each with h2load (req/s at 1x1 and
#      4x10, p50/p99, batches of 256) and reads each server's RSS (its whole process tree);
#   3. `edge-benchmark pipeline`: the per-sample step (TaskIndexPredictor.predict: allocation, task
#      model, detectors) in-process on an index of the same shape, its heap allocations, and one
#      task model alone; that model's trees compiled to C by tl2cgen (scripts/learning/
#      tl2cgen_bench.py, in the main venv) and timed one row at a time from C
#      (scripts/learning/tl2cgen_single_row.c), as bench-learning does.
# Prints every part and one `SUMMARY key=value ...` line (the pipeline's keys prefixed pipeline_).
#
# Installs what it needs: the Debian packages of scripts/install-deps.sh (h2load is nghttp2-client)
# and the venv .venv-mlserver from scripts/python-mlserver-requirements.txt (made only here).
#
# Environment: LIFELONG_MLSERVER_VENV (default .venv-mlserver), BENCH_SECONDS (per load, default 5),
# MLSERVER_WORKERS (MLServer's parallel_workers, default 1 = its own default), EDGE_BENCH_TASKS
# (task models in the store, default 100).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
VENV="${LIFELONG_MLSERVER_VENV:-$ROOT/.venv-mlserver}"
PYTHON="${LIFELONG_PYTHON:-${LIFELONG_VENV:-$ROOT/.venv}/bin/python}"
CC="${CC:-gcc}"
SECONDS_PER_LOAD="${BENCH_SECONDS:-5}"

scripts/install-deps.sh --venv "$VENV" "$ROOT/scripts/python-mlserver-requirements.txt"

echo "bench-edge: building lifelong-edge and edge-benchmark (release)" >&2
swift build -c release --product lifelong-edge >&2
swift build -c release --product edge-benchmark >&2
BIN="$(swift build -c release --show-bin-path)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/bench-edge.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "bench-edge: in-process pipeline (edge-benchmark pipeline)" >&2
"$BIN/edge-benchmark" pipeline --export "$WORK/tl2cgen" > "$WORK/pipeline.txt"
grep -v '^SUMMARY ' "$WORK/pipeline.txt"
summary_value() { sed -n "s/^SUMMARY .*\b$1=\([^ ]*\).*/\1/p" "$WORK/pipeline.txt"; }

echo "bench-edge: tl2cgen: the same task model compiled to C, single rows timed from C" >&2
"$PYTHON" scripts/learning/tl2cgen_bench.py --trees "$WORK/tl2cgen/trees.json" --out "$WORK/tl2cgen/model.so" >&2
"$CC" -O2 -o "$WORK/tl2cgen_single_row" scripts/learning/tl2cgen_single_row.c -ldl -lm
"$WORK/tl2cgen_single_row" "$WORK/tl2cgen/model.so" "$WORK/tl2cgen" "$WORK/tl2cgen/ours_probabilities.f32" \
    "$(summary_value samples)" "$(summary_value features)" > "$WORK/tl2cgen.txt"

echo "bench-edge: making the store (edge-benchmark make-store)" >&2
"$BIN/edge-benchmark" make-store --output "$WORK" --tasks "${EDGE_BENCH_TASKS:-100}"

echo "bench-edge: lifelong-edge against MLServer (${SECONDS_PER_LOAD}s per load)" >&2
"$VENV/bin/python" scripts/edge/bench_run.py --work "$WORK" --edge "$BIN/lifelong-edge" --seconds "$SECONDS_PER_LOAD" \
    --mlserver-workers "${MLSERVER_WORKERS:-1}" --pipeline-summary "$WORK/pipeline.txt" --tl2cgen "$WORK/tl2cgen.txt"
