"""What the rows of a generated scenario allow when the generator's own form is known.

usage: form_bound.py --data DIR [--folds K] [--seed N] [--drift-round R] [--few N]

DIR holds `lifelong-benchmark write-csv` output of a thermal, thermal-alike or shop scenario.
Both generators (Shared/Lifelong/Scenario/ThermalComfortScenario.swift, ShopDemandScenario.swift)
label a row by an ordinal probit on a score — below −band the first ordered class, above +band
the last — and then redraw a share of labels uniformly. This script fits that form by maximum
likelihood on the training rows of every round (the same rows every method learns from) and
reports the accuracy of the final fit on the rounds' test rows pooled (round-N-test.csv, the test
sets of the benchmark's average accuracy), three ways:

- shared:          what one model of every task with the task attributes represents additively:
                   thermal — one temperature slope and band for all sites, a shift per site,
                   season and the other terms in common; shop — per format its product-family
                   and weekday levels, price elasticity and discount response, a shift per region.
- per_task:        each task's own parameters on top (thermal: each site's slope and band; shop:
                   each shop's shift, elasticity and discount response, separately before and
                   after the generator's drift round), unshrunk.
- per_task_shrunk: the same deviations under a ridge penalty chosen by K-fold validation on the
                   training rows: the most a per-task learner that knows the form could draw
                   from each task's own rows.

per_task_gain_points = 100 * (best of the two per-task fits - shared), an optimistic estimate (the
better fit is picked on test rows) of what per-task models can add over one model with the
attributes on these rows. Every constant (coefficients, band, noise share) is estimated; only the
form is given. Ends with one `SUMMARY key=value ...` line (a benchmark reference, never a service
dependency).

With --few N the training rows of every task new after round 0 are cut to its first N (every
other row as it is, as `lifelong-benchmark few-vs-many` cuts them), and the SUMMARY line also
carries each fit's mean accuracy over those tasks (each task's test rows counted alike):
written with `write-csv --rounds 1 --new-task-samples 500`, once with --few 50 and once
without, it is the few-vs-many comparison for a learner that knows the form.
"""
import argparse
import json
import math
import os

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, ndtr

import scenario_files

PENALTIES = [0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]
# Shop scenario constants of the form (ShopDemandScenario): where a discount starts to count,
# above which temperature drinks sell more, and the generator's default drift round.
DISCOUNT_PRICE_THRESHOLD = 2.5
DRINKS_HEAT_FROM = 20.0
SHOP_DRIFT_ROUND = 2


def training_and_test_rows(data):
    """Every training row (initial.csv, round-N.csv) and the test rows the benchmark's average
    accuracy pools (round-N-test.csv; initial-test.csv is not in its matrix), each with its round
    under the key "@round"."""
    initial, pairs = scenario_files.rounds(data)
    for number, rows in [(0, initial)] + [(n, rows) for n, pair in enumerate(pairs, 1) for rows in pair]:
        for row in rows:
            row["@round"] = number
    return initial + [row for train, _ in pairs for row in train], [row for _, test in pairs for row in test]


def task_key(row, attributes):
    return "_".join(row[name] for name in attributes)


def keep_first_rows_of_new_tasks(train, attributes, few):
    """The training rows with each task new after round 0 cut to its first `few` rows."""
    known = {task_key(row, attributes) for row in train if row["@round"] == 0}
    kept, seen = [], {}
    for row in train:
        key = task_key(row, attributes)
        if key not in known:
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > few:
                continue
        kept.append(row)
    return kept, sorted(seen)


def one_hot(values, levels):
    matrix = np.zeros((len(values), len(levels)))
    matrix[np.arange(len(values)), [levels.index(v) for v in values]] = 1
    return matrix


class Design:
    """A scenario's rows as the form sees them: shared columns X, per-task deviation columns Z,
    the task of each row for a per-task band (or None), ordinal labels (0 below, 1 band, 2 above)."""

    def __init__(self, shared, deviations, band_group, band_groups, label):
        self.shared, self.deviations, self.label = shared, deviations, label
        self.band_group, self.band_groups = band_group, band_groups

    def subset(self, mask):
        group = None if self.band_group is None else self.band_group[mask]
        return Design(self.shared[mask], self.deviations[mask], group, self.band_groups, self.label[mask])


def thermal_design(rows, train):
    """Comfort score: slope·(operative − 24) + site shift + clothing, activity, the air-speed and
    humidity terms above 24 °C, season; per site its own slope and band."""
    sites = sorted({row["site"] for row in train})
    def column(name):
        return np.array([float(row[name]) for row in rows])
    operative = (column("air_temperature") + column("radiant_temperature")) / 2 - 24
    warm = operative > 0
    site = one_hot([row["site"] for row in rows], sites)
    shared = np.column_stack([
        operative, column("clothing"), column("metabolic_rate"), np.where(warm, np.sqrt(column("air_speed")), 0),
        np.where(warm, column("relative_humidity") - 50, 0) / 10,
        np.array([row["season"] == "summer" for row in rows], float), site])
    order = {"warmer": 0, "no change": 1, "cooler": 2}
    label = np.array([order[row["thermal_preference"]] for row in rows])
    return Design(shared, site * operative[:, None], site.argmax(axis=1), len(sites), label)


def shop_design(rows, train, drift_round):
    """Demand score: per format its family and weekday levels, −elasticity·ln(price), discount
    response above the price threshold; heat for drinks; a region shift. Per shop and period
    (before / from the drift round) its own shift, elasticity and response."""
    formats = sorted({row["format"] for row in train})
    families = sorted({row["product_family"] for row in train})
    weekdays = sorted({row["weekday"] for row in train})
    regions = sorted({row["region"] for row in train})
    shops = sorted({(row["format"], row["region"], row["@round"] >= drift_round) for row in train})
    price = np.array([float(row["price"]) for row in rows])
    minus_log_price = -np.log(price)
    promoted = np.array([float(row["discount"]) for row in rows]) * (price >= DISCOUNT_PRICE_THRESHOLD)
    heat = np.array([max(0.0, float(row["temperature"]) - DRINKS_HEAT_FROM) * (row["product_family"] == "drinks")
                     for row in rows])
    form = one_hot([row["format"] for row in rows], formats)
    family_levels = one_hot([(row["format"], row["product_family"]) for row in rows],
                            [(f, p) for f in formats for p in families])
    weekday_levels = one_hot([(row["format"], row["weekday"]) for row in rows], [(f, d) for f in formats for d in weekdays])
    shared = np.column_stack([family_levels, weekday_levels, form * minus_log_price[:, None],
                              form * promoted[:, None], heat, one_hot([row["region"] for row in rows], regions)])
    keys = [(row["format"], row["region"], row["@round"] >= drift_round) for row in rows]
    shop = np.array([[key == s for s in shops] for key in keys], float)
    deviations = np.column_stack([shop, shop * minus_log_price[:, None], shop * promoted[:, None]])
    label = np.array([{"low": 0, "normal": 1, "high": 2}[row["demand"]] for row in rows])
    return Design(shared, deviations, None, 0, label)


class OrdinalForm:
    """score = X·β + Z·γ; band = exp(b + δ[task]); a share expit(e) of labels uniform. With
    `penalty` None there is no γ or δ (the shared form); otherwise penalty·(|γ|² + |δ|²) is added to
    the summed negative log-likelihood. β carries a tiny ridge so redundant one-hot sets stay
    well-posed."""

    RIDGE = 1e-6

    def __init__(self, design, penalty):
        self.penalty = penalty
        self.p = design.shared.shape[1]
        self.q = 0 if penalty is None else design.deviations.shape[1]
        self.groups = 0 if penalty is None or design.band_group is None else design.band_groups

    def start(self):
        w = np.zeros(2 + self.p + self.q + self.groups)
        w[0], w[1] = math.log(1.5), -2.5
        return w

    def parts(self, w, design):
        p, q = self.p, self.q
        beta, gamma, delta = w[2:2 + p], w[2 + p:2 + p + q], w[2 + p + q:]
        score = design.shared @ beta
        log_band = np.full(len(design.label), w[0])
        if q:
            score = score + design.deviations @ gamma
        if self.groups:
            log_band = log_band + delta[design.band_group]
        return score, np.exp(log_band), expit(w[1])

    def probabilities(self, w, design):
        score, band, noise = self.parts(w, design)
        below, above = ndtr(-band - score), ndtr(score - band)
        clean = np.stack([below, 1 - below - above, above], axis=1)
        return (1 - noise) * clean + noise / 3

    def validation_loss(self, w, design):
        """Mean negative log-likelihood of rows the fit did not see (no penalty: it judges the fit)."""
        probabilities = self.probabilities(w, design)[np.arange(len(design.label)), design.label]
        return -np.mean(np.log(np.maximum(probabilities, 1e-300)))

    def loss(self, w, design):
        """Mean negative log-likelihood plus the penalties over the rows, and its gradient."""
        score, band, noise = self.parts(w, design)
        n, label = len(design.label), design.label
        below, above = ndtr(-band - score), ndtr(score - band)
        density_below = np.exp(-0.5 * (band + score) ** 2) / math.sqrt(2 * math.pi)
        density_above = np.exp(-0.5 * (score - band) ** 2) / math.sqrt(2 * math.pi)
        clean = np.choose(label, [below, 1 - below - above, above])
        d_score = np.choose(label, [-density_below, density_below - density_above, density_above])
        d_band = np.choose(label, [-density_below, density_below + density_above, -density_above])
        q = np.maximum((1 - noise) * clean + noise / 3, 1e-300)
        g_score = -(1 - noise) * d_score / q / n
        g_log_band = -(1 - noise) * d_band / q / n * band
        p, dq = self.p, self.q
        grad = np.zeros_like(w)
        grad[0] = g_log_band.sum()
        grad[1] = -np.sum((1 / 3 - clean) / q) / n * noise * (1 - noise)
        beta = w[2:2 + p]
        grad[2:2 + p] = design.shared.T @ g_score + 2 * self.RIDGE * beta
        value = -np.mean(np.log(q)) + self.RIDGE * beta @ beta
        if dq:
            gamma = w[2 + p:2 + p + dq]
            grad[2 + p:2 + p + dq] = design.deviations.T @ g_score + 2 * self.penalty * gamma / n
            value += self.penalty * gamma @ gamma / n
        if self.groups:
            delta = w[2 + p + dq:]
            grad[2 + p + dq:] = np.bincount(design.band_group, g_log_band, self.groups) + 2 * self.penalty * delta / n
            value += self.penalty * delta @ delta / n
        return value, grad

    def fit(self, design):
        return minimize(self.loss, self.start(), args=(design,), jac=True, method="L-BFGS-B",
                        options={"maxiter": 3000}).x

    def accuracy(self, w, design):
        return float(np.mean(self.probabilities(w, design).argmax(axis=1) == design.label))


def validated_penalty(design, folds, seed):
    """The penalty with the lowest K-fold validation log loss on the training rows."""
    order = np.random.default_rng(seed).permutation(len(design.label))
    fold_of = np.empty(len(order), int)
    fold_of[order] = np.arange(len(order)) % folds
    best, best_loss = None, np.inf
    for penalty in PENALTIES:
        total = 0.0
        for fold in range(folds):
            form = OrdinalForm(design, penalty)
            w = form.fit(design.subset(fold_of != fold))
            total += form.validation_loss(w, design.subset(fold_of == fold))
        if total < best_loss:
            best, best_loss = penalty, total
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--drift-round", type=int, default=SHOP_DRIFT_ROUND, help="shop: the generator's drift round")
    parser.add_argument("--few", type=int, default=None, help="cut every new task's training rows to its first N")
    args = parser.parse_args()
    with open(os.path.join(args.data, "scenario.json")) as handle:
        description = json.load(handle)
    kind = description.get("kind", "?")
    train, test = training_and_test_rows(args.data)
    new_tasks = []
    if args.few is not None:
        train, new_tasks = keep_first_rows_of_new_tasks(train, description["attributes"], args.few)
    test_task = [task_key(row, description["attributes"]) for row in test] if new_tasks else []
    if kind.startswith("thermal"):
        designs = thermal_design(train, train), thermal_design(test, train)
    elif kind == "shop":
        designs = shop_design(train, train, args.drift_round), shop_design(test, train, args.drift_round)
    else:
        raise SystemExit(f"form_bound.py: no form for scenario kind {kind!r}")
    fit_rows, test_rows = designs

    results, new_task_results = {}, {}
    penalty = validated_penalty(fit_rows, args.folds, args.seed)
    for name, fit_penalty in [("shared", None), ("per_task", 0.0), ("per_task_shrunk", penalty)]:
        form = OrdinalForm(fit_rows, fit_penalty)
        w = form.fit(fit_rows)
        results[name] = form.accuracy(w, test_rows)
        per_task = [form.accuracy(w, test_rows.subset(np.array([key == task for key in test_task]))) for task in new_tasks]
        new_task_results[name] = per_task
    gain = 100 * (max(results["per_task"], results["per_task_shrunk"]) - results["shared"])
    seed = os.path.basename(os.path.normpath(args.data)).rsplit("-", 1)[-1]
    print(f"form bound ({kind}): shared {results['shared']:.4f}, per-task {results['per_task']:.4f},"
          f" per-task shrunk (penalty {penalty:g}) {results['per_task_shrunk']:.4f}, per-task gain {gain:+.2f} points")
    print(f"SUMMARY scenario={kind} seed={seed} form_shared_avg_acc={results['shared']:.4f} "
          f"form_per_task_avg_acc={results['per_task']:.4f} form_per_task_shrunk_avg_acc={results['per_task_shrunk']:.4f} "
          f"form_shrink_penalty={penalty:g} form_per_task_gain_points={gain:.2f}"
          + "".join(f" form_{name}_new_tasks_acc={np.mean(values):.4f}" for name, values in new_task_results.items() if values))
    for index, task in enumerate(new_tasks):
        print(f"  new task {task}: " + ", ".join(f"{name} {values[index]:.4f}" for name, values in new_task_results.items()))


if __name__ == "__main__":
    main()
