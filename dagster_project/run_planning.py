"""Which runs load which partitions. The raw-files sensor (the partitions whose files changed) and
`waterstat run` (the partitions whose files, or meter rules, changed since they were last built)
both plan through `load_runs`; `publish_run` decides whether the build after them is whole or
only what the meter reaches."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import dagster as dg
import duckdb

from dagster_project.build_inputs import annual_build_is_current, meter_days_built, meter_rules_key
from dagster_project.ingest.loader import CURRENT_FILES_SQL, sha256_of
from dagster_project.ingest.raw_files import inventory
from dagster_project.jobs import NIGHTLY_SELECTION, annual_sources_load, build_and_publish, day_range_tags, meter_daily_load
from dagster_project.lib.contracts import SOURCES
from dagster_project.lib.deployment import DeploymentError
from dagster_project.lib.partition_keys import (DAILY_SOURCES, affected_day_ranges, affected_days, day_ranges,
                                                file_partition_key, is_daily)
from dagster_project.lib.tables import table_exists
from dagster_project.partitions import meter_days, partitions_for, report_years
from dagster_project.settings import Paths

if TYPE_CHECKING:  # what define_asset_job returns (not exported by dagster)
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

# `waterstat backfill meter|annual`
LOAD_JOBS = {"meter": meter_daily_load, "annual": annual_sources_load}


@dataclass(frozen=True)
class PlannedRun:
    job: UnresolvedAssetJobDefinition
    first: str | None = None  # the partition range of a partitioned job
    last: str | None = None
    selection: dg.AssetSelection | None = None  # a part of the job's assets (None: all of them)

    @property
    def tags(self) -> dict[str, str]:
        return day_range_tags(self.first, self.last) if self.first else {}

    def __str__(self) -> str:
        return (self.job.name + (f" {self.first} … {self.last}" if self.first else "")
                + (" (what the meter reaches; annual inputs as last built)" if self.selection else ""))


PUBLISH = PlannedRun(build_and_publish)
NIGHTLY_PUBLISH = PlannedRun(build_and_publish, selection=NIGHTLY_SELECTION)


def publish_run(paths: Paths, loads: list[PlannedRun]) -> PlannedRun:
    """The build after the loads: only what the meter reaches when none of them is an annual load
    and the annual inputs are those the last full build succeeded with (build_inputs.py); else
    everything. Anything that keeps the check from answering (no build file yet, a file another
    process holds or one that cannot be read) means everything."""
    if any(run.job is annual_sources_load for run in loads) or not paths.warehouse.exists():
        return PUBLISH
    try:
        with duckdb.connect(str(paths.warehouse), read_only=True) as con:
            return NIGHTLY_PUBLISH if annual_build_is_current(con, paths.deployment) else PUBLISH
    except (duckdb.Error, OSError):
        return PUBLISH


def load_runs(day_ranges: Iterable[tuple[str, str]], years: set[str]) -> list[PlannedRun]:
    """A meter load per day range, then one annual load over the span of the years."""
    runs = [PlannedRun(meter_daily_load, first, last) for first, last in day_ranges]
    if years:
        runs.append(PlannedRun(annual_sources_load, min(years), max(years)))
    return runs


def _days_and_years(keys: dict[str, set[str | None]]) -> tuple[set, set]:
    """Partition keys by source → (meter days, report years)."""
    days = set().union(*(k for source, k in keys.items() if is_daily(source)))
    return days, set().union(*(k for source, k in keys.items() if not is_daily(source)))


def latest_partitions() -> dict[str, str]:
    """Source → its latest partition: where a file whose name has no partition key is handled."""
    return {s.name: partitions_for(s.name).get_last_partition_key() for s in SOURCES}


def runs_for_changes(changed: dict[str, set[str]]) -> list[PlannedRun]:
    """The sensor: each changed day with its neighbours (whose volumes it touches), merged into
    ranges; the changed years."""
    days, years = _days_and_years(changed)
    ranges = affected_day_ranges(days, meter_days.get_first_partition_key(), meter_days.get_last_partition_key())
    return load_runs(ranges, years)


def loaded_files(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str, int, datetime]]:
    """{path under raw/: (source, SHA-256, bytes, when logged)} of every file from raw/ whose rows are
    in the build database now (the deployment's files, logged too, are not raw/'s)."""
    if not table_exists(con, "raw", "load_log"):
        return {}
    return {rel: (source, sha, size, logged_at) for source, rel, sha, size, logged_at in con.execute(
        f"select source_name, source_file, file_sha256, file_bytes, logged_at from ({CURRENT_FILES_SQL}) "
        "where source_name in ?", [[s.name for s in SOURCES]]).fetchall()}


def is_as_loaded(path: Path, record: tuple[str, str, int, datetime] | None) -> bool:
    """Whether the file is the one the load log has: the same size and not modified since it was
    logged (a day's margin for clocks and time zones), or else the same SHA-256. A night then hashes
    only the files written lately, not a year of meter exports."""
    if record is None:
        return False
    _, sha, size, logged_at = record
    stat = path.stat()
    if stat.st_size != size:
        return False
    return datetime.fromtimestamp(stat.st_mtime) < logged_at - timedelta(days=1) or sha256_of(path) == sha


def stale_meter_days(con: duckdb.DuckDBPyConnection, deployment: Path, days: set[str]) -> set[str]:
    """Of `days`, those whose volumes were never built with the meter rules there are now, or were
    built before a file of theirs or of a day beside them was last loaded or withdrawn (a load whose
    build failed or was killed). Every day when the deployment's rules do not validate."""
    try:
        built = meter_days_built(con, meter_rules_key(deployment))
    except DeploymentError:
        return set(days)
    last_load: dict[str, datetime] = {}
    if table_exists(con, "raw", "load_log"):
        for source, rel, at in con.execute("""select source_name, source_file, max(logged_at) from raw.load_log
                                              where source_name in ? and status in ('loaded', 'removed')
                                              group by all""", [sorted(DAILY_SOURCES)]).fetchall():
            day = file_partition_key(source, rel)
            if day and at > last_load.get(day, datetime.min):
                last_load[day] = at
    stale = set()
    for day in days:
        d = date.fromisoformat(day)
        loads = [last_load.get((d + timedelta(days=k)).isoformat(), datetime.min) for k in (-1, 0, 1)]
        if day not in built or max(loads) > built[day]:
            stale.add(day)
    return stale


def catch_up_runs(paths: Paths) -> list[PlannedRun]:
    """`waterstat run`: the meter days whose volumes are not those of their files and rules now, then
    the report years whose files changed since their last load.

    - A file is changed when it is new, re-sent with other bytes, or withdrawn (in the load log but
      no longer in raw/); an unchanged file would only be logged `unchanged`, at seconds a night.
    - A meter day runs with the days beside it (whose volumes it touches) when a file of it changed,
      and on its own when its volumes were built with other meter rules (a rule or model change
      reaches every day) or before a load beside it (stale_meter_days). So a night with a year of
      exports in raw/ rebuilds yesterday and the day before, not the year.
    - A family with no file at all runs its latest partition once, so its tables exist (an office
      without meters then skips the meter job)."""
    present = inventory(paths.raw)
    loaded: dict[str, tuple[str, str, int, datetime]] = {}
    in_raw = {f.rel for f in present}
    file_days = {file_partition_key(f.source.name, f.rel) for f in present if is_daily(f.source.name)}
    stale: set[str] = set()
    has_volumes = False
    if paths.warehouse.exists():
        with duckdb.connect(str(paths.warehouse), read_only=True) as con:
            loaded = loaded_files(con)
            has_volumes = table_exists(con, "intermediate", "int_meter_daily_volumes")
            file_days |= {file_partition_key(source, rel) for rel, (source, *_) in loaded.items() if is_daily(source)}
            stale = stale_meter_days(con, paths.deployment, file_days - {None})
    changed = [(f.source.name, f.rel) for f in present if not is_as_loaded(f.path, loaded.get(f.rel))]
    changed += [(source, rel) for rel, (source, *_) in loaded.items() if rel not in in_raw]
    keys: dict[str, set[str | None]] = {}
    for source, rel in changed:
        keys.setdefault(source, set()).add(file_partition_key(source, rel))
    days, years = _days_and_years(keys)
    # a key outside the partitions (no date in the name, a day not over yet) plans nothing itself:
    # any run of the family handles such a file (rejects it, or leaves it waiting). Changed days
    # reach their neighbours within the span of the days that have files.
    file_days = {d for d in file_days if d and meter_days.has_partition_key(d)}
    ranges = day_ranges(affected_days(days - {None}, min(file_days), max(file_days)) | stale & file_days) \
        if file_days else []
    year_keys = set(report_years.get_partition_keys())
    unplaced_years, years = years - year_keys, years & year_keys
    if not ranges and not has_volumes:
        ranges = [(meter_days.get_last_partition_key(),) * 2]
    sources = [f.source.name for f in present] + [source for source, *_ in loaded.values()]
    if not years and (unplaced_years or all(is_daily(source) for source in sources)):
        years = {report_years.get_last_partition_key()}
    return load_runs(ranges, years)


def backfill_runs(family: str, first: str, last: str, publish: bool) -> list[PlannedRun]:
    """`waterstat backfill`: one load of the range, then optionally the build and publish."""
    return [PlannedRun(LOAD_JOBS[family], first, last), *([PUBLISH] if publish else [])]
