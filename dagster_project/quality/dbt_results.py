"""Keep the outcome of every dbt node of the last build in quality.dbt_results (for the gate and report)."""
from __future__ import annotations

import duckdb


def record_dbt_results(con: duckdb.DuckDBPyConnection, run_results: dict, run_id: str) -> int:
    # unique_id: <resource_type>.<project>.<name>[.<hash>]
    rows = [[r["unique_id"], r["unique_id"].split(".")[0], r["unique_id"].split(".")[2], r["status"],
             r.get("failures"), (r.get("message") or "")[:2000], r.get("execution_time"), run_id]
            for r in run_results.get("results", [])]
    con.execute("create schema if not exists quality")
    con.execute("""create table if not exists quality.dbt_results (
        unique_id varchar, resource_type varchar, name varchar, status varchar, failures bigint,
        message varchar, execution_time_s double, run_id varchar)""")
    # the meter and the annual selections are separate invocations: each node keeps its latest outcome
    con.execute("delete from quality.dbt_results where list_contains(?, unique_id)", [[r[0] for r in rows]])
    if rows:
        con.executemany("insert into quality.dbt_results values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)
