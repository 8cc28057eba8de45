"""Summarizes `lifelong-benchmark run` reports of several scenarios and seeds (the SUMMARY line of each).

usage: summarize.py [--few-vs-many FEW_REPORT... --] [--learner-seeds SEEDS_REPORT... --]
                    [--form-bound FORM_REPORT... --] REPORT...
Prints, per scenario and seed, lifelong's average accuracy, the best baseline's, the difference in
points, GEM BWT and the small new tasks' accuracy; then per scenario the mean and standard
deviation over its seeds, the same over every report, and one `SUMMARY key=value ...` line: the
means over every report under their plain names (lifelong_minus_best_baseline_points first among
them), their spreads, and per scenario `<scenario>_<key>` (e.g.
shop_lifelong_minus_best_baseline_points). A report's scenario is its SUMMARY's `scenario` field,
else the `<scenario>-seed-<n>` folder of its path, else "thermal" (reports older than the field). FEW_REPORTs are `lifelong-benchmark few-vs-many`
outputs: their few_over_many (new tasks' accuracy from 50 rows over that from 500) and its
standard error over the test rows (few_over_many_se, printed as the column after 50/500) join the
report of the same scenario and seed. SEEDS_REPORTs are `lifelong-benchmark learner-seeds` outputs
(lifelong's average accuracy with other learner seeds); with the report's own (learner seed 0) they
give lifelong_avg_acc_over_learner_seeds, its spread, and
lifelong_minus_best_baseline_points_over_learner_seeds (their mean against the same best baseline);
they also hold the Swift baselines' accuracies with the same seeds, so each baseline's figure is
averaged over the same seeds as lifelong's (a baseline without them, XGBoost's fixed-seed rows,
keeps its one figure): best_baseline_over_seeds is the baseline with the highest such mean,
lifelong_minus_best_baseline_points_over_seeds lifelong's mean against it — the comparison with
both sides' own chance (row sampling, grid-search folds) averaged alike, and
<scenario>_target_met_every_seed_over_seeds the target on it.
A report's lifelong_minus_best_baseline_se_points (the paired standard error of its margin over
its test rows) is printed beside the margin, and per scenario the seeds' mean margin with its
standard error. FORM_REPORTs are `form_bound.py` outputs (the generator's own form fitted to the same rows):
form_shared_avg_acc (what one model with the attributes represents additively) and
form_per_task_gain_points (what each task's own parameters add over it) join the report of the
same scenario and seed; per scenario, <scenario>_per_task_target_reachable_every_seed says whether
that gain reached the target's margin on every seed (0: the rows do not hold the margin for a
per-task learner; only where the target asks for a gain).
The last two columns are the report's figures at learning (each round's test set scored right
after that round was learned): lifelong_minus_best_baseline_learning_points (lifelong against the
best baseline at learning; per scenario also the seeds' mean with its standard error, from
lifelong_minus_best_baseline_learning_se_points, and <scenario>_target_met_every_seed_at_learning,
the target judged on it) and best_baseline_later_rounds_gain_points (what later rounds' rows
added to the final bar's earlier rounds — a gain lifelong's untouched tasks do not take); "-" for
reports older than these keys.
"""
import re
import statistics
import sys

KEYS = ["lifelong_minus_best_baseline_points", "lifelong_minus_best_baseline_se_points", "lifelong_avg_acc", "best_baseline_avg_acc", "bwt",
        "small_new_tasks_acc", "bayes_ceiling_avg_acc", "headroom_over_best_baseline_points",
        "unseen_confidence_best_recall_at_fpr_0_05", "unseen_separability_bound_roc_area", "few_over_many", "few_over_many_se",
        "lifelong_avg_acc_over_learner_seeds", "lifelong_avg_acc_learner_seed_sd",
        "lifelong_minus_best_baseline_points_over_learner_seeds", "best_baseline_avg_acc_over_seeds",
        "lifelong_minus_best_baseline_points_over_seeds", "form_shared_avg_acc", "form_per_task_gain_points",
        "lifelong_minus_best_baseline_learning_points", "best_baseline_later_rounds_gain_points"]
FORM_KEYS = ["form_shared_avg_acc", "form_per_task_gain_points"]


def summary(path):
    with open(path) as report:
        for line in report:
            if line.startswith("SUMMARY "):
                return dict(field.split("=", 1) for field in line.split()[1:])
    raise SystemExit(f"{path}: no SUMMARY line")


def statistics_of(name, rows, prefix, out):
    """Prints mean, sd, min and max of every key over `rows` (those that have it); appends them to `out`."""
    for key in KEYS:
        values = [float(fields[key]) for _, _, fields in rows if key in fields]
        if not values:
            continue
        mean = statistics.fmean(values)
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        print(f"{name:<8} {key}: mean {mean:.4f}, sd {spread:.4f}, min {min(values):.4f}, max {max(values):.4f}")
        out += [f"{prefix}{key}={mean:.4f}", f"{prefix}{key}_sd={spread:.4f}", f"{prefix}{key}_min={min(values):.4f}"]


def margin_of_mean(scenario, rows, out, key="lifelong_minus_best_baseline"):
    """The seeds' mean margin `<key>_points` and its standard error over their test rows (each
    seed's test set is its own draw: √(Σ se²) / n, from each report's `<key>_se_points`); printed
    and appended to `out` when every row has its se (and it is a number)."""
    if not rows or not all(f"{key}_se_points" in f and f[f"{key}_se_points"] != "nan" for _, _, f in rows):
        return
    margins = [float(f[f"{key}_points"]) for _, _, f in rows]
    errors = [float(f[f"{key}_se_points"]) for _, _, f in rows]
    mean = statistics.fmean(margins)
    error = sum(e * e for e in errors) ** 0.5 / len(errors)
    print(f"{scenario:<8} {key}_points over the seeds' test rows: {mean:+.2f} ± {error:.2f} (standard error)")
    out += [f"{scenario}_{key}_points_mean_se={error:.4f}"]


def met(fields, margin="lifelong_minus_best_baseline_points"):
    """The run's target: the margin it asks for (1 point where tasks differ, 0 where they are
    alike; reports without the key ask for 1) and GEM BWT >= -0.005."""
    required = float(fields.get("target_margin_points", 1))
    return float(fields[margin]) >= required and float(fields["bwt"]) >= -0.005


def arguments(argv):
    """({group flag: report paths} for --few-vs-many, --learner-seeds and --form-bound, experiment report paths)."""
    groups = {}
    while argv[:1] in (["--few-vs-many"], ["--learner-seeds"], ["--form-bound"]):
        end = argv.index("--") if "--" in argv else len(argv)
        groups[argv[0]] = argv[1:end]
        argv = argv[end + 1:]
    return groups, argv


def add_learner_seeds(fields, seeds_fields):
    """Joins a learner-seeds report to an experiment report's fields (whose lifelong is learner seed 0)."""
    accuracies = {0: float(fields["lifelong_avg_acc"])}
    for entry in seeds_fields["lifelong_avg_acc_by_learner_seed"].split(","):
        seed, accuracy = entry.split(":")
        accuracies[int(seed)] = float(accuracy)
    values = list(accuracies.values())
    mean = statistics.fmean(values)
    fields["learner_seeds"] = str(len(values))
    fields["lifelong_avg_acc_over_learner_seeds"] = f"{mean:.4f}"
    fields["lifelong_avg_acc_learner_seed_sd"] = f"{statistics.stdev(values) if len(values) > 1 else 0.0:.4f}"
    fields["lifelong_minus_best_baseline_points_over_learner_seeds"] = \
        f"{100 * (mean - float(fields['best_baseline_avg_acc'])):.2f}"
    if "baselines" not in fields:
        return
    bars = {}
    for key in fields["baselines"].split(","):
        values = [float(fields[f"{key}_avg_acc"])]
        by_seed = seeds_fields.get(f"{key}_avg_acc_by_learner_seed")
        if by_seed:
            values += [float(entry.split(":")[1]) for entry in by_seed.split(",")]
        bars[key] = statistics.fmean(values)
    best = max(bars, key=bars.get)
    fields["best_baseline_over_seeds"] = best
    fields["best_baseline_avg_acc_over_seeds"] = f"{bars[best]:.4f}"
    fields["lifelong_minus_best_baseline_points_over_seeds"] = f"{100 * (mean - bars[best]):.2f}"


def main():
    groups, paths = arguments(sys.argv[1:])
    few, learner_seeds, forms = {}, {}, {}
    for path in groups.get("--few-vs-many", []):
        fields = summary(path)
        few[(fields["scenario"], fields["seed"])] = {key: fields[key] for key in ("few_over_many", "few_over_many_se") if key in fields}
    for path in groups.get("--learner-seeds", []):
        fields = summary(path)
        learner_seeds[(fields["scenario"], fields["seed"])] = fields
    for path in groups.get("--form-bound", []):
        fields = summary(path)
        forms[(fields["scenario"], fields["seed"])] = {key: fields[key] for key in FORM_KEYS}
    rows = []
    for path in paths:
        fields = summary(path)
        folder = re.search(r"(?:([A-Za-z]+)-)?seed-(\d+)", path)
        scenario = fields.get("scenario") or (folder.group(1) if folder and folder.group(1) else "thermal")
        seed = folder.group(2) if folder else path
        if (scenario, seed) in few:
            fields.update(few[(scenario, seed)])
        if (scenario, seed) in learner_seeds:
            add_learner_seeds(fields, learner_seeds[(scenario, seed)])
        fields.update(forms.get((scenario, seed), {}))
        rows.append((scenario, seed, fields))
    if not rows:
        raise SystemExit("usage: summarize.py REPORT...")
    scenarios = list(dict.fromkeys(scenario for scenario, _, _ in rows))
    width = max(8, *(len(scenario) for scenario in scenarios))
    print(f"{'scenario':<{width}} seed   lifelong  best baseline                     points     se   GEM BWT  small new  bayes   50/500    se"
          "  learner seeds: mean    sd  points  bar over seeds: best          mean  points"
          "  form: shared per-task gain  at learning: points  bar's later gain")
    for scenario, seed, fields in rows:
        print(f"{scenario:<{width}} {seed:<6} {float(fields['lifelong_avg_acc']):8.4f}  {fields['best_baseline']:<24} "
              f"{float(fields['best_baseline_avg_acc']):.4f}  {float(fields['lifelong_minus_best_baseline_points']):+7.2f}"
              f"  {float(fields.get('lifelong_minus_best_baseline_se_points', 'nan')):5.2f}  {float(fields['bwt']):+8.4f}  {float(fields['small_new_tasks_acc']):.4f}"
              f"     {float(fields.get('bayes_ceiling_avg_acc', 'nan')):.4f}  {float(fields.get('few_over_many', 'nan')):.3f}  {float(fields.get('few_over_many_se', 'nan')):.3f}"
              f"  {fields.get('learner_seeds', '-'):>2} {float(fields.get('lifelong_avg_acc_over_learner_seeds', 'nan')):.4f}"
              f"  {float(fields.get('lifelong_avg_acc_learner_seed_sd', 'nan')):.4f}"
              f"  {float(fields.get('lifelong_minus_best_baseline_points_over_learner_seeds', 'nan')):+6.2f}"
              f"  {fields.get('best_baseline_over_seeds', '-'):<27} {float(fields.get('best_baseline_avg_acc_over_seeds', 'nan')):.4f}"
              f"  {float(fields.get('lifelong_minus_best_baseline_points_over_seeds', 'nan')):+6.2f}"
              + (f"        {float(fields['form_shared_avg_acc']):.4f}          {float(fields['form_per_task_gain_points']):+5.2f}"
                 if "form_shared_avg_acc" in fields else "             -              -")
              + (f"                {float(fields['lifelong_minus_best_baseline_learning_points']):+6.2f}"
                 f"           {float(fields.get('best_baseline_later_rounds_gain_points', 'nan')):+6.2f}"
                 if "lifelong_minus_best_baseline_learning_points" in fields else "                     -                -"))
    seeds = len({seed for _, seed, _ in rows})
    out = [f"reports={len(rows)}", f"seeds={seeds}", f"scenarios={','.join(scenarios)}"]
    overall = []
    statistics_of("all", rows, "", overall)
    per_scenario = []
    for scenario in scenarios:
        subset = [row for row in rows if row[0] == scenario]
        per_scenario.append(f"{scenario}_seeds={len(subset)}")
        statistics_of(scenario, subset, f"{scenario}_", per_scenario)
        margin_of_mean(scenario, subset, per_scenario)
        margin_of_mean(scenario, subset, per_scenario, key="lifelong_minus_best_baseline_learning")
        per_scenario.append(f"{scenario}_target_met_every_seed={1 if all(met(f) for _, _, f in subset) else 0}")
        if all("lifelong_minus_best_baseline_learning_points" in f for _, _, f in subset):
            at_learning = all(met(f, "lifelong_minus_best_baseline_learning_points") for _, _, f in subset)
            per_scenario.append(f"{scenario}_target_met_every_seed_at_learning={1 if at_learning else 0}")
        if all("lifelong_minus_best_baseline_points_over_seeds" in f for _, _, f in subset):
            over_seeds = all(met(f, "lifelong_minus_best_baseline_points_over_seeds") for _, _, f in subset)
            per_scenario.append(f"{scenario}_target_met_every_seed_over_seeds={1 if over_seeds else 0}")
        asks_gain = all(float(f.get("target_margin_points", 1)) > 0 for _, _, f in subset)
        if asks_gain and all("form_per_task_gain_points" in f for _, _, f in subset):
            reachable = all(float(f["form_per_task_gain_points"]) >= float(f.get("target_margin_points", 1)) for _, _, f in subset)
            per_scenario.append(f"{scenario}_per_task_target_reachable_every_seed={1 if reachable else 0}")
    out += overall + per_scenario
    out.append(f"target_met_every_seed={1 if all(met(f) for _, _, f in rows) else 0}")
    if all("few_over_many" in f for _, _, f in rows):
        out.append(f"few_over_many_target_met_every_seed={1 if all(float(f['few_over_many']) >= 0.9 for _, _, f in rows) else 0}")
    print("SUMMARY " + " ".join(out))


if __name__ == "__main__":
    main()
