"""`waterstat`: generate the demo, run the pipeline headless, query the published warehouse."""
# The command line and what it prints; the work is done in headless.py, run_planning.py, status.py,
# exports/release.py. Imports are inside the commands: `waterstat sql` starts fast, and whatever
# loads the jobs (run_planning) is imported only after headless.prepare has written the dbt
# manifest the jobs read.
from __future__ import annotations

import argparse
import atexit
import logging
import os
import shutil
import sys
from pathlib import Path

from dagster_project.lib.contracts import SOURCES
from dagster_project.settings import Paths

SCALES = {"default": (2000, 60), "province": (20000, 15)}  # (monitoring points, minutes per reading)
BACKFILL_FAMILIES = ("annual", "meter")  # run_planning.LOAD_JOBS's keys, known here before the manifest


def run_pipeline(paths: Paths) -> bool:
    """The night, in this process: load every meter day and report year that has files in raw/,
    then build and publish."""
    from dagster_project.headless import execute_runs, prepare

    prepare(paths)
    from dagster_project.run_planning import catch_up_runs, publish_run

    loads = catch_up_runs(paths)
    return execute_runs(paths, [*loads, publish_run(paths, loads)])


def run_and_report(paths: Paths) -> int:
    """Exit 0 only if every run succeeded and no year is blocked."""
    ok = run_pipeline(paths)
    quality_ok = report_quality(paths) == 0
    print_outputs(paths)
    return 0 if ok and quality_ok else 1


def print_outputs(paths: Paths) -> None:
    print("\nOutputs:")
    for p in sorted(paths.exports.glob("*.xlsx")):
        print(f"  workbook            {p}")
    print(f"  published versions  {paths.exports / 'bulletin'}  (CSV/Parquet extracts, frozen inputs, diffs)")
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
        for sub in {s.file_glob.split("/")[0] for s in SOURCES}:  # every source's folder, as the contracts name them
            shutil.rmtree(paths.raw / sub, ignore_errors=True)
        print(f"Generating the demo city into {paths.raw} ({points:,} points every {interval} min) …", flush=True)
        info = generate(paths.raw, seed=args.seed, points=points, interval_minutes=interval, days=args.days)
        print(f"  {info['stations']:,} stations, {info['rows_per_day']:,} readings a day for {info['days']} days; "
              f"planted defects: {info['defects']}")
    return run_and_report(paths)


def cmd_run(args: argparse.Namespace) -> int:
    return run_and_report(Paths.from_env())


def cmd_backfill(args: argparse.Namespace) -> int:
    """Load (or reload) a range of meter days or report years in one run, then optionally publish."""
    from dagster_project.headless import execute_runs, prepare

    paths = Paths.from_env()
    prepare(paths)
    from dagster_project.run_planning import backfill_runs

    return 0 if execute_runs(paths, backfill_runs(args.what, args.first, args.last, args.publish)) else 1


def no_warehouse_yet(paths: Paths) -> bool:
    if not paths.warehouse.exists():
        print(f"error: no warehouse at {paths.warehouse} yet: run `waterstat run` first", file=sys.stderr)
    return not paths.warehouse.exists()


def report_quality(paths: Paths) -> int:
    """Write the DQ report from the build database and print its summary; 1 if anything blocks."""
    import duckdb

    from dagster_project.quality.report import build_report

    if no_warehouse_yet(paths):
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


def cmd_status(args: argparse.Namespace) -> int:
    """The latest runs, then the last load: when, who, what came in, what was rejected or
    quarantined, and what to do next."""
    import dagster as dg

    from dagster_project.analyst import NoSnapshotError, connect_read_only
    from dagster_project.instance import dagster_home
    from dagster_project.status import last_loads, load_lines, run_lines

    paths = Paths.from_env()
    home = dagster_home()
    if (home / "dagster.yaml").exists():
        with dg.DagsterInstance.get() as instance:
            lines, attention = run_lines(instance)
    else:
        lines, attention = [f"No Dagster runs recorded in {home}"], 0
    problems = [f"  PERMISSIONS {problem}" for problem in paths.permission_problems()]
    print("\n".join(lines + problems))
    try:
        con = connect_read_only(paths.published)
    except NoSnapshotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with con:
        last = last_loads(con)
    print("\n".join(load_lines(last, attention + len(problems))))
    return 0


def cmd_bulletin(args: argparse.Namespace) -> int:
    """Publish one year's bulletin and assessment tables (a new version only if its inputs changed)."""
    import duckdb

    from dagster_project.exports.bulletin import available_years
    from dagster_project.exports.release import release_year

    paths = Paths.from_env()
    if no_warehouse_yet(paths):
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
    from dagster_project.query_output import FORMATS

    try:
        columns, rows = query(args.query, Paths.from_env().published)
    except Exception as exc:  # a user's SQL error is a message, not a traceback
        print(f"error: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(FORMATS[args.format](columns, rows, args.limit))
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    """A published cell down to its model rows, input files and rows, and load runs."""
    from dagster_project.exports.trace import TraceError, trace
    from dagster_project.exports.trace_output import FORMATS

    paths = Paths.from_env()
    try:
        cell, lineage = trace(args.workbook, args.sheet, args.cell, paths.exports, paths.warehouse, paths.deployment)
    except TraceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(FORMATS[args.format](cell, lineage, args.limit))
    return 0


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="waterstat", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                help="`waterstat COMMAND --help` describes each")

    def command(name: str, summary: str, description: str, func) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=summary, description=f"{summary}. {description}")
        cmd.set_defaults(func=func)
        return cmd

    demo = command("demo", "Generate the demo city into raw/ and run everything",
                   "Writes a fictional city's meter readings, returns and registers (with planted defects) "
                   "into raw/, then loads, builds, checks and publishes them as `waterstat run` does.", cmd_demo)
    demo.add_argument("--scale", choices=sorted(SCALES), default="default",
                      help="default: 2000 points hourly; province: 20000 points every 15 minutes")
    demo.add_argument("--points", type=int, help="override the number of monitoring points")
    demo.add_argument("--interval-minutes", type=int, help="override minutes between readings")
    demo.add_argument("--days", type=int, default=7, help="days of meter readings (default 7)")
    demo.add_argument("--seed", type=int, default=20211231,
                      help="random seed of the generator: the same seed gives the same files (default 20211231)")
    demo.add_argument("--regenerate", action="store_true", help="replace files already in raw/")
    command("run", "Process what is in raw/",
            "Loads every meter day and report year that has files in raw/ (unchanged files are not reloaded), "
            "then rebuilds the marts, runs the quality checks and publishes.", cmd_run)
    backfill = command("backfill", "Load or reload a range of meter days or report years in one run",
                       "A long meter range is recomputed in parts of WATERSTAT_METER_CHUNK_DAYS days "
                       "(progress shows part i of n).", cmd_backfill)
    backfill.add_argument("what", choices=BACKFILL_FAMILIES, help="meter: days YYYY-MM-DD; annual: years YYYY")
    backfill.add_argument("first", help="first partition, e.g. 2022-12-01 or 2021")
    backfill.add_argument("last", help="last partition (inclusive)")
    backfill.add_argument("--publish", action="store_true", help="then rebuild the marts and publish")
    bulletin = command("bulletin", "Publish a year's bulletin and assessment workbooks, charts and extracts",
                       "A new version only if its inputs changed; a year with a blocking quality failure "
                       "is not published (exit 1).", cmd_bulletin)
    bulletin.add_argument("--year", type=int, required=True, help="the report year, e.g. 2021")
    bulletin.add_argument("--rounding", choices=["half_even", "half_up"],
                          help="override the deployment's rounding rule for this publication")
    bulletin.add_argument("--unit", help="a child unit's region code (default: the deployment's top unit)")
    init = command("init-deployment", "Write the templates of a new office's deployment folder",
                   "Fill them in as docs/deploying.md describes, then point WATERSTAT_DEPLOYMENT at the folder.",
                   cmd_init_deployment)
    init.add_argument("directory", type=Path, help="the new deployment folder (must not hold the templates yet)")
    command("status", "The latest runs, the last load, its failures and what to do next",
            "Reads the Dagster instance (DAGSTER_HOME) and the published snapshot; changes nothing.", cmd_status)
    command("check", "Write the data-quality report; exit 1 if a blocking check fails",
            "Reads the build database: run it between pipeline runs.", cmd_check)
    sql = command("sql", "Read-only query of the published warehouse",
                  "Runs in a sandbox: the published tables only, no files, other databases or extensions "
                  "(docs/security.md). Numbers are printed in full, without thousands separators.", cmd_sql)
    sql.add_argument("query", help="one SQL statement; mart names need no schema (search path: marts, main)")
    sql.add_argument("--format", choices=["table", "csv", "json"], default="table",
                     help="table (default, for reading), csv (header row, UTF-8) or json (a list of objects)")
    sql.add_argument("--limit", type=int, default=200,
                     help="rows shown by --format table (default 200); csv and json write every row")
    trace = command("trace", "Trace a published cell down to its input rows",
                    "Finds the published version the workbook belongs to (by its SHA-256), rebuilds the sheet "
                    "from that version's frozen inputs, and lists the report model row, the mart row, the detail "
                    "rows the figure sums (with a sum check), the input file and row of each, and the load runs "
                    "of those files, read from the build database (read-only: run it between pipeline runs). "
                    "Volume cells of bulletin tables 1 and 2 are traced to input rows; indicator, leakage, reuse "
                    "and assessment cells to their report row, mart row(s) and input rows (raw or deployment "
                    "files). Lists confidential rows (a × cell's too): for the office's staff only.",
                    cmd_trace)
    trace.add_argument("workbook", type=Path,
                       help="a published workbook, e.g. exports/水资源公报表_2021.xlsx or a version's copy")
    trace.add_argument("sheet", help="the sheet's name as in the workbook, e.g. \"表1 分行业用水量\"")
    trace.add_argument("cell", help="the cell address, e.g. F7")
    trace.add_argument("--limit", type=int, default=50,
                       help="rows shown per section by --format text (default 50); json lists every row")
    trace.add_argument("--format", choices=["text", "json"], default="text",
                       help="text (default, sections to read) or json (one object, every row)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


def entry() -> None:
    """The `waterstat` command: main(), then exit without the interpreter's teardown.

    A night's process holds Dagster, dagster-dbt, GE and a run's objects (about 640,000); freeing
    them module by module takes 1-1.5 s after the last line is printed, for nothing the OS does
    not do at once (mypy exits the same way). Exit handlers still run and output is flushed; every
    file and database connection is closed by then (the commands close what they open)."""
    code = main() or 0
    atexit._run_exitfuncs()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
