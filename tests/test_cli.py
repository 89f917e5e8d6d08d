"""The command line as a user meets it: help on every command and option, `waterstat sql` in its
three formats on a real DuckDB snapshot, and the progress lines of a run (part i of n, unchanged
files), and the bulletin without a CJK font (on a copy of the demo)."""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project import cli
from dagster_project.ingest.loader import FileOutcome, LoadSummary
from dagster_project.progress import PROGRESS, progress_logger


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return action.choices


def test_every_subcommand_and_option_has_help():
    parser = cli.build_parser()
    commands = subcommands(parser)
    assert {"demo", "run", "backfill", "bulletin", "init-deployment", "status", "check", "sql"} <= set(commands)
    [listing] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    summaries = {a.dest: a.help for a in listing._choices_actions}
    for name, sub in commands.items():
        assert summaries.get(name), f"`waterstat --help` lists {name} without a summary"
        assert sub.description and len(sub.description) > len(summaries[name]), f"{name} has no description"
        for action in sub._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help, f"waterstat {name}: {action.option_strings or action.dest} has no help"


def test_help_prints_for_every_subcommand(capsys):
    for name in subcommands(cli.build_parser()):
        with pytest.raises(SystemExit) as done:
            cli.main([name, "--help"])
        assert done.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith(f"usage: waterstat {name}")


# --- waterstat sql --------------------------------------------------------------------------------

QUERY = "select * from sample order by region_code"


@pytest.fixture
def snapshot(waterstat_env):
    """A small published snapshot: a mart in schema marts, as the pipeline publishes it."""
    paths = waterstat_env
    paths.published.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(paths.published)) as con:
        con.execute("create schema marts")
        con.execute("""create table marts.sample as select * from (values
            ('320600', '南通市', 3929000000.0::double, 12345678.123456::decimal(18, 6), 2021, date '2021-12-31', 0.1::double),
            ('320602', '崇川区', 1234.5::double, null::decimal(18, 6), 2021, date '2021-06-30', null::double)
        ) t(region_code, name_zh, total_m3, volume_dec, report_year, as_of, share)""")
    return paths


def sql(capsys, *args) -> str:
    assert cli.main(["sql", QUERY, *args]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def test_sql_table_prints_plain_numbers(snapshot, capsys):
    out = sql(capsys)
    assert "3929000000.0" in out and "12345678.123456" in out and "1234.5" in out
    assert "3,929" not in out and "12,345" not in out  # no thousands separators
    assert "2021-12-31" in out and "南通市" in out and "(2 rows)" in out
    lines = out.splitlines()
    assert lines[0].split(" | ")[0].strip() == "region_code" and set(lines[1]) <= {"-", "+"}
    assert len({len(line.encode("gbk")) for line in lines[:4]}) == 1  # aligned (CJK two columns wide)


def test_sql_table_limit(snapshot, capsys):
    out = sql(capsys, "--limit", "1")
    assert "320600" in out and "320602" not in out and "(2 rows (first 1 shown))" in out


def test_sql_csv_reads_back(snapshot, capsys):
    rows = list(csv.reader(io.StringIO(sql(capsys, "--format", "csv", "--limit", "1"))))
    assert rows[0] == ["region_code", "name_zh", "total_m3", "volume_dec", "report_year", "as_of", "share"]
    assert rows[1] == ["320600", "南通市", "3929000000.0", "12345678.123456", "2021", "2021-12-31", "0.1"]
    assert rows[2] == ["320602", "崇川区", "1234.5", "", "2021", "2021-06-30", ""]  # every row, NULL empty


def test_sql_json_is_a_list_of_objects(snapshot, capsys):
    out = sql(capsys, "--format", "json")
    assert "南通市" in out  # ensure_ascii=False
    records = json.loads(out)
    assert records == [
        {"region_code": "320600", "name_zh": "南通市", "total_m3": 3929000000.0, "volume_dec": 12345678.123456,
         "report_year": 2021, "as_of": "2021-12-31", "share": 0.1},
        {"region_code": "320602", "name_zh": "崇川区", "total_m3": 1234.5, "volume_dec": None,
         "report_year": 2021, "as_of": "2021-06-30", "share": None},
    ]


def test_sql_json_keeps_a_decimal_a_float_cannot_hold(snapshot, capsys):
    assert cli.main(["sql", "select 12345678901234567.123456::decimal(38, 6) as big", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"big": "12345678901234567.123456"}]


def test_the_installed_command_flushes_its_output_and_keeps_the_exit_code(snapshot):
    """`waterstat` (cli.entry) exits without the interpreter's teardown: what it printed to a pipe
    (a short answer stays in Python's buffer until flushed) arrives whole, and a failing command
    still exits 1."""
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as a user's shell has it

    def waterstat(*args) -> subprocess.CompletedProcess:
        return subprocess.run([str(Path(sys.executable).parent / "waterstat"), *args], capture_output=True,
                              text=True, env=buffered, timeout=120)

    done = waterstat("sql", "select region_code from sample order by 1", "--format", "json")
    assert done.returncode == 0 and json.loads(done.stdout) == [{"region_code": "320600"}, {"region_code": "320602"}]
    failed = waterstat("sql", "select nonsense from sample")
    assert failed.returncode == 1 and failed.stderr.startswith("error: ")


def test_sql_errors_are_messages(snapshot, capsys):
    assert cli.main(["sql", "select nonsense from sample", "--format", "csv"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("error: ")


# --- progress -------------------------------------------------------------------------------------

def test_a_load_of_unchanged_files_says_so():
    unchanged = LoadSummary("meter_readings", [FileOutcome("a.csv", "unchanged"), FileOutcome("b.csv", "unchanged")])
    assert unchanged.describe() == "2 files unchanged since their last load; nothing to reload"
    mixed = LoadSummary("meter_readings", [FileOutcome("a.csv", "loaded", rows_loaded=4374, rows_quarantined=1),
                                           FileOutcome("b.csv", "unchanged"), FileOutcome("c.csv", "deferred")])
    assert mixed.describe() == ("1 file loaded (4374 rows, 1 quarantined); 1 file waiting for their day; "
                                "1 file unchanged since their last load")
    assert LoadSummary("permits").describe() == "no files"


def test_progress_shows_marked_messages_and_warnings(capsys):
    @dg.asset
    def chunked(context):
        for i in (1, 2):
            context.log.info(f"Recomputing daily volumes (part {i} of 2)", extra=PROGRESS)
        context.log.info("Running dbt command: dbt build --vars {…}")  # Dagster's UI only
        context.log.warning("Rejected x.csv: a bad header")

    job = dg.Definitions(assets=[chunked], loggers={"progress": progress_logger}).resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(run_config={"loggers": {"progress": {}}})
    assert result.success
    captured = capsys.readouterr()
    assert "    Recomputing daily volumes (part 1 of 2)\n    Recomputing daily volumes (part 2 of 2)\n" in captured.out
    assert "Running dbt command" not in captured.out
    assert "    ! Rejected x.csv: a bad header" in captured.err
