#!/usr/bin/env bash
# `make bench-lifelong`: the lifelong learner (per-task models + transfer + unseen handling)
# against (a) one global model retrained every round on all data, (b) isolated per-task models
# without transfer and (c) XGBoost (tree_method=hist, 2 threads) as the global model, on the
# thermal-comfort generator's default scenario (2 rounds of new sites), for each seed of
# LIFELONG_BENCH_SEEDS (default 42 43 44); then the mean and spread over the seeds.
# References, printed but not counted as baselines: a global model that also sees site and season
# as categorical features (our GBDT, and XGBoost with the same settings and with depth 6 / 100
# rounds): the strongest single models we know of on this data.
# Prints a side-by-side table and ends with one `SUMMARY key=value ...` line.
#
# Environment: LIFELONG_PYTHON (default .venv/bin/python, needs numpy + xgboost),
# LIFELONG_BENCH_SCRATCH_PATH (SwiftPM scratch path, default .build-lifelong-bench).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PYTHON="${LIFELONG_PYTHON:-$ROOT/.venv/bin/python}"
SCRATCH="${LIFELONG_BENCH_SCRATCH_PATH:-.build-lifelong-bench}"

if ! "$PYTHON" -c "import numpy, xgboost" 2>/dev/null; then
    echo "bench-lifelong: $PYTHON cannot import numpy and xgboost; run 'make deps' (it creates the venv) or set LIFELONG_PYTHON" >&2
    exit 1
fi

echo "bench-lifelong: building lifelong-benchmark (release)" >&2
swift build --scratch-path "$SCRATCH" -c release --product lifelong-benchmark >&2
BIN="$(swift build --scratch-path "$SCRATCH" -c release --show-bin-path)/lifelong-benchmark"

SEEDS="${LIFELONG_BENCH_SEEDS:-42 43 44}"
DATA="$(mktemp -d "${TMPDIR:-/tmp}/bench-lifelong.XXXXXX")"
trap 'rm -rf "$DATA"' EXIT
for SEED in $SEEDS; do
    DIR="$DATA/seed-$SEED"
    echo "bench-lifelong: seed $SEED: writing the scenario as CSV to $DIR" >&2
    "$BIN" write-csv --data "$DIR" --seed "$SEED"
    echo "bench-lifelong: seed $SEED: xgboost global models, per round" >&2
    "$PYTHON" scripts/lifelong/xgboost_global.py --data "$DIR" > "$DIR/xgboost.json"
    "$PYTHON" scripts/lifelong/xgboost_global.py --data "$DIR" --attributes-as-features > "$DIR/xgboost-attributes.json"
    "$PYTHON" scripts/lifelong/xgboost_global.py --data "$DIR" --attributes-as-features --depth 6 --rounds 100 \
        --name xgboost+attributes-d6r100 > "$DIR/xgboost-attributes-d6r100.json"
    echo "bench-lifelong: seed $SEED: every method" >&2
    echo "==> seed $SEED"
    "$BIN" run --seed "$SEED" --xgboost "$DIR/xgboost.json" --xgboost "$DIR/xgboost-attributes.json" \
        --xgboost "$DIR/xgboost-attributes-d6r100.json" | tee "$DIR/report.txt"
    echo
done
"$PYTHON" scripts/lifelong/summarize.py "$DATA"/seed-*/report.txt
