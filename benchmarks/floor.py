"""The bare DuckDB floor of the meter path: one SQL statement reading the same CSV files, taking
each station's totalizer deltas and summing them per day into a table. No contract checks, no
lineage, no dedupe, no rollover/reset/gap handling, no proration across midnight.

    python -m benchmarks.floor <file listing the CSV paths> <database file> <memory limit>
"""
import sys

import duckdb

FLOOR_SQL = """
create or replace table floor_daily_volumes as
with readings as (
    select "测站编码" as station_code, strptime("时间", '%Y-%m-%d %H:%M') as reading_at,
           "累计流量(m³)" as totalizer_m3
    from read_csv({files}, header = true, columns = {{
        '测站编码': 'varchar', '测站名称': 'varchar', '取水口编码': 'varchar', '时间': 'varchar',
        '累计流量(m³)': 'double', '瞬时流量(m³/h)': 'double', '数据标识': 'varchar'}})
),
deltas as (
    select station_code, reading_at,
           totalizer_m3 - lag(totalizer_m3) over (partition by station_code order by reading_at) as volume_m3
    from readings
)
select station_code, (reading_at - interval 1 second)::date as volume_date, sum(volume_m3) as volume_m3
from deltas
where volume_m3 is not null
group by all
"""


def main(file_list: str, database: str, memory_limit: str) -> None:
    files = open(file_list, encoding="utf-8").read().split()
    con = duckdb.connect(database)
    con.execute(f"set memory_limit = '{memory_limit}'")
    con.execute(FLOOR_SQL.format(files=files))
    print(con.execute("select count(*), sum(volume_m3) from floor_daily_volumes").fetchone())
    con.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
