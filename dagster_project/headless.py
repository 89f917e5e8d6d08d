"""Runs without the daemon: the jobs execute in this process, one after the other, and are
recorded in the Dagster instance as runs of the UI's code location, so the UI lists them under
their jobs like the runs it launches itself."""
from __future__ import annotations

import getpass
import json
import os
import shutil
import subprocess
import sys
import time
from typing import TYPE_CHECKING

from dagster_project.build_inputs import dbt_parse_inputs
from dagster_project.ingest.loader import sha256_of
from dagster_project.instance import dagster_home, ensure_dagster_home
from dagster_project.lib.deployment import deployment_rules
from dagster_project.resources import dbt_executable, dbt_project
from dagster_project.settings import DBT_PROJECT_DIR, Paths, dbt_target_dir, engine

if TYPE_CHECKING:
    import dagster as dg

    from dagster_project.run_planning import PlannedRun

UI_MODULE = "dagster_project.definitions"  # the code location `make ui` loads (-m), as does pyproject [tool.dagster]


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
    then put where the definitions read it, whole or not at all (another process may be reading).
    Not parsed at all when the manifest there was made from the same inputs (the project's files,
    the deployment's rules, the WATERSTAT_* settings, dbt's version): a night's run saves the ~6 s
    a dbt call costs even when nothing changed."""
    print("Preparing dbt manifest …", flush=True)
    target = dbt_target_dir(paths.warehouse, engine())
    rules = json.dumps(deployment_rules(paths.deployment), ensure_ascii=False)
    inputs = dbt_parse_inputs(rules)
    record = dbt_project.manifest_path.with_name("manifest.inputs")
    if record.exists() and dbt_project.manifest_path.exists() \
            and record.read_text() == f"{inputs} {sha256_of(dbt_project.manifest_path)}":
        return
    proc = subprocess.run([dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
                           "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target),
                           "--vars", rules], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"dbt parse failed:\n{proc.stdout}\n{proc.stderr}")
    dbt_project.manifest_path.parent.mkdir(parents=True, exist_ok=True)
    staged = dbt_project.manifest_path.with_name(f".manifest.{os.getpid()}.json")
    shutil.copyfile(target / "manifest.json", staged)
    # the record names the manifest it describes: one another process puts there later never matches it
    record_staged = record.with_name(f".{record.name}.{os.getpid()}")
    record_staged.write_text(f"{inputs} {sha256_of(staged)}")
    os.replace(staged, dbt_project.manifest_path)
    os.replace(record_staged, record)


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
            assets = run.selection.resolve(definitions.resolve_asset_graph()) if run.selection else None
            result = execute_as_ui_run(definitions, run.job.name, instance, {**tags, **run.tags},
                                       run_config={"loggers": {"progress": {}}}, asset_selection=assets)
            if not result.success:
                print(f"\nRun {result.run_id} ({run.job.name}) FAILED after {time.monotonic() - started:.0f} s; "
                      f"later steps not run (DAGSTER_HOME={os.environ['DAGSTER_HOME']})")
                return False
    print(f"\nAll runs succeeded in {time.monotonic() - started:.0f} s (DAGSTER_HOME={os.environ['DAGSTER_HOME']})")
    return True


def execute_as_ui_run(definitions: dg.Definitions, job_name: str, instance: dg.DagsterInstance,
                      tags: dict[str, str], run_config: dict, asset_selection: set[dg.AssetKey] | None = None):
    """Execute a job in this process as a run of the UI's code location (UI_MODULE).

    The UI's job pages list runs by job name AND the `.dagster/repository` label (repository@location),
    which a run gets from its remote origin. `execute_in_process` records none, so the CLI's runs
    showed under Runs but "No runs found" on their job: here the run is created with the origins the
    UI's own launches carry, then executed in this process, with the job as defined (same executor,
    same IO manager as a run launched from the UI). With `asset_selection`, a run of those of the
    job's assets (and their checks), as the UI's "materialize selected" makes."""
    from dagster._core.definitions.job_base import InMemoryJob
    from dagster._core.definitions.reconstruct import ReconstructableRepository
    from dagster._core.execution.api import execute_run
    from dagster._core.remote_origin import RemoteRepositoryOrigin
    from dagster._core.workspace.load import location_origin_from_module_name

    job = definitions.resolve_job_def(job_name)
    if asset_selection:
        job = job.get_subset(asset_selection=asset_selection)
    location = location_origin_from_module_name(UI_MODULE, attribute=None, working_directory=None,
                                                executable_path=sys.executable)
    repository = RemoteRepositoryOrigin(location, definitions.get_repository_def().name)
    python_repository = ReconstructableRepository.for_module(UI_MODULE, "defs").get_python_origin()
    run = instance.create_run_for_job(job, run_config=run_config, tags={**job.run_tags, **tags},
                                      asset_selection=asset_selection, remote_job_origin=repository.get_job_origin(job_name),
                                      job_code_origin=python_repository.get_job_origin(job_name))
    return execute_run(InMemoryJob(job), run, instance)
