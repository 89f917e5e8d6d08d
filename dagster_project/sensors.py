"""Sensors: new and late files in raw/ start the load of their partitions; a successful load
starts build_and_publish."""
from __future__ import annotations

import json
import time
from pathlib import Path

import dagster as dg

from dagster_project.ingest.raw_files import inventory, settle_seconds, still_being_written
from dagster_project.jobs import annual_sources_load, build_and_publish, meter_daily_load
from dagster_project.lib.partition_keys import changed_partitions
from dagster_project.run_planning import PlannedRun, latest_partitions, publish_run, runs_for_changes
from dagster_project.settings import Paths


PENDING = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED]
RUNNING = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


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


def cursor_json(files: dict) -> str:
    """The cursor as the UI shows it: file names in Chinese stay readable (not \\u escapes); still
    plain JSON, so a cursor written before reads the same."""
    return json.dumps(files, ensure_ascii=False)


@dg.sensor(name="raw_files_sensor", jobs=[meter_daily_load, annual_sources_load], minimum_interval_seconds=60,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Watches raw/: a new, re-sent, corrected or removed file re-runs its partitions "
                       "(a meter day with the day before and after) and, through publish_after_load, "
                       "everything downstream.")
def raw_files_sensor(context: dg.SensorEvaluationContext):
    files, settling = scan_raw(Paths.from_env().raw, time.time())
    if context.cursor is None:
        context.update_cursor(cursor_json(files))
        return dg.SkipReason(f"First tick: {len(files)} files in raw/ recorded; the nightly run or "
                             "`waterstat run` loads them. Later changes start runs here.")
    before = json.loads(context.cursor)
    files.update({rel: before[rel] for rel in settling if rel in before})  # in the middle of a rewrite
    requests = [dg.RunRequest(job_name=run.job.name, tags={**run.tags, "trigger": "raw_files_sensor"})
                for run in runs_for_changes(changed_partitions(before, files, latest_partitions()))]
    context.update_cursor(cursor_json(files))
    if not requests:
        return dg.SkipReason(f"No new files ({len(settling)} still being written)" if settling else "No new files")
    return requests


@dg.run_status_sensor(name="publish_after_load", run_status=dg.DagsterRunStatus.SUCCESS,
                      monitored_jobs=[meter_daily_load, annual_sources_load], request_job=build_and_publish,
                      default_status=dg.DefaultSensorStatus.RUNNING,
                      description="After a successful load, rebuild the marts and publish (one build "
                                  "for a burst of loads).")
def publish_after_load(context: dg.RunStatusSensorContext):
    """A meter load, with no annual load queued or running, gets only what the meter reaches when
    the annual inputs are those of the last full build (run_planning.publish_run); else the whole
    build. A queued build that will include this load makes a new one unnecessary."""
    waiting = context.instance.get_runs(dg.RunsFilter(job_name=build_and_publish.name, statuses=PENDING))
    is_meter_load = context.dagster_run.job_name == meter_daily_load.name
    if any(is_meter_load or run.asset_selection is None for run in waiting):
        return dg.SkipReason("build_and_publish is already queued; it will include this load")
    loads = [PlannedRun(meter_daily_load)] if is_meter_load else [PlannedRun(annual_sources_load)]
    if context.instance.get_runs_count(dg.RunsFilter(job_name=annual_sources_load.name, statuses=[*PENDING, *RUNNING])):
        loads.append(PlannedRun(annual_sources_load))  # its build must be whole, and it may run first
    publish = publish_run(Paths.from_env(), loads)
    graph = context.repository_def.asset_graph if context.repository_def else None
    selection = publish.selection.resolve(graph) if publish.selection and graph else None
    return dg.RunRequest(run_key=f"after-{context.dagster_run.run_id}", tags={"trigger": "publish_after_load"},
                         asset_selection=sorted(selection) if selection else None)
