"""What dbt builds from, as digests: the inputs of `dbt parse`, and the inputs of the annual models.

A night's build rebuilds every model a meter reading reaches. The others (the annual statistics,
their marts and reports: most of the project) come out the same unless their own inputs changed, so
when those equal the inputs of the last full build that succeeded, the night's build leaves them
as they are (jobs.NIGHTLY_SELECTION). Every input counts: dbt's project files and versions, the
deployment folder byte for byte, each annual file's SHA-256 as loaded, and the one way a
publication reaches a model (below). A digest that cannot be computed, or differs, means a full build.
"""
from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from pathlib import Path

import duckdb

from dagster_project.ingest.loader import CURRENT_FILES_SQL
from dagster_project.lib.contracts import SOURCES
from dagster_project.lib.deployment import deployment_rules
from dagster_project.lib.partition_keys import is_daily
from dagster_project.lib.tables import table_exists
from dagster_project.settings import DBT_PROJECT_DIR

FULL_BUILD = "quality.full_build"  # the inputs of the last full build that succeeded
METER_BUILDS = "quality.meter_builds"  # each day range the meter models built, with the rules key

# A first publication fixes which loaded statistics a year keeps (int_region_economy_vintages: a
# row is eligible when loaded no later than it). A publication after every loaded row of its year
# therefore changes nothing; one with a row loaded after it does.
PUBLICATIONS_SEEN_SQL = """
    with first as (select report_year, min(published_at) as first_published_at
                   from raw.publications group by report_year)
    select f.report_year, f.first_published_at from first as f
    where exists (select 1 from raw.economic_statistics as e
                  where e.report_year = f.report_year and e._loaded_at > f.first_published_at)
    order by all"""


def dbt_parse_inputs(rules: str) -> str:
    """A digest of everything dbt parse reads: the project (below), the --vars, and the WATERSTAT_*
    settings profiles.yml reads."""
    digest = hashlib.sha256(rules.encode())
    digest.update(repr(sorted((k, v) for k, v in os.environ.items() if k.startswith("WATERSTAT_"))).encode())
    return add_dbt_project(digest).hexdigest()


def add_dbt_project(digest):
    """The dbt project's files (not its target or log folders) and the dbt packages' versions, added to `digest`."""
    from importlib.metadata import PackageNotFoundError, version

    for package in ("dbt-core", "dbt-duckdb", "dbt-spark"):
        try:
            digest.update(f"{package}={version(package)}".encode())
        except PackageNotFoundError:
            pass
    return add_files(digest, DBT_PROJECT_DIR, skip=("target", "logs", "."))


def add_files(digest, root: Path, skip: tuple[str, ...] = ()):
    """Every file under `root` (its path and bytes, in order) added to `digest`; top-level entries
    whose names start with one of `skip` left out."""
    for top in sorted(root.iterdir()) if root.is_dir() else []:
        if skip and top.name.startswith(skip):
            continue
        for path in sorted(top.rglob("*")) if top.is_dir() else [top]:
            if path.is_file():
                digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest


def annual_inputs_key(con: duckdb.DuckDBPyConnection, deployment: Path) -> str:
    """A digest of what the models no meter reading reaches are built from, as the build file and
    the deployment folder hold it now. Not the WATERSTAT_* settings: they say where things are and
    which engine builds them, and every engine builds the same tables."""
    # the rules: their defaults with the project, the office's choices in deployment.yml
    digest = add_files(add_dbt_project(hashlib.sha256()), deployment)
    if table_exists(con, "raw", "load_log"):
        annual = [s.name for s in SOURCES if not is_daily(s.name)]
        digest.update(repr(con.execute(f"select source_name, source_file, file_sha256 from ({CURRENT_FILES_SQL}) "
                                       "where source_name in ? order by all", [annual]).fetchall()).encode())
    if table_exists(con, "raw", "publications") and table_exists(con, "raw", "economic_statistics"):
        digest.update(repr(con.execute(PUBLICATIONS_SEEN_SQL).fetchall()).encode())
    return digest.hexdigest()


def record_full_build(con: duckdb.DuckDBPyConnection, key: str | None) -> None:
    """After a full build: the inputs it succeeded with, or None when it failed (the next is full)."""
    con.execute("create schema if not exists quality")
    con.execute(f"create or replace table {FULL_BUILD} as "
                "select ?::varchar as inputs_key, current_timestamp as recorded_at", [key])


def annual_build_is_current(con: duckdb.DuckDBPyConnection, deployment: Path) -> bool:
    """Whether the last full build that succeeded was built from the annual inputs there are now."""
    if not table_exists(con, *FULL_BUILD.split(".")):
        return False
    recorded = con.execute(f"select inputs_key from {FULL_BUILD}").fetchone()
    return bool(recorded and recorded[0]) and recorded[0] == annual_inputs_key(con, deployment)


def meter_rules_key(deployment: Path) -> str:
    """What a day's volumes are computed from besides its readings: the dbt project (the meter model,
    its macros and the rule defaults) and the deployment's rules (meter_gap_factor and the rest)."""
    digest = add_dbt_project(hashlib.sha256())
    digest.update(json.dumps(deployment_rules(deployment), sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def record_meter_build(con: duckdb.DuckDBPyConnection, key: str, first: str, last: str) -> None:
    """After the meter models rebuilt days first … last with the rules `key`."""
    con.execute("create schema if not exists quality")
    con.execute(f"""create table if not exists {METER_BUILDS} (rules_key varchar, first_day date,
                    last_day date, built_at timestamp default current_timestamp)""")
    con.execute(f"insert into {METER_BUILDS} (rules_key, first_day, last_day) values (?, ?, ?)",
                [key, first, last])


def meter_days_built(con: duckdb.DuckDBPyConnection, key: str) -> dict[str, datetime]:
    """Day → when its volumes were last built with the rules `key`."""
    if not table_exists(con, *METER_BUILDS.split(".")):
        return {}
    return dict(con.execute(f"""
        select d::date::varchar, max(built_at)
        from {METER_BUILDS}, unnest(generate_series(first_day, last_day, interval 1 day)) as t(d)
        where rules_key = ? group by all""", [key]).fetchall())
