"""`dbt run` of the meter models over several day windows, in one dbt process.

A long range of meter days is rebuilt in parts (settings.meter_chunk_days) to bound memory. A dbt
process per part spends about 3.4 s before its first model (Python start-up, reading the manifest,
the on-run-start hook): for a year's 11 earlier parts, 37 s. Here dbt's own Python API (dbtRunner)
reads the project once and runs the parts in turn, each with its window in the environment, as
a separate call would have it (macros/meter_window.sql). The first part that fails stops the rest.

    python -m dagster_project.dbt_parts --select SEL --parts N --window FIRST:LAST [--window …] -- DBT_FLAGS…

DBT_FLAGS: the project, profiles and target folders and --vars, as every dbt call of the run has them.
"""
from __future__ import annotations

import argparse
import os
import sys

WINDOW_VARIABLES = ("WATERSTAT_METER_START_DATE", "WATERSTAT_METER_END_DATE")
PART_STARTS = "part-starts"  # a line the caller reads: part-starts I N FIRST LAST


def run_parts(select: str, windows: list[tuple[str, str]], dbt_flags: list[str], parts: int) -> int:
    from dbt.cli.main import dbtRunner

    parsed = dbtRunner().invoke(["parse", "--quiet", *dbt_flags])
    if not parsed.success:
        print(f"dbt parse failed: {parsed.exception}", flush=True)
        return 1
    runner = dbtRunner(manifest=parsed.result)  # the manifest read once; each part compiles its own SQL
    for i, (first, last) in enumerate(windows, start=1):
        os.environ.update(zip(WINDOW_VARIABLES, (first, last)))
        print(f"{PART_STARTS} {i} {parts} {first} {last}", flush=True)
        done = runner.invoke(["run", "--quiet", "--select", select, *dbt_flags])
        if not done.success:
            print(f"dbt run failed for {first} … {last}: {done.exception or 'see the errors above'}", flush=True)
            return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    split = argv.index("--")
    parser = argparse.ArgumentParser(prog="python -m dagster_project.dbt_parts", description=__doc__.splitlines()[0])
    parser.add_argument("--select", required=True)
    parser.add_argument("--window", action="append", required=True, help="FIRST:LAST, ISO dates")
    parser.add_argument("--parts", type=int, required=True, help="how many parts the whole range has")
    args = parser.parse_args(argv[:split])
    return run_parts(args.select, [tuple(w.split(":")) for w in args.window], argv[split + 1:], args.parts)


if __name__ == "__main__":
    sys.exit(main())
