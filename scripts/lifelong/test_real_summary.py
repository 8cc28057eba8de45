#!/usr/bin/env python3
"""Tests of real_summary.py on hand-made split folders: GEM BWT / FWT / forgetting, the accuracy
at learning, the per-round test row counts, and the pooled judgement of its SUMMARY line.

  python3 scripts/lifelong/test_real_summary.py
"""
import contextlib
import io
import json
import os
import sys
import tempfile
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import real_summary  # noqa: E402


def write_split(folder, seed, methods, test_rows):
    """A split folder as bench_real.sh leaves it: scenario.json, lifelong.json (the CLI's methods)
    and one round-N-test.csv per round with `test_rows[N-1]` rows."""
    os.makedirs(folder)
    with open(os.path.join(folder, "scenario.json"), "w") as handle:
        json.dump({"seed": seed}, handle)
    with open(os.path.join(folder, "lifelong.json"), "w") as handle:
        json.dump({"methods": methods}, handle)
    for round_number, rows in enumerate(test_rows, start=1):
        with open(os.path.join(folder, f"round-{round_number}-test.csv"), "w") as handle:
            handle.write("x,ui\n" + "".join(f"{row},yes\n" for row in range(rows)))


def method(matrix, final_correct, learning_correct=None):
    """A method's entry with the GEM figures computed by hand below left out (checked only when given)."""
    entry = {"matrix": matrix, "final_correct": final_correct, "avg_accuracy": sum(final_correct) / len(final_correct)}
    if learning_correct is not None:
        entry["learning_correct"] = learning_correct
    return entry


class RealSummaryTests(unittest.TestCase):
    def test_gem_by_hand(self):
        # Rounds 1..3; row 0 is the initial model. BWT = ((0.5 - 0.7) + (0.6 - 0.8)) / 2 = -0.2;
        # FWT = ((0.4 - 0.3) + (0.5 - 0.2)) / 2 = 0.2; forgetting = ((0.7 - 0.5) + (0.8 - 0.6)) / 2 = 0.2.
        matrix = [[0.1, 0.3, 0.2], [0.7, 0.4, 0.1], [0.6, 0.8, 0.5], [0.5, 0.6, 0.9]]
        bwt, fwt, forgetting = real_summary.gem(matrix)
        self.assertAlmostEqual(bwt, -0.2)
        self.assertAlmostEqual(fwt, 0.2)
        self.assertAlmostEqual(forgetting, 0.2)

    def test_learning_correct_weighs_the_diagonal_by_rows(self):
        matrix = [[0.1, 0.3, 0.2], [0.7, 0.4, 0.1], [0.6, 0.8, 0.5], [0.5, 0.6, 0.9]]
        # 0.7 * 10 + 0.8 * 20 + 0.9 * 30 = 50 right answers at learning.
        self.assertAlmostEqual(real_summary.learning_correct(matrix, [10, 20, 30]), 50.0)

    def test_cli_figures_that_differ_are_an_error(self):
        entry = method([[0.5, 0.5], [0.6, 0.5], [0.6, 0.7]], [1, 0])
        entry.update(bwt=0.1, fwt=0.0, forgetting=0.0)  # GEM BWT is 0.0 here
        with self.assertRaises(SystemExit):
            real_summary.transfer("lifelong", entry)

    def test_pooled_summary(self):
        with tempfile.TemporaryDirectory() as root:
            # Two rounds of 2 test rows each per seed. Lifelong keeps its answers (BWT 0);
            # "global" learns more on seed 1 and is the best baseline there, "other" on seed 2.
            first, second = os.path.join(root, "s1"), os.path.join(root, "s2")
            # learning_correct: per row, right after its round (consistent with M[1][0], M[2][1]).
            write_split(first, 1, {
                "lifelong": method([[0.5, 0.5], [0.5, 0.5], [0.5, 1.0]], [1, 0, 1, 1], [1, 0, 1, 1]),
                "global": method([[0.5, 0.5], [0.5, 0.5], [1.0, 1.0]], [1, 1, 1, 1], [0, 1, 1, 1]),
                "other": method([[0.5, 0.5], [0.5, 0.5], [0.0, 0.5]], [0, 0, 1, 0], [1, 0, 0, 1]),
            }, [2, 2])
            write_split(second, 2, {
                "lifelong": method([[0.5, 0.5], [1.0, 0.5], [1.0, 1.0]], [1, 1, 1, 1], [1, 1, 1, 1]),
                "global": method([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]], [1, 0, 0, 1], [1, 0, 0, 1]),
                "other": method([[0.5, 0.5], [0.5, 0.5], [1.0, 0.5]], [1, 1, 0, 1], [0, 1, 1, 0]),
            }, [2, 2])
            output = io.StringIO()
            with mock.patch.object(sys, "argv", ["real_summary.py", first, second]), contextlib.redirect_stdout(output):
                real_summary.main()
        summary = dict(pair.split("=", 1) for pair in output.getvalue().splitlines()[-1].split()[2:])
        self.assertEqual(summary["seed_1_best_baseline"], "global")
        self.assertEqual(summary["seed_1_target_met"], "0")
        self.assertEqual(summary["seed_2_best_baseline"], "other")
        self.assertEqual(summary["seed_2_target_met"], "1")
        self.assertEqual(summary["best_baseline_methods"], "2")
        # Pooled over 8 rows: lifelong 7, global 6, other 4 right.
        self.assertEqual(summary["pooled_lifelong_avg_acc"], "0.8750")
        self.assertEqual(summary["pooled_best_baseline"], "global")
        self.assertEqual(summary["pooled_lifelong_minus_best_baseline_points"], "12.50")
        self.assertEqual(summary["pooled_target_met"], "1")
        self.assertEqual(summary["target_met_every_seed"], "0")
        # At learning: lifelong (0.5 * 2 + 1.0 * 2) + (1.0 * 2 + 1.0 * 2) = 7 of 8; global
        # (0.5 * 2 + 1.0 * 2) + (0.5 * 2 + 0.5 * 2) = 5 of 8.
        self.assertEqual(summary["pooled_lifelong_learning_acc"], "0.8750")
        self.assertEqual(summary["pooled_best_baseline_learning_acc"], "0.6250")
        # Paired at learning against global (5 of 8): per-row differences 1,-1,0,0,0,1,1,0 —
        # mean 0.25, sample variance 3.5 / 7, standard error sqrt(0.5 / 8) = 0.25.
        self.assertEqual(summary["pooled_best_baseline_at_learning"], "global")
        self.assertEqual(summary["pooled_lifelong_minus_best_baseline_learning_points"], "25.00")
        self.assertEqual(summary["pooled_learning_se_points"], "25.00")

    def test_no_paired_figure_at_learning_without_every_split_rows(self):
        with tempfile.TemporaryDirectory() as root:
            first, second = os.path.join(root, "s1"), os.path.join(root, "s2")
            write_split(first, 1, {"lifelong": method([[0.5], [1.0]], [1, 1], [1, 1]),
                                   "global": method([[0.5], [0.5]], [1, 0], [1, 0])}, [2])
            write_split(second, 2, {"lifelong": method([[0.5], [1.0]], [1, 1]), "global": method([[0.5], [0.5]], [0, 1])}, [2])
            output = io.StringIO()
            with mock.patch.object(sys, "argv", ["real_summary.py", first, second]), contextlib.redirect_stdout(output):
                real_summary.main()
        self.assertNotIn("pooled_lifelong_minus_best_baseline_learning_points", output.getvalue())


if __name__ == "__main__":
    unittest.main()
