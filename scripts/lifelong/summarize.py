"""Summarizes `lifelong-benchmark run` reports of several seeds (the SUMMARY line of each).

usage: summarize.py REPORT...
Prints, per seed, lifelong's average accuracy, the best baseline's, the difference in points and
GEM BWT; then the mean and standard deviation over the seeds, and one `SUMMARY key=value ...`
line with the means (lifelong_minus_best_baseline_points first among them) and the spreads.
"""
import re
import statistics
import sys


def summary(path):
    with open(path) as report:
        for line in report:
            if line.startswith("SUMMARY "):
                return dict(field.split("=", 1) for field in line.split()[1:])
    raise SystemExit(f"{path}: no SUMMARY line")


def main():
    rows = []
    for path in sys.argv[1:]:
        seed = re.search(r"seed-(\d+)", path)
        rows.append((seed.group(1) if seed else path, summary(path)))
    keys = ["lifelong_avg_acc", "best_baseline_avg_acc", "lifelong_minus_best_baseline_points", "bwt",
            "small_new_tasks_acc"]
    print("seed   lifelong  best baseline                     points   GEM BWT  small new")
    for seed, fields in rows:
        print(f"{seed:<6} {float(fields['lifelong_avg_acc']):8.4f}  {fields['best_baseline']:<24} "
              f"{float(fields['best_baseline_avg_acc']):.4f}  {float(fields['lifelong_minus_best_baseline_points']):+7.2f}"
              f"  {float(fields['bwt']):+8.4f}  {float(fields['small_new_tasks_acc']):.4f}")
    out = [f"seeds={len(rows)}"]
    for key in keys:
        values = [float(fields[key]) for _, fields in rows]
        mean = statistics.fmean(values)
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        print(f"{key}: mean {mean:.4f}, sd {spread:.4f}, min {min(values):.4f}, max {max(values):.4f}")
        out += [f"{key}={mean:.4f}", f"{key}_sd={spread:.4f}", f"{key}_min={min(values):.4f}"]
    met = all(float(f["lifelong_minus_best_baseline_points"]) >= 1 and float(f["bwt"]) >= -0.005 for _, f in rows)
    out.append(f"target_met_every_seed={1 if met else 0}")
    print("SUMMARY " + " ".join(out))


if __name__ == "__main__":
    main()
