#!/usr/bin/env python3
"""XGBoost baseline (c) of `make bench-lifelong`: one global model retrained every round.

Reads the scenario as CSV files (as written by `lifelong scenario --output DIR` or by
`lifelong-benchmark write-csv --data DIR`): DIR/initial.csv, then for each round N
DIR/round-N.csv (training rows) and DIR/round-N-test.csv (test rows). The attribute and label
columns come from DIR/scenario.json (written beside the CSV files; `--attributes`/`--label`
override it; without either, the thermal scenario's site,season and thermal_preference): e.g.
site, season, the six comfort features, thermal_preference; or format, region, price,
discount, temperature, weekday, product_family, demand. A feature column with any value that is
not a number (weekday, product_family) is categorical, coded over its values in every file
and split natively (enable_categorical).

Row 0 of the accuracy matrix is the model trained on initial.csv, row i the model trained on
initial.csv + round-1.csv + ... + round-i.csv; column j is round-(j+1)-test.csv (the Ianvs
definition, as `lifelong experiment`). Average accuracy is the final model over every test set
pooled; task average accuracy the mean of its per-task (site_season) accuracies.

  --attributes-as-features   also give the model the attribute columns as categorical features
                             (XGBoost's native categorical splits, enable_categorical); by
                             default they are not features, exactly as for the Swift global
                             baseline (a) and the lifelong task models.
  --attributes A,B           the attribute (task) columns, instead of scenario.json's.
  --label NAME               the label column, instead of scenario.json's.
  --name NAME                the "name" field of the output (default xgboost or
                             xgboost+attributes).

Prints one JSON object: {"name", "avg_accuracy", "task_avg_accuracy", "bwt", "fwt", "matrix",
"per_task_accuracy", "final_correct", "learning_correct", "params"}; final_correct: per row of every
test set pooled, in round order, 1 where the final model was right (the lifelong benchmark's paired
comparison); learning_correct: the same rows, each round's answered by the model right after that
round (the paired comparison at learning).
"""
import argparse
import json
import os
import sys

import scenario_files

THERMAL_ATTRIBUTES = ["site", "season"]
THERMAL_LABEL = "thermal_preference"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="folder with initial.csv, round-N.csv, round-N-test.csv")
    parser.add_argument("--rounds", type=int, default=60, help="boosting rounds (default 60, as LifelongConfiguration)")
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--eta", type=float, default=0.1)
    parser.add_argument("--subsample", type=float, default=0.8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--attributes-as-features", action="store_true")
    parser.add_argument("--attributes", help="comma-separated attribute columns (default: scenario.json's)")
    parser.add_argument("--label", help="label column (default: scenario.json's)")
    parser.add_argument("--name")
    args = parser.parse_args()
    description = {}
    description_path = os.path.join(args.data, "scenario.json")
    if os.path.exists(description_path):
        with open(description_path) as f:
            description = json.load(f)
    attributes = args.attributes.split(",") if args.attributes else description.get("attributes", THERMAL_ATTRIBUTES)
    label = args.label or description.get("label", THERMAL_LABEL)

    import numpy as np
    import xgboost as xgb

    initial, pairs = scenario_files.rounds(args.data)
    rounds, tests = [train for train, _ in pairs], [test for _, test in pairs]
    if not rounds:
        sys.exit(f"xgboost_global: no round-1.csv in {args.data}")

    header = list(initial[0].keys())
    missing = [c for c in attributes + [label] if c not in header]
    if missing:
        sys.exit(f"xgboost_global: initial.csv has no column {', '.join(missing)}")
    features = [c for c in header if c not in attributes and c != label]
    every = initial + [r for rs in rounds for r in rs] + [r for ts in tests for r in ts]
    classes = sorted({r[label] for r in every})
    class_code = {c: i for i, c in enumerate(classes)}

    def is_number(text):
        try:
            float(text)
            return True
        except ValueError:
            return False

    # Category codes of every value in any file, so a site first seen in a later round has the
    # same code everywhere (as `lifelong experiment` reads its files). A feature is categorical
    # when any of its values is not a number; attributes only with --attributes-as-features.
    categorical = [c for c in features if any(r[c] != "" and not is_number(r[c]) for r in every)]
    extra = attributes if args.attributes_as_features else []
    columns = features + extra
    values = {c: sorted({r[c] for r in every if r[c] != ""}) for c in categorical + extra}
    codes = {c: {v: i for i, v in enumerate(vs)} for c, vs in values.items()}
    feature_types = ["c" if c in values else "q" for c in columns]

    def value(r, c):
        if r[c] == "":
            return np.nan
        return codes[c][r[c]] if c in codes else float(r[c])

    def matrix_of(rows):
        x = np.array([[value(r, c) for c in columns] for r in rows], dtype=np.float32)
        y = np.array([class_code[r[label]] for r in rows], dtype=np.float32)
        return x, y

    def dmatrix(x, y=None):
        if values:
            return xgb.DMatrix(x, label=y, feature_types=feature_types, enable_categorical=True)
        return xgb.DMatrix(x, label=y)

    params = {
        "tree_method": "hist", "nthread": args.threads, "max_depth": args.depth, "eta": args.eta,
        "subsample": args.subsample, "max_bin": 256, "seed": args.seed, "verbosity": 0,
        "objective": "multi:softprob", "num_class": len(classes),
    }
    test_sets = [matrix_of(t) for t in tests]
    seen = list(initial)
    stages = [list(seen)]
    for r in rounds:
        seen = seen + r
        stages.append(list(seen))
    matrix = []
    final_predictions = None
    learning_correct = []
    for number, stage in enumerate(stages):
        x, y = matrix_of(stage)
        booster = xgb.train(params, dmatrix(x, y), num_boost_round=args.rounds)
        row, predictions = [], []
        for tx, ty in test_sets:
            predicted = booster.predict(dmatrix(tx)).argmax(axis=1)
            predictions.append(predicted)
            row.append(float((predicted == ty).mean()))
        matrix.append(row)
        final_predictions = predictions
        if number >= 1:  # right after round `number`: its test set is column number - 1
            learning_correct += [int(p == y) for p, y in zip(predictions[number - 1], test_sets[number - 1][1])]

    R = len(rounds)
    bwt = sum(matrix[i + 1][j] - matrix[i][j] for i in range(R) for j in range(R)) / (R * R)
    fwt = sum(matrix[i][i - 1] - matrix[0][i - 1] for i in range(1, R + 1)) / R
    correct = total = 0
    per_task_correct, per_task_total = {}, {}
    for (tx, ty), predicted, rows in zip(test_sets, final_predictions, tests):
        correct += int((predicted == ty).sum())
        total += len(ty)
        for r, p, y in zip(rows, predicted, ty):
            key = "_".join(r[a] for a in attributes)
            per_task_total[key] = per_task_total.get(key, 0) + 1
            per_task_correct[key] = per_task_correct.get(key, 0) + int(p == y)
    per_task = {k: per_task_correct[k] / per_task_total[k] for k in sorted(per_task_total)}
    result = {
        "name": args.name or ("xgboost+attributes" if args.attributes_as_features else "xgboost"),
        "avg_accuracy": correct / total,
        "task_avg_accuracy": sum(per_task.values()) / len(per_task),
        "bwt": bwt, "fwt": fwt, "matrix": matrix, "per_task_accuracy": per_task,
        "final_correct": [int(p == y) for (tx, ty), predicted in zip(test_sets, final_predictions)
                          for p, y in zip(predicted, ty)],
        "learning_correct": learning_correct,
        "params": {k: v for k, v in params.items() if k != "verbosity"} | {"num_boost_round": args.rounds},
        "xgboost_version": xgb.__version__,
        "attributes": attributes, "label": label, "categorical_features": categorical,
    }
    print(json.dumps(result, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
