#!/usr/bin/env bash
# `make bench-learning`: our gradient-boosted trees against XGBoost (tree_method=hist) and
# LightGBM on the same generated data: 200k rows x 20 features, 3 classes, 100 rounds, depth 6,
# eta 0.3, 2 threads, evaluated on 50k held-out rows; training time is the median of
# BENCH_REPEATS runs per side. Each side runs in its own process (peak RSS from getrusage).
# Single-row prediction is also compared with tl2cgen: our trained trees compiled to C by
# tl2cgen (gcc), timed from C by scripts/learning/tl2cgen_single_row.c, after checking that
# it predicts what we predict on every held-out row.
# Prints a side-by-side table and ends with one `SUMMARY key=value ...` line.
#
# Environment: LIFELONG_PYTHON (default .venv/bin/python, needs numpy, xgboost, lightgbm,
# tl2cgen), LEARNING_SCRATCH_PATH (SwiftPM scratch path, default .build), BENCH_ROWS (default
# 200000), BENCH_REPEATS (training runs per side, default 3), CC (default gcc).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PYTHON="${LIFELONG_PYTHON:-$ROOT/.venv/bin/python}"
SCRATCH="${LEARNING_SCRATCH_PATH:-.build}"
ROWS="${BENCH_ROWS:-200000}"
TEST_ROWS=50000
REPEATS="${BENCH_REPEATS:-3}"
CC="${CC:-gcc}"
SETTINGS=(--rounds 100 --depth 6 --eta 0.3)

if ! "$PYTHON" -c "import numpy, xgboost, lightgbm, tl2cgen, treelite" 2>/dev/null; then
    echo "bench-learning: $PYTHON cannot import numpy, xgboost, lightgbm, tl2cgen and treelite; run 'make deps' (it creates the venv) or set LIFELONG_PYTHON" >&2
    exit 1
fi
if ! command -v "$CC" >/dev/null 2>&1; then
    echo "bench-learning: no C compiler '$CC' (Debian package gcc; 'make deps' installs it)" >&2
    exit 1
fi

echo "bench-learning: building learning-benchmark (release)" >&2
swift build --scratch-path "$SCRATCH" -c release --product learning-benchmark >&2
BIN="$(swift build --scratch-path "$SCRATCH" -c release --show-bin-path)/learning-benchmark"

DATA="$(mktemp -d "${TMPDIR:-/tmp}/bench-learning.XXXXXX")"
trap 'rm -rf "$DATA"' EXIT
echo "bench-learning: generating $ROWS training rows + $TEST_ROWS held-out rows in $DATA" >&2
"$PYTHON" scripts/learning/xgboost_bench.py generate --out "$DATA" --rows "$ROWS" --test-rows "$TEST_ROWS" \
    --features 20 --classes 3 --seed 42 --csv >&2

echo "bench-learning: ours ($REPEATS training runs)" >&2
"$BIN" --data "$DATA" "${SETTINGS[@]}" --repeats "$REPEATS" --export "$DATA" > "$DATA/ours.txt"
echo "bench-learning: xgboost ($REPEATS training runs)" >&2
"$PYTHON" scripts/learning/xgboost_bench.py run --data "$DATA" "${SETTINGS[@]}" --threads 2 --repeats "$REPEATS" \
    > "$DATA/xgb.txt"
echo "bench-learning: lightgbm ($REPEATS training runs)" >&2
"$PYTHON" scripts/learning/lightgbm_bench.py --data "$DATA" "${SETTINGS[@]}" --threads 2 --repeats "$REPEATS" \
    > "$DATA/lightgbm.txt"

echo "bench-learning: tl2cgen: compiling our trees to C, then timing single rows from C" >&2
"$PYTHON" scripts/learning/tl2cgen_bench.py --trees "$DATA/trees.json" --out "$DATA/ours_tl2cgen.so" >&2
"$CC" -O2 -o "$DATA/tl2cgen_single_row" scripts/learning/tl2cgen_single_row.c -ldl -lm
"$DATA/tl2cgen_single_row" "$DATA/ours_tl2cgen.so" "$DATA" "$DATA/ours_probabilities.f32" "$TEST_ROWS" 20 \
    > "$DATA/tl2cgen.txt"

"$PYTHON" scripts/learning/xgboost_bench.py report "$DATA/ours.txt" "$DATA/xgb.txt" \
    --lightgbm "$DATA/lightgbm.txt" --tl2cgen "$DATA/tl2cgen.txt" \
    --title "GBDT ${ROWS} rows x 20 features, 3 classes, 100 rounds, depth 6, eta 0.3, 2 threads; held-out $TEST_ROWS rows"
