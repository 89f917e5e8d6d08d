"""Benchmark meter files, written by DuckDB itself: `points` stations, one reading every
`interval_minutes`, one CSV per day named YYYYMMDD.csv with the platform's Chinese header.

Totalizers grow at a station-specific rate with a daily swing, so every delta is positive and
every day sums to a known volume; no planted defects (the bare floor query could not handle them).
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb


def write_meter_days(out: Path, first_day: date, days: int, points: int, interval_minutes: int) -> int:
    out.mkdir(parents=True, exist_ok=True)
    per_day = 24 * 60 // interval_minutes
    con = duckdb.connect()
    con.execute(f"""create table stations as
        select i, printf('BM%08d', i) as code, printf('320600Q%06d', i) as intake,
               1000 + (hash(i) % 1000000) as base_m3, 0.5 + (hash(i * 7) % 5000) / 100.0 as rate_m3_per_h
        from range({points}) as t(i)""")
    rows = 0
    for d in range(days):
        day = first_day + timedelta(days=d)
        path = out / f"{day:%Y%m%d}.csv"
        con.execute(f"""copy (
            select s.code as "测站编码", s.code || '站' as "测站名称", s.intake as "取水口编码",
                   strftime(timestamp '{day}' + to_minutes(k * {interval_minutes}), '%Y-%m-%d %H:%M') as "时间",
                   round(s.base_m3 + s.rate_m3_per_h * h + 0.2 * s.rate_m3_per_h * sin(2 * pi() * h / 24), 2)
                       as "累计流量(m³)",
                   round(s.rate_m3_per_h, 3) as "瞬时流量(m³/h)", 'N' as "数据标识"
            from stations as s
            cross join (select k, ({d} * 24 * 60 + k * {interval_minutes}) / 60.0 as h
                        from range({per_day}) as r(k)) as t
            order by k, s.i
        ) to '{path}' (header, delimiter ',')""")
        rows += points * per_day
    con.close()
    return rows
