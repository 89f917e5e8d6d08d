"""Runs without the daemon: the jobs execute in this process, one after the other, and are
recorded in the Dagster instance, so the UI shows them like any other run."""
from __future__ import annotations

import getpass
import json
import os
import shutil
import subprocess
import sys
import time
from typing import TYPE_CHECKING

from dagster_project.instance import dagster_home, ensure_dagster_home
from dagster_project.lib.deployment import deployment_rules
from dagster_project.resources import dbt_executable, dbt_project
from dagster_project.settings import DBT_PROJECT_DIR, Paths, dbt_target_dir

if TYPE_CHECKING:
    from dagster_project.run_planning import PlannedRun


def prepare(paths: Paths) -> None:
    """The folders, the variables dbt and the definitions read, the instance, and the dbt manifest
    (the definitions read it at import: import them only after this)."""
    paths.ensure_dirs()
    os.environ.update(paths.as_env())
    ensure_dagster_home(dagster_home())
    parse_dbt_manifest(paths)


def parse_dbt_manifest(paths: Paths) -> None:
    """dbt parse, so the Dagster definitions can read the manifest (never done at import). Parsed
    as the runs' dbt calls are (same --vars, same target folder: a partial parse after the first),
    then put where the definitions read it, whole or not at all (another process may be reading)."""
    print("Preparing dbt manifest …", flush=True)
    target = dbt_target_dir(paths.warehouse)
    rules = json.dumps(deployment_rules(paths.deployment), ensure_ascii=False)
    proc = subprocess.run([dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
                           "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target),
                           "--vars", rules], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"dbt parse failed:\n{proc.stdout}\n{proc.stderr}")
    dbt_project.manifest_path.parent.mkdir(parents=True, exist_ok=True)
    staged = dbt_project.manifest_path.with_name(f".manifest.{os.getpid()}.json")
    shutil.copyfile(target / "manifest.json", staged)
    os.replace(staged, dbt_project.manifest_path)


def execute_runs(paths: Paths, runs: list[PlannedRun]) -> bool:
    """Execute the runs in order; stop at the first failure. A run an earlier process left
    unfinished (killed) is first recorded as failed."""
    import dagster as dg

    from dagster_project.definitions import build_definitions  # here: it reads the manifest `prepare` writes
    from dagster_project.run_health import close_interrupted_runs, process_tags

    definitions = build_definitions(paths)
    tags = {"started_by": getpass.getuser(), "trigger": "waterstat-cli", **process_tags()}
    started = time.monotonic()
    with dg.DagsterInstance.get() as instance:
        for stale in close_interrupted_runs(instance):
            print(f"Run {stale.run_id[:8]} ({stale.job_name}) was interrupted before it finished: recorded as failed; "
                  "this run redoes its work", flush=True)
        for run in runs:
            print(f"\n== {run}", flush=True)
            result = definitions.resolve_job_def(run.job.name).execute_in_process(
                instance=instance, raise_on_error=False, run_config={"loggers": {"progress": {}}},
                tags={**tags, **run.tags})
            if not result.success:
                print(f"\nRun {result.run_id} ({run.job.name}) FAILED after {time.monotonic() - started:.0f} s; "
                      f"later steps not run (DAGSTER_HOME={os.environ['DAGSTER_HOME']})")
                return False
    print(f"\nAll runs succeeded in {time.monotonic() - started:.0f} s (DAGSTER_HOME={os.environ['DAGSTER_HOME']})")
    return True
