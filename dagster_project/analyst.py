"""Analyst access: queries of the published snapshot in a sandbox, never the build file.

Read-only alone is not enough: a read-only DuckDB connection can still ATTACH another database
writable, COPY or EXPORT to any path, read any file (read_csv, read_text, glob) and load
extensions. The analyst connection therefore turns off every file-system access outside the
snapshot it opened (enable_external_access) and locks the configuration so that a query cannot
turn it back on. docs/security.md states the model.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

# Set at connect time; lock_configuration makes every later SET/RESET of them an error.
SANDBOX = {
    "enable_external_access": False,  # no ATTACH, COPY TO, EXPORT, read_*/glob of files, INSTALL/LOAD
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "lock_configuration": True,
}


class NoSnapshotError(RuntimeError):
    pass


def connect_read_only(published: Path) -> duckdb.DuckDBPyConnection:
    """The analyst connection: the snapshot, read-only, sandboxed."""
    if not published.exists():
        raise NoSnapshotError(f"no published warehouse at {published} yet: run `waterstat run` (or `make demo`) first")
    con = duckdb.connect(str(published), read_only=True, config=SANDBOX)
    con.execute("set search_path = 'marts,main'")  # a session setting, still allowed: mart names without schema
    return con


def query(sql: str, published: Path) -> tuple[list[str], list[tuple]]:
    con = connect_read_only(published)
    try:
        try:
            cur = con.execute(sql)
        except duckdb.Error as exc:
            text = str(exc).lower()
            if "read-only" in text:
                raise PermissionError("the analyst connection is read-only: the published warehouse "
                                      "cannot be changed (the nightly pipeline rebuilds it)") from exc
            if ("disabled" in text and "configuration" in text) or "configuration has been locked" in text:
                raise PermissionError("the analyst connection reads the published tables only: files, other "
                                      "databases, extensions and settings are out of reach "
                                      f"(docs/security.md). DuckDB said: {str(exc).splitlines()[0]}") from exc
            raise
        if cur.description is None:
            return [], []
        return [d[0] for d in cur.description], cur.fetchall()
    finally:
        con.close()
