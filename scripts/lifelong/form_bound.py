"""What the rows of a thermal scenario allow when the generator's own form is known.

usage: form_bound.py --data DIR [--folds K] [--seed N]

DIR holds `lifelong-benchmark write-csv --scenario thermal|thermal-alike` output. The thermal
generator (Shared/Lifelong/Scenario/ThermalComfortScenario.swift) labels a row by an ordinal
probit on a comfort score with a share of labels redrawn uniformly. This script fits that form by
maximum likelihood on the training rows of every round (the same rows every method learns from)
and reports the accuracy of the final fit on the rounds' test rows pooled (round-N-test.csv, the
test sets of the benchmark's average accuracy), three ways:

- shared:          one slope and one band for every site, a per-site intercept (the site's
                   neutral temperature), season and the other features in common. Per site this
                   is an additive shift: what a global model that sees the site attribute can
                   represent.
- per_site:        each site's own slope and band as well (unshrunk maximum likelihood).
- per_site_shrunk: each site's log slope and log band deviate from the shared ones under a ridge
                   penalty chosen by K-fold validation on the training rows: the most a per-task
                   learner that knows the form could draw from each task's own rows.

per_site_gain_points = 100 * (best of the per-site fits - shared): an upper bound on what per-task
models can add over a global model with the attributes on these rows. All constants of the form
(coefficients, slope, bands, the noise share) are estimated; only the form is given. The result
is one `SUMMARY key=value ...` line (a benchmark reference, never a service dependency).
"""
import argparse
import csv
import glob
import json
import os

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_ndtr, ndtr

CLASSES = ["cooler", "no change", "warmer"]
PENALTIES = [0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]


def read(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def training_and_test_rows(data):
    """Every training row (initial.csv, round-N.csv) and the test rows the benchmark's average
    accuracy pools: the rounds' (round-N-test.csv; initial-test.csv is not in its matrix)."""
    names = sorted((os.path.basename(p) for p in glob.glob(os.path.join(data, "round-*.csv")) if "-test" not in p),
                   key=lambda name: int(name.split("-")[1].split(".")[0]))
    train = read(os.path.join(data, "initial.csv")) + [row for name in names for row in read(os.path.join(data, name))]
    test = [row for name in names for row in read(os.path.join(data, name.replace(".csv", "-test.csv")))]
    return train, test


class Rows:
    """The form's inputs: operative temperature, the common features, the site and the label."""

    def __init__(self, rows, sites):
        def column(name):
            return np.array([float(row[name]) for row in rows])
        air, radiant = column("air_temperature"), column("radiant_temperature")
        self.operative = (air + radiant) / 2 - 24
        warm = self.operative > 0
        self.common = np.stack([
            column("clothing"), column("metabolic_rate"),
            np.where(warm, np.sqrt(column("air_speed")), 0), np.where(warm, column("relative_humidity") - 50, 0) / 10,
            np.array([row["season"] == "summer" for row in rows], float)], axis=1)
        self.site = np.array([sites.index(row["site"]) for row in rows])
        self.label = np.array([CLASSES.index(row["thermal_preference"]) for row in rows])

    def subset(self, mask):
        other = object.__new__(Rows)
        for name in ("operative", "common", "site", "label"):
            setattr(other, name, getattr(self, name)[mask])
        return other


class Form:
    """The ordinal probit with uniform label noise; per-site deviations under `penalty` (None: none)."""

    def __init__(self, sites, penalty):
        self.sites, self.penalty = sites, penalty
        self.width = 5

    def split(self, w):
        s, f = self.sites, self.width
        log_slope, log_band, noise = w[0], w[1], w[2]
        intercepts, beta = w[3:3 + s], w[3 + s:3 + s + f]
        deviations = w[3 + s + f:]
        if self.penalty is None:
            slope_dev = band_dev = np.zeros(s)
        else:
            slope_dev, band_dev = deviations[:s], deviations[s:]
        return log_slope, log_band, noise, intercepts, beta, slope_dev, band_dev

    def start(self):
        size = 3 + self.sites + self.width + (0 if self.penalty is None else 2 * self.sites)
        w = np.zeros(size)
        w[0], w[1], w[2] = np.log(2.0), np.log(3.0), -2.5
        return w

    def parts(self, w, rows):
        log_slope, log_band, noise, intercepts, beta, slope_dev, band_dev = self.split(w)
        slope = np.exp(log_slope + slope_dev[rows.site])
        band = np.exp(log_band + band_dev[rows.site])
        score = slope * rows.operative + intercepts[rows.site] + rows.common @ beta
        return slope, band, score, expit(noise)

    def probabilities(self, w, rows):
        _, band, score, noise = self.parts(w, rows)
        cooler, warmer = ndtr(score - band), ndtr(-band - score)
        clean = np.stack([cooler, 1 - cooler - warmer, warmer], axis=1)
        return (1 - noise) * clean + noise / 3

    def loss(self, w, rows):
        """Mean negative log-likelihood (+ the penalty over the rows) and its gradient."""
        slope, band, score, noise = self.parts(w, rows)
        n, label = len(rows.label), rows.label
        cooler, warmer = ndtr(score - band), ndtr(-band - score)
        density_c = np.exp(-0.5 * (score - band) ** 2 - 0.5 * np.log(2 * np.pi))
        density_w = np.exp(-0.5 * (band + score) ** 2 - 0.5 * np.log(2 * np.pi))
        clean = np.choose(label, [cooler, 1 - cooler - warmer, warmer])
        d_score = np.choose(label, [density_c, density_w - density_c, -density_w])
        d_band = np.choose(label, [-density_c, density_c + density_w, -density_w])
        q = np.maximum((1 - noise) * clean + noise / 3, 1e-300)
        value = -np.mean(np.log(q))
        g_score = -(1 - noise) * d_score / q / n
        g_band = -(1 - noise) * d_band / q / n * band
        g_noise = -np.sum((1 / 3 - clean) / q) / n * noise * (1 - noise)
        g_slope = g_score * rows.operative * slope
        sites = self.sites
        grad = np.zeros_like(w)
        grad[0], grad[1], grad[2] = g_slope.sum(), g_band.sum(), g_noise
        grad[3:3 + sites] = np.bincount(rows.site, g_score, sites)
        grad[3 + sites:3 + sites + self.width] = rows.common.T @ g_score
        if self.penalty is not None:
            deviations = w[3 + sites + self.width:]
            value += self.penalty * np.sum(deviations ** 2) / n
            grad[3 + sites + self.width:3 + 2 * sites + self.width] = np.bincount(rows.site, g_slope, sites)
            grad[3 + 2 * sites + self.width:] = np.bincount(rows.site, g_band, sites)
            grad[3 + sites + self.width:] += 2 * self.penalty * deviations / n
        return value, grad

    def fit(self, rows):
        result = minimize(self.loss, self.start(), args=(rows,), jac=True, method="L-BFGS-B",
                          options={"maxiter": 2000})
        return result.x

    def accuracy(self, w, rows):
        return float(np.mean(self.probabilities(w, rows).argmax(axis=1) == rows.label))


def validated_penalty(sites, rows, folds, seed):
    """The penalty with the lowest K-fold validation log loss on the training rows."""
    order = np.random.default_rng(seed).permutation(len(rows.label))
    fold_of = np.empty(len(order), int)
    fold_of[order] = np.arange(len(order)) % folds
    best, best_loss = None, np.inf
    for penalty in PENALTIES:
        total = 0.0
        for fold in range(folds):
            form = Form(sites, penalty)
            w = form.fit(rows.subset(fold_of != fold))
            total += form.loss(w, rows.subset(fold_of == fold))[0]
        if total < best_loss:
            best, best_loss = penalty, total
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with open(os.path.join(args.data, "scenario.json")) as handle:
        scenario = json.load(handle)
    train, test = training_and_test_rows(args.data)
    sites = sorted({row["site"] for row in train + test})
    train_rows, test_rows = Rows(train, sites), Rows(test, sites)

    results = {}
    for name, penalty in [("shared", None), ("per_site", 0.0)]:
        form = Form(len(sites), penalty)
        results[name] = form.accuracy(form.fit(train_rows), test_rows)
    penalty = validated_penalty(len(sites), train_rows, args.folds, args.seed)
    form = Form(len(sites), penalty)
    results["per_site_shrunk"] = form.accuracy(form.fit(train_rows), test_rows)
    gain = 100 * (max(results["per_site"], results["per_site_shrunk"]) - results["shared"])
    seed = os.path.basename(os.path.normpath(args.data)).rsplit("-", 1)[-1]
    print(f"form bound ({scenario.get('kind', '?')}): shared {results['shared']:.4f}, per-site {results['per_site']:.4f},"
          f" per-site shrunk (penalty {penalty:g}) {results['per_site_shrunk']:.4f}, per-site gain {gain:+.2f} points")
    print(f"SUMMARY scenario={scenario.get('kind', '?')} seed={seed} form_shared_avg_acc={results['shared']:.4f} "
          f"form_per_site_avg_acc={results['per_site']:.4f} form_per_site_shrunk_avg_acc={results['per_site_shrunk']:.4f} "
          f"form_shrink_penalty={penalty:g} form_per_site_gain_points={gain:.2f}")


if __name__ == "__main__":
    main()
