"""The quality gate: which report years may be published, and why not.

Blocking failures come from three places: the statistics-aware checks (quality.dq_check_results,
per report year), dbt tests (quality.dbt_results, global) and blocking GE suites
(quality.ge_results, global). A year is blocked by its own failures and by any global one.
"""
from __future__ import annotations

import duckdb

from dagster_project.lib.tables import table_exists


def blocking_failures(con: duckdb.DuckDBPyConnection) -> dict[int | None, list[str]]:
    """report_year (None = every year) → the reasons it is blocked, in Chinese for the operator."""
    reasons: dict[int | None, list[str]] = {}
    if table_exists(con, "quality", "dq_check_results"):
        for year, text, n in con.execute("""
                select report_year, name_zh, n_failing from quality.dq_check_results
                where severity = 'blocking' and not is_passed order by check_name""").fetchall():
            reasons.setdefault(year, []).append(f"{text}（{n}项）")
    if table_exists(con, "quality", "dbt_results"):
        # a failed test or unit test, and a model or seed not built (its table would be stale)
        for kind, name, status in con.execute("""
                select resource_type, name, status from quality.dbt_results
                where (resource_type in ('test', 'unit_test') and status in ('fail', 'error'))
                   or (resource_type in ('model', 'seed') and status in ('error', 'skipped'))""").fetchall():
            what = "检验未通过" if kind in ("test", "unit_test") else "模型未建成"
            reasons.setdefault(None, []).append(f"dbt {what}: {name} ({status})")
    if table_exists(con, "quality", "ge_results"):
        for suite, exp, column in con.execute("""select suite_name, expectation, column_name from quality.ge_results
                                                 where is_blocking and not success""").fetchall():
            reasons.setdefault(None, []).append(f"GE 检验未通过: {suite} {exp} {column}")
    return reasons


def reasons_for_year(failures: dict[int | None, list[str]], year: int) -> list[str]:
    return failures.get(year, []) + failures.get(None, [])
