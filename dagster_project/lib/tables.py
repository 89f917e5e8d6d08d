"""Which tables a DuckDB database holds (a new warehouse has none of them yet), and text quoted as
a SQL string literal where a parameter cannot go (a view's definition, an ATTACH path)."""
from __future__ import annotations

import duckdb


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                       [schema, table]).fetchone()[0] > 0


def sql_text(value: str) -> str:
    """`value` as a SQL string literal: quoted, its quotes doubled."""
    return "'" + value.replace("'", "''") + "'"
