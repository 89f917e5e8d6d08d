"""Jobs and the nightly schedule.

The night is three jobs, each a single DuckDB writer run in one process (in-process executor):
1. `meter_daily_load` (partitioned by day): meter files → raw → daily volumes for a day range;
2. `annual_sources_load` (partitioned by report year): permits, plans, yearbooks, survey returns;
3. `build_and_publish`: the annual models and marts, quality checks, bulletin, published snapshot;
   after a meter load whose annual inputs are those of the last full build (build_inputs.py), only
   NIGHTLY_SELECTION: what a meter reading or the load log reaches.
The schedule starts (1) at 02:00; the sensors in sensors.py start (1) or (2) for new and late
files and (3) after every successful load. The run queue lets one writer run at a time
(tag waterstat/warehouse, limit 1 in the instance config written by `waterstat`/`make ui`).
"""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from dagster_project.dbt_assets import meter_dbt_models
from dagster_project.ingest.assets import load_log, raw_assets
from dagster_project.partitions import meter_days, report_years

WRITER_TAG = {"waterstat/warehouse": "writer"}
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"

_meter_ingest = [a for a in raw_assets if a.partitions_def == meter_days]
_annual_ingest = [a for a in raw_assets if a.partitions_def == report_years]

meter_daily_load = dg.define_asset_job(
    name="meter_daily_load",
    selection=dg.AssetSelection.assets(*_meter_ingest, meter_dbt_models),
    partitions_def=meter_days, executor_def=dg.in_process_executor, tags=WRITER_TAG,
    description="Load the meter files of a day range and recompute those days' volumes.",
)

annual_sources_load = dg.define_asset_job(
    name="annual_sources_load",
    selection=dg.AssetSelection.assets(*_annual_ingest),
    partitions_def=report_years, executor_def=dg.in_process_executor, tags=WRITER_TAG,
    description="Load the permit register, plans, yearbooks, survey returns and scores of report years.",
)

build_and_publish = dg.define_asset_job(
    name="build_and_publish",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(*raw_assets, meter_dbt_models),
    executor_def=dg.in_process_executor, tags=WRITER_TAG,
    description="Build and test the annual models and marts, write the bulletin and the DQ report, publish.",
)

# the part of build_and_publish a night's meter load can change: every other model is built from
# annual files and the deployment alone (build_inputs.py says when those are unchanged)
NIGHTLY_SELECTION = (dg.AssetSelection.assets(*_meter_ingest, meter_dbt_models, load_log.key).downstream()
                     & build_and_publish.selection)

JOBS = [meter_daily_load, annual_sources_load, build_and_publish]


def day_range_tags(start: str, end: str) -> dict[str, str]:
    """Tags that make one run cover a range of partitions (every asset here takes a range)."""
    return {RANGE_START: start, RANGE_END: end}


@dg.schedule(name="nightly_0200_cst", cron_schedule="0 2 * * *", execution_timezone="Asia/Shanghai",
             job=meter_daily_load, default_status=dg.DefaultScheduleStatus.RUNNING,
             description="02:00 CST: load yesterday's meter export and recompute the day before too "
                         "(its last interval closes at yesterday's first reading); a successful load "
                         "then starts build_and_publish.")
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    today = context.scheduled_execution_time.astimezone(ZoneInfo(meter_days.timezone)).date()
    yesterday, before = (today - timedelta(days=1)).isoformat(), (today - timedelta(days=2)).isoformat()
    return dg.RunRequest(run_key=f"nightly-{yesterday}", tags={**day_range_tags(before, yesterday),
                                                                "trigger": "schedule"})
