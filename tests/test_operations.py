"""Nightly operations (issue 5) on the demo city: re-running partitions changes nothing, a late
file restates exactly its days while analysts read the published snapshot (tests/concurrent_readers.py;
a load killed with SIGKILL: tests/test_interrupted_runs.py).

"The same warehouse" is the content fingerprint of every data table (lib/fingerprint.py): row
counts and an order-independent hash, doubles to 12 significant digits, load times left out. The
reference is the session's demo build (tests/conftest.py `demo`) and its fingerprint; every test
works on its own copy.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import time

import dagster as dg
import duckdb
import pytest

from dagster_project import cli
from dagster_project.definitions import build_definitions
from dagster_project.ingest.readers import decode
from dagster_project.jobs import day_range_tags
from dagster_project.run_planning import NIGHTLY_PUBLISH, catch_up_runs, publish_run
from dagster_project.sensors import publish_after_load, raw_files_sensor, scan_raw
from tests.concurrent_readers import two_readers
from tests.conftest import DEMO_DAYS, DEMO_POINTS, copy_tree, isolate, run_dbt
from tests.conftest import warehouse_fingerprint_of as fingerprint

pytestmark = pytest.mark.pipeline

LATE_FILE = "meter_readings/20221229_补传_20230105.csv"


def run_job(paths, job: str, tags: dict[str, str] | None = None) -> dg.ExecuteInProcessResult:
    os.environ.update(paths.as_env())
    with dg.DagsterInstance.get() as instance:
        result = build_definitions(paths).resolve_job_def(job).execute_in_process(
            instance=instance, tags=tags or {}, raise_on_error=False)
    assert result.success, job
    return result


def load_log(paths, run_id: str) -> list[tuple]:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return con.execute("select status, rows_loaded from raw.load_log where run_id = ? order by all",
                           [run_id]).fetchall()


def last_run_id(paths) -> str:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return con.execute("select run_id from raw.load_log order by logged_at desc limit 1").fetchone()[0]


def test_rerunning_partitions_leaves_the_warehouse_identical(demo, tmp_path, monkeypatch, capsys):
    before = demo.fingerprint
    paths = copy_tree(monkeypatch, demo.home, tmp_path / "home")
    # three days rebuilt in three parts (two in one dbt process, dbt_parts.py, then the build): each
    # part must rewrite its own day
    monkeypatch.setenv("WATERSTAT_METER_CHUNK_DAYS", "1")
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute("delete from intermediate.int_meter_daily_volumes where volume_date between '2022-12-28' and '2022-12-30'")
    assert cli.main(["backfill", "meter", "2022-12-28", "2022-12-30"]) == 0
    out = capsys.readouterr().out  # what the operator sees: each part, and that no file needed reloading
    assert all(f"{day} … {day} (part {i} of 3)" in out
               for i, day in enumerate(("2022-12-28", "2022-12-29", "2022-12-30"), start=1))
    assert "4 files unchanged since their last load; nothing to reload" in out
    meter_run = last_run_id(paths)
    annual = run_job(paths, "annual_sources_load", day_range_tags("2021", "2021"))
    run_job(paths, "build_and_publish")
    assert fingerprint(paths) == before
    # the same files were seen again and nothing was loaded twice
    assert load_log(paths, meter_run) == [("unchanged", 0)] * 4  # 12-28, 12-29, its 补传 file, 12-30
    assert {status for status, _ in load_log(paths, annual.run_id)} == {"unchanged"}


def test_a_day_range_run_gives_what_a_full_rebuild_gives(demo, tmp_path, monkeypatch):
    before = demo.fingerprint
    paths = copy_tree(monkeypatch, demo.home, tmp_path / "home")
    proc = run_dbt(["run", "--full-refresh", "--select", "int_meter_daily_volumes"], paths)
    assert proc.returncode == 0, proc.stdout[-2000:]
    table = "intermediate.int_meter_daily_volumes"
    assert fingerprint(paths)[table] == before[table] and before[table][0] == DEMO_POINTS * DEMO_DAYS


def late_corrected_file(raw, station_index: int = 3) -> tuple[str, float]:
    """A re-sent 12-29 export correcting one station's midnight reading upwards by half of the
    next hour's flow: that much volume moves from 12-29 (its first interval) to 12-28 (its last)."""
    path = raw / "meter_readings" / "20221229.csv"
    rows = list(csv.reader(io.StringIO(decode(path.read_bytes(), path))))  # UTF-8 or GBK, as exported
    station = sorted({r[0] for r in rows[1:]})[station_index]
    by_hour = {int(re.search(r"[ T](\d{1,2}):", r[3])[1]): r for r in rows[1:] if r[0] == station}
    shift = round((float(by_hour[1][4]) - float(by_hour[0][4])) / 2, 2)
    corrected = by_hour[0][:4] + [f"{float(by_hour[0][4]) + shift:.2f}"] + by_hour[0][5:]
    with open(raw / LATE_FILE, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([rows[0], corrected])
    return station, shift


def daily_volume(paths, station: str, day: str) -> float:
    with duckdb.connect(str(paths.published), read_only=True) as con:
        return con.execute("select volume_m3 from marts.fct_meter_daily_withdrawal "
                           "where station_code = ? and volume_date = ?", [station, day]).fetchone()[0]


def test_a_late_file_restates_its_days_like_a_load_from_scratch_while_analysts_read(demo, tmp_path, monkeypatch):
    paths = copy_tree(monkeypatch, demo.home, tmp_path / "restated")
    scan_before, _ = scan_raw(paths.raw, time.time() + 60)
    station, shift = late_corrected_file(paths.raw)
    assert shift > 1
    old = {day: daily_volume(paths, station, day) for day in ("2022-12-28", "2022-12-29", "2022-12-30")}

    # a file still being written (modified just now) is not read yet
    with dg.DagsterInstance.get() as instance:
        context = dg.build_sensor_context(cursor=json.dumps(scan_before), instance=instance)
        assert isinstance(raw_files_sensor(context), dg.SkipReason)
    past = time.time() - 120
    os.utime(paths.raw / LATE_FILE, (past, past))
    with dg.DagsterInstance.get() as instance:
        requests = raw_files_sensor(dg.build_sensor_context(cursor=json.dumps(scan_before), instance=instance))
    # the late day with its neighbours, nothing else
    assert [(r.job_name, r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"])
            for r in requests] == [("meter_daily_load", "2022-12-28", "2022-12-30")]
    # analysts keep querying the published snapshot through the load and the republication
    with two_readers(paths.published, tmp_path):
        run = run_job(paths, requests[0].job_name, requests[0].tags)
        assert ("loaded", 1) in load_log(paths, run.run_id)
        # the successful load makes publish_after_load ask for build_and_publish
        with dg.DagsterInstance.get() as instance:
            follow_up = publish_after_load(dg.build_run_status_sensor_context(
                sensor_name="publish_after_load", dagster_instance=instance, dagster_run=run.dagster_run,
                dagster_event=run.get_run_success_event(), repository_def=build_definitions(paths).get_repository_def()))
        # the annual inputs are those the demo was built from: only what the meter reaches
        assert isinstance(follow_up, dg.RunRequest)
        assert dg.AssetKey(["marts", "fct_meter_daily_withdrawal"]) in follow_up.asset_selection
        assert dg.AssetKey(["marts", "fct_water_use"]) not in follow_up.asset_selection
        run_job(paths, "build_and_publish")
    new = {day: daily_volume(paths, station, day) for day in old}
    assert new["2022-12-28"] == pytest.approx(old["2022-12-28"] + shift, abs=1e-6)
    assert new["2022-12-29"] == pytest.approx(old["2022-12-29"] - shift, abs=1e-6)
    assert new["2022-12-30"] == pytest.approx(old["2022-12-30"], abs=1e-6)

    # the same late file on a night of `waterstat run`: the annual inputs are those the demo was
    # built from, so the build is only what the meter reaches, and must come out the same
    night = copy_tree(monkeypatch, demo.home, tmp_path / "night")
    assert late_corrected_file(night.raw) == (station, shift)
    os.utime(night.raw / LATE_FILE, (past, past))  # written, not being written
    assert publish_run(night, catch_up_runs(night)) is NIGHTLY_PUBLISH
    assert cli.run_pipeline(night)

    scratch = isolate(monkeypatch, tmp_path / "scratch")
    shutil.copytree(paths.raw, scratch.raw, dirs_exist_ok=True)
    assert cli.run_pipeline(scratch)
    assert fingerprint(paths) == fingerprint(scratch) == fingerprint(night)
    # the night rebuilt the meter's descendants and left the annual models as the demo built them
    with duckdb.connect(str(night.warehouse), read_only=True) as con:
        rebuilt = dict(con.execute("select name, run_id <> (select run_id from quality.dbt_results "
                                   "where name = 'dim_regions' and resource_type = 'model') "
                                   "from quality.dbt_results where resource_type = 'model'").fetchall())
    assert rebuilt["fct_meter_daily_withdrawal"] and rebuilt["fct_indicators"]
    assert not rebuilt["int_region_economy_vintages"] and not rebuilt["fct_water_use"]
