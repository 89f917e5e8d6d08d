"""Shared fixtures: an isolated WATERSTAT_* tree per test, and the dbt manifest for definitions."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

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


def isolate(monkeypatch, home) -> Paths:
    """WATERSTAT_* pointing at a temporary tree, so tests never touch the repo's raw/ or warehouse/."""
    monkeypatch.setenv("WATERSTAT_HOME", str(home))
    for var in ("WATERSTAT_RAW", "WATERSTAT_WAREHOUSE", "WATERSTAT_PUBLISHED", "WATERSTAT_EXPORTS",
                "WATERSTAT_QUARANTINE", "WATERSTAT_DEPLOYMENT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster_home"))
    (home / "dagster_home").mkdir(parents=True, exist_ok=True)
    paths = Paths.from_env()
    paths.ensure_dirs()
    return paths


@pytest.fixture
def waterstat_env(tmp_path, monkeypatch) -> Paths:
    return isolate(monkeypatch, tmp_path)


def run_dbt(args: list[str], paths: Paths) -> subprocess.CompletedProcess:
    """dbt as the pipeline calls it: the deployment's rules as --vars (dbt_assets.with_rules)."""
    env = {**os.environ, **paths.as_env()}
    rules = ["--vars", json.dumps(deployment_rules(paths.deployment), ensure_ascii=False)]
    return subprocess.run([dbt_executable(), *args, *rules, "--project-dir", str(DBT_PROJECT_DIR),
                           "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path",
                           str(paths.warehouse.parent / "dbt_target")],
                          env=env, capture_output=True, text=True, cwd=DBT_PROJECT_DIR)
