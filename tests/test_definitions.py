"""The Dagster definitions load and hold the real assets, checks, job and schedule."""
import dagster as dg

from dagster_project.definitions import defs


def test_definitions_hold_every_layer():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for expected in ["raw/meter_readings", "raw/permits", "raw/water_use_plans", "raw/economic_statistics",
                     "raw/industrial_returns", "raw/supply_returns", "raw/irrigation_returns",
                     "raw/county_summary_returns", "staging/stg_raw__meter_readings",
                     "intermediate/int_meter_daily_volumes", "marts/mart_water_use_by_region",
                     "marts/fct_indicators", "marts/fct_public_supply_leakage", "ref/regions",
                     "bulletin_workbooks", "published_warehouse"]:
        assert expected in keys, expected
    # exports hang off the marts, so a failed dbt build skips the bulletin and the publish
    bulletin = graph.get(dg.AssetKey("bulletin_workbooks"))
    assert dg.AssetKey(["marts", "mart_water_use_by_region"]) in bulletin.parent_keys
    # no dangling deps: the only asset nothing materializes is the load log every ingestion appends to
    assert {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).is_external} == {"raw/load_log"}


def test_job_schedule_and_checks():
    job = defs.resolve_job_def("nightly_full_load")
    assert job.executor_def is dg.in_process_executor  # DuckDB: one writer at a time
    schedule = defs.resolve_schedule_def("nightly_full_load_0200_cst")
    assert schedule.cron_schedule == "0 2 * * *" and schedule.execution_timezone == "Asia/Shanghai"
    check_keys = {(c.asset_key.to_user_string(), c.name) for c in defs.resolve_asset_graph().asset_check_keys}
    assert ("raw/permits", "files_accepted") in check_keys
    # dbt tests arrive as asset checks, e.g. the sectors-sum-to-total test on the regional mart
    assert any(a == "marts/mart_water_use_by_region" and n.startswith("parts_sum_to_total") for a, n in check_keys)
