"""Content fingerprints: equal data gives equal hashes, whatever order or run produced it.

The models add doubles up exactly (dbt macro exact_sum), so a rebuild over the same inputs
writes the same bits. Doubles are still rounded to 12 significant digits, far beyond any
published precision, so that the same figures reached by another engine or summation order
(Spark; an office's own SQL) fingerprint alike. Used by the publications (frozen inputs) and by
the idempotence and crash tests (the whole warehouse).
"""
from __future__ import annotations

import duckdb

SIGNIFICANT_DIGITS = 12

# When and by which run a row was written: differs between two runs over the same data.
RUN_COLUMNS = frozenset({"_loaded_at", "loaded_at", "logged_at", "checked_at", "published_at", "run_id",
                         "execution_time_s"})
# Run records rather than data: the load log and the check results append or restate per run.
RUN_TABLES = frozenset({"raw.load_log", "quality.ge_results", "quality.dbt_results", "quality.full_build",
                        "quality.meter_builds"})


def canonical(column: str, data_type: str) -> str:
    """A select expression for the column, doubles rounded to SIGNIFICANT_DIGITS."""
    c = f'"{column}"'
    if data_type != "DOUBLE":
        return c
    return (f"case when {c} is null or {c} = 0 or isinf({c}) or isnan({c}) then {c} "
            f"else round({c}, {SIGNIFICANT_DIGITS - 1} - cast(floor(log10(abs({c}))) as integer)) end as {c}")


def canonical_select(con: duckdb.DuckDBPyConnection, schema: str, table: str,
                     skip: frozenset[str] = frozenset()) -> str:
    columns = con.execute("""select column_name, data_type from information_schema.columns
                             where table_schema = ? and table_name = ? order by ordinal_position""",
                          [schema, table]).fetchall()
    return ", ".join(canonical(c, t) for c, t in columns if c not in skip)


def warehouse_fingerprint(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    """{schema.table: (rows, order-independent content hash)} for every base table holding data."""
    tables = con.execute("""select table_schema, table_name from information_schema.tables
                            where table_type = 'BASE TABLE' and table_catalog = current_database()
                            order by all""").fetchall()
    prints = {}
    for schema, table in tables:
        name = f"{schema}.{table}"
        if name in RUN_TABLES:
            continue
        select = canonical_select(con, schema, table, skip=RUN_COLUMNS)
        prints[name] = con.execute(f"select count(*), coalesce(sum(hash(t)::hugeint), 0) "
                                   f"from (select {select} from {name}) as t").fetchone()
    return prints
