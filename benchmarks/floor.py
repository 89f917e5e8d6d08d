"""Floors of the meter path, each one DuckDB statement straight over the same CSV files, storing
nothing but its result:

- bare: each station's totalizer deltas summed per day. No contract checks, no lineage, no dedupe,
  no rollover/reset/gap handling, no proration across midnight.
- rules: the meter path's own dbt model (int_meter_daily_volumes, compiled) with its raw table
  swapped for the files: the same rules (one definition: dbt/macros/meter_rules.sql), the same one
  sort, without the load (checks, quarantine, stored copy). Lineage differs in one way only: every
  row has the same load time and row number 0, so of two *different* copies of a reading the later
  file name wins, where the path takes the later load and then the earlier row; the benchmark files
  have no copies. `rules_floor_differences` checks the floor's rows against the path's.

    python -m benchmarks.floor <file listing the CSV paths> <database file> <memory limit> [<compiled model>]
"""
import re
import sys
from pathlib import Path

import duckdb

# the benchmark files' columns (benchmarks/meter_data.py), typed by DuckDB's CSV reader
CSV_COLUMNS = {'测站编码': 'varchar', '测站名称': 'varchar', '取水口编码': 'varchar', '时间': 'varchar',
               '累计流量(m³)': 'double', '瞬时流量(m³/h)': 'double', '数据标识': 'varchar'}
# the staging view as the compiled model names it ("<database>"."staging"."stg_raw__meter_readings")
STAGING_RELATION = re.compile(r'"[^"]+"\."staging"\."stg_raw__meter_readings"')


def csv_scan(files: list[str], filename: bool = False) -> str:
    return f"read_csv({files}, header = true, filename = {str(filename).lower()}, columns = {CSV_COLUMNS})"


def bare_sql(files: list[str]) -> str:
    return f"""
        with readings as (
            select "测站编码" as station_code, strptime("时间", '%Y-%m-%d %H:%M') as reading_at,
                   "累计流量(m³)" as totalizer_m3
            from {csv_scan(files)}
        ),
        deltas as (
            select station_code, reading_at,
                   totalizer_m3 - lag(totalizer_m3) over (partition by station_code order by reading_at) as volume_m3
            from readings
        )
        select station_code, (reading_at - interval 1 second)::date as volume_date, sum(volume_m3) as volume_m3
        from deltas
        where volume_m3 is not null
        group by all"""


def rules_sql(files: list[str], compiled_model: str) -> str:
    """The compiled model reading the files where it read staging (file name as lineage, no row numbers)."""
    if not STAGING_RELATION.search(compiled_model):
        raise ValueError(f"the compiled model does not read {STAGING_RELATION.pattern}")
    staged = f"""(select "测站编码" as station_code, "测站名称" as station_name, "取水口编码" as intake_code,
        strptime("时间", '%Y-%m-%d %H:%M') as reading_at, "累计流量(m³)" as totalizer_m3,
        "瞬时流量(m³/h)" as flow_m3_per_h, "数据标识" as quality_flag, filename as source_file,
        0::bigint as source_row_number, current_timestamp as loaded_at
        from {csv_scan(files, filename=True)})"""
    return STAGING_RELATION.sub(lambda _: staged, compiled_model)


def rules_floor_differences(floor_database: Path, warehouse: Path) -> tuple[int, int]:
    """Rows of the rules floor (floor_daily_volumes) not in the path's int_meter_daily_volumes, and
    the reverse, every column compared (EXCEPT ALL, so a repeated row counts): (0, 0) = the same rows."""
    con = duckdb.connect(str(floor_database), read_only=True)
    con.execute(f"attach '{warehouse}' as path (read_only)")
    ours, theirs = "floor_daily_volumes", "path.intermediate.int_meter_daily_volumes"
    missing = [con.execute(f"select count(*) from (from {a} except all from {b})").fetchall()[0][0]
               for a, b in ((ours, theirs), (theirs, ours))]
    con.close()
    return missing[0], missing[1]


def main(file_list: str, database: str, memory_limit: str, compiled_model: str | None = None) -> None:
    files = open(file_list, encoding="utf-8").read().split()
    query = rules_sql(files, Path(compiled_model).read_text(encoding="utf-8")) if compiled_model else bare_sql(files)
    con = duckdb.connect(database)
    con.execute(f"set memory_limit = '{memory_limit}'")
    con.execute(f"create or replace table floor_daily_volumes as {query}")
    print(con.execute("select count(*), sum(volume_m3) from floor_daily_volumes").fetchone())
    con.close()


if __name__ == "__main__":
    main(*sys.argv[1:5])
