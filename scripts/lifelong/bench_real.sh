#!/usr/bin/env bash
# `make bench-lifelong-real`: the lifelong learner against every baseline on held-out real data,
# through the CLI a user runs (`lifelong experiment --json`), for each seed of
# LIFELONG_BENCH_SEEDS (default 42 to 51, ten splits: each has only a few hundred test rows, see
# docs/lifelong.md): the US Displaced Worker Survey extract of McCall (1995),
# states as tasks, "applied for unemployment insurance" as the label (scripts/lifelong/real_data.py:
# where the file comes from, how a seed splits it). Baselines: the CLI's (global, isolated,
# global+attributes, tuned, tuned bag, Sedna) and XGBoost (tree_method=hist, 2 threads) without
# and with the state as a categorical feature, the latter also at depth 6 / 100 rounds. Prints
# each seed's table, lifelong's margin over the best baseline with its paired standard error, the
# same over every seed's test rows pooled, and one `SUMMARY key=value ...` line
# (scripts/lifelong/real_summary.py).
#
# Environment: LIFELONG_PYTHON (default .venv/bin/python, needs numpy + xgboost),
# LIFELONG_BENCH_SCRATCH_PATH (SwiftPM scratch path, default .build-lifelong-bench),
# LIFELONG_BENCH_SEEDS, LIFELONG_REAL_DATA_CACHE (where the downloaded file is kept, default
# .cache/real-data), LIFELONG_BENCH_KEEP (1: keep the split folders).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PYTHON="${LIFELONG_PYTHON:-$ROOT/.venv/bin/python}"
SCRATCH="${LIFELONG_BENCH_SCRATCH_PATH:-.build-lifelong-bench}"
SEEDS="${LIFELONG_BENCH_SEEDS:-42 43 44 45 46 47 48 49 50 51}"
CACHE="${LIFELONG_REAL_DATA_CACHE:-$ROOT/.cache/real-data}"

if ! "$PYTHON" -c "import numpy, xgboost" 2>/dev/null; then
    echo "bench-lifelong-real: $PYTHON cannot import numpy and xgboost; run 'make deps' (it creates the venv) or set LIFELONG_PYTHON" >&2
    exit 1
fi
echo "bench-lifelong-real: building lifelong (release)" >&2
swift build --scratch-path "$SCRATCH" -c release --product lifelong >&2
LIFELONG="$(swift build --scratch-path "$SCRATCH" -c release --show-bin-path)/lifelong"
SOURCE="$("$PYTHON" scripts/lifelong/real_data.py fetch --cache "$CACHE")"

DATA="$(mktemp -d "${TMPDIR:-/tmp}/bench-lifelong-real.XXXXXX")"
if [ "${LIFELONG_BENCH_KEEP:-0}" = 1 ]; then
    echo "bench-lifelong-real: keeping $DATA" >&2
else
    trap 'rm -rf "$DATA"' EXIT
fi
FOLDERS=()
for SEED in $SEEDS; do
    DIR="$DATA/benefits-seed-$SEED"
    "$PYTHON" scripts/lifelong/real_data.py split --source "$SOURCE" --seed "$SEED" --data "$DIR"
    ROUNDS=()
    for TRAIN in "$DIR"/round-[0-9]*.csv; do
        case "$TRAIN" in *-test.csv) continue ;; esac
        ROUNDS+=(--round "$TRAIN" --test "${TRAIN%.csv}-test.csv")
    done
    echo "bench-lifelong-real: seed $SEED: lifelong experiment (every method)" >&2
    START=$SECONDS
    "$LIFELONG" experiment --initial "$DIR/initial.csv" "${ROUNDS[@]}" --label ui --attributes state --json > "$DIR/lifelong.json"
    echo "bench-lifelong-real: seed $SEED: lifelong experiment took $((SECONDS - START)) s; XGBoost per round" >&2
    scripts/lifelong/xgboost_baselines.sh "$PYTHON" "$DIR"
    FOLDERS+=("$DIR")
done
"$PYTHON" scripts/lifelong/real_summary.py "${FOLDERS[@]}"
