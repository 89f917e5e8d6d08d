"""Load the deployment (lib/deployment.py) into the warehouse's `deployment` schema.

The deployment is an input like any other: each of its files is recorded in raw.load_log with its
checksum (source_name 'deployment') when it is new or edited, and an invalid deployment
is logged as rejected with every problem and stops the run, leaving the last valid tables in place.
"""
from __future__ import annotations

import getpass
from pathlib import Path

import duckdb

from dagster_project.lib.deployment import (Deployment, DeploymentError, deployment_fingerprint, present_files,
                                            read_deployment, read_settings, sha256)

SCHEMA = "deployment"
SOURCE_NAME = "deployment"


def _current_sha(con, file: str) -> str | None:
    """The checksum the latest log row of this file loaded (None after a rejection: a fixed deployment
    logs its files again, so no stale rejection outlives the fix)."""
    row = con.execute("""select file_sha256, status from raw.load_log where source_name = ? and source_file = ?
                         order by logged_at desc limit 1""", [SOURCE_NAME, file]).fetchone()
    return row[0] if row and row[1] == "loaded" else None


def _log(con, file: str, sha: str | None, size: int | None, status: str, rows: int, message: str, run_id: str):
    con.execute("insert into raw.load_log values (?, ?, ?, ?, ?, ?, ?, 0, ?, null, ?, ?, current_timestamp)",
                [SOURCE_NAME, file, sha, size, status, rows, rows, message, run_id, getpass.getuser()])


def _loaded_fingerprint(con) -> str | None:
    try:
        return con.execute(f"select fingerprint from {SCHEMA}.loaded_fingerprint").fetchone()[0]
    except duckdb.CatalogException:
        return None


def load_deployment(con: duckdb.DuckDBPyConnection, directory: Path, run_id: str = "manual") -> Deployment:
    """Validate and write the deployment's tables; log every file. Raises DeploymentError. Every
    ingestion asset calls this first; when nothing changed since the last load it returns at once."""
    from dagster_project.ingest.loader import ensure_raw_schema  # the load log's DDL lives there
    ensure_raw_schema(con)
    fingerprint = deployment_fingerprint(directory) if directory.is_dir() else None
    if fingerprint is not None and fingerprint == _loaded_fingerprint(con):
        settings, _ = read_settings(directory)
        return Deployment(directory=directory, settings=settings, files=present_files(directory))
    try:
        deployment = read_deployment(con, directory, SCHEMA)
    except DeploymentError as e:
        _log(con, str(directory / "deployment.yml"), None, None, "rejected", 0, str(e), run_id)
        # the next valid load runs in full and logs its files, even if they are the last valid ones
        con.execute(f"drop table if exists {SCHEMA}.loaded_fingerprint")
        raise
    for path in [directory / "deployment.yml", *deployment.files.values()]:
        sha, name = sha256(path), str(path)
        rows = (con.execute(f"select count(*) from {SCHEMA}.{path.stem}").fetchone()[0]
                if path.suffix != ".yml" else 0)
        if _current_sha(con, name) != sha:  # a new or edited file; an unchanged one is not logged again
            _log(con, name, sha, path.stat().st_size, "loaded", rows, "", run_id)
    con.execute(f"create or replace table {SCHEMA}.loaded_fingerprint as select ? as fingerprint", [fingerprint])
    return deployment
