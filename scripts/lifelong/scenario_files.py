"""Reads a scenario folder as `lifelong-benchmark write-csv` and `lifelong scenario --output` write
it: initial.csv, then round-1.csv with round-1-test.csv, round-2.csv …, as long as they exist."""
import csv
import os
import sys


def read(path):
    """The rows of a CSV file as dicts; exits naming the file when it has none."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        sys.exit(f"{os.path.basename(sys.argv[0])}: {path} has no rows")
    return rows


def rounds(data):
    """(initial rows, [(round-N rows, round-N-test rows) for N = 1, 2, …])."""
    initial = read(os.path.join(data, "initial.csv"))
    pairs = []
    number = 1
    while os.path.exists(os.path.join(data, f"round-{number}.csv")):
        train, test = (os.path.join(data, f"round-{number}{suffix}.csv") for suffix in ("", "-test"))
        pairs.append((read(train), read(test)))
        number += 1
    return initial, pairs
