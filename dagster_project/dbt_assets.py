"""dbt models as Dagster assets; dbt tests become asset checks (`dbt build`).

Two selections of the one dbt project:
- `meter_dbt_models` (tag meter_daily): readings → daily volumes, partitioned by day. A run for
  days [s, e] passes them to dbt (macros/meter_window.sql); int_meter_daily_volumes rewrites exactly those days.
- `waterstat_dbt_models`: everything else (annual statistics, marts, quality), rebuilt whole when
  any of its inputs changed. Its tables are small, and the intensity declines and the assessment
  read several years at once, so a full rebuild is both cheap and the only way every year stays
  consistent. After a meter load with the annual inputs unchanged, a run may select only the
  models the meter reaches (jobs.NIGHTLY_SELECTION); dagster-dbt then passes dbt that selection.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliInvocation, DbtCliResource, dbt_assets
from dagster_shared.utils import environ

from dagster_project import dbt_parts
from dagster_project.build_inputs import annual_inputs_key, meter_rules_key, record_full_build, record_meter_build
from dagster_project.catalog import owners, table_metadata
from dagster_project.engines import lake
from dagster_project.lib.deployment import deployment_rules
from dagster_project.lib.partition_keys import day_chunks
from dagster_project.partitions import meter_days
from dagster_project.progress import PROGRESS
from dagster_project.quality.ge_checks import preload_great_expectations
from dagster_project.quality.dbt_results import record_dbt_results
from dagster_project.resources import WarehouseResource, dbt_project
from dagster_project.settings import DBT_PROJECT_DIR, dbt_target_dir, meter_chunk_days, spark_codegen

METER_SELECTION = "tag:meter_daily"


class WaterstatTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props) -> str:
        # models/<layer>/… → group per layer; seeds (reference tables shipped with the code) are inputs
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if dbt_resource_props["resource_type"] == "model" and len(fqn) > 2 else "ingest"

    def get_owners(self, dbt_resource_props) -> list[str]:
        return owners(self.get_group_name(dbt_resource_props))

    def get_partition_mapping(self, dbt_resource_props, dbt_parent_resource_props):
        # a day's volumes read the readings of the day before and after it
        if (dbt_resource_props.get("name") == "int_meter_daily_volumes"
                and dbt_parent_resource_props.get("name") == "stg_raw__meter_readings"):
            return dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=1)
        return super().get_partition_mapping(dbt_resource_props, dbt_parent_resource_props)


TRANSLATOR = WaterstatTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def dbt_cli(dbt: DbtCliResource, warehouse: WarehouseResource, args: list[str],
            window: tuple[str, str] | None = None, engine: str | None = None, **kwargs) -> DbtCliInvocation:
    """dbt on the engine this run's resource names (its build file, or Spark and its lake), with the
    deployment's rules as --vars and the meter day window, if any, as WATERSTAT_METER_START_DATE/END_DATE
    (macros/meter_window.sql). DbtCliResource.cli takes no env: it starts dbt with a copy of
    os.environ, so the variables are set for the call only and restored after (dagster's `environ`,
    as dagster-dbt advises: dagster#29656)."""
    engine = engine or warehouse.engine
    env = dbt_env(warehouse, engine, window)
    if engine == "spark":
        land_for_spark(warehouse)
    with environ(env):
        return dbt.cli([*args, "--vars", dbt_vars(warehouse)],
                       target_path=dbt_target_dir(Path(warehouse.database), engine), **kwargs)


def dbt_env(warehouse: WarehouseResource, engine: str, window: tuple[str, str] | None = None) -> dict:
    """The WATERSTAT_* variables a dbt call reads (profiles.yml, macros/meter_window.sql); None: unset."""
    env = {"WATERSTAT_WAREHOUSE": warehouse.database, "WATERSTAT_ENGINE": engine,
           "WATERSTAT_LAKE": warehouse.lake_dir,
           "WATERSTAT_METER_START_DATE": window[0] if window else None,
           "WATERSTAT_METER_END_DATE": window[1] if window else None}
    return {**env, **spark_process_env()} if engine == "spark" else env


def dbt_vars(warehouse: WarehouseResource) -> str:
    """The deployment's rules as dbt's --vars."""
    return json.dumps(deployment_rules(Path(warehouse.deployment_dir)), ensure_ascii=False)


def spark_process_env() -> dict[str, str]:
    """A local Spark binds to the loopback address (it would pick the network interface and warn);
    pyspark's warning about pandas 3 is about its pandas API, which dbt does not use; the codegen
    setting, checked here, is read by dbt/profiles.yml."""
    env = {"PYTHONWARNINGS": "ignore::FutureWarning",
           "WATERSTAT_SPARK_CODEGEN": "true" if spark_codegen() else "false"}
    if os.environ.get("WATERSTAT_SPARK_MASTER", "local").startswith("local"):
        env["SPARK_LOCAL_IP"] = os.environ.get("SPARK_LOCAL_IP", "127.0.0.1")
    return env


def land_for_spark(warehouse: WarehouseResource) -> None:
    """The sources as the loader left them in the build file, written to the lake for Spark."""
    with warehouse.connect(read_only=True) as con:
        lake.land(con, Path(warehouse.lake_dir), json.loads(dbt_project.manifest_path.read_text(encoding="utf-8")))


def bring_back_from_spark(dbt: DbtCliResource, warehouse: WarehouseResource, invocation: DbtCliInvocation) -> None:
    """What a dbt call on Spark built, copied into the build file (engines/lake.py); the views it
    made (staging: renames and casts over the raw tables) made there by dbt on DuckDB, over the same
    raw tables. After this the build file holds what a DuckDB build would: the gate, the bulletin,
    the snapshot and the CLI never know which engine built it."""
    if warehouse.engine != "spark":
        return
    built = built_nodes(invocation)
    with warehouse.connect() as con:
        lake.bring_back(con, Path(warehouse.lake_dir), invocation.manifest, built)
    views = [invocation.manifest["nodes"][u]["name"] for u in built
             if invocation.manifest["nodes"][u]["config"].get("materialized") == "view"]
    if views:
        run_dbt_models(dbt, warehouse, ["--select", " ".join(views)], engine="duckdb")


def run_dbt_models(dbt: DbtCliResource, warehouse: WarehouseResource, args: list[str],
                   window: tuple[str, str] | None = None, engine: str | None = None) -> None:
    """`dbt run` outside Dagster's event stream: a part of a longer run whose final build reports."""
    part = dbt_cli(dbt, warehouse, ["run", *args], window, engine, manifest=dbt_project.manifest_path,
                   raise_on_error=False).wait()
    if not part.is_successful():
        raise dg.Failure(f"dbt run failed ({' '.join(args)}): {part.get_error()}")
    if (engine or warehouse.engine) == "spark":
        bring_back_from_spark(dbt, warehouse, part)


def run_dbt_parts(context: dg.AssetExecutionContext, warehouse: WarehouseResource, select: str,
                  windows: list[tuple[str, str]]) -> None:
    """`dbt run` of `select` over each day window in turn, in one dbt process (dbt_parts.py), on
    DuckDB; outside Dagster's event stream, like run_dbt_models: the final part's build reports.
    The windows are parts 1 … n-1 of n."""
    flags = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
             "--target-path", str(dbt_target_dir(Path(warehouse.database), "duckdb")), "--vars", dbt_vars(warehouse)]
    command = [sys.executable, "-m", "dagster_project.dbt_parts", "--select", select, "--parts", str(len(windows) + 1),
               *(f"--window={first}:{last}" for first, last in windows), "--", *flags]
    env = {k: v for k, v in {**os.environ, **dbt_env(warehouse, "duckdb")}.items() if v is not None}
    output = []
    with subprocess.Popen(command, env=env, cwd=DBT_PROJECT_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True) as proc:
        for line in proc.stdout:
            output.append(line)
            if line.startswith(dbt_parts.PART_STARTS):
                _, i, n, first, last = line.split()
                log_part(context, int(i), int(n), first, last)
    if proc.returncode != 0:
        raise dg.Failure(f"dbt run failed ({select}):\n{''.join(output[-40:])}")


def log_part(context: dg.AssetExecutionContext, i: int, n: int, first: str, last: str) -> None:
    context.log.info(f"Recomputing daily volumes for {first} … {last} (part {i} of {n})", extra=PROGRESS)


def run_dbt_build(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource,
                  window: tuple[str, str] | None = None):
    # unit tests prove the code, not the data: the test suite runs them (tests/dbt/test_fresh_database.py)
    invocation = dbt_cli(dbt, warehouse, ["build", "--exclude-resource-type", "unit_test"], window,
                         context=context, raise_on_error=False)
    preload_great_expectations()
    # held until dbt exits and lets go of the file (DuckDB: one writer, no reader beside it), as
    # dagster-dbt's own fetch_row_counts does on DuckDB; dbt's log streams to the step's stdout meanwhile
    events = list(invocation.stream())
    bring_back_from_spark(dbt, warehouse, invocation)
    with warehouse.connect() as con:
        # keep every node's outcome (tests included) for the quality gate and the DQ report
        record_dbt_results(con, invocation.get_artifact("run_results.json"), context.run_id)
        events = [with_table_metadata(con, invocation.manifest, e) for e in events]
    yield from events
    if not invocation.is_successful():
        raise dg.Failure("dbt build failed: see the failing models and tests above, or `waterstat check`")
    unreported = sorted(set(built_nodes(invocation)) - {e.metadata["unique_id"].value for e in events
                                                       if isinstance(e, (dg.Output, dg.AssetMaterialization))})
    if unreported:  # their consumers (the gate, the workbooks) would be skipped while the run "succeeds"
        raise dg.Failure(f"dbt built {', '.join(unreported)} but Dagster never received the event: "
                         "a line of dbt's log was broken (see the step's output)")


def built_nodes(invocation: DbtCliInvocation) -> list[str]:
    """The models and seeds a dbt call built, by its run_results.json."""
    return [r["unique_id"] for r in invocation.get_artifact("run_results.json")["results"]
            if r["status"] == "success" and r["unique_id"].startswith(("model.", "seed."))]


def with_table_metadata(con: duckdb.DuckDBPyConnection, manifest: dict, event):
    """A model's or seed's materialization with its row count and column schema as built (the
    manifest has types only where a contract declares them), the YAML's column descriptions kept."""
    if not isinstance(event, (dg.Output, dg.AssetMaterialization)):
        return event
    node = manifest["nodes"][event.metadata["unique_id"].value]
    descriptions = {name: column.get("description") for name, column in node.get("columns", {}).items()}
    return event.with_metadata({**event.metadata,
                                **table_metadata(con, node["schema"], node["alias"], descriptions)})


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, select=METER_SELECTION,
            name="meter_dbt_models", partitions_def=meter_days,
            backfill_policy=dg.BackfillPolicy.single_run(), dagster_dbt_translator=TRANSLATOR)
def meter_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    days = context.partition_key_range
    *earlier, (first, last) = day_chunks(days.start, days.end, meter_chunk_days())  # bounded memory
    # the earlier parts: models only (on DuckDB all in one dbt process); the last part's build tests the whole table
    parts = len(earlier) + 1
    if earlier and warehouse.engine == "duckdb":
        run_dbt_parts(context, warehouse, METER_SELECTION, earlier)
    elif earlier:
        for i, window in enumerate(earlier, start=1):
            log_part(context, i, parts, *window)
            run_dbt_models(dbt, warehouse, ["--select", METER_SELECTION], window)
    log_part(context, parts, parts, first, last)
    yield from run_dbt_build(context, dbt, warehouse, (first, last))
    # which rules the days' volumes now follow (`waterstat run` rebuilds a day only when it must)
    with warehouse.connect() as con:
        record_meter_build(con, meter_rules_key(Path(warehouse.deployment_dir)), days.start, days.end)


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, exclude=METER_SELECTION,
            dagster_dbt_translator=TRANSLATOR)
def waterstat_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    if not context.selected_asset_keys >= set(context.assets_def.keys):  # a night's part (jobs.NIGHTLY_SELECTION)
        yield from run_dbt_build(context, dbt, warehouse)
        return
    # a full build records the annual inputs it built from once it succeeds (build_inputs.py)
    with warehouse.connect() as con:
        key = annual_inputs_key(con, Path(warehouse.deployment_dir))
        record_full_build(con, None)
    yield from run_dbt_build(context, dbt, warehouse)
    with warehouse.connect() as con:
        record_full_build(con, key)
