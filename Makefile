# Lifelong — the commands people and CI use. Logic lives in scripts/; see docs/harness.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Extra arguments for `swift test` in `make test`, e.g. TEST_ARGS='--filter PostgresClientTests'.
TEST_ARGS ?=
# Flags for swift build/test, e.g. SWIFT_FLAGS='--scratch-path .build-mine'.
SWIFT_FLAGS ?= $(LIFELONG_SWIFT_FLAGS)

LIFELONG_VENV ?= $(CURDIR)/.venv
export LIFELONG_PYTHON ?= $(LIFELONG_VENV)/bin/python
export LIFELONG_SWIFT_FLAGS := $(SWIFT_FLAGS)

# Every bench-* target below; `make bench` runs them all, one after the other.
BENCHES := $(shell sed -n 's/^\(bench-[A-Za-z0-9_-]*\):.*/\1/p' $(firstword $(MAKEFILE_LIST)))

.PHONY: help test build generate check-generated bench $(BENCHES) demo demo-stop deploy-check deps pg-start pg-stop \
	pg-status clean distclean

help: ## list the targets
	@grep -E '^[A-Za-z_-]+:.*## ' $(firstword $(MAKEFILE_LIST)) | \
		awk -F':.*## ' '{ printf "  make %-18s %s\n", $$1, $$2 }'

test: ## everything CI runs: deps, throwaway PostgreSQL, swift build, swift test, other suites
	scripts/test.sh $(TEST_ARGS)

build: ## swift build
	swift build $(SWIFT_FLAGS)

generate: ## regenerate the committed protobuf code
	scripts/codegen/generate.sh

check-generated: ## fail if the committed generated code is stale
	scripts/codegen/generate.sh --check

bench: ## every benchmark (each bench-* target)
	@set -e; for b in $(BENCHES); do echo "==> make $$b"; $(MAKE) --no-print-directory $$b; done

bench-learning: deps ## learning core against XGBoost, LightGBM (training) and tl2cgen (single-row C)
	scripts/learning/bench.sh

bench-lifelong: deps ## lifelong learner against global, isolated and XGBoost (thermal and shop scenarios x seeds)
	scripts/lifelong/bench.sh

bench-lifelong-real: deps ## lifelong learner against every baseline on held-out real data (a survey, states as tasks) x seeds, through the CLI
	scripts/lifelong/bench_real.sh

bench-training: deps ## 50 tasks x 2,000 samples through lifelong-kb + lifelong-training vs in-process; 1 vs 2 instances
	scripts/training/bench.sh

bench-rpc: deps ## gRPC unary echo: ours against C++ gRPC, grpc-go, grpc-swift-2, grpcio (h2load + latency)
	scripts/rpc/bench.sh

bench-codec: deps ## protobuf encode/decode of a 1,000-task snapshot (generated code + protobuf-c)
	swift build -c release --product codec-benchmark
	$$(swift build -c release --show-bin-path)/codec-benchmark

bench-kb: deps ## knowledge base over HTTP/2 against psql (\copy, bytea) on the throwaway PostgreSQL
	scripts/kb/bench.sh

bench-edge: deps ## lifelong-edge (100 task models) against MLServer 1.7 + XGBoost over V2 gRPC (h2load, RSS); in-process pipeline
	scripts/edge/bench.sh

demo: ## the lifelong loop across processes: build (release), start the stack on loopback, run the job, print the report
	scripts/demo.sh

demo-stop: ## stop the stack `make demo` (or `lifelong up`) started
	$$(swift build -c release --show-bin-path)/lifelong down --state-dir .run/stack
deploy-check: ## docker/ without an engine: hadolint, compose config, k8s schemas, env variables, compose rehearsal
	scripts/deploy/validate.sh

deps: ## install missing Debian packages and the Python venv (.venv)
	scripts/install-deps.sh

pg-start: ## start the throwaway PostgreSQL (its PG* variables: scripts/postgres-cluster.sh env)
	scripts/postgres-cluster.sh start

pg-stop: ## stop the throwaway PostgreSQL
	scripts/postgres-cluster.sh stop

pg-status: ## is the throwaway PostgreSQL running, and where
	scripts/postgres-cluster.sh status

clean: ## stop and delete the throwaway PostgreSQL, delete .build and .run
	scripts/postgres-cluster.sh destroy
	rm -rf .build .run

distclean: clean ## clean, and delete the Python venv too
	rm -rf .venv
