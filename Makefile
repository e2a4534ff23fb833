# rakor workspace. `make` alone lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV    ?= .venv
PY      := $(VENV)/bin/python
RAKOR   := $(VENV)/bin/rakor
STAMP   := $(VENV)/.installed
SAMPLE  := data/raw/sample
SEED    ?= 2025
JOBS    ?= 2
LANG_BRIEF ?= id
ARGS    ?=

## Show this help
help:
	@awk 'BEGIN{FS=":"} /^## /{doc=substr($$0,4); next} /^[a-zA-Z_-]+:/{if(doc!=""){printf "  \033[1m%-12s\033[0m %s\n", $$1, doc}; doc=""}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

## Create .venv and install the package with its tools (only when pyproject.toml changed)
install: $(STAMP)

$(SAMPLE)/.synthetic: | $(STAMP)
	$(RAKOR) sample-data --out $(SAMPLE) --seed $(SEED)

## Generate the synthetic Bontang sample into data/raw/sample/ (when absent)
sample-data: $(SAMPLE)/.synthetic

## Build the briefs (HTML + PDF per kecamatan and for the city) from the sample data
report: $(STAMP) $(SAMPLE)/.synthetic
	$(RAKOR) run --raw $(SAMPLE) --jobs $(JOBS) --lang $(LANG_BRIEF) $(ARGS)

## Run the test suite (unit, reference, integration, notebooks)
test: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadfile $(ARGS)

## Open JupyterLab on 127.0.0.1 with a kernel that imports `analysis`
lab: $(STAMP)
	$(PY) -m ipykernel install --sys-prefix --name rakor --display-name "Python (rakor)" >/dev/null
	$(VENV)/bin/jupyter lab --ip 127.0.0.1 --no-browser --notebook-dir . $(if $(filter 0,$(shell id -u)),--allow-root,)

## Run the benchmarks against the peer packages (installs the bench extra)
bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	$(PY) -m pip install --quiet --no-build-isolation pygrowup
	$(PY) benchmarks/bench_zscores.py --n 1000000 --peer-n 2000
	$(PY) benchmarks/bench_estimation.py --rows 1000000 --strata 20 --psu 2000 --domains 1000 --peer-timeout 300
	$(PY) benchmarks/bench_intake.py --rows 1000000

## Lint: ruff, and notebooks must be committed without outputs (same checks as pre-commit)
lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/nbstripout --verify notebooks/*.ipynb

## Remove generated data, reports and caches (keeps raw exports other than the sample, and .venv)
clean:
	rm -rf data/processed/* reports/* $(SAMPLE) .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

.PHONY: help install sample-data report test lab bench lint clean
