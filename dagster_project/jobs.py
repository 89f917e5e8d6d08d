"""Jobs and schedules."""
from __future__ import annotations

import dagster as dg

# One job runs everything. DuckDB allows one writer, so the steps run in one process, in order.
nightly_full_load = dg.define_asset_job(
    name="nightly_full_load",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Ingest every raw file, build and test the dbt models, write the bulletin, publish.",
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_full_load_0200_cst",
    job=nightly_full_load,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    description="Run the full load at 02:00 China Standard Time, after the platform's daily export.",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
