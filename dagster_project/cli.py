"""`waterstat`: generate the demo, run the pipeline headless, query the published warehouse."""
from __future__ import annotations

import argparse
import getpass
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from dagster_project.settings import DBT_PROJECT_DIR, REPO_ROOT, Paths

JOB_NAME = "nightly_full_load"
SCALES = {"default": (2000, 60), "province": (20000, 15)}  # (monitoring points, minutes per reading)


def prepare_dbt_manifest(paths: Paths) -> None:
    """dbt parse, so the Dagster definitions can read the manifest (never done at import)."""
    from dagster_project.resources import dbt_executable

    env = {**os.environ, **paths.as_env()}
    proc = subprocess.run([dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
                           "--profiles-dir", str(DBT_PROJECT_DIR)], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"dbt parse failed:\n{proc.stdout}\n{proc.stderr}")


def ensure_dagster_home(home: Path) -> None:
    """A Dagster instance directory whose config turns telemetry off (no network at run time)."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")


def run_pipeline(paths: Paths) -> bool:
    """Run the whole job in this process against a persistent Dagster instance (visible in the UI)."""
    paths.ensure_dirs()
    os.environ.update(paths.as_env())
    os.environ.setdefault("DAGSTER_HOME", str(REPO_ROOT / ".dagster_home"))
    ensure_dagster_home(Path(os.environ["DAGSTER_HOME"]))
    print("Preparing dbt manifest …", flush=True)
    prepare_dbt_manifest(paths)

    import dagster as dg

    from dagster_project.definitions import build_definitions

    started = time.monotonic()
    with dg.DagsterInstance.get() as instance:
        result = build_definitions(paths).resolve_job_def(JOB_NAME).execute_in_process(
            instance=instance, raise_on_error=False,
            run_config={"loggers": {"progress": {}}},
            tags={"started_by": getpass.getuser(), "trigger": "waterstat-cli"},
        )
    status = "succeeded" if result.success else "FAILED"
    print(f"\nRun {result.run_id} {status} in {time.monotonic() - started:.0f} s "
          f"(DAGSTER_HOME={os.environ['DAGSTER_HOME']})")
    return result.success


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
    print("\nSee the runs, asset graph and checks in the Dagster UI (nightly schedule on): make ui → http://127.0.0.1:3000")


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


def cmd_status(args: argparse.Namespace) -> int:
    """The last load: when, who, what came in, what was rejected or quarantined, and what to do next."""
    from dagster_project.analyst import NoSnapshotError, connect_read_only

    paths = Paths.from_env()
    try:
        con = connect_read_only(paths.published)
    except NoSnapshotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with con:
        last = con.execute("""select run_id, started_by, min(logged_at), max(logged_at) from raw.load_log
                              group by run_id, started_by order by max(logged_at) desc limit 1""").fetchone()
        if last is None:
            print("No load has run yet: waterstat run")
            return 0
        run_id, user, started, ended = last
        counts = dict(con.execute("select status, count(*) from raw.load_log where run_id = ? group by 1",
                                  [run_id]).fetchall())
        rows = con.execute("""select coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0)
                              from raw.load_log where run_id = ?""", [run_id]).fetchone()
        rejected = con.execute("""select source_file, message, quarantined_to from raw.load_log
                                  where run_id = ? and status = 'rejected' order by 1""", [run_id]).fetchall()
        blocked = con.execute("""select report_year, string_agg(description_zh, '; ') from quality.dq_check_results
                                 where severity = 'blocking' and not is_passed group by 1 order by 1""").fetchall()
    print(f"Last load: run {run_id} by {user}, {started:%Y-%m-%d %H:%M} – {ended:%H:%M}")
    print(f"  files: {counts.get('loaded', 0)} loaded, {counts.get('unchanged', 0)} unchanged, "
          f"{counts.get('rejected', 0)} rejected, {counts.get('removed', 0)} withdrawn")
    print(f"  rows:  {rows[0]:,} loaded, {rows[1]:,} quarantined")
    for f, message, moved in rejected:
        print(f"  REJECTED {f}: {message}\n           → fix it and put it back in raw/ (it was moved to {moved})")
    for year, reasons in blocked:
        print(f"  BLOCKED {year or 'all years'}: {reasons}\n           → see exports/dq/dq_report.html, fix the data, "
              "then waterstat run")
    if rows[1]:
        print("  Quarantined rows are listed with their reasons in the DQ report (waterstat check).")
    if not rejected and not blocked:
        print("  Nothing to do: every file loaded and every year passed its blocking checks.")
    return 0


def cmd_bulletin(args: argparse.Namespace) -> int:
    """Publish one year's bulletin and assessment tables (a new version only if its inputs changed)."""
    import duckdb

    from dagster_project.exports.assets import hold_back
    from dagster_project.exports.publication import publish
    from dagster_project.quality.gate import blocking_failures, reasons_for_year
    from dagster_project.settings import dbt_vars

    paths = Paths.from_env()
    if not paths.warehouse.exists():
        print(f"error: no warehouse at {paths.warehouse} yet: run `waterstat run` first", file=sys.stderr)
        return 2
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        years = [r[0] for r in con.execute("select distinct report_year from marts.mart_water_use_by_region").fetchall()]
        if args.year not in years:
            print(f"error: no data for {args.year}; report years in the warehouse: {sorted(years)}", file=sys.stderr)
            return 2
        reasons = reasons_for_year(blocking_failures(con), args.year)
        if reasons:
            note = hold_back(paths.exports, args.year, reasons)
            print(f"{args.year} not published: blocking quality failures:\n  " + "\n  ".join(reasons)
                  + f"\n  ({note}; details: waterstat check)", file=sys.stderr)
            return 1
        pub = publish(con, args.year, paths.exports, args.rounding or dbt_vars()["bulletin_rounding_mode"])
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
    run = sub.add_parser("run", help="process what is in raw/ (ingest, dbt build, bulletin, publish)")
    run.set_defaults(func=cmd_run)
    bulletin = sub.add_parser("bulletin", help="publish a year's bulletin and assessment workbooks, charts, extracts")
    bulletin.add_argument("--year", type=int, required=True)
    bulletin.add_argument("--rounding", choices=["half_even", "half_up"], help="override the rounding rule")
    bulletin.set_defaults(func=cmd_bulletin)
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
