"""The Dagster definitions load and hold the real assets, checks, jobs, partitions, schedule and sensors."""
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from dagster_project.definitions import defs
from dagster_project.partitions import meter_days, report_years


def test_definitions_hold_every_layer():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for expected in ["raw/meter_readings", "raw/permits", "raw/water_use_plans", "raw/economic_statistics",
                     "raw/industrial_returns", "raw/supply_returns", "raw/irrigation_returns",
                     "raw/county_summary_returns", "staging/stg_raw__meter_readings",
                     "intermediate/int_meter_daily_volumes", "marts/mart_water_use_by_region",
                     "marts/fct_indicators", "marts/fct_public_supply_leakage", "ref/sector_map",
                     "deployment/regions", "deployment/region_ancestors",
                     "bulletin_workbooks", "published_warehouse"]:
        assert expected in keys, expected
    # exports hang off the marts, so a failed dbt build skips the bulletin and the publish
    bulletin = graph.get(dg.AssetKey("bulletin_workbooks"))
    assert dg.AssetKey(["marts", "mart_water_use_by_region"]) in bulletin.parent_keys
    # no dangling deps: the only assets nothing materializes are the logs appended to as a side effect
    # (every ingestion to the load log, the bulletin to the publications)
    assert {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).is_external} == {
        "raw/load_log", "raw/publications"}


def test_jobs_partitions_schedule_and_sensors():
    graph = defs.resolve_asset_graph()
    partitions = {k.to_user_string(): graph.get(k).partitions_def for k in graph.get_all_asset_keys()}
    assert partitions["raw/meter_readings"] is meter_days and partitions["intermediate/int_meter_daily_volumes"] is meter_days
    assert partitions["raw/permits"] is report_years and partitions["raw/industrial_returns"] is report_years
    assert partitions["marts/mart_water_use_by_region"] is None  # annual marts: rebuilt whole (dbt_assets.py)
    for name in ("meter_daily_load", "annual_sources_load", "build_and_publish"):
        job = defs.resolve_job_def(name)
        assert job.executor_def is dg.in_process_executor  # DuckDB: one writer at a time
        assert job.tags["waterstat/warehouse"] == "writer"  # and one run at a time (run queue limit)
    # a day's volumes read the day before and after it
    volumes = graph.get(dg.AssetKey(["intermediate", "int_meter_daily_volumes"]))
    mapping = volumes.partition_mappings[dg.AssetKey(["staging", "stg_raw__meter_readings"])]
    assert (mapping.start_offset, mapping.end_offset) == (-1, 1)
    schedule = defs.resolve_schedule_def("nightly_0200_cst")
    assert schedule.cron_schedule == "0 2 * * *" and schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    with dg.DagsterInstance.ephemeral() as instance:
        request = schedule.evaluate_tick(dg.build_schedule_context(
            instance=instance, scheduled_execution_time=datetime(2026, 3, 2, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
        )).run_requests[0]
    assert (request.tags["dagster/asset_partition_range_start"], request.tags["dagster/asset_partition_range_end"]) \
        == ("2026-02-28", "2026-03-01")  # yesterday and the day its first reading closes
    publish = defs.resolve_sensor_def("publish_after_load")
    assert publish.job_name == "build_and_publish"  # after a successful load: the marts and the publish
    assert defs.resolve_sensor_def("raw_files_sensor").default_status == dg.DefaultSensorStatus.RUNNING
    check_keys = {(c.asset_key.to_user_string(), c.name) for c in defs.resolve_asset_graph().asset_check_keys}
    assert ("raw/permits", "files_accepted") in check_keys
    # dbt tests arrive as asset checks, e.g. the sectors-sum-to-total test on the regional mart
    assert any(a == "marts/mart_water_use_by_region" and n.startswith("parts_sum_to_total") for a, n in check_keys)
