#!/usr/bin/env bash
# `make bench-learning`: our gradient-boosted trees against XGBoost (tree_method=hist, nthread=2)
# on the same generated data: 200k rows x 20 features, 3 classes, 100 rounds, depth 6, eta 0.3,
# evaluated on 50k held-out rows. Each side runs in its own process (peak RSS from getrusage).
# Prints a side-by-side table and ends with one `SUMMARY key=value ...` line.
#
# Environment: LIFELONG_PYTHON (default .venv/bin/python, needs numpy + xgboost),
# LEARNING_SCRATCH_PATH (SwiftPM scratch path, default .build), BENCH_ROWS (default 200000).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PYTHON="${LIFELONG_PYTHON:-$ROOT/.venv/bin/python}"
SCRATCH="${LEARNING_SCRATCH_PATH:-.build}"
ROWS="${BENCH_ROWS:-200000}"

if ! "$PYTHON" -c "import numpy, xgboost" 2>/dev/null; then
    echo "bench-learning: $PYTHON cannot import numpy and xgboost; run 'make test' (it creates the venv) or set LIFELONG_PYTHON" >&2
    exit 1
fi

echo "bench-learning: building learning-benchmark (release)" >&2
swift build --scratch-path "$SCRATCH" -c release --product learning-benchmark >&2
BIN="$(swift build --scratch-path "$SCRATCH" -c release --show-bin-path)/learning-benchmark"

DATA="$(mktemp -d "${TMPDIR:-/tmp}/bench-learning.XXXXXX")"
trap 'rm -rf "$DATA"' EXIT
echo "bench-learning: generating $ROWS training rows + 50000 held-out rows in $DATA" >&2
"$PYTHON" scripts/learning/xgboost_bench.py generate --out "$DATA" --rows "$ROWS" --test-rows 50000 \
    --features 20 --classes 3 --seed 42 --csv >&2

echo "bench-learning: ours" >&2
"$BIN" --data "$DATA" --rounds 100 --depth 6 --eta 0.3 > "$DATA/ours.txt"
echo "bench-learning: xgboost" >&2
"$PYTHON" scripts/learning/xgboost_bench.py run --data "$DATA" --rounds 100 --depth 6 --eta 0.3 --threads 2 \
    > "$DATA/xgb.txt"

"$PYTHON" scripts/learning/xgboost_bench.py report "$DATA/ours.txt" "$DATA/xgb.txt" \
    --title "GBDT ${ROWS} rows x 20 features, 3 classes, 100 rounds, depth 6, eta 0.3, 2 threads; held-out 50000 rows"
