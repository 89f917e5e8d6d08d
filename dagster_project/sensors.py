"""Sensors: new and late files in raw/ start the load of their partitions; a successful load
starts build_and_publish."""
from __future__ import annotations

import json
import time
from pathlib import Path

import dagster as dg

from dagster_project.ingest.raw_files import inventory, settle_seconds, still_being_written
from dagster_project.jobs import annual_sources_load, build_and_publish, day_range_tags, meter_daily_load
from dagster_project.lib.contracts import SOURCES
from dagster_project.lib.partition_keys import affected_day_ranges, changed_partitions, is_daily
from dagster_project.partitions import meter_days, report_years
from dagster_project.settings import Paths


def scan_raw(raw: Path, now: float, settle: float | None = None) -> tuple[dict, set[str]]:
    """{path under raw/: [source, size, mtime_ns]} of the complete files (every file a load handles,
    stray ones included, so a new .xls starts the run that rejects it), and the paths still being
    written: a copy in progress under its final name is left for a later tick, by the same rule
    the load applies (raw_file_settle_seconds, or a completion marker)."""
    settle = settle_seconds() if settle is None else settle
    files, settling = {}, set()
    for f in inventory(raw):
        if still_being_written(f.path, now, settle):
            settling.add(f.rel)
        else:
            stat = f.path.stat()
            files[f.rel] = [f.source.name, stat.st_size, stat.st_mtime_ns]
    return files, settling


def plan_run_requests(changed: dict[str, set[str]]) -> list[dg.RunRequest]:
    """One meter run per merged day range (each changed day with its neighbours), one annual run
    per range of changed years."""
    requests = []
    days = set().union(*(keys for source, keys in changed.items() if is_daily(source)))
    first, last = meter_days.get_first_partition_key(), meter_days.get_last_partition_key()
    for start, end in affected_day_ranges(days, first, last):
        requests.append(dg.RunRequest(job_name=meter_daily_load.name, tags={**day_range_tags(start, end),
                                                                               "trigger": "raw_files_sensor"}))
    years = sorted(set().union(*(keys for source, keys in changed.items() if not is_daily(source))))
    if years:
        requests.append(dg.RunRequest(job_name=annual_sources_load.name, tags={
            **day_range_tags(years[0], years[-1]), "trigger": "raw_files_sensor"}))
    return requests


@dg.sensor(name="raw_files_sensor", jobs=[meter_daily_load, annual_sources_load], minimum_interval_seconds=60,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Watches raw/: a new, re-sent, corrected or removed file re-runs its partitions "
                       "(a meter day with the day before and after) and, through publish_after_load, "
                       "everything downstream.")
def raw_files_sensor(context: dg.SensorEvaluationContext):
    files, settling = scan_raw(Paths.from_env().raw, time.time())
    if context.cursor is None:
        context.update_cursor(json.dumps(files))
        return dg.SkipReason(f"First tick: {len(files)} files in raw/ recorded; the nightly run or "
                             "`waterstat run` loads them. Later changes start runs here.")
    fallback = {s.name: (meter_days if is_daily(s.name) else report_years).get_last_partition_key()
                for s in SOURCES}
    before = json.loads(context.cursor)
    files.update({rel: before[rel] for rel in settling if rel in before})  # in the middle of a rewrite
    requests = plan_run_requests(changed_partitions(before, files, fallback))
    context.update_cursor(json.dumps(files))
    if not requests:
        return dg.SkipReason(f"No new files ({len(settling)} still being written)" if settling else "No new files")
    return requests


@dg.run_status_sensor(name="publish_after_load", run_status=dg.DagsterRunStatus.SUCCESS,
                      monitored_jobs=[meter_daily_load, annual_sources_load], request_job=build_and_publish,
                      default_status=dg.DefaultSensorStatus.RUNNING,
                      description="After a successful load, rebuild the marts and publish (one build "
                                  "for a burst of loads).")
def publish_after_load(context: dg.RunStatusSensorContext):
    waiting = context.instance.get_runs_count(dg.RunsFilter(
        job_name=build_and_publish.name, statuses=[dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED]))
    if waiting:
        return dg.SkipReason("build_and_publish is already queued; it will include this load")
    return dg.RunRequest(run_key=f"after-{context.dagster_run.run_id}", tags={"trigger": "publish_after_load"})
