#!/usr/bin/env python3
"""Trains XGBoost on a CSV written by the LearningTests XGBoost comparison test and prints
its held-out accuracy as JSON, so the test can compare it with ours on the same rows.

usage: xgboost_reference.py --train train.csv --test test.csv [--rounds N] [--depth N] [--eta X]
The CSVs have a header; the label column is `label` (class codes 0..K-1); empty fields are missing.
"""
import argparse
import csv
import json
import sys


def load(path):
    import numpy as np

    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        label_index = header.index("label")
        rows, labels = [], []
        for record in reader:
            labels.append(float(record[label_index]))
            rows.append([float(v) if v != "" else float("nan") for i, v in enumerate(record) if i != label_index])
    return np.array(rows, dtype=np.float32), np.array(labels, dtype=np.float32)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--eta", type=float, default=0.3)
    args = parser.parse_args()
    try:
        import numpy as np
        import xgboost as xgb
    except ImportError as error:
        print(json.dumps({"error": f"cannot import xgboost/numpy: {error}"}))
        sys.exit(3)
    x, y = load(args.train)
    tx, ty = load(args.test)
    classes = int(max(y.max(), ty.max())) + 1
    params = {"tree_method": "hist", "max_depth": args.depth, "eta": args.eta, "max_bin": 256, "nthread": 2,
              "seed": 0, "verbosity": 0}
    if classes > 2:
        params.update({"objective": "multi:softprob", "num_class": classes})
    else:
        params.update({"objective": "binary:logistic"})
    booster = xgb.train(params, xgb.DMatrix(x, label=y), num_boost_round=args.rounds)
    p = booster.predict(xgb.DMatrix(tx))
    predicted = np.argmax(p, axis=1) if p.ndim == 2 else (p > 0.5).astype(np.float32)
    print(json.dumps({"accuracy": float(np.mean(predicted == ty)), "xgboost_version": xgb.__version__,
                      "train_rows": int(len(y)), "test_rows": int(len(ty))}))


if __name__ == "__main__":
    main()
