"""`waterstat`: generate the demo, run the pipeline headless, query the published warehouse."""
from __future__ import annotations

import argparse
import getpass
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from dagster_project.settings import DBT_PROJECT_DIR, REPO_ROOT, Paths

SCALES = {"default": (2000, 60), "province": (20000, 15)}  # (monitoring points, minutes per reading)


def prepare_dbt_manifest(paths: Paths) -> None:
    """dbt parse, so the Dagster definitions can read the manifest (never done at import)."""
    from dagster_project.resources import dbt_executable

    env = {**os.environ, **paths.as_env()}
    proc = subprocess.run([dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
                           "--profiles-dir", str(DBT_PROJECT_DIR)], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"dbt parse failed:\n{proc.stdout}\n{proc.stderr}")


INSTANCE_CONFIG = """\
# Written by waterstat (cli.ensure_dagster_home); changes here are overwritten.
telemetry:
  enabled: false  # no network at run time
run_queue:
  # DuckDB allows one writer: every WaterStat job carries this tag, so runs queue, never collide
  tag_concurrency_limits:
    - key: waterstat/warehouse
      limit: 1
"""


def ensure_dagster_home(home: Path) -> None:
    """The Dagster instance directory: telemetry off, one warehouse writer at a time."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text(encoding="utf-8") != INSTANCE_CONFIG:
        config.write_text(INSTANCE_CONFIG, encoding="utf-8")


def loaded_files(paths: Paths) -> list[tuple[str, str]]:
    """(source, path under raw/) of every file whose rows are in the build database now."""
    import duckdb

    from dagster_project.ingest.loader import CURRENT_FILES_SQL

    if not paths.warehouse.exists():
        return []
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        if not con.execute("select count(*) from information_schema.tables where table_schema = 'raw' "
                           "and table_name = 'load_log'").fetchone()[0]:
            return []
        return con.execute(f"select source_name, source_file from ({CURRENT_FILES_SQL})").fetchall()


def has_table(paths: Paths, schema: str, table: str) -> bool:
    import duckdb

    if not paths.warehouse.exists():
        return False
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                           [schema, table]).fetchone()[0] > 0


def catch_up_runs(paths: Paths) -> list[tuple[str, str, str]]:
    """(job, first partition, last partition) covering every file in raw/ and every file loaded
    before (so a file taken out of raw/ is withdrawn): the meter days, then the report years.
    A source family with no file at all runs its latest partition once, so its tables exist (an
    office without meters then skips the meter job)."""
    from dagster_project.ingest.raw_files import inventory
    from dagster_project.lib.partition_keys import file_partition_key, is_daily
    from dagster_project.partitions import meter_days, report_years

    files = [(f.source.name, f.rel) for f in inventory(paths.raw)]
    files += loaded_files(paths)
    runs = []
    for job, partitions, daily in (("meter_daily_load", meter_days, True), ("annual_sources_load", report_years, False)):
        keys = {file_partition_key(source, rel) for source, rel in files if is_daily(source) == daily}
        keys &= set(partitions.get_partition_keys())
        if not keys and daily and has_table(paths, "intermediate", "int_meter_daily_volumes"):
            continue
        keys = keys or {partitions.get_last_partition_key()}
        runs.append((job, min(keys), max(keys)))
    return runs


def prepare(paths: Paths) -> None:
    paths.ensure_dirs()
    os.environ.update(paths.as_env())
    os.environ.setdefault("DAGSTER_HOME", str(REPO_ROOT / ".dagster_home"))
    ensure_dagster_home(Path(os.environ["DAGSTER_HOME"]))
    print("Preparing dbt manifest …", flush=True)
    prepare_dbt_manifest(paths)


def execute_runs(paths: Paths, steps: list[tuple[str, str | None, str | None]]) -> bool:
    """Run (job, first partition, last partition) steps in order in this process, recorded in the
    Dagster instance (visible in the UI); stop at the first failure."""
    import dagster as dg

    from dagster_project.definitions import build_definitions
    from dagster_project.jobs import day_range_tags

    from dagster_project.run_health import close_interrupted_runs, process_tags

    definitions = build_definitions(paths)
    tags = {"started_by": getpass.getuser(), "trigger": "waterstat-cli", **process_tags()}
    started = time.monotonic()
    with dg.DagsterInstance.get() as instance:
        for run in close_interrupted_runs(instance):
            print(f"Run {run.run_id[:8]} ({run.job_name}) was interrupted before it finished: recorded as failed; "
                  "this run redoes its work", flush=True)
        for job, first, last in steps:
            print(f"\n== {job}" + (f" {first} … {last}" if first else ""), flush=True)
            result = definitions.resolve_job_def(job).execute_in_process(
                instance=instance, raise_on_error=False, run_config={"loggers": {"progress": {}}},
                tags={**tags, **(day_range_tags(first, last) if first else {})})
            if not result.success:
                print(f"\nRun {result.run_id} ({job}) FAILED after {time.monotonic() - started:.0f} s; "
                      f"later steps not run (DAGSTER_HOME={os.environ['DAGSTER_HOME']})")
                return False
    print(f"\nAll runs succeeded in {time.monotonic() - started:.0f} s (DAGSTER_HOME={os.environ['DAGSTER_HOME']})")
    return True


def run_pipeline(paths: Paths) -> bool:
    """The night, in this process: load every meter day and report year that has files in raw/,
    then build and publish."""
    prepare(paths)
    return execute_runs(paths, [*catch_up_runs(paths), ("build_and_publish", None, None)])


def print_outputs(paths: Paths) -> None:
    print("\nOutputs:")
    for p in sorted(paths.exports.glob("*.xlsx")):
        print(f"  workbook            {p}")
    print(f"  published versions  {paths.exports / 'bulletin'}  (charts, CSV/Parquet extracts, diffs)")
    for p in sorted(paths.exports.glob("*.blocked.txt")):
        print(f"  NOT EXPORTED        {p}  (blocking quality failures: see the DQ report)")
    print(f"  data-quality report {paths.exports / 'dq' / 'dq_report.html'}")
    print(f"  analyst snapshot    {paths.published}  (read-only; try: waterstat sql \"select * from "
          "mart_water_use_by_region\")")
    print(f"  build database      {paths.warehouse}  (pipeline only)")
    print("\nSee the runs, partitions, asset graph and checks in the Dagster UI, with the nightly schedule and the "
          "raw-file sensors running: make ui → http://127.0.0.1:3000 (Automation lists them)")


def cmd_demo(args: argparse.Namespace) -> int:
    from dagster_project.demo.generator import generate

    paths = Paths.from_env()
    points, interval = SCALES[args.scale]
    points, interval = args.points or points, args.interval_minutes or interval
    existing = [p for p in paths.raw.rglob("*") if p.is_file() and p.name not in (".gitkeep", "README.md")]
    if existing and not args.regenerate:
        print(f"{paths.raw} already holds {len(existing)} files; using them (--regenerate to replace).")
    else:
        for sub in ("meter_readings", "permits", "plans", "economy", "survey"):
            shutil.rmtree(paths.raw / sub, ignore_errors=True)
        print(f"Generating the demo city into {paths.raw} ({points:,} points every {interval} min) …", flush=True)
        info = generate(paths.raw, seed=args.seed, points=points, interval_minutes=interval, days=args.days)
        print(f"  {info['stations']:,} stations, {info['rows_per_day']:,} readings a day for {info['days']} days; "
              f"planted defects: {info['defects']}")
    ok = run_pipeline(paths)
    quality_ok = report_quality(paths) == 0
    print_outputs(paths)
    return 0 if ok and quality_ok else 1


BACKFILL_JOBS = {"meter": "meter_daily_load", "annual": "annual_sources_load"}


def cmd_backfill(args: argparse.Namespace) -> int:
    """Load (or reload) a range of meter days or report years in one run, then optionally publish."""
    paths = Paths.from_env()
    prepare(paths)
    steps = [(BACKFILL_JOBS[args.what], args.first, args.last)]
    if args.publish:
        steps.append(("build_and_publish", None, None))
    return 0 if execute_runs(paths, steps) else 1


def cmd_run(args: argparse.Namespace) -> int:
    paths = Paths.from_env()
    ok = run_pipeline(paths)
    quality_ok = report_quality(paths) == 0
    print_outputs(paths)
    return 0 if ok and quality_ok else 1


def report_quality(paths: Paths) -> int:
    """Write the DQ report from the build database and print its summary; 1 if anything blocks."""
    import duckdb

    from dagster_project.quality.report import build_report

    if not paths.warehouse.exists():
        print(f"error: no warehouse at {paths.warehouse} yet: run `waterstat run` first", file=sys.stderr)
        return 2
    try:
        con = duckdb.connect(str(paths.warehouse), read_only=True)
    except duckdb.IOException:
        print("error: the pipeline is writing the warehouse right now; run `waterstat check` when it ends",
              file=sys.stderr)
        return 2
    with con:
        summary = build_report(con, paths.exports / "dq")
    print(f"\nData quality: {summary.files_rejected} file(s) rejected, {summary.rows_quarantined:,} row(s) "
          f"quarantined, {summary.warnings} warning check(s)")
    for year in summary.years:
        reasons = summary.blocked_years.get(year)
        print(f"  {year}: " + ("BLOCKED — " + "; ".join(reasons) if reasons else "ok to publish"))
    if None in summary.blocked_years:
        print("  BLOCKED — " + "; ".join(summary.blocked_years[None]))
    print(f"  report: {summary.path}")
    return 1 if summary.has_blocking_failures else 0


def cmd_check(args: argparse.Namespace) -> int:
    return report_quality(Paths.from_env())


JOBS = ("meter_daily_load", "annual_sources_load", "build_and_publish")


def print_recent_runs() -> int:
    """The latest run of each job from the Dagster instance (CLI, schedule, sensors, UI alike);
    returns how many need attention (interrupted or failed)."""
    import dagster as dg

    home = Path(os.environ.setdefault("DAGSTER_HOME", str(REPO_ROOT / ".dagster_home")))
    if not (home / "dagster.yaml").exists():
        print(f"No Dagster runs recorded in {home}")
        return 0
    from dagster_project.run_health import PID_TAG, interrupted_runs

    failed = []
    print("Latest runs:")
    with dg.DagsterInstance.get() as instance:
        interrupted = interrupted_runs(instance)
        for run in interrupted:
            print(f"  NEVER FINISHED {run.job_name} run {run.run_id[:8]}: its process ({run.tags[PID_TAG]}) "
                  "ended without finishing (killed or crashed)\n"
                  "           → `waterstat run` redoes it (re-runs are idempotent) and records it as failed")
        for job in JOBS:
            records = instance.get_run_records(dg.RunsFilter(job_name=job), limit=1)
            if not records:
                print(f"  {job:<20} never run")
                continue
            run, started = records[0].dagster_run, records[0].start_time
            days = run.tags.get("dagster/asset_partition_range_start")
            span = f" {days} … {run.tags.get('dagster/asset_partition_range_end')}" if days else ""
            when = f"{datetime.fromtimestamp(started):%Y-%m-%d %H:%M}" if started else "not started"
            print(f"  {job:<20} {run.status.value:<8} {when}{span}  (run {run.run_id[:8]}, "
                  f"{run.tags.get('trigger', 'ui')})")
            if run.status == dg.DagsterRunStatus.FAILURE:
                failed.append(job)
    if failed:
        print(f"  → {', '.join(failed)} failed: open the run in the UI (make ui) or run `waterstat check`, "
              "fix the cause, then `waterstat run` (or `waterstat backfill …` for the failed days).")
    return len(interrupted) + len(failed)


def cmd_status(args: argparse.Namespace) -> int:
    """The latest runs, then the last load: when, who, what came in, what was rejected or
    quarantined, and what to do next."""
    from dagster_project.analyst import NoSnapshotError, connect_read_only

    paths = Paths.from_env()
    attention = print_recent_runs()
    for problem in paths.permission_problems():
        print(f"  PERMISSIONS {problem}")
        attention += 1
    try:
        con = connect_read_only(paths.published)
    except NoSnapshotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with con:
        # the meter days and the report years load in separate runs: show the last of each
        lasts = con.execute("""select run_id, any_value(started_by), min(logged_at), max(logged_at),
                                      bool_or(source_name = 'meter_readings') as is_meter
                               from raw.load_log group by run_id
                               qualify row_number() over (partition by is_meter order by max(logged_at) desc) = 1
                               order by is_meter desc""").fetchall()
        if not lasts:
            print("No load has run yet: waterstat run")
            return 0
        loads = []
        for run_id, user, started, ended, is_meter in lasts:
            counts = dict(con.execute("select status, count(*) from raw.load_log where run_id = ? group by 1",
                                      [run_id]).fetchall())
            rows = con.execute("""select coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0)
                                  from raw.load_log where run_id = ?""", [run_id]).fetchone()
            loads.append(("meter readings" if is_meter else "annual sources", run_id, user, started, ended,
                          counts, rows))
        rejected = con.execute("""select source_file, message, quarantined_to from raw.load_log
                                  where list_contains(?, run_id) and status = 'rejected' order by 1""",
                               [[load[1] for load in loads]]).fetchall()
        blocked = con.execute("""select report_year, string_agg(description_zh, '; ') from quality.dq_check_results
                                 where severity = 'blocking' and not is_passed group by 1 order by 1""").fetchall()
        revisions = con.execute("""select v.report_year, v.basis, v.source_file, string_agg(r.region_name_zh, '、'
                                          order by r.sort_order)
                                   from intermediate.int_region_economy_vintages v join deployment.regions r using (region_code)
                                   where v.is_unapplied_revision group by all order by all""").fetchall()
    quarantined = 0
    for family, run_id, user, started, ended, counts, rows in loads:
        print(f"Last load of {family}: run {run_id} by {user}, {started:%Y-%m-%d %H:%M} – {ended:%H:%M}")
        print(f"  files: {counts.get('loaded', 0)} loaded, {counts.get('unchanged', 0)} unchanged, "
              f"{counts.get('rejected', 0)} rejected, {counts.get('removed', 0)} withdrawn, "
              f"{counts.get('deferred', 0)} waiting for their day, {counts.get('waiting', 0)} still being written")
        print(f"  rows:  {rows[0]:,} loaded, {rows[1]:,} quarantined")
        quarantined += rows[1]
    for f, message, moved in rejected:
        print(f"  REJECTED {f}: {message}\n           → fix it and put it back in raw/ (it was moved to {moved})")
    for year, reasons in blocked:
        print(f"  BLOCKED {year or 'all years'}: {reasons}\n           → see exports/dq/dq_report.html, fix the data, "
              "then waterstat run")
    for year, basis, f, regions in revisions:
        print(f"  REVISED {year}: {basis} figures in {f} ({regions}) are loaded but not applied: the year keeps the "
              f"figures it was first published with\n           → to republish under them, add {year},{basis},<who> "
              "to the deployment's restatements.csv (docs/deploying.md §10)")
    if quarantined:
        print("  Quarantined rows are listed with their reasons in the DQ report (waterstat check).")
    if not rejected and not blocked and not revisions and not attention:
        print("  Nothing to do: every file loaded and every year passed its blocking checks.")
    return 0


def cmd_bulletin(args: argparse.Namespace) -> int:
    """Publish one year's bulletin and assessment tables (a new version only if its inputs changed)."""
    import duckdb

    from dagster_project.exports.bulletin import available_years
    from dagster_project.exports.release import release_year

    paths = Paths.from_env()
    if not paths.warehouse.exists():
        print(f"error: no warehouse at {paths.warehouse} yet: run `waterstat run` first", file=sys.stderr)
        return 2
    with duckdb.connect(str(paths.warehouse)) as con:  # writes raw.publications
        years = available_years(con)
        if args.year not in years:
            print(f"error: no data for {args.year}; report years in the warehouse: {years}", file=sys.stderr)
            return 2
        release = release_year(con, args.year, paths.exports, [args.unit], "cli", args.rounding)
    if release.blocked:
        print(f"{args.year} not published: blocking quality failures:\n  " + "\n  ".join(release.blocked)
              + f"\n  ({release.note}; details: waterstat check)", file=sys.stderr)
        return 1
    pub = release.publications[args.unit]
    state = "new version" if pub.is_new else "unchanged inputs: the existing version"
    print(f"{args.year}: v{pub.version:03d} ({state}) in {pub.directory}")
    for f in pub.files:
        print(f"  {f}")
    if pub.diff_report:
        print(f"  changes vs the previous version: {pub.diff_report}")
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    from dagster_project.analyst import query

    try:
        columns, rows = query(args.query, Paths.from_env().published)
    except Exception as exc:  # a user's SQL error is a message, not a traceback
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(format_table(columns, rows, limit=args.limit))
    return 0


def format_table(columns: list[str], rows: list[tuple], limit: int = 200) -> str:
    from dagster_project.exports.workbook import display_width

    shown = [["" if v is None else (f"{v:,.4f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v))
              for v in r] for r in rows[:limit]]
    widths = [max([display_width(c)] + [display_width(r[i]) for r in shown]) for i, c in enumerate(columns)]

    def line(cells):
        return " | ".join(c + " " * (w - display_width(c)) for c, w in zip(cells, widths))

    out = [line(columns), "-+-".join("-" * w for w in widths), *map(line, shown)]
    more = f" (first {limit} shown)" if len(rows) > limit else ""
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''}{more})")
    return "\n".join(out)


def cmd_init_deployment(args: argparse.Namespace) -> int:
    """Write the deployment templates (docs/deploying.md walks through filling them in)."""
    from dagster_project.lib.deployment import write_templates
    try:
        written = write_templates(args.directory)
    except FileExistsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"Wrote {len(written)} template files to {args.directory}; fill them in (docs/deploying.md), then\n"
          f"  export WATERSTAT_DEPLOYMENT={args.directory.resolve()}\n  waterstat run")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="waterstat", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="generate the demo city into raw/ and run everything")
    demo.add_argument("--scale", choices=sorted(SCALES), default="default",
                      help="default: 2,000 points hourly; province: 20,000 points every 15 minutes")
    demo.add_argument("--points", type=int, help="override the number of monitoring points")
    demo.add_argument("--interval-minutes", type=int, help="override minutes between readings")
    demo.add_argument("--days", type=int, default=7, help="days of meter readings (default 7)")
    demo.add_argument("--seed", type=int, default=20211231)
    demo.add_argument("--regenerate", action="store_true", help="replace files already in raw/")
    demo.set_defaults(func=cmd_demo)
    run = sub.add_parser("run", help="process what is in raw/ (every meter day and year with files, then build and publish)")
    run.set_defaults(func=cmd_run)
    backfill = sub.add_parser("backfill", help="load or reload a range of meter days or report years in one run")
    backfill.add_argument("what", choices=sorted(BACKFILL_JOBS), help="meter: days YYYY-MM-DD; annual: years YYYY")
    backfill.add_argument("first", help="first partition, e.g. 2022-12-01 or 2021")
    backfill.add_argument("last", help="last partition (inclusive)")
    backfill.add_argument("--publish", action="store_true", help="then rebuild the marts and publish")
    backfill.set_defaults(func=cmd_backfill)
    bulletin = sub.add_parser("bulletin", help="publish a year's bulletin and assessment workbooks, charts, extracts")
    bulletin.add_argument("--year", type=int, required=True)
    bulletin.add_argument("--rounding", choices=["half_even", "half_up"], help="override the rounding rule")
    bulletin.add_argument("--unit", help="a child unit's region code (default: the deployment's top unit)")
    bulletin.set_defaults(func=cmd_bulletin)
    init = sub.add_parser("init-deployment", help="write the templates of a new office's deployment folder")
    init.add_argument("directory", type=Path)
    init.set_defaults(func=cmd_init_deployment)
    status = sub.add_parser("status", help="the last load, its failures and what to do next")
    status.set_defaults(func=cmd_status)
    check = sub.add_parser("check", help="write the data-quality report; exit 1 if a blocking check fails")
    check.set_defaults(func=cmd_check)
    sql = sub.add_parser("sql", help="read-only query of the published warehouse")
    sql.add_argument("query")
    sql.add_argument("--limit", type=int, default=200)
    sql.set_defaults(func=cmd_sql)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
