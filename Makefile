# WaterStat: the two commands are `make demo` and `make test` (README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo run test test-fast ui manifest docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,spark]"
	touch $(STAMP)

install: $(STAMP)

## Generate the demo city into raw/, run the whole pipeline headless, print where the outputs are.
demo: install
	$(BIN)/waterstat demo

## Process whatever is in raw/.
run: install
	$(BIN)/waterstat run

## The test suite (CI runs exactly this through .ci/run): every layer, then the slowest tests.
## One worker per core: measured on the 2-core machine (274 tests), 2 workers 7:09, 3 workers 7:28, 4 workers 7:58
## (more workers only fight over the cores: CPU time 10.6, 11.7, 13.2 min); test by test (--dist loadgroup: a
## module sharing a module fixture stays on one); the pipeline tests first (tests/conftest.py), their demo and
## province built once per session.
test: install
	$(BIN)/python -m pytest -n 2 --dist loadgroup --no-loadscope-reorder --durations=15

## The unit layer only (not marked pipeline or slow: no pipeline run, no dbt build), for the edit-test loop.
test-fast: install
	$(BIN)/python -m pytest -n 2 -m "not pipeline and not slow"

## The Dagster UI with the schedule running: http://127.0.0.1:3000
ui: install manifest
	$(BIN)/python -c "from pathlib import Path; from dagster_project.instance import ensure_dagster_home; ensure_dagster_home(Path('.dagster_home'))"
	DAGSTER_HOME=$(CURDIR)/.dagster_home $(BIN)/dagster dev -m dagster_project.definitions -h 127.0.0.1 -p 3000

manifest: install
	cd dbt && ../$(BIN)/dbt parse --quiet

## The model documentation site (dbt docs, one self-contained page, offline) over the build warehouse
## (run it between loads: it reads the build file): exports/dbt_docs/index.html. Column reference as
## Markdown: docs/models.md.
docs: install
	cd dbt && ../$(BIN)/dbt docs generate --static --quiet
	mkdir -p exports/dbt_docs && cp dbt/target/static_index.html exports/dbt_docs/index.html
	@echo "open exports/dbt_docs/index.html"

clean:
	rm -rf warehouse quarantine exports/*.xlsx exports/*.blocked.txt exports/dq exports/dbt_docs dbt/target dbt/logs .dagster_home
