#!/usr/bin/env python3
"""LightGBM side of `make bench-learning`: trains on the data of `xgboost_bench.py generate`
at the settings of the other sides and prints key=value lines (the report reads them).

  lightgbm_bench.py --data DIR [--rounds N] [--depth N] [--eta X] [--threads N] [--repeats N]

Settings: num_leaves = 2^depth with max_depth = depth (the same tree shapes as depth-wise
growth allows), max_bin 255, the regularisation of ours/XGBoost (lambda_l2 1, min hessian 1,
no minimum row count: min_data_in_leaf 1), multiclass (softmax) or binary objective. The
timed part is lgb.Dataset(...) + lgb.train(...): binning is included, as it is in ours.
"""
import argparse

from xgboost_bench import accuracy_of, load, peak_rss_bytes, rss_bytes, timed_runs, training_arguments


def run(args):
    import lightgbm as lgb

    meta, x, y, tx, ty = load(args.data)
    params = {
        "num_leaves": 2 ** args.depth, "max_depth": args.depth, "learning_rate": args.eta, "max_bin": 255,
        "num_threads": args.threads, "lambda_l2": 1.0, "min_sum_hessian_in_leaf": 1.0, "min_data_in_leaf": 1,
        "min_gain_to_split": 0.0, "seed": 0, "verbose": -1,
    }
    if meta["classes"] > 2:
        params.update({"objective": "multiclass", "num_class": meta["classes"]})
    else:
        params.update({"objective": "binary"})

    def train():
        dataset = lgb.Dataset(x, label=y, params=params, free_raw_data=False)
        return lgb.train(params, dataset, num_boost_round=args.rounds)

    rss_before = rss_bytes()
    booster, timing = timed_runs(args.repeats, train)
    peak = peak_rss_bytes()
    out = {
        **timing,
        "accuracy": accuracy_of(booster.predict(tx), ty),
        "peak_rss_mb": peak / 2**20,
        "train_rss_growth_mb": max(0, peak - rss_before) / 2**20,
        "trees": booster.num_trees(),
        "version": lgb.__version__,
    }
    for key, value in out.items():
        print(f"{key}={value}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    run(training_arguments(parser).parse_args())


if __name__ == "__main__":
    main()
