# Set-up: `make run` runs the main job, `make test` runs the checks and the tests. Both install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test test-slow check regions diagram screenshot clean conformance bench

install: $(STAMP) build/ontology.html node_modules/.package-lock.json /usr/bin/chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# The ontology's HTML documentation (pyLODE), served at /ontology; rebuilt when the ontology changes.
build/ontology.html: ontology/alliance.ttl $(STAMP)
	$(BIN)/python scripts/build_ontology_docs.py

# The pages' browser libraries (YASGUI, d3, topojson-client, world-atlas, dagre) from the npm registry as
# package-lock.json pins them (served from node_modules), and axe-core for the accessibility tests (a dev
# dependency: --include=dev, whatever NODE_ENV says).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --include=dev --ignore-scripts --no-audit --no-fund

# Debian's Chromium, for the browser tests of the query page (tests/test_ui.py).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
/usr/bin/chromium:
	$(SUDO) apt-get update
	$(SUDO) apt-get install -y chromium

# Debian's Virtuoso Open Source 7, the SPARQL server tests/virtuoso.py starts on free ports of 127.0.0.1
# for the remote-store tests. noninteractive: the package's debconf question (a dba password) stays
# unanswered. Its postinst starts the system service (ports 1111 and 8890 on every interface, dba/dba)
# where no policy-rc.d forbids it, and leaves it running: stop it and keep it from starting at boot.
/usr/bin/virtuoso-t:
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y virtuoso-opensource
	$(SUDO) service virtuoso-opensource-7 stop || true
	$(SUDO) update-rc.d virtuoso-opensource-7 disable || true

# Serve the SPARQL endpoint and the JSON API on the shipped graph (PORT overrides 8000).
PORT ?= 8000
run: install
	$(BIN)/alliance-kg serve --host 127.0.0.1 --port $(PORT)

# The tests start many Python processes (workers, the CLI, servers): let them keep compiled bytecode
# even where the environment says not to write it (PYTHONDONTWRITEBYTECODE), as CI's does.
test test-slow conformance: export PYTHONDONTWRITEBYTECODE :=

# The checks (import layers, lint, format, types), then every test but the slow ones, in parallel.
test: install check
	$(BIN)/python -m pytest -m "not processes and not long"

# The slow tests: process-level ones (marker `processes`: real servers, kill -9, the load test,
# the browser) and long in-process ones (marker `long`). CI runs them after `make test` (.ci/run).
test-slow: install /usr/bin/virtuoso-t
	$(BIN)/python -m pytest -m "processes or long"

check: install
	$(BIN)/lint-imports
	$(BIN)/ruff check src tests bench scripts conformance
	$(BIN)/ruff format --check src
	$(BIN)/mypy

# Fuzz the service longer than make test does: tests/test_fuzz_*.py under the Hypothesis profile
# "fuzz" (FUZZ_EXAMPLES examples per test and per API operation, random, invalid requests too).
# Prints the number of cases run: about 16,000 in 6 minutes on two cores at the default.
.PHONY: fuzz
FUZZ_EXAMPLES ?= 500
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q --hypothesis-profile=fuzz tests/test_fuzz_api.py tests/test_fuzz_sparql.py tests/test_inputs.py tests/test_sparqltext.py

# Regenerate data/regions/countries.ttl from the shared region table (needs ../shared).
regions: install
	$(BIN)/python scripts/build_regions.py

# Regenerate the data-model diagram in the README from the ontology.
diagram: install
	$(BIN)/python scripts/ontology_diagram.py --write-readme

# Regenerate docs/query-page.png, the README's screenshot of the query page.
screenshot: install
	ALLIANCE_KG_UPDATE_SCREENSHOT=1 $(BIN)/python -m pytest -q -n 0 tests/test_ui.py -k yasgui_runs

# Everything the set-up and the tests make: the environment, build outputs and caches.
clean:
	rm -rf $(VENV) node_modules build dist .pytest_cache .hypothesis .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -name '*.egg-info' -type d -prune -exec rm -rf {} +

# Run the W3C SPARQL 1.1 test suites (../shared/w3c) against the real service over HTTP: prints a
# pass/fail/skip table per folder and category, writes build/conformance/results.json, and fails
# if a category passes fewer tests than conformance/baseline.json. See docs/conformance.md.
# Then the W3C SHACL suite (core, sparql), when ../shared/w3c/shacl is there, on pySHACL, pyshacl-turbo
# and alliance-kg's own validation: a table per folder and engine, build/conformance/shacl-results.json,
# and a failure if an engine passes fewer tests of a folder than conformance/shacl-baseline.json.
W3C ?= ../shared/w3c/sparql11
W3C_SHACL ?= ../shared/w3c/shacl
conformance: install
	$(BIN)/python -m conformance --suite $(W3C)
	$(BIN)/python -m conformance.shacl --suite $(W3C_SHACL)

# Compare alliance-kg with the Oxigraph server, rdflib-endpoint and plain pySHACL on generated data
# (issue 7): prints one table with the targets, writes build/bench/results.json; docs/performance.md
# has the latest. BENCH_SIZES=10k,100k,1M adds the 1M run; BENCH_ARGS passes other options.
BENCH_SIZES ?= 10k,100k
# Then alliance-kg over the Oxigraph server against its embedded store (bench/remote_bench.py, issue 17).
BENCH_REMOTE_SIZE ?= 100k
BENCH_STAMP := $(VENV)/.bench-installed
bench: install $(BENCH_STAMP) /usr/bin/wrk
	$(BIN)/python bench/compare.py --sizes $(BENCH_SIZES) $(BENCH_ARGS)
	$(BIN)/python bench/remote_bench.py --size $(BENCH_REMOTE_SIZE)

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $@

# Debian's wrk, the load generator of make bench; if it cannot be installed, bench/compare.py
# uses its bounded Python client instead (and says so).
/usr/bin/wrk:
	-$(SUDO) apt-get install -y wrk || ($(SUDO) apt-get update && $(SUDO) apt-get install -y wrk)
