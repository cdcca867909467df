# Set-up: `make run` runs the main job, `make test` runs every test. Both install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test regions diagram clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# Until the query service exists: validate the shipped graph and print a summary.
run: install
	$(BIN)/alliance-kg validate

test: install
	$(BIN)/python -m pytest

# Regenerate data/regions/countries.ttl from the shared region table (needs ../shared).
regions: install
	$(BIN)/python scripts/build_regions.py

# Regenerate the data-model diagram in the README from the ontology.
diagram: install
	$(BIN)/python scripts/ontology_diagram.py --write-readme

clean:
	rm -rf $(VENV) .pytest_cache
