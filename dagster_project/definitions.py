"""The one Dagster entry point: `dagster dev -m dagster_project.definitions`."""
from __future__ import annotations

import dagster as dg

from dagster_project.dbt_assets import meter_dbt_models, waterstat_dbt_models
from dagster_project.exports.assets import bulletin_workbooks, dq_report, published_warehouse
from dagster_project.ingest.assets import deployment_tables, load_log, publications, raw_assets
from dagster_project.jobs import JOBS, nightly_schedule
from dagster_project.progress import progress_logger
from dagster_project.quality.ge_checks import ge_checks
from dagster_project.resources import build_resources
from dagster_project.sensors import publish_after_load, raw_files_sensor
from dagster_project.settings import Paths


def build_definitions(paths: Paths | None = None) -> dg.Definitions:
    """Everything, bound to the WATERSTAT_* paths (or the given ones, for the CLI and tests)."""
    return dg.Definitions(
        assets=[*raw_assets, deployment_tables, load_log, publications, meter_dbt_models, waterstat_dbt_models, bulletin_workbooks, dq_report,
                published_warehouse],
        asset_checks=ge_checks,
        jobs=JOBS,
        schedules=[nightly_schedule],
        sensors=[raw_files_sensor, publish_after_load],
        resources=build_resources(paths),
        loggers={"progress": progress_logger},
    )


defs = build_definitions()
