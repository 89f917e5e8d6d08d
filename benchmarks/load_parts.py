"""Where the meter loader's time goes, part by part, against DuckDB's own reader and the bare floor.

Run on the same files, in one process, one part after another (seconds per million readings):
- read, DuckDB read_csv: `read_csv` of the same files into a temporary table, every value as
  text, no header detection, no line numbers (the floor of reading);
- read, contract reader: the loader's reader (ingest/readers.py: encoding and header detection in
  Python, then DuckDB's read_csv of a batch's plain files in one statement, each record with its
  file and line), every value kept as text in temporary tables;
- parse and check: the ws_* parsers and every row rule, set-based (row_checks.py);
- store: the checked rows written typed, with lineage, to the warehouse table (and committed);
- the loader end to end (ingest/loader.py `load_files`): all of the above plus checksums and the log;
- the bare floor (benchmarks/floor.py) for scale.

    .venv/bin/python -m benchmarks.load_parts [--points 10000] [--days 8]
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

from benchmarks.floor import bare_sql
from benchmarks.meter_data import write_meter_days
from dagster_project.ingest.deployment_load import load_deployment
from dagster_project.ingest.loader import BATCH_ROWS, ensure_raw_schema, load_files
from dagster_project.ingest.readers import Staged, file_layout, stage_plain_files
from dagster_project.ingest.row_checks import broken_sql, create_reference_tables, parsed, parsed_sql
from dagster_project.lib.contracts import SOURCES_BY_NAME
from dagster_project.lib.deployment import deployment_dir

METER = SOURCES_BY_NAME["meter_readings"]


def timed(label: str, results: dict, fn):
    start = time.perf_counter()
    out = fn()
    results[label] = time.perf_counter() - start
    return out


def fresh_warehouse(path: Path, memory_limit: str) -> duckdb.DuckDBPyConnection:
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute(f"set memory_limit = '{memory_limit}'")
    ensure_raw_schema(con)
    load_deployment(con, deployment_dir(), "benchmark")
    create_reference_tables(con)
    return con


def read_as_the_loader_does(con: duckdb.DuckDBPyConnection, files: list[Path]) -> list[Staged]:
    """The files staged as text in the loader's batches (ingest/loader.py BATCH_ROWS), plain ones by
    one read_csv a batch (readers.stage_plain_files)."""
    staged, batch = [], []
    for i, f in enumerate(files):
        batch.append(file_layout(f, METER).plain(f))
        if sum(p.records for p in batch) >= BATCH_ROWS or i == len(files) - 1:
            staged += stage_plain_files(con, batch, METER, f"staged_{i}")
            batch = []
    return staged


def measure_parts(files: list[Path], work: Path, memory_limit: str) -> dict[str, float]:
    t: dict[str, float] = {}
    names = [str(f) for f in files]
    with duckdb.connect() as con:
        con.execute(f"set memory_limit = '{memory_limit}'")
        timed("bare floor", t, lambda: con.execute(f"create table floor as {bare_sql(names)}"))
        timed("read, DuckDB read_csv", t, lambda: con.execute(
            f"create temp table landed as select * from read_csv({names}, all_varchar = true)"))
    con = fresh_warehouse(work / "parts.duckdb", memory_limit)
    staged = timed("read, contract reader", t, lambda: read_as_the_loader_does(con, files))
    columns = ", ".join(f'"{c.name}"' for c in METER.columns)
    incoming = " union all ".join(f"select {s.line_sql} as _source_row_number, {columns} from {s.table} where {s.where}"
                                  for s in staged)
    timed("parse and check", t, lambda: con.execute(
        f"create temp table parsed_rows as select *, {parsed_sql(METER)} from ({incoming}) where true; "
        f"create temp table checked as select * from parsed_rows where not {broken_sql(METER)}"))
    cols = ", ".join(f'"{c.name}"' for c in METER.columns)
    values = ", ".join(parsed(c.name) for c in METER.columns)
    timed("store typed with lineage", t, lambda: con.execute(
        f"begin; insert into {METER.table} (_source_file, _file_sha256, _loaded_at, _source_row_number, {cols}) "
        f"select 'f', 's', current_timestamp, _source_row_number, {values} from checked; commit"))
    con.close()
    con = fresh_warehouse(work / "loader.duckdb", memory_limit)
    timed("loader end to end", t, lambda: load_files(con, METER, files, files[0].parent.parent, "benchmark"))
    con.close()
    return t


def parts_table(t: dict[str, float], readings: int) -> list[str]:
    """The parts as a Markdown table: seconds, seconds per million readings, multiple of the bare floor."""
    rows = [f"| {label} | {s:.2f} | {s / readings * 1e6:.2f} | {s / t['bare floor']:.2f} |" for label, s in t.items()]
    return ["| part | s | s per M readings | × bare floor |", "|---|---|---|---|", *rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10000)
    parser.add_argument("--days", type=int, default=8)
    parser.add_argument("--memory-limit", default="1.5GB")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="waterstat-load-parts-"))
    try:
        readings = write_meter_days(work / "raw" / "meter_readings", date(2022, 1, 1), args.days, args.points, 60)
        files = sorted((work / "raw" / "meter_readings").glob("*.csv"))
        t = measure_parts(files, work, args.memory_limit)
        print(f"{readings:,} readings in {len(files)} files, DuckDB memory limit {args.memory_limit}\n")
        print("\n".join(parts_table(t, readings)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
