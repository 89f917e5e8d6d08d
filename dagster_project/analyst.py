"""Analyst access: read-only queries of the published snapshot, never the build file."""
from __future__ import annotations

from pathlib import Path

import duckdb


class NoSnapshotError(RuntimeError):
    pass


def connect_read_only(published: Path) -> duckdb.DuckDBPyConnection:
    if not published.exists():
        raise NoSnapshotError(f"no published warehouse at {published} yet: run `waterstat run` (or `make demo`) first")
    con = duckdb.connect(str(published), read_only=True)
    con.execute("set search_path = 'marts,main'")  # analysts write mart names without the schema
    return con


def query(sql: str, published: Path) -> tuple[list[str], list[tuple]]:
    con = connect_read_only(published)
    try:
        try:
            cur = con.execute(sql)
        except duckdb.Error as exc:
            if "read-only" in str(exc).lower():
                raise PermissionError("the analyst connection is read-only: the published warehouse "
                                      "cannot be changed (the nightly pipeline rebuilds it)") from exc
            raise
        if cur.description is None:
            return [], []
        return [d[0] for d in cur.description], cur.fetchall()
    finally:
        con.close()
