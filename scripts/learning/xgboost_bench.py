#!/usr/bin/env python3
"""XGBoost side of `make bench-learning`, plus the shared data generator and the report.

  generate --out DIR ...   write the benchmark data once (raw float32 + meta.json + train.csv)
  run --data DIR ...       train/evaluate XGBoost (tree_method=hist) and print key=value lines
  report OURS XGB [--lightgbm F] [--tl2cgen F]
                           print the side-by-side table and the SUMMARY line
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def generate(args):
    import numpy as np

    rng = np.random.default_rng(args.seed)
    n = args.rows + args.test_rows
    f = args.features
    x = rng.standard_normal((n, f)).astype(np.float64)
    x[:, 5] = rng.exponential(1.0, n)
    x[:, 6] = rng.integers(0, 10, n)
    s = np.zeros((n, args.classes))
    s[:, 0] = 1.5 * x[:, 0] * x[:, 1] + np.sin(2 * x[:, 2]) + (x[:, 3] > 0.5) - 0.5 * x[:, 4] ** 2
    s[:, 1] = x[:, 0] - x[:, 1] + 0.8 * np.abs(x[:, 5]) + 0.7 * np.cos(x[:, 6]) + x[:, 7] * x[:, 8]
    if args.classes > 2:
        s[:, 2] = 0.8 * x[:, 9] + (x[:, 2] + x[:, 3]) * (x[:, 10] > 0) - 0.6 * x[:, 11] + 0.3 * x[:, 12] * x[:, 13]
    for k in range(3, args.classes):
        s[:, k] = np.sin(x[:, k % f]) + 0.5 * x[:, (k + 1) % f]
    y = np.argmax(s + 0.7 * rng.gumbel(size=s.shape), axis=1).astype(np.float32)
    for column in (14, 15):
        if column < f:
            x[rng.random(n) < 0.02, column] = np.nan
    x = x.astype(np.float32)
    os.makedirs(args.out, exist_ok=True)
    x[: args.rows].tofile(os.path.join(args.out, "train_x.f32"))
    y[: args.rows].tofile(os.path.join(args.out, "train_y.f32"))
    x[args.rows :].tofile(os.path.join(args.out, "test_x.f32"))
    y[args.rows :].tofile(os.path.join(args.out, "test_y.f32"))
    meta = {"rows": args.rows, "test_rows": args.test_rows, "features": f, "classes": args.classes,
            "seed": args.seed}
    with open(os.path.join(args.out, "meta.json"), "w") as out:
        json.dump(meta, out)
    if args.csv:
        with open(os.path.join(args.out, "train.csv"), "w") as out:
            out.write(",".join([f"f{i}" for i in range(f)] + ["label"]) + "\n")
            for row, label in zip(x[: args.rows], y[: args.rows]):
                out.write(",".join("" if v != v else repr(float(v)) for v in row) + f",{int(label)}\n")
    print(json.dumps(meta))


def load(data):
    """The benchmark data written by `generate`: (meta, train x, train y, test x, test y)."""
    import numpy as np

    with open(os.path.join(data, "meta.json")) as f:
        meta = json.load(f)
    rows, test_rows, features = meta["rows"], meta["test_rows"], meta["features"]
    x = np.fromfile(os.path.join(data, "train_x.f32"), dtype=np.float32).reshape(rows, features)
    y = np.fromfile(os.path.join(data, "train_y.f32"), dtype=np.float32)
    tx = np.fromfile(os.path.join(data, "test_x.f32"), dtype=np.float32).reshape(test_rows, features)
    ty = np.fromfile(os.path.join(data, "test_y.f32"), dtype=np.float32)
    return meta, x, y, tx, ty


def timed_runs(repeats, train):
    """Calls `train()` `repeats` times; returns its last result and the figures of the runs
    (median wall time, each run's, median CPU time of the process: all threads)."""
    walls, cpus = [], []
    result = None
    for _ in range(repeats):
        cpu = time.process_time()
        start = time.perf_counter()
        result = train()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    figures = {
        "train_seconds": statistics.median(walls),
        "train_seconds_runs": ",".join(f"{w:.3f}" for w in walls),
        "train_cpu_seconds": statistics.median(cpus),
    }
    return result, figures


def accuracy_of(probabilities, labels):
    import numpy as np

    if probabilities.ndim == 1:
        predicted = (probabilities > 0.5).astype(np.float32)
    else:
        predicted = np.argmax(probabilities, axis=1).astype(np.float32)
    return float(np.mean(predicted == labels))


def run(args):
    import xgboost as xgb

    meta, x, y, tx, ty = load(args.data)
    test_rows = meta["test_rows"]
    params = {
        "tree_method": "hist", "nthread": args.threads, "max_depth": args.depth, "eta": args.eta,
        "max_bin": 256, "min_child_weight": 1, "lambda": 1, "gamma": 0, "seed": 0, "verbosity": 0,
    }
    if meta["classes"] > 2:
        params.update({"objective": "multi:softprob", "num_class": meta["classes"]})
    else:
        params.update({"objective": "binary:logistic"})
    dtrain = xgb.DMatrix(x, label=y, nthread=args.threads)
    rss_before = rss_bytes()
    booster, timing = timed_runs(args.repeats, lambda: xgb.train(params, dtrain, num_boost_round=args.rounds))
    peak = peak_rss_bytes()
    accuracy = accuracy_of(booster.inplace_predict(tx), ty)

    singles = []
    for i in range(args.single_rows):
        row = tx[i % test_rows : i % test_rows + 1]
        t0 = time.perf_counter_ns()
        booster.inplace_predict(row)
        singles.append(time.perf_counter_ns() - t0)
    batch = tx[: min(10_000, test_rows)]
    batch_times = []
    for _ in range(5):
        t0 = time.perf_counter()
        booster.inplace_predict(batch)
        batch_times.append(time.perf_counter() - t0)
    batch_seconds = statistics.median(batch_times)
    out = {
        **timing,
        "accuracy": accuracy,
        "peak_rss_mb": peak / 2**20,
        "train_rss_growth_mb": max(0, peak - rss_before) / 2**20,
        "predict_p50_ns": statistics.median(singles),
        "predict_p99_ns": sorted(singles)[int(0.99 * (len(singles) - 1))],
        "batch_rows": len(batch),
        "batch_seconds": batch_seconds,
        "batch_rows_per_second": len(batch) / batch_seconds,
        "trees": len(booster.get_dump()),
    }
    for key, value in out.items():
        print(f"{key}={value}")


def parse_pairs(path):
    values = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if "=" in line and " " not in line:
                key, value = line.split("=", 1)
                try:
                    values[key] = float(value)
                except ValueError:
                    values[key] = value
    return values


def report(args):
    ours, xgb = parse_pairs(args.ours), parse_pairs(args.xgb)
    lgbm = parse_pairs(args.lightgbm) if args.lightgbm else {}
    compiled = parse_pairs(args.tl2cgen) if args.tl2cgen else {}
    missing = [k for k in ("train_seconds", "accuracy", "peak_rss_mb", "predict_p50_ns", "batch_rows_per_second")
               if k not in ours or k not in xgb]
    missing += [f"lightgbm {k}" for k in ("train_seconds", "accuracy") if args.lightgbm and k not in lgbm]
    missing += [f"tl2cgen {k}" for k in ("predict_p50_ns", "max_abs_diff_vs_ours") if args.tl2cgen and k not in compiled]
    if missing:
        sys.exit(f"bench-learning: missing figures {missing} (ours: {args.ours}, xgboost: {args.xgb}, "
                 f"lightgbm: {args.lightgbm}, tl2cgen: {args.tl2cgen})")

    def ratio(o, x):
        return o / x if x else float("nan")

    def points(o, x):
        return 100 * (o - x)

    def cell(fmt, values, key):
        return fmt.format(values[key]) if key in values else "-"

    print(f"bench-learning: {args.title}")
    print()
    print(f"training ({ours.get('train_seconds_runs', '?').count(',') + 1} runs per side: medians, and the best run)")
    print(f"{'metric':<36}{'ours':>12}{'xgboost':>12}{'lightgbm':>12}{'ours/xgb':>11}{'ours/lgbm':>11}")
    training = [
        ("training wall time (s)", "train_seconds", "{:.3f}", ratio),
        ("training CPU time, all threads (s)", "train_cpu_seconds", "{:.3f}", ratio),
        ("held-out accuracy (%)", "accuracy", "{:.2%}", points),
        ("peak RSS of training process (MiB)", "peak_rss_mb", "{:.1f}", ratio),
        ("RSS growth during training (MiB)", "train_rss_growth_mb", "{:.1f}", ratio),
    ]
    # Noise only ever adds time: the best run is the other honest figure on a shared machine.
    for values in (ours, xgb, lgbm):
        if isinstance(values.get("train_seconds_runs"), str):
            values["train_seconds_best"] = min(float(w) for w in values["train_seconds_runs"].split(","))
        elif "train_seconds_runs" in values:
            values["train_seconds_best"] = values["train_seconds_runs"]
    training.insert(1, ("training wall time, best run (s)", "train_seconds_best", "{:.3f}", ratio))
    for title, key, fmt, compare in training:
        line = f"{title:<36}{cell(fmt, ours, key):>12}{cell(fmt, xgb, key):>12}{cell(fmt, lgbm, key):>12}"
        for peer in (xgb, lgbm):
            line += f"{compare(ours[key], peer[key]):>11.3f}" if key in ours and key in peer else f"{'-':>11}"
        print(line)
    print(f"{'(accuracy columns: ours minus peer, in points)':<36}")
    for name, values in (("ours", ours), ("xgboost", xgb), ("lightgbm", lgbm)):
        if "train_seconds_runs" in values:
            print(f"  {name} wall times of the runs: {values['train_seconds_runs']} s")

    print()
    print("prediction against XGBoost (XGBoost called from Python: inplace_predict per row)")
    print(f"{'metric':<36}{'ours':>12}{'xgboost':>12}{'ours/xgb':>11}")
    for title, key, fmt in (
        ("single-row predict p50 (ns)", "predict_p50_ns", "{:.0f}"),
        ("single-row predict p99 (ns)", "predict_p99_ns", "{:.0f}"),
        ("batch predict 10k rows (rows/s)", "batch_rows_per_second", "{:,.0f}"),
    ):
        print(f"{title:<36}{fmt.format(ours[key]):>12}{fmt.format(xgb[key]):>12}{ratio(ours[key], xgb[key]):>11.3f}")

    if compiled:
        print()
        print(f"single-row prediction against tl2cgen ({compiled.get('source', 'our trees')} compiled to C, "
              "called from C; probabilities, softmax included)")
        print(f"{'metric':<36}{'ours':>12}{'tl2cgen':>12}{'ours/tl2cgen':>14}")
        for title, key in (
            ("single-row p50, clock per call (ns)", "predict_p50_ns"),
            ("single-row p99, clock per call (ns)", "predict_p99_ns"),
            ("single-row mean, tight loop (ns)", "predict_mean_ns_tight_loop"),
        ):
            if key in ours and key in compiled:
                print(f"{title:<36}{ours[key]:>12.0f}{compiled[key]:>12.0f}{ratio(ours[key], compiled[key]):>14.3f}")
        print(f"  tl2cgen output vs ours on {compiled.get('checked_rows', 0):.0f} held-out rows: max |difference| "
              f"{compiled['max_abs_diff_vs_ours']:.3g}, argmax agreement {compiled.get('argmax_agreement', float('nan')):.4%}")

    extra = [k for k in ("csv_read_seconds", "trees") if k in ours]
    if extra:
        print()
    for key in extra:
        print(f"{'ours: ' + key:<36}{ours[key]:>12g}")
    summary = {
        "ours_over_xgboost_train_time": ours["train_seconds"] / xgb["train_seconds"],
        "ours_train_seconds": ours["train_seconds"],
        "xgboost_train_seconds": xgb["train_seconds"],
        "ours_minus_xgboost_accuracy_points": 100 * (ours["accuracy"] - xgb["accuracy"]),
        "ours_accuracy": ours["accuracy"],
        "xgboost_accuracy": xgb["accuracy"],
        "predict_p50_ns": ours["predict_p50_ns"],
        "xgboost_predict_p50_ns": xgb["predict_p50_ns"],
        "ours_over_xgboost_predict_p50": ours["predict_p50_ns"] / xgb["predict_p50_ns"],
        "batch_rows_per_second": ours["batch_rows_per_second"],
        "ours_over_xgboost_batch_throughput": ours["batch_rows_per_second"] / xgb["batch_rows_per_second"],
        "peak_rss_mb": ours["peak_rss_mb"],
        "xgboost_peak_rss_mb": xgb["peak_rss_mb"],
        "ours_over_xgboost_peak_rss": ours["peak_rss_mb"] / xgb["peak_rss_mb"],
    }
    if lgbm:
        summary.update({
            "ours_over_lightgbm_train_time": ours["train_seconds"] / lgbm["train_seconds"],
            "lightgbm_train_seconds": lgbm["train_seconds"],
            "ours_over_lightgbm_train_time_best_run": ratio(
                ours.get("train_seconds_best", 0), lgbm.get("train_seconds_best", 0)),
            "ours_over_lightgbm_train_cpu_time": ratio(ours.get("train_cpu_seconds", 0), lgbm.get("train_cpu_seconds", 0)),
            "lightgbm_accuracy": lgbm["accuracy"],
            "ours_minus_lightgbm_accuracy_points": 100 * (ours["accuracy"] - lgbm["accuracy"]),
        })
    if compiled:
        summary.update({
            "tl2cgen_predict_p50_ns": compiled["predict_p50_ns"],
            "ours_over_tl2cgen_single_row": ours["predict_p50_ns"] / compiled["predict_p50_ns"],
            "ours_over_tl2cgen_single_row_tight_loop": ratio(
                ours.get("predict_mean_ns_tight_loop", 0), compiled.get("predict_mean_ns_tight_loop", 0)),
            "tl2cgen_max_abs_diff_vs_ours": compiled["max_abs_diff_vs_ours"],
        })
    print("SUMMARY " + " ".join(f"{k}={v:.4g}" for k, v in summary.items()))


def training_arguments(parser):
    """The options of a peer's training run (shared with lightgbm_bench.py)."""
    parser.add_argument("--data", required=True)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--depth", type=int, default=6)
    parser.add_argument("--eta", type=float, default=0.3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="training runs; the median time is reported")
    return parser


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--out", required=True)
    g.add_argument("--rows", type=int, default=200_000)
    g.add_argument("--test-rows", type=int, default=50_000)
    g.add_argument("--features", type=int, default=20)
    g.add_argument("--classes", type=int, default=3)
    g.add_argument("--seed", type=int, default=42)
    g.add_argument("--csv", action="store_true", help="also write train.csv (for the CSV reader figure)")
    r = training_arguments(sub.add_parser("run"))
    r.add_argument("--single-rows", type=int, default=2000)
    p = sub.add_parser("report")
    p.add_argument("ours")
    p.add_argument("xgb")
    p.add_argument("--lightgbm", help="key=value figures of lightgbm_bench.py")
    p.add_argument("--tl2cgen", help="key=value figures of the tl2cgen C harness")
    p.add_argument("--title", default="")
    args = parser.parse_args()
    {"generate": generate, "run": run, "report": report}[args.command](args)


if __name__ == "__main__":
    main()
