#!/usr/bin/env bash
# What `make demo` runs. Until the gateway composes the services into the end-to-end loop,
# the demo is the lifelong-learning job itself, on data generated here: a seeded
# thermal-comfort scenario (sites x seasons, new sites each round) replayed through lifelong
# learning and the two baselines, with the accuracy matrix, BWT and FWT of each.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/install-deps.sh
echo "==> building the lifelong CLI (release)"
swift build -c release --product lifelong
bin=$(swift build -c release --show-bin-path)/lifelong

data=.run/demo
rm -rf "$data"
echo "==> writing the scenario to $data"
"$bin" scenario --output "$data"

echo "==> replaying it: lifelong learning against a global model and isolated per-task models"
"$bin" experiment --label thermal_preference --attributes site,season \
    --initial "$data/initial.csv" \
    --round "$data/round-1.csv" --test "$data/round-1-test.csv" \
    --round "$data/round-2.csv" --test "$data/round-2-test.csv"
