#!/usr/bin/env bash
# The XGBoost baselines of `make bench-lifelong` and `make bench-lifelong-real`, on one scenario
# folder (initial.csv, round-N.csv, round-N-test.csv, scenario.json): one global model retrained
# every round without the attribute columns (DIR/xgboost.json), with them as categorical
# features (DIR/xgboost-attributes.json) and with them at depth 6 / 100 rounds
# (DIR/xgboost-attributes-d6r100.json). See xgboost_global.py.
#
# usage: xgboost_baselines.sh PYTHON DIR
set -euo pipefail
PYTHON="$1"
DIR="$2"
HERE="$(cd "$(dirname "$0")" && pwd)"
"$PYTHON" "$HERE/xgboost_global.py" --data "$DIR" > "$DIR/xgboost.json"
"$PYTHON" "$HERE/xgboost_global.py" --data "$DIR" --attributes-as-features > "$DIR/xgboost-attributes.json"
"$PYTHON" "$HERE/xgboost_global.py" --data "$DIR" --attributes-as-features --depth 6 --rounds 100 \
    --name xgboost+attributes-d6r100 > "$DIR/xgboost-attributes-d6r100.json"
