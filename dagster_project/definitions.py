"""The one Dagster entry point: `dagster dev -m dagster_project.definitions`."""
from __future__ import annotations

import dagster as dg

from dagster_project.dbt_assets import waterstat_dbt_models
from dagster_project.exports.assets import bulletin_workbooks, published_warehouse
from dagster_project.ingest.assets import raw_assets
from dagster_project.jobs import nightly_full_load, nightly_schedule
from dagster_project.progress import progress_logger
from dagster_project.resources import build_resources
from dagster_project.settings import Paths


def build_definitions(paths: Paths | None = None) -> dg.Definitions:
    """Everything, bound to the WATERSTAT_* paths (or the given ones, for the CLI and tests)."""
    return dg.Definitions(
        assets=[*raw_assets, waterstat_dbt_models, bulletin_workbooks, published_warehouse],
        jobs=[nightly_full_load],
        schedules=[nightly_schedule],
        resources=build_resources(paths),
        loggers={"progress": progress_logger},
    )


defs = build_definitions()
