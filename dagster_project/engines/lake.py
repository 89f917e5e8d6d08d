"""The lake: where Spark reads what the loader landed and writes what dbt builds (docs/engines.md).

On DuckDB there is no lake: the loader and dbt share the build file. On Spark the loader, its row
checks and quarantine stay as they are (the build file), then
1. `land`: the dbt sources (raw and deployment tables) are written to `<lake>/landed/<schema>/<table>/`
   as Parquet, a part per loaded file under its day or year, which dbt reads where they lie (`source()`,
   macros/engine.sql);
2. dbt builds on Spark; its tables are Parquet under `<lake>/spark-warehouse/<schema>.db/<table>/`;
3. `bring_back`: the tables a dbt call built are copied into the build file, so the quality gate, the
   bulletin, the published snapshot and the analyst CLI read one set of tables whatever the engine.
Each step is one DuckDB statement a table (COPY / CREATE TABLE AS over read_parquet): set-based.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from dagster_project.lib.partition_keys import file_partition_key


def landed_dir(lake: Path, schema: str, table: str) -> Path:
    return lake / "landed" / schema / table


def built_dir(lake: Path, schema: str, table: str) -> Path:
    """Where Spark keeps a managed table (spark.sql.warehouse.dir in dbt/profiles.yml)."""
    return lake / "spark-warehouse" / f"{schema}.db" / table


def sources(manifest: dict) -> list[tuple[str, str]]:
    return sorted({(s["schema"], s["name"]) for s in manifest["sources"].values()})


def land(con: duckdb.DuckDBPyConnection, lake: Path, manifest: dict) -> int:
    """Write every dbt source the build file has to the lake; returns the number of tables. A source
    the loader has not created yet is left out (dbt would fail on it on DuckDB too)."""
    present = set(con.sql("select table_schema, table_name from information_schema.tables").fetchall())
    by_file = set(con.sql("select table_schema, table_name from information_schema.columns "
                          f"where column_name = '{FILE_KEY}'").fetchall())
    landed = 0
    for schema, table in sources(manifest):
        if (schema, table) not in present:
            continue
        target = landed_dir(lake, schema, table)
        if (schema, table) in by_file:
            land_by_file(con, f"{schema}.{table}", target, source_name(table))
        else:  # the deployment's tables (an office's regions, targets, rules): small, rewritten whole
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            con.execute(f"copy {schema}.{table} to '{target / 'part-0.parquet'}' (format parquet)")
        landed += 1
    return landed


# The loader's lineage column: every row of a raw table names the file it came from. The file is the
# unit the loader adds, replaces and withdraws (a night's meter export, a year's return or ledger),
# so it is the unit landed, a part per file written once, under the partition its name gives it: the
# day for meter readings, the report year for the annual sources (lib/partition_keys.py, as Dagster
# partitions them): `<table>/_partition_key=2022-12-29/_file_sha256=<hash>/`.
FILE_KEY = "_file_sha256"
PARTITION_KEY = "_partition_key"
UNKEYED = "none"  # a file whose name carries no day or year (the loader still loads some)
EMPTY_PART = "empty.parquet"


def source_name(table: str) -> str:
    return table.removesuffix("__quarantine")


def land_by_file(con: duckdb.DuckDBPyConnection, table: str, target: Path, source: str) -> None:
    """The table's rows, a part per loaded file under its day or year. Written once: the parts of
    files no longer in the table (replaced, restated, withdrawn) are removed, and a part whose row
    count differs from the table's is rewritten. The loader's rows of a file never change while its
    hash stays the same, so the count is a check, not the key."""
    files = con.execute(f"select {FILE_KEY}, any_value(_source_file), count(*) from {table} group by all").fetchall()
    if not files:  # no file loaded (an office without meters): an empty part, so Spark knows the columns
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        con.execute(f"copy (from {table} limit 0) to '{target / EMPTY_PART}' (format parquet)")
        return
    keys = {sha: file_partition_key(source, file) or UNKEYED for sha, file, _ in files}
    rows = {sha: n for sha, _, n in files}

    def part_of(sha: str) -> Path:
        return target / f"{PARTITION_KEY}={keys[sha]}" / f"{FILE_KEY}={sha}"

    target.mkdir(parents=True, exist_ok=True)
    for entry in target.iterdir():  # the empty part, or a layout an older version landed
        if not entry.name.startswith(f"{PARTITION_KEY}="):
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    for part in target.glob(f"{PARTITION_KEY}=*/{FILE_KEY}=*"):
        sha = part.name.split("=", 1)[1]
        if sha not in keys or part != part_of(sha) or rows[sha] != landed_rows(con, part):
            shutil.rmtree(part)
    for partition in target.iterdir():
        if not any(partition.iterdir()):
            partition.rmdir()
    new = [sha for sha in keys if not part_of(sha).exists()]
    if new:
        con.execute(f"""copy (select t.*, k.partition_key as {PARTITION_KEY}
                              from {table} as t join (select unnest(?) as sha, unnest(?) as partition_key) as k
                                on t.{FILE_KEY} = k.sha)
                        to '{target}' (format parquet, partition_by ({PARTITION_KEY}, {FILE_KEY}),
                                       overwrite_or_ignore true)""",
                    [new, [keys[sha] for sha in new]])


def landed_rows(con: duckdb.DuckDBPyConnection, part: Path) -> int:
    return con.execute(f"select count(*) from read_parquet('{part}/*.parquet')").fetchone()[0]


def bring_back(con: duckdb.DuckDBPyConnection, lake: Path, manifest: dict, unique_ids: list[str]) -> list[str]:
    """Copy the tables of these dbt nodes (models and seeds Spark built) from the lake into the build
    file under the same schema and name; views are left to DuckDB (dbt_assets). Columns keep the
    order of the model's YAML where it lists them all (Spark moves partition columns last)."""
    copied = []
    for unique_id in unique_ids:
        node = manifest["nodes"][unique_id]
        if node["config"].get("materialized") in ("view", "ephemeral"):
            continue
        schema, table = node["schema"], node["alias"]
        source = built_dir(lake, schema, table)
        if not any(source.rglob("*.parquet")):
            raise FileNotFoundError(f"{schema}.{table}: Spark wrote no Parquet under {source}")
        parquet = f"read_parquet('{source}/**/*.parquet', hive_partitioning = true)"
        columns = [r[0] for r in con.sql(f"describe select * from {parquet}").fetchall()]
        documented = list(node.get("columns", {}))
        if sorted(documented) == sorted(columns):
            columns = documented
        con.execute(f"create schema if not exists {schema}")
        con.execute(f"create or replace table {schema}.{table} as select "
                    f"{', '.join(quote(c) for c in columns)} from {parquet}")
        copied.append(f"{schema}.{table}")
    return copied


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
