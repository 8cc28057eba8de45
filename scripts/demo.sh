#!/usr/bin/env bash
# What `make demo` runs: the lifelong loop for real, across processes, on a generated
# thermal-comfort scenario (sites × seasons; new sites appear each round).
#
#   build (release) → `lifelong up`: PostgreSQL in .run/stack/postgres, KB, task mining,
#   training, gateway (with the labelling oracle) on loopback → job → two edge nodes →
#   initial data → round 1 → for each later round: the edges see new sites (flagged unseen,
#   buffered, uploaded), the oracle labels them, the round's test data arrives, the trigger
#   fires, only what changed is trained, the edges hot-swap → the report table and SVG plot.
#
# The stack keeps running at the end (DEMO_STOP=1 stops it); `lifelong down` stops it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/install-deps.sh
echo "==> building the services and the lifelong CLI (release)"
for product in lifelong lifelong-kb lifelong-taskmining lifelong-training lifelong-gateway lifelong-edge; do
    swift build -c release --product "$product" 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
done
bin=$(swift build -c release --show-bin-path)
lifelong="$bin/lifelong"
[[ -x "$lifelong" && -x "$bin/lifelong-gateway" && -x "$bin/lifelong-edge" ]] || { echo "demo: the release build failed" >&2; exit 1; }

state=.run/stack
data=.run/demo
rounds=${DEMO_ROUNDS:-2}
started=$(date +%s)

"$lifelong" down --state-dir "$state" >/dev/null 2>&1 || true
rm -rf "$data" "$state"   # a fresh stack: its own PostgreSQL cluster, tokens and edge stores
echo "==> writing the scenario to $data ($rounds rounds of new sites)"
"$lifelong" scenario --output "$data" --rounds "$rounds" >/dev/null

oracle=()
for round in $(seq 1 "$rounds"); do oracle+=(--oracle-file "$data/round-$round.csv"); done
echo "==> starting the stack (logs in $state/logs)"
"$lifelong" up --state-dir "$state" --tick-seconds 0.5 --log-level warning "${oracle[@]}"

# One field of an edge's status: edge_field ADDRESS "unseen buffered".
edge_field() { "$lifelong" edge status --edge "$1" | awk -F': +' -v key="$2" '$1 == key { print $2 }'; }
wait_until() {
    local what=$1; shift
    for _ in $(seq 1 600); do "$@" && return 0; sleep 0.5; done
    echo "demo: timed out waiting for $what" >&2
    exit 1
}
uploads_drained() { [[ "$(edge_field "$1" "unseen buffered")" == 0 && "$(edge_field "$1" "queued uploads")" == 0 ]]; }
labelled_by_oracle() { [[ "$("$lifelong" label --job demo | grep -c "round-$1:")" == 0 ]]; }
serves() { [[ "$(edge_field "$1" "snapshot version")" -ge "$2" ]]; }

echo "==> creating the job: one task per site and season; a round when 100 new labelled samples wait"
"$lifelong" job create --name demo --data "$data/initial.csv" --label thermal_preference --attributes site,season \
    --min-samples 100
"$lifelong" edge start --state-dir "$state" --job demo --edges 2
# The job is paused while a round's data arrives, so its trigger fires once per round.
"$lifelong" job pause demo >/dev/null

echo "==> round 1: the initial sites"
"$lifelong" ingest --job demo "$data/initial.csv"
"$lifelong" ingest --job demo --kind eval "$data/initial-test.csv"
"$lifelong" job resume demo >/dev/null
"$lifelong" job watch demo --until-version 1 --timeout 600 >/dev/null
wait_until "edge-1 to serve version 1" serves 127.0.0.1:7110 1
wait_until "edge-2 to serve version 1" serves 127.0.0.1:7111 1

version=1
for round in $(seq 1 "$rounds"); do
    echo "==> round $((round + 1)): new sites reach the edges"
    "$lifelong" job pause demo >/dev/null
    echo "--- edge-1 serves the round's stream: new sites are flagged unseen, buffered and uploaded"
    "$lifelong" infer --edge 127.0.0.1:7110 "$data/round-$round.csv"
    wait_until "edge-1's uploads" uploads_drained 127.0.0.1:7110
    wait_until "the oracle's labels" labelled_by_oracle "$round"
    echo "--- the round's test rows arrive; the job resumes and its trigger fires"
    "$lifelong" ingest --job demo --kind eval "$data/round-$round-test.csv"
    "$lifelong" job resume demo >/dev/null
    version=$((version + 1))
    "$lifelong" job watch demo --until-version "$version" --timeout 600 >/dev/null
    "$lifelong" job get demo
    wait_until "edge-2 to hot-swap to version $version" serves 127.0.0.1:7111 "$version"
    echo "--- edge-2 on the round's test rows, served by version $version"
    "$lifelong" infer --edge 127.0.0.1:7111 "$data/round-$round-test.csv"
done

echo "==> the fleet"
"$lifelong" fleet
echo "==> the report"
"$lifelong" report --job demo --svg "$data/report.svg"

echo
echo "The loop ran in $(( $(date +%s) - started )) s after the build."
echo "Report plot: $data/report.svg   Scenario: $data   Logs: $state/logs"
if [[ "${DEMO_STOP:-0}" == 1 ]]; then
    "$lifelong" down --state-dir "$state"
else
    echo "The stack is still running: $lifelong down   (or: make demo-stop)"
fi
