"""Landing the sources for Spark (engines/lake.py): every loader table a part per loaded file under the
day or year its name gives (a night's meter export, a year's return), written once; the deployment's
tables rewritten whole; the tables Spark built brought back in their documented order."""
from __future__ import annotations

import duckdb

from dagster_project.engines import lake

MANIFEST = {"sources": {"source.w.raw.meter_readings": {"schema": "raw", "name": "meter_readings"},
                        "source.w.raw.permits": {"schema": "raw", "name": "permits"},
                        "source.w.deployment.regions": {"schema": "deployment", "name": "regions"},
                        "source.w.raw.not_loaded_yet": {"schema": "raw", "name": "not_loaded_yet"}}}


def readings(con, sha: str, file: str, n: int) -> None:
    con.execute("insert into raw.meter_readings select ?, ?, range, range * 1.5 from range(?)", [sha, file, n])


def parts(target) -> dict[str, int]:
    """`<partition key>/<file hash>` → when its Parquet was written."""
    return {f"{p.parent.name}/{p.name}": max(f.stat().st_mtime_ns for f in p.iterdir())
            for p in target.glob("*/*")}


def landed_rows(con, target) -> list[tuple]:
    return con.execute(f"select * from read_parquet('{target}/**/*.parquet', hive_partitioning = true, hive_types_autocast = false) "
                       "order by all").fetchall()


def test_loaded_files_land_a_part_each_under_their_day_or_year_and_only_new_files_are_written(tmp_path):
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create schema deployment")
    con.execute("create table raw.meter_readings (_file_sha256 varchar, _source_file varchar, "
                "_source_row_number bigint, totalizer_m3 double)")
    con.execute("create table raw.permits as select 'y2021' as _file_sha256, 'permits/取水许可台账_2021.xlsx' as _source_file, "
                "'P1' as permit_no")
    con.execute("create table deployment.regions as select '990100' as region_code")
    # no meter file loaded yet: an empty part that still tells Spark the columns
    assert lake.land(con, tmp_path, MANIFEST) == 3  # the source not loaded yet is left out
    target = lake.landed_dir(tmp_path, "raw", "meter_readings")
    assert [p.name for p in target.iterdir()] == [lake.EMPTY_PART]
    assert [r[0] for r in con.execute(f"describe from '{target / lake.EMPTY_PART}'").fetchall()] \
        == ["_file_sha256", "_source_file", "_source_row_number", "totalizer_m3"]
    readings(con, "aaa", "meter_readings/20221229.csv", 3)
    readings(con, "bbb", "meter_readings/20221230.csv", 2)
    lake.land(con, tmp_path, MANIFEST)
    first = parts(target)
    assert set(first) == {"_partition_key=2022-12-29/_file_sha256=aaa", "_partition_key=2022-12-30/_file_sha256=bbb"}
    # a new file lands alone (a late file: under the day it reports); a file the loader replaced
    # (its rows gone) leaves the lake, and its day with it when nothing else is there
    readings(con, "ccc", "meter_readings/20221229_补传_20230101.csv", 4)
    con.execute("delete from raw.meter_readings where _file_sha256 = 'bbb'")
    lake.land(con, tmp_path, MANIFEST)
    second = parts(target)
    assert set(second) == {"_partition_key=2022-12-29/_file_sha256=aaa", "_partition_key=2022-12-29/_file_sha256=ccc"}
    assert second["_partition_key=2022-12-29/_file_sha256=aaa"] == first["_partition_key=2022-12-29/_file_sha256=aaa"]
    assert not (target / "_partition_key=2022-12-30").exists()
    # a part whose rows differ from the table's is rewritten
    readings(con, "aaa", "meter_readings/20221229.csv", 1)
    lake.land(con, tmp_path, MANIFEST)
    landed = con.execute(f"select _partition_key, _file_sha256, count(*) from read_parquet('{target}/*/*/*.parquet', "
                         "hive_partitioning = true, hive_types_autocast = false) group by all order by all").fetchall()
    assert landed == [("2022-12-29", "aaa", 4), ("2022-12-29", "ccc", 4)]
    # a year's return is a file like any other, under its report year: its part goes when the loader replaces it
    permits = lake.landed_dir(tmp_path, "raw", "permits")
    assert set(parts(permits)) == {"_partition_key=2021/_file_sha256=y2021"}
    con.execute("update raw.permits set _file_sha256 = 'y2021b', permit_no = 'P1-revised'")
    lake.land(con, tmp_path, MANIFEST)
    assert set(parts(permits)) == {"_partition_key=2021/_file_sha256=y2021b"}
    assert landed_rows(con, permits) == [("permits/取水许可台账_2021.xlsx", "P1-revised", "y2021b", "2021")]
    # a lake an older version landed otherwise (whole, or a part per file without the year): it goes,
    # or Spark would read those rows twice
    con.execute(f"copy raw.permits to '{permits / 'part-0.parquet'}' (format parquet)")
    (permits / "_file_sha256=y2021b").mkdir()
    con.execute(f"copy raw.permits to '{permits / '_file_sha256=y2021b' / 'data_0.parquet'}' (format parquet)")
    lake.land(con, tmp_path, MANIFEST)
    assert [p.name for p in permits.iterdir()] == ["_partition_key=2021"]
    assert len(landed_rows(con, permits)) == 1
    # the deployment's tables have no file lineage: rewritten whole
    assert landed_rows(con, lake.landed_dir(tmp_path, "deployment", "regions")) == [("990100",)]


def test_a_table_comes_back_with_its_columns_in_the_documented_order(tmp_path):
    con = duckdb.connect()
    built = lake.built_dir(tmp_path, "intermediate", "daily")
    (built / "volume_date=2022-12-29").mkdir(parents=True)
    # as Spark writes an insert_overwrite table: the partition column in the folder name, last
    con.execute(f"copy (select 'S1' as station_code, 12.5 as volume_m3) to '{built}/volume_date=2022-12-29/part-0.parquet' (format parquet)")
    manifest = {"nodes": {"model.w.daily": {"schema": "intermediate", "alias": "daily", "config": {"materialized": "incremental"},
                                             "columns": {"station_code": {}, "volume_date": {}, "volume_m3": {}}}}}
    assert lake.bring_back(con, tmp_path, manifest, ["model.w.daily"]) == ["intermediate.daily"]
    assert [r[0] for r in con.execute("describe intermediate.daily").fetchall()] == ["station_code", "volume_date", "volume_m3"]
    assert con.execute("select station_code, cast(volume_date as varchar), volume_m3 from intermediate.daily").fetchall() \
        == [("S1", "2022-12-29", 12.5)]
