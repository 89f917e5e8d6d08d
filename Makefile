# WaterStat: the two commands are `make demo` and `make test` (README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install fonts test-fonts demo run test test-fast ui manifest docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) fonts

## The charts need a CJK font (Debian's fonts-noto-cjk; matplotlib has none of its own). `make demo`
## installs nothing outside .venv: it says whether the font is there, and how to install it if not.
## Without it the workbooks, extracts and the DQ report still publish, without the charts.
HAS_CJK_FONT = $(BIN)/python -c "from dagster_project.exports.charts import cjk_font_path; cjk_font_path()" 2>/dev/null
fonts: $(STAMP)
	@$(HAS_CJK_FONT) || printf '%s\n' \
	  "Note: no CJK font on this machine: the bulletin workbooks will be published WITHOUT charts" \
	  "(tables, extracts and the data-quality report are not affected). To draw the charts, an administrator runs" \
	  "    sudo apt-get install fonts-noto-cjk" \
	  "or sets WATERSTAT_CJK_FONT to a .ttc/.otf/.ttf file with Chinese glyphs; the next run then publishes them."

## The test suite draws the charts: its set-up installs the font (Debian), saying so, when it is missing.
test-fonts: $(STAMP)
	@$(HAS_CJK_FONT) || { echo "The tests draw the bulletin charts and need a CJK font: apt-get install fonts-noto-cjk"; \
	  apt-get update -qq && apt-get install -y -qq fonts-noto-cjk; }

## Generate the demo city into raw/, run the whole pipeline headless, print where the outputs are.
demo: install
	$(BIN)/waterstat demo

## Process whatever is in raw/.
run: install
	$(BIN)/waterstat run

## The test suite (CI runs exactly this through .ci/run): every layer, then the slowest tests.
## Four workers (dbt and Dagster wait on I/O, so two cores stay busier), test by test (--dist loadgroup: a module sharing a module fixture stays on one);
## the pipeline tests first (tests/conftest.py), their demo and province built once per session.
test: install test-fonts
	$(BIN)/python -m pytest -n 4 --dist loadgroup --no-loadscope-reorder --durations=15

## The unit layer only (not marked pipeline or slow: no pipeline run, no dbt build), for the edit-test loop.
test-fast: install test-fonts
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
