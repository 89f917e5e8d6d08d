"""The analyst snapshot: a new DuckDB file holding the analyst tables only, swapped in atomically.

It is never a copy of the build file: a copied file keeps the blocks of dropped columns (contact
names and phone numbers stayed byte-searchable after `alter table … drop column`), so the snapshot
is written table by table into an empty file, without the personal-data columns the contracts flag.
Readers that still hold the old file keep their consistent (older) view; new readers see the new
one; nobody ever opens the file the pipeline writes.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from dagster_project.lib.contracts import PERSONAL_COLUMNS
from dagster_project.lib.tables import sql_text
from dagster_project.settings import memory_limit

# What analysts read: the modelled tables, the rule tables, the quality results, and which files
# were loaded when. The raw rows (and the staging views over them) stay in the build file.
ANALYST_SCHEMAS = ("marts", "reports", "intermediate", "ref", "deployment", "quality")
ANALYST_RAW_TABLES = ("load_log",)


def analyst_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str, list[str]]]:
    """(schema, table, published columns) of every analyst table in `catalog`, personal data left out."""
    rows = con.execute("""
        select table_schema, table_name, list(column_name order by ordinal_position)
        from information_schema.columns
        where table_catalog = ? and (table_schema in (select unnest(?::varchar[]))
              or (table_schema = 'raw' and table_name in (select unnest(?::varchar[]))))
          and (table_schema, table_name) in (select table_schema, table_name from information_schema.tables
                                             where table_catalog = ? and table_type = 'BASE TABLE')
        group by all order by all""", [catalog, list(ANALYST_SCHEMAS), list(ANALYST_RAW_TABLES), catalog]).fetchall()
    return [(s, t, [c for c in cols if c not in PERSONAL_COLUMNS]) for s, t, cols in rows]


def write_snapshot(build: Path, target: Path) -> list[str]:
    """Write the analyst tables of `build` into the new file `target`; return their names."""
    con = duckdb.connect(str(target), config={"memory_limit": memory_limit()})
    try:
        con.execute(f"attach {sql_text(str(build))} as build (read_only)")
        written = []
        for schema, table, columns in analyst_tables(con, "build"):
            cols = ", ".join(f'"{c}"' for c in columns)
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(f'create table "{schema}"."{table}" as select {cols} from build."{schema}"."{table}"')
            written.append(f"{schema}.{table}")
        con.execute("detach build")
        con.execute("checkpoint")
    finally:
        con.close()
    return written


def publish_snapshot(build: Path, published: Path) -> Path:
    """Write a fresh snapshot beside the published one (same name, so its catalog name is the
    same), then rename it into place."""
    published.parent.mkdir(parents=True, exist_ok=True)
    staging = published.parent / f".{published.name}.new"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(mode=0o755)
    try:
        write_snapshot(build, staging / published.name)
        os.replace(staging / published.name, published)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return published
