"""Shared fixtures: an isolated WATERSTAT_* tree per test, the dbt manifest for definitions, and the
demo city built once per test session (tests/test_pipeline_end_to_end.py, test_operations.py,
test_interrupted_runs.py), which every test works on a copy of."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import pytest
from filelock import FileLock

from dagster_project.lib.deployment import deployment_rules
from dagster_project.resources import dbt_executable
from dagster_project.settings import DBT_PROJECT_DIR, Paths


def pytest_sessionstart(session):
    """dbt parse before collection: test modules import the Dagster definitions, which read the
    manifest, and a fresh clone has none (a stale one would describe old models). Under xdist the
    controller parses once, before its workers start; they only read the manifest."""
    if hasattr(session.config, "workerinput"):
        return
    proc = subprocess.run([dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
                           "--profiles-dir", str(DBT_PROJECT_DIR)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.exit(f"dbt parse failed:\n{proc.stdout}\n{proc.stderr}", returncode=1)


@pytest.fixture(scope="session", autouse=True)
def manifest_parsed_once():
    """The dbt manifest is parsed once per session, before collection (above), and the Dagster
    definitions read it when dagster_project.dbt_assets is imported. `waterstat run` and `backfill`
    parse again at every start (headless.parse_dbt_manifest): in a test process that changes nothing
    (the definitions are built already) but costs seconds a run and rewrites dbt/target/manifest.json
    while other workers read it. Runs in a test process skip it; the `waterstat run` subprocesses
    of tests/test_interrupted_runs.py still parse, as production does."""
    from dagster_project import headless
    from dagster_project.resources import dbt_project

    def manifest_already_parsed(_paths=None) -> None:
        assert dbt_project.manifest_path.exists(), "no dbt manifest: pytest_sessionstart parses it"

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(headless, "parse_dbt_manifest", manifest_already_parsed)
        yield


# The first pipeline tests, in this order. Under `--dist loadgroup` the workers are handed tests in
# turn, and the session builds (demo, province) are made once under a lock: two sibling tests of one
# build handed to the two workers first left one waiting a minute for the other's build (measured:
# 59 s and 65 s of a worker idle). So worker 1 starts on the demo's build and worker 2 on the
# province's, then the longest runs alternate. A test missing from here just keeps its place after them.
FIRST_PIPELINE_TESTS = (
    "tests/exports/test_disclosure_published.py::test_no_withheld_cell_of_the_demo_bulletins_can_be_recovered",
    "tests/test_deployments.py::test_the_run_leaves_the_checkout_untouched_and_logs_the_deployment",
    "tests/test_spark_engine.py::test_every_table_dbt_builds_on_spark_equals_duckdbs",
    "tests/test_interrupted_runs.py::test_sigkill_at_each_point_then_rerun_gives_the_uninterrupted_warehouse",
    "tests/test_deployments.py::test_a_revision_after_publication_is_reported_and_applied_only_by_restatement",
    "tests/test_operations.py::test_a_late_file_restates_its_days_like_a_load_from_scratch_while_analysts_read",
    "tests/test_national_deployment.py::test_the_national_bulletin_reproduces_the_published_national_figures",
    "tests/test_operations.py::test_rerunning_partitions_leaves_the_warehouse_identical",
)


def pytest_collection_modifyitems(config, items):
    """The longest tests first (pipeline runs, then dbt builds), so that under `--dist loadgroup` the
    workers start on them and the short unit tests fill the gaps at the end; within the pipeline
    layer, FIRST_PIPELINE_TESTS lead. A stable sort: otherwise the collection order."""
    first = {nodeid: i for i, nodeid in enumerate(FIRST_PIPELINE_TESTS)}

    def key(item):
        layer = 0 if item.get_closest_marker("pipeline") else 1 if item.get_closest_marker("slow") else 2
        return layer, first.get(item.nodeid.split("@")[0], len(first))  # without xdist's @group suffix
    items.sort(key=key)


WATERSTAT_VARS = ("WATERSTAT_RAW", "WATERSTAT_WAREHOUSE", "WATERSTAT_PUBLISHED", "WATERSTAT_EXPORTS",
                  "WATERSTAT_QUARANTINE", "WATERSTAT_DEPLOYMENT", "WATERSTAT_LAKE", "WATERSTAT_ENGINE", "WATERSTAT_SPARK_CODEGEN")


def isolate(monkeypatch, home) -> Paths:
    """WATERSTAT_* pointing at a temporary tree, so tests never touch the repo's raw/ or warehouse/:
    WATERSTAT_HOME is the tree (raw/, warehouse/, exports/, quarantine/ under it, Paths.from_env),
    the per-folder overrides are cleared, DAGSTER_HOME is its dagster_home/."""
    monkeypatch.setenv("WATERSTAT_HOME", str(home))
    for var in WATERSTAT_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster_home"))
    (home / "dagster_home").mkdir(parents=True, exist_ok=True)
    paths = Paths.from_env()
    paths.ensure_dirs()
    return paths


def copy_tree(monkeypatch, built: Path, home: Path) -> Paths:
    """A private copy of a built tree (raw/, warehouse/, exports/, quarantine/, dagster_home/) at
    `home`, with the WATERSTAT_* variables and DAGSTER_HOME pointing at the copy: what the test
    writes, no other test sees."""
    shutil.copytree(built, home, symlinks=True, dirs_exist_ok=True)
    return isolate(monkeypatch, home)


@pytest.fixture
def waterstat_env(tmp_path, monkeypatch) -> Paths:
    return isolate(monkeypatch, tmp_path)


# A fixture's dbt build on hand-made rows: the dbt unit tests prove the SQL, not these rows, and run
# once in tests/dbt/test_fresh_database.py (as the pipeline leaves them out of its builds).
NO_UNIT_TESTS = ("--exclude-resource-type", "unit_test")


def run_dbt(args: list[str], paths: Paths) -> subprocess.CompletedProcess:
    """dbt as the pipeline calls it: the deployment's rules as --vars, the build file's target folder (dbt_assets.dbt_cli)."""
    env = {**os.environ, **paths.as_env()}
    rules = ["--vars", json.dumps(deployment_rules(paths.deployment), ensure_ascii=False)]
    return subprocess.run([dbt_executable(), *args, *rules, "--project-dir", str(DBT_PROJECT_DIR),
                           "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path",
                           str(paths.warehouse.parent / "dbt_target")],
                          env=env, capture_output=True, text=True, cwd=DBT_PROJECT_DIR)


# --- built once per session ---------------------------------------------------------------------

def shared_root(tmp_path_factory) -> Path:
    """A folder every xdist worker of this session sees: the parent of the workers' temp roots
    (the session's own temp root without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared"


@contextmanager
def environment_kept() -> Iterator[None]:
    """os.environ as it was, afterwards: a pipeline run exports WATERSTAT_* and DAGSTER_HOME into
    its process (headless.prepare), which must not point later tests at a
    shared build."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def build_once(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """`build(folder)` once per test session, by whichever worker asks first; the others wait on
    the lock, then reuse the folder. A failed build fails every test that needs it with its error
    (without building again)."""
    root = shared_root(tmp_path_factory) / name
    root.parent.mkdir(parents=True, exist_ok=True)
    done, failed = root / ".built", root.parent / f"{name}.failed"
    with FileLock(str(root) + ".lock"):
        if failed.exists():
            pytest.fail(f"the shared {name} build failed:\n{failed.read_text(encoding='utf-8')}", pytrace=False)
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            try:
                with environment_kept():
                    build(root)
            except BaseException:
                failed.write_text(traceback.format_exc(), encoding="utf-8")
                raise
            done.touch()
    return root


# --- a new build file, as the loader's first step leaves it ------------------------------------

_DEPLOYED_TEMPLATE: list[Path] = []


@pytest.fixture(scope="session", autouse=True)
def deployed_template(tmp_path_factory) -> Path:
    """A build file with the raw schema and the demo deployment loaded: what every load's first step
    (load_deployment) makes of a new file. Built once a session; `new_warehouse` copies it, so the
    ~100 loader tests skip reloading an unchanged deployment (≈ 0.6 s each), as a second night does."""
    from dagster_project.ingest.deployment_load import load_deployment
    from dagster_project.lib.deployment import DEMO_DEPLOYMENT

    def build(root: Path) -> None:
        with duckdb.connect(str(root / "w.duckdb")) as con:
            load_deployment(con, Path(DEMO_DEPLOYMENT).resolve(), run_id="template")

    path = build_once(tmp_path_factory, "deployed_template", build) / "w.duckdb"
    _DEPLOYED_TEMPLATE[:] = [path]
    return path


def new_warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A connection to tmp_path/w.duckdb, a new build file with the demo deployment loaded. A test
    pointing WATERSTAT_DEPLOYMENT elsewhere still gets its own: the loader reloads a deployment
    whose fingerprint differs."""
    path = tmp_path / "w.duckdb"
    shutil.copyfile(_DEPLOYED_TEMPLATE[0], path)
    return duckdb.connect(str(path))


# The demo city of the pipeline tests: 60 monitoring points (every planted meter defect, stations 0
# and 40 duplicated for a day), 5 days of hourly readings (2022-12-27 … 12-31).
DEMO_POINTS, DEMO_DAYS = 60, 5


@dataclass(frozen=True)
class Demo:
    raw: Path  # the generated files as received, before any run
    home: Path  # after one uninterrupted `waterstat run` over them: raw/, warehouse/, exports/, quarantine/, dagster_home/
    info: dict  # what the generator planted (stations, defects)
    fingerprint: dict  # the content of that run's warehouse (lib/fingerprint.py)


def warehouse_fingerprint_of(paths: Paths) -> dict:
    return fingerprint_of(paths.warehouse)


def fingerprint_of(database: Path) -> dict:
    from dagster_project.lib.fingerprint import warehouse_fingerprint

    with duckdb.connect(str(database), read_only=True) as con:
        return warehouse_fingerprint(con)


@pytest.fixture(scope="session")
def demo_raw(tmp_path_factory) -> tuple[Path, dict]:
    """The demo city's raw files (generated once per session; copy them before a run)."""
    from dagster_project.demo.generator import generate

    def build(root: Path) -> None:
        info = generate(root / "raw", points=DEMO_POINTS, days=DEMO_DAYS)
        (root / "info.json").write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")

    root = build_once(tmp_path_factory, "demo_raw", build)
    return root / "raw", json.loads((root / "info.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo(tmp_path_factory, demo_raw) -> Iterator[Demo]:
    """The demo city after one uninterrupted catch-up run, built once per session for every module
    that needs it. Never point a test at it: use `demo_copy` (or `copy_tree`)."""
    from dagster_project import cli

    raw, info = demo_raw

    def build(root: Path) -> None:
        with pytest.MonkeyPatch.context() as mp:
            paths = isolate(mp, root / "home")
            shutil.copytree(raw, paths.raw, dirs_exist_ok=True)
            assert cli.run_pipeline(paths), "the demo run failed"
            fingerprint = warehouse_fingerprint_of(paths)
        (root / "fingerprint.json").write_text(json.dumps(fingerprint), encoding="utf-8")

    root = build_once(tmp_path_factory, "demo", build)
    fingerprint = {t: tuple(v) for t, v in json.loads((root / "fingerprint.json").read_text(encoding="utf-8")).items()}
    yield Demo(raw=raw, home=root / "home", info=info, fingerprint=fingerprint)
    # every test worked on a copy: the shared build must be as it was built
    assert fingerprint_of(root / "home" / "warehouse" / "build" / "waterstat.duckdb") == fingerprint, \
        "a test wrote to the shared demo build instead of its own copy (demo_copy)"


@pytest.fixture
def demo_copy(demo, tmp_path, monkeypatch) -> Paths:
    """This test's own copy of the built demo (tmp_path/home), WATERSTAT_* pointing at it."""
    return copy_tree(monkeypatch, demo.home, tmp_path / "home")


def table_rows(path: Path, sheet: str) -> dict[str, dict[str, object]]:
    """A published table as its reader sees it: each data row by its first cell, each cell by its
    column's header path ("农业用水/耕地灌溉"; a single-level header by itself), title, unit line,
    header rows and the notes under the table left out."""
    from openpyxl import load_workbook

    ws = load_workbook(path)[sheet]
    depth = next(r for r in range(3, ws.max_row + 1)
                 if isinstance(ws.cell(r, 2).value, (int, float)) or ws.cell(r, 2).value in ("×", "—")) - 3
    cover = {}  # (row, col) → the merged range's top-left value
    for rng in ws.merged_cells.ranges:
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                cover[(r, c)] = ws.cell(rng.min_row, rng.min_col).value
    names = []
    for c in range(1, ws.max_column + 1):
        path_parts = []
        for r in range(3, 3 + depth):
            part = cover.get((r, c), ws.cell(r, c).value)
            if part is not None and (not path_parts or path_parts[-1] != part):
                path_parts.append(part)
        names.append("/".join(path_parts))
    return {row[0]: dict(zip(names[1:], row[1:])) for row in ws.iter_rows(min_row=3 + depth, values_only=True)
            if row[0] and not str(row[0]).startswith(("注", "“")) and row[1] is not None}
