"""Paths, from one environment-variable family (WATERSTAT_*), shared by Dagster, dbt and the CLI.

dbt's profiles.yml reads the same WATERSTAT_WAREHOUSE variable with the same default, so both
tools always open the same file.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


from dagster_project.lib.deployment import deployment_dir, deployment_rules
from dagster_project.lib.repo_paths import DBT_PROJECT_DIR, REPO_ROOT  # noqa: F401  (re-exported)

DEFAULT_MEMORY_LIMIT = "4GB"  # also the default in dbt/profiles.yml


@dataclass(frozen=True)
class Paths:
    raw: Path
    warehouse: Path  # the private build database the pipeline writes
    published: Path  # the read-only snapshot analysts query
    exports: Path
    quarantine: Path
    deployment: Path  # the office's reference data and rules (lib/deployment.py)
    lake: Path | None = None  # on Spark: the landed and built tables as Parquet (engines/lake.py)

    def __post_init__(self) -> None:
        if self.lake is None:  # beside the build file: it holds the same raw rows and personal data
            object.__setattr__(self, "lake", self.warehouse.parent / "lake")

    @classmethod
    def from_env(cls) -> "Paths":
        home = Path(os.environ.get("WATERSTAT_HOME", REPO_ROOT)).resolve()
        raw = Path(os.environ.get("WATERSTAT_RAW", home / "raw")).resolve()
        warehouse = Path(
            os.environ.get("WATERSTAT_WAREHOUSE", home / "warehouse" / "build" / "waterstat.duckdb")
        ).resolve()
        published = Path(
            os.environ.get("WATERSTAT_PUBLISHED", home / "warehouse" / "published" / "waterstat.duckdb")
        ).resolve()
        exports = Path(os.environ.get("WATERSTAT_EXPORTS", home / "exports")).resolve()
        return cls(raw=raw, warehouse=warehouse, published=published, exports=exports,
                   quarantine=Path(os.environ.get("WATERSTAT_QUARANTINE", home / "quarantine")).resolve(),
                   deployment=deployment_dir(),
                   lake=Path(os.environ["WATERSTAT_LAKE"]).resolve() if os.environ.get("WATERSTAT_LAKE") else None)

    def as_env(self) -> dict[str, str]:
        """The variables a dbt subprocess needs to open the same files with the same limits."""
        return {"WATERSTAT_WAREHOUSE": str(self.warehouse), "WATERSTAT_RAW": str(self.raw),
                "WATERSTAT_EXPORTS": str(self.exports), "WATERSTAT_DEPLOYMENT": str(self.deployment),
                "WATERSTAT_MEMORY_LIMIT": memory_limit(), "WATERSTAT_ENGINE": engine(),
                "WATERSTAT_LAKE": str(self.lake)}

    def private_dirs(self) -> tuple[Path, ...]:
        """Directories holding data analysts must not read (the build file with its raw rows and
        personal data; rejected files): the pipeline's user only."""
        lake = (self.lake,) if engine() == "spark" else ()  # the raw rows again, as Parquet
        return self.warehouse.parent, self.quarantine, *lake

    def ensure_dirs(self) -> None:
        for d in (self.raw, self.published.parent, self.exports):
            d.mkdir(parents=True, exist_ok=True)
        for d in self.private_dirs():
            ensure_private_dir(d)

    def permission_problems(self) -> list[str]:
        """Each private directory that others can enter or read, with the fix."""
        return [f"{d} can be read by other users (mode {d.stat().st_mode & 0o777:o}): chmod 700 {d}"
                for d in self.private_dirs() if d.exists() and d.stat().st_mode & 0o077]


def ensure_private_dir(path: Path) -> Path:
    """A directory only its owner (the pipeline's user) can enter: mode 700, whatever the umask."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def dbt_target_dir(warehouse: Path, engine_name: str = "duckdb") -> Path:
    """dbt's target folder for a build file: beside it (private like it), one per build file, kept
    between calls. dbt re-parses only what changed when the partial_parse.msgpack of its last call
    is there and was made with the same --vars and profile (the profile names the build file), so
    each call after the first on a build file skips the full parse (~6 s); dagster-dbt's default,
    a new folder per call, parses in full every time. Runs on one build file are serialised (the
    run queue's waterstat/warehouse limit), so two calls never share the folder at once."""
    # one folder per engine: a call on the other target would find another profile and parse in full
    return warehouse.parent / ("dbt_target" if engine_name == "duckdb" else f"dbt_target_{engine_name}")


ENGINES = ("duckdb", "spark")


def engine() -> str:
    """The engine dbt builds on (docs/engines.md): duckdb (default; the build file itself) or spark
    (the lake; the tables come back into the build file for everything after dbt). It names the
    target in dbt/profiles.yml."""
    name = os.environ.get("WATERSTAT_ENGINE", "duckdb").strip().lower() or "duckdb"
    if name not in ENGINES:
        raise ValueError(f"WATERSTAT_ENGINE={name!r}: expected one of {', '.join(ENGINES)}")
    return name


def spark_codegen() -> bool:
    """WATERSTAT_SPARK_CODEGEN (default true): Spark compiles each query to Java bytecode. That pays on
    a cluster's data; on small data on one machine compiling costs more than it saves (docs/engines.md)."""
    value = os.environ.get("WATERSTAT_SPARK_CODEGEN", "true").strip().lower() or "true"
    if value not in ("true", "false"):
        raise ValueError(f"WATERSTAT_SPARK_CODEGEN={value!r}: expected true or false")
    return value == "true"


def memory_limit() -> str:
    """DuckDB's memory_limit for every pipeline connection, dbt's included: beyond it DuckDB spills
    to disk (next to the build file) instead of growing. Default 4GB; e.g. WATERSTAT_MEMORY_LIMIT=16GB."""
    return os.environ.get("WATERSTAT_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)


def meter_chunk_days() -> int:
    """A long meter day range is rebuilt in parts of at most this many days (default 31): the
    per-station-day medians live in memory outside DuckDB's limit, and the one sort grows faster than
    its rows. Measured on 10,000 points hourly (1.5 GB limit), the model alone: 92 days 28.2 s and
    2.23 GB peak, 61 days 16.3 s / 2.02 GB, 31 days 5.5 s / 1.80 GB; a month is cheaper per day even
    with a dbt call per part (the earlier parts share one dbt process: dbt_parts.py). Parts give the
    same rows."""
    return int(os.environ.get("WATERSTAT_METER_CHUNK_DAYS", "31"))


def dbt_vars() -> dict:
    """The rules, as dbt sees them: the defaults in dbt/dbt_project.yml overridden by the
    deployment's deployment.yml `rules` (validated), so Python applies the same rules as the SQL."""
    return deployment_rules(deployment_dir())
