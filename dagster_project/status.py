"""What `waterstat status` reports: the latest run of each job, from the Dagster instance (CLI,
schedule, sensors and UI alike), and the last load of each family, from the published snapshot;
each problem with what to do next."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import dagster as dg
import duckdb

from dagster_project.jobs import JOBS, RANGE_END, RANGE_START
from dagster_project.run_health import PID_TAG, interrupted_runs


def run_lines(instance: dg.DagsterInstance) -> tuple[list[str], int]:
    """The report's lines on runs, and how many need attention (interrupted, or the latest of a job failed)."""
    interrupted = interrupted_runs(instance)
    lines = ["Latest runs:"]
    for run in interrupted:
        lines.append(f"  NEVER FINISHED {run.job_name} run {run.run_id[:8]}: its process ({run.tags[PID_TAG]}) "
                     "ended without finishing (killed or crashed)\n"
                     "           → `waterstat run` redoes it (re-runs are idempotent) and records it as failed")
    failed = []
    for job in JOBS:
        records = instance.get_run_records(dg.RunsFilter(job_name=job.name), limit=1)
        if not records:
            lines.append(f"  {job.name:<20} never run")
            continue
        run, started = records[0].dagster_run, records[0].start_time
        span = f" {run.tags[RANGE_START]} … {run.tags.get(RANGE_END)}" if run.tags.get(RANGE_START) else ""
        when = f"{datetime.fromtimestamp(started):%Y-%m-%d %H:%M}" if started else "not started"
        lines.append(f"  {job.name:<20} {run.status.value:<8} {when}{span}  (run {run.run_id[:8]}, "
                     f"{run.tags.get('trigger', 'ui')})")
        if run.status == dg.DagsterRunStatus.FAILURE:
            failed.append(job.name)
    if failed:
        lines.append(f"  → {', '.join(failed)} failed: open the run in the UI (make ui) or run `waterstat check`, "
                     "fix the cause, then `waterstat run` (or `waterstat backfill …` for the failed days).")
    return lines, len(interrupted) + len(failed)


@dataclass
class Load:
    family: str  # meter readings | annual sources: they load in separate runs
    run_id: str
    user: str
    started: datetime
    ended: datetime
    files: dict[str, int]  # load_log status → files
    rows_loaded: int
    rows_quarantined: int


@dataclass
class LastLoads:
    loads: list[Load] = field(default_factory=list)
    rejected: list[tuple[str, str, str]] = field(default_factory=list)  # (file, message, moved to)
    blocked: list[tuple[int | None, str]] = field(default_factory=list)  # (year, None: every year; reasons)
    revisions: list[tuple[int, str, str, str]] = field(default_factory=list)  # (year, basis, file, regions)


def last_loads(con: duckdb.DuckDBPyConnection) -> LastLoads:
    """The last load of each family with its files and rows; the files those loads rejected; the
    years blocked; the revisions loaded but not applied (a published year keeps its figures)."""
    lasts = con.execute("""select run_id, any_value(started_by), min(logged_at), max(logged_at),
                                  bool_or(source_name = 'meter_readings') as is_meter
                           from raw.load_log group by run_id
                           qualify row_number() over (partition by is_meter order by max(logged_at) desc) = 1
                           order by is_meter desc""").fetchall()
    if not lasts:
        return LastLoads()
    loads = []
    for run_id, user, started, ended, is_meter in lasts:
        files = dict(con.execute("select status, count(*) from raw.load_log where run_id = ? group by 1",
                                 [run_id]).fetchall())
        rows = con.execute("""select coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0)
                              from raw.load_log where run_id = ?""", [run_id]).fetchone()
        loads.append(Load("meter readings" if is_meter else "annual sources", run_id, user, started, ended,
                          files, *rows))
    return LastLoads(
        loads,
        rejected=con.execute("""select source_file, message, quarantined_to from raw.load_log
                                where list_contains(?, run_id) and status = 'rejected' order by 1""",
                             [[load.run_id for load in loads]]).fetchall(),
        blocked=con.execute("""select report_year, string_agg(name_zh, '; ') from quality.dq_check_results
                               where severity = 'blocking' and not is_passed group by 1 order by 1""").fetchall(),
        revisions=con.execute("""select v.report_year, v.basis, v.source_file, string_agg(r.region_name_zh, '、'
                                        order by r.sort_order)
                                 from intermediate.int_region_economy_vintages v
                                      join deployment.regions r using (region_code)
                                 where v.is_unapplied_revision group by all order by all""").fetchall())


def load_lines(last: LastLoads, attention: int) -> list[str]:
    """The report's lines on the last loads; "Nothing to do" only if nothing else needs `attention`."""
    if not last.loads:
        return ["No load has run yet: waterstat run"]
    lines = []
    for load in last.loads:
        n = load.files
        lines += [f"Last load of {load.family}: run {load.run_id} by {load.user}, "
                  f"{load.started:%Y-%m-%d %H:%M} – {load.ended:%H:%M}",
                  f"  files: {n.get('loaded', 0)} loaded, {n.get('unchanged', 0)} unchanged, "
                  f"{n.get('rejected', 0)} rejected, {n.get('removed', 0)} withdrawn, "
                  f"{n.get('deferred', 0)} waiting for their day, {n.get('waiting', 0)} still being written",
                  f"  rows:  {load.rows_loaded:,} loaded, {load.rows_quarantined:,} quarantined"]
    for f, message, moved in last.rejected:
        lines.append(f"  REJECTED {f}: {message}\n           → fix it and put it back in raw/ (it was moved to {moved})")
    for year, reasons in last.blocked:
        lines.append(f"  BLOCKED {year or 'all years'}: {reasons}\n           → see exports/dq/dq_report.html, "
                     "fix the data, then waterstat run")
    for year, basis, f, regions in last.revisions:
        lines.append(f"  REVISED {year}: {basis} figures in {f} ({regions}) are loaded but not applied: the year "
                     f"keeps the figures it was first published with\n           → to republish under them, add "
                     f"{year},{basis},<who> to the deployment's restatements.csv (docs/deploying.md §10)")
    if any(load.rows_quarantined for load in last.loads):
        lines.append("  Quarantined rows are listed with their reasons in the DQ report (waterstat check).")
    if not last.rejected and not last.blocked and not last.revisions and not attention:
        lines.append("  Nothing to do: every file loaded and every year passed its blocking checks.")
    return lines
