#!/usr/bin/env bash
# `make bench-lifelong`: the lifelong learner (per-task models + transfer + unseen handling)
# against (a) one global model retrained every round on all data, (b) isolated per-task models
# without transfer and (c) XGBoost (tree_method=hist, 2 threads) as the global model, on each
# generator's default scenario (LIFELONG_BENCH_SCENARIOS, default "thermal shop": thermal comfort,
# 2 rounds of new sites; shop demand, 3 rounds of new shops and a drifting shop) for each seed of
# LIFELONG_BENCH_SEEDS (default 42 43 44); then per scenario the mean and spread over the seeds.
# XGBoost global models that also see the attribute columns as categorical features are
# baselines too. Prints a side-by-side table per scenario and seed (kept as
# $DATA/<scenario>-seed-<n>/report.txt; each margin with its paired standard error over the test
# rows), then new tasks learned from 50 labelled rows against the same tasks from 500 (few-vs-many.txt;
# on the round's test rows and on 2,000 fresh test rows per task, each ratio with its standard
# error), then lifelong and the Swift baselines again with seed 1 (the run's are seed 0;
# learner-seeds.txt: how much of each one's accuracy is its own chance, so the summary compares
# lifelong's mean over the seeds with each baseline's over the same seeds), the generator's own
# form fitted to the same rows with shared and per-task parameters (form_bound.py, form-bound.txt:
# how much per-task models can add on these rows), and ends with one `SUMMARY key=value ...` line.
#
# Environment: LIFELONG_PYTHON (default .venv/bin/python, needs numpy + scipy + xgboost),
# LIFELONG_BENCH_SCRATCH_PATH (SwiftPM scratch path, default .build-lifelong-bench),
# LIFELONG_BENCH_SCENARIOS, LIFELONG_BENCH_SEEDS, LIFELONG_BENCH_KEEP (1: keep $DATA),
# LIFELONG_BENCH_FRESH_TEST (rows per task, default 1000: the rounds tested on that many fresh
# rows instead of their own 200, for every method and XGBoost alike — margins known about twice as
# precisely; 0 for the rounds' own test sets; docs/lifelong.md), LIFELONG_BENCH_MORE_SEEDS (seeds
# after the run's 0 that lifelong and the Swift baselines are trained with again, at least 1, default 1; each
# costs about a minute per scenario and seed, and with 2 the bench takes about 21 minutes).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PYTHON="${LIFELONG_PYTHON:-$ROOT/.venv/bin/python}"
SCRATCH="${LIFELONG_BENCH_SCRATCH_PATH:-.build-lifelong-bench}"

if ! "$PYTHON" -c "import numpy, scipy, xgboost" 2>/dev/null; then
    echo "bench-lifelong: $PYTHON cannot import numpy, scipy and xgboost; run 'make deps' (it creates the venv) or set LIFELONG_PYTHON" >&2
    exit 1
fi

echo "bench-lifelong: building lifelong-benchmark (release)" >&2
swift build --scratch-path "$SCRATCH" -c release --product lifelong-benchmark >&2
BIN="$(swift build --scratch-path "$SCRATCH" -c release --show-bin-path)/lifelong-benchmark"

SCENARIOS="${LIFELONG_BENCH_SCENARIOS:-thermal shop}"
SEEDS="${LIFELONG_BENCH_SEEDS:-42 43 44}"
FRESH_ROWS="${LIFELONG_BENCH_FRESH_TEST:-1000}"
MORE_SEEDS="${LIFELONG_BENCH_MORE_SEEDS:-1}"
FRESH=()
if [ "$FRESH_ROWS" != 0 ]; then FRESH=(--fresh-test "$FRESH_ROWS"); fi
DATA="$(mktemp -d "${TMPDIR:-/tmp}/bench-lifelong.XXXXXX")"
if [ "${LIFELONG_BENCH_KEEP:-0}" = 1 ]; then
    echo "bench-lifelong: keeping $DATA" >&2
else
    trap 'rm -rf "$DATA"' EXIT
fi
# Announces a phase on stderr and how long the one before it took (the bench's budget is 20
# minutes: where the time goes, from the log alone).
PHASE=""
PHASE_START=$SECONDS
phase() {
    if [ -n "$PHASE" ]; then echo "bench-lifelong: ($PHASE: $((SECONDS - PHASE_START)) s)" >&2; fi
    PHASE="$1"
    PHASE_START=$SECONDS
    if [ -n "$1" ]; then echo "bench-lifelong: $1" >&2; fi
}
REPORTS=()
FEW_REPORTS=()
SEEDS_REPORTS=()
FORM_REPORTS=()
for SCENARIO in $SCENARIOS; do
    for SEED in $SEEDS; do
        DIR="$DATA/$SCENARIO-seed-$SEED"
        phase "$SCENARIO seed $SEED: writing the scenario as CSV to $DIR"
        "$BIN" write-csv --scenario "$SCENARIO" --data "$DIR" --seed "$SEED" "${FRESH[@]}"
        phase "$SCENARIO seed $SEED: xgboost global models, per round"
        scripts/lifelong/xgboost_baselines.sh "$PYTHON" "$DIR"
        phase "$SCENARIO seed $SEED: every method"
        echo "==> $SCENARIO seed $SEED"
        "$BIN" run --scenario "$SCENARIO" --seed "$SEED" "${FRESH[@]}" --xgboost "$DIR/xgboost.json" \
            --xgboost "$DIR/xgboost-attributes.json" --xgboost "$DIR/xgboost-attributes-d6r100.json" | tee "$DIR/report.txt"
        phase "$SCENARIO seed $SEED: new tasks from 50 rows vs 500"
        "$BIN" few-vs-many --scenario "$SCENARIO" --seed "$SEED" | tee "$DIR/few-vs-many.txt"
        phase "$SCENARIO seed $SEED: lifelong and the Swift baselines with $MORE_SEEDS more seed(s)"
        "$BIN" learner-seeds --scenario "$SCENARIO" --seed "$SEED" "${FRESH[@]}" --first-seed 1 --count "$MORE_SEEDS" | tee "$DIR/learner-seeds.txt"
        phase "$SCENARIO seed $SEED: the generator's form fitted to the same rows"
        "$PYTHON" scripts/lifelong/form_bound.py --data "$DIR" | tee "$DIR/form-bound.txt"
        FORM_REPORTS+=("$DIR/form-bound.txt")
        REPORTS+=("$DIR/report.txt")
        FEW_REPORTS+=("$DIR/few-vs-many.txt")
        SEEDS_REPORTS+=("$DIR/learner-seeds.txt")
        echo
    done
done
phase ""
echo "bench-lifelong: every scenario and seed in $SECONDS s since the start of this script" >&2
"$PYTHON" scripts/lifelong/summarize.py --few-vs-many "${FEW_REPORTS[@]}" -- --learner-seeds "${SEEDS_REPORTS[@]}" -- \
    --form-bound "${FORM_REPORTS[@]}" -- "${REPORTS[@]}"
