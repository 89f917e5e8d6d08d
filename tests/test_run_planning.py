"""`waterstat run` plans a load of a report year only when one of its files changed since its last
load: a new file, a file re-sent with other bytes, a file taken out of raw/. Meter days are all
planned, as before (a rule change must reach every day's volumes)."""
from __future__ import annotations

import duckdb

from dagster_project.ingest.loader import ensure_raw_schema, sha256_of
from dagster_project.run_planning import catch_up_runs
from tests.conftest import isolate

SUPPLY_2021 = "survey/supply_2021.xlsx"
ECONOMY_2020 = "economy/统计年鉴_分地区主要指标_2020.xlsx"
METER_DAY = "meter_readings/20221230.csv"


def planned(paths) -> list[str]:
    return [str(run) for run in catch_up_runs(paths)]


def log_loaded(paths, source: str, rel: str, sha: str) -> None:
    with duckdb.connect(str(paths.warehouse)) as con:
        ensure_raw_schema(con)
        con.execute("insert into raw.load_log (source_name, source_file, file_sha256, status) "
                    "values (?, ?, ?, 'loaded')", [source, rel, sha])


def test_only_the_years_whose_files_changed_are_loaded_again(tmp_path, monkeypatch):
    paths = isolate(monkeypatch, tmp_path)
    for rel, content in ((SUPPLY_2021, b"supply v1"), (ECONOMY_2020, b"economy"), (METER_DAY, b"readings")):
        (paths.raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (paths.raw / rel).write_bytes(content)
    # nothing loaded yet: every year with a file, and the meter day
    assert planned(paths) == ["meter_daily_load 2022-12-30 … 2022-12-30", "annual_sources_load 2020 … 2021"]
    for source, rel in (("supply_returns", SUPPLY_2021), ("economic_statistics", ECONOMY_2020),
                        ("meter_readings", METER_DAY)):
        log_loaded(paths, source, rel, sha256_of(paths.raw / rel))
    # every annual file loaded as it is: no annual run; the meter days still run
    assert planned(paths) == ["meter_daily_load 2022-12-30 … 2022-12-30"]
    (paths.raw / SUPPLY_2021).write_bytes(b"supply v2")  # re-sent with other figures
    assert planned(paths)[1:] == ["annual_sources_load 2021 … 2021"]
    log_loaded(paths, "supply_returns", SUPPLY_2021, sha256_of(paths.raw / SUPPLY_2021))
    (paths.raw / ECONOMY_2020).unlink()  # withdrawn: its rows must leave
    assert planned(paths)[1:] == ["annual_sources_load 2020 … 2020"]


def test_an_annual_file_without_a_year_in_its_name_still_gets_a_run_to_reject_it(tmp_path, monkeypatch):
    paths = isolate(monkeypatch, tmp_path)
    (paths.raw / "survey").mkdir(parents=True)
    (paths.raw / SUPPLY_2021).write_bytes(b"supply")
    log_loaded(paths, "supply_returns", SUPPLY_2021, sha256_of(paths.raw / SUPPLY_2021))
    (paths.raw / "survey" / "supply_最新.xlsx").write_bytes(b"supply")
    runs = planned(paths)
    assert len(runs) == 2 and runs[1].startswith("annual_sources_load ")


def test_the_dbt_parse_inputs_change_with_what_dbt_parse_reads_and_nothing_else(tmp_path, monkeypatch):
    from dagster_project import headless

    project = tmp_path / "dbt"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: x\n")
    (project / "models" / "m.sql").write_text("select 1 as x")
    monkeypatch.setattr(headless, "DBT_PROJECT_DIR", project)
    monkeypatch.setenv("WATERSTAT_ENGINE", "duckdb")
    first = headless.dbt_parse_inputs('{"meter_gap_factor": 1.5}')
    for folder in ("target", "logs"):  # what dbt itself writes: not an input
        (project / folder).mkdir()
        (project / folder / "manifest.json").write_text("{}")
    assert headless.dbt_parse_inputs('{"meter_gap_factor": 1.5}') == first
    assert headless.dbt_parse_inputs('{"meter_gap_factor": 2}') != first  # a deployment rule
    (project / "models" / "m.sql").write_text("select 2 as x")  # a model
    second = headless.dbt_parse_inputs('{"meter_gap_factor": 1.5}')
    assert second != first
    monkeypatch.setenv("WATERSTAT_ENGINE", "spark")  # a setting profiles.yml reads
    assert headless.dbt_parse_inputs('{"meter_gap_factor": 1.5}') != second
