"""Resources: the warehouse (DuckDB build file and the paths around it) and dbt."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Iterator

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from dagster_project import dbt_zygote
from dagster_project.settings import DBT_PROJECT_DIR, Paths, engine, ensure_private_dir, memory_limit

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class WarehouseResource(dg.ConfigurableResource):
    """The private build database the pipeline writes, and the folders it reads and writes."""

    database: str
    published_database: str
    raw_dir: str
    exports_dir: str
    quarantine_dir: str
    deployment_dir: str
    lake_dir: str
    engine: str = "duckdb"

    @classmethod
    def from_paths(cls, paths: Paths) -> "WarehouseResource":
        return cls(database=str(paths.warehouse), published_database=str(paths.published),
                   raw_dir=str(paths.raw), exports_dir=str(paths.exports), quarantine_dir=str(paths.quarantine),
                   deployment_dir=str(paths.deployment), lake_dir=str(paths.lake), engine=engine())

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        ensure_private_dir(Path(self.database).parent)
        if not read_only:
            create_database(Path(self.database))
        con = duckdb.connect(self.database, read_only=read_only, config={"memory_limit": memory_limit()})
        try:
            yield con
        finally:
            con.close()


def create_database(path: Path) -> None:
    """An empty DuckDB file at `path` unless one is there, made beside it and renamed into place:
    DuckDB writes a new file's three headers one by one, and a run killed between them left a
    file no later run could open ("Could not read enough bytes"). A file half made by a killed
    creation is only ever the `.creating` one, started afresh next time."""
    if path.exists():
        return
    creating = path.with_name(path.name + ".creating")
    creating.unlink(missing_ok=True)
    duckdb.connect(str(creating)).close()
    os.replace(creating, path)


class WaterstatDbtCli(DbtCliResource):
    """dbt as the pipeline runs it: every command started warm (dbt_zygote.py) by `waterstat-dbt`.

    dagster-dbt opens a dbt adapter in this process at every call (≈ 2 s: the project and profile
    loaded a second time) only for its fetch_row_counts and fetch_column_metadata, which WaterStat
    does not call: dbt_assets.with_table_metadata reads the built tables itself once dbt has let go
    of the file. Skipped. (A private hook of dagster-dbt: pinned with the dagster family in
    pyproject.toml.)"""

    def setup_for_execution(self, context) -> None:
        super().setup_for_execution(context)
        dbt_zygote.start()  # at the run's start: it imports dbt while the run loads its files

    def _initialize_dbt_core_adapter(self, args):
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        """dagster-dbt runs `dbt --version` at every call to learn which dbt it starts (≈ 1.6 s a
        step, a Python start-up). The dbt here is this environment's (dbt_executable, or the
        launcher beside it): its version is the installed dbt-core's. Another executable is asked
        as dagster-dbt asks it."""
        if Path(self.dbt_executable).parent == Path(sys.executable).parent:
            return version.parse(metadata.version("dbt-core"))
        return super()._cli_version


def dbt_executable() -> str:
    """dbt from the same environment as this interpreter (DbtCliResource refuses a missing dbt)."""
    candidate = Path(dbt_zygote.real_dbt())
    return str(candidate) if candidate.exists() else "dbt"


def dbt_launcher() -> str:
    """What the pipeline starts for a dbt command: `waterstat-dbt` (dbt_zygote.launch), or dbt."""
    candidate = Path(sys.executable).parent / "waterstat-dbt"
    return str(candidate) if candidate.exists() else dbt_executable()


def build_resources(paths: Paths | None = None) -> dict:
    paths = paths or Paths.from_env()
    return {
        "warehouse": WarehouseResource.from_paths(paths),
        "dbt": WaterstatDbtCli(project_dir=dbt_project, dbt_executable=dbt_launcher()),
    }
