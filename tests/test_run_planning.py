"""`waterstat run` plans a load of a report year only when one of its files changed since its last
load: a new file, a file re-sent with other bytes, a file taken out of raw/. Meter days are all
planned, as before (a rule change must reach every day's volumes)."""
from __future__ import annotations

import duckdb

from dagster_project.ingest.loader import ensure_raw_schema, sha256_of
from dagster_project.jobs import annual_sources_load, meter_daily_load
from dagster_project.run_planning import PlannedRun, catch_up_runs
from tests.conftest import isolate

SUPPLY_2021 = "survey/supply_2021.xlsx"
ECONOMY_2020 = "economy/统计年鉴_分地区主要指标_2020.xlsx"
METER_DAY = "meter_readings/20221230.csv"


def planned(paths) -> list[str]:
    return [str(run) for run in catch_up_runs(paths)]


def log_loaded(paths, source: str, rel: str, sha: str) -> None:
    size = (paths.raw / rel).stat().st_size if (paths.raw / rel).exists() else None
    with duckdb.connect(str(paths.warehouse)) as con:
        ensure_raw_schema(con)
        con.execute("insert into raw.load_log (source_name, source_file, file_sha256, file_bytes, status) "
                    "values (?, ?, ?, ?, 'loaded')", [source, rel, sha, size])


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
    from dagster_project import build_inputs

    project = tmp_path / "dbt"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: x\n")
    (project / "models" / "m.sql").write_text("select 1 as x")
    monkeypatch.setattr(build_inputs, "DBT_PROJECT_DIR", project)
    monkeypatch.setenv("WATERSTAT_ENGINE", "duckdb")
    first = build_inputs.dbt_parse_inputs('{"meter_gap_factor": 1.5}')
    for folder in ("target", "logs"):  # what dbt itself writes: not an input
        (project / folder).mkdir()
        (project / folder / "manifest.json").write_text("{}")
    assert build_inputs.dbt_parse_inputs('{"meter_gap_factor": 1.5}') == first
    assert build_inputs.dbt_parse_inputs('{"meter_gap_factor": 2}') != first  # a deployment rule
    (project / "models" / "m.sql").write_text("select 2 as x")  # a model
    second = build_inputs.dbt_parse_inputs('{"meter_gap_factor": 1.5}')
    assert second != first
    monkeypatch.setenv("WATERSTAT_ENGINE", "spark")  # a setting profiles.yml reads
    assert build_inputs.dbt_parse_inputs('{"meter_gap_factor": 1.5}') != second


def test_a_night_builds_only_what_the_meter_reaches_while_the_annual_inputs_are_as_last_built(tmp_path, monkeypatch):
    import shutil

    from dagster_project.build_inputs import annual_build_is_current, annual_inputs_key, record_full_build
    from dagster_project.run_planning import NIGHTLY_PUBLISH, PUBLISH, publish_run

    paths = isolate(monkeypatch, tmp_path)
    deployment = tmp_path / "deployment"
    shutil.copytree(paths.deployment, deployment)
    monkeypatch.setenv("WATERSTAT_DEPLOYMENT", str(deployment))
    paths = paths.from_env()
    log_loaded(paths, "supply_returns", SUPPLY_2021, "a" * 64)
    meter_night = [PlannedRun(meter_daily_load, "2022-12-30", "2022-12-30")]

    def is_current() -> bool:
        with duckdb.connect(str(paths.warehouse), read_only=True) as con:
            return annual_build_is_current(con, deployment)

    def record_full_build_now() -> None:
        with duckdb.connect(str(paths.warehouse)) as con:
            record_full_build(con, annual_inputs_key(con, deployment))

    def sql(statement: str, *params) -> None:
        with duckdb.connect(str(paths.warehouse)) as con:
            con.execute(statement, list(params))

    assert not is_current() and publish_run(paths, meter_night) is PUBLISH  # never built whole
    record_full_build_now()
    assert is_current() and publish_run(paths, meter_night) is NIGHTLY_PUBLISH
    # an annual load among the night's runs: the whole build, whatever the record says
    assert publish_run(paths, [*meter_night, PlannedRun(annual_sources_load, "2021", "2021")]) is PUBLISH

    # what a night does to the build file does not count: a meter file loaded, a year first published
    # after every statistic of it was loaded (int_region_economy_vintages: nothing changes)
    log_loaded(paths, "meter_readings", METER_DAY, "m" * 64)
    sql("insert into raw.economic_statistics (report_year, _loaded_at) values (2021, '2023-01-01 08:00')")
    record_full_build_now()
    sql("insert into raw.publications (report_year, published_at) values (2021, '2023-02-01 08:00')")
    assert is_current()
    # a statistic loaded after the year's first publication is one the rule now leaves out
    sql("insert into raw.economic_statistics (report_year, _loaded_at) values (2021, '2023-03-01 08:00')")
    assert not is_current()
    sql("delete from raw.economic_statistics where _loaded_at > '2023-02-01'")
    assert is_current()
    # an annual file re-sent with other bytes
    log_loaded(paths, "supply_returns", SUPPLY_2021, "b" * 64)
    assert not is_current()
    record_full_build_now()
    # a file of the deployment edited (a target, a region, a rule)
    targets = sorted(p for p in deployment.rglob("*") if p.is_file() and p.name != "deployment.yml")[0]
    targets.write_bytes(targets.read_bytes() + b"\n")
    assert not is_current()
    record_full_build_now()
    # a full build that failed (or was killed) after starting: the next is whole again
    with duckdb.connect(str(paths.warehouse)) as con:
        record_full_build(con, None)
    assert not is_current()


def test_a_night_runs_the_meter_days_whose_files_or_rules_changed_and_no_others(tmp_path, monkeypatch):
    """A year of exports stays in raw/: a night rebuilds the days a changed file touches (with the days
    beside them), every day when the meter rules changed, and a day whose volumes are older than a
    load beside it (the build after that load failed or was killed)."""
    import shutil

    import yaml

    from dagster_project.build_inputs import meter_rules_key, record_meter_build

    paths = isolate(monkeypatch, tmp_path)
    deployment = tmp_path / "deployment"
    shutil.copytree(paths.deployment, deployment)
    monkeypatch.setenv("WATERSTAT_DEPLOYMENT", str(deployment))
    paths = paths.from_env()
    folder = paths.raw / "meter_readings"
    folder.mkdir(parents=True)
    days = [f"202212{d:02d}" for d in range(20, 31)]
    for day in days:
        (folder / f"{day}.csv").write_bytes(f"readings {day}".encode())

    def meter_plan() -> list[str]:
        return [str(run) for run in catch_up_runs(paths) if run.job is meter_daily_load]

    def build(first: str, last: str) -> None:
        with duckdb.connect(str(paths.warehouse)) as con:
            con.execute("create schema if not exists intermediate")
            con.execute("create table if not exists intermediate.int_meter_daily_volumes (station_code varchar)")
            record_meter_build(con, meter_rules_key(deployment), first, last)

    assert meter_plan() == ["meter_daily_load 2022-12-20 … 2022-12-30"]  # nothing loaded yet
    for day in days:
        rel = f"meter_readings/{day}.csv"
        log_loaded(paths, "meter_readings", rel, sha256_of(paths.raw / rel))
    assert meter_plan() == ["meter_daily_load 2022-12-20 … 2022-12-30"]  # loaded, never built
    build("2022-12-20", "2022-12-30")
    assert meter_plan() == []  # every day as its files and rules are

    (folder / "20221231.csv").write_bytes(b"readings 20221231")  # the next day's export
    (folder / "20221225.csv").write_bytes(b"READINGS 20221225")  # re-sent: same size, other bytes
    (folder / "20221222.csv").unlink()  # withdrawn
    assert meter_plan() == ["meter_daily_load 2022-12-21 … 2022-12-26", "meter_daily_load 2022-12-30 … 2022-12-31"]
    build("2022-12-21", "2022-12-26")
    build("2022-12-30", "2022-12-31")
    for rel in ("meter_readings/20221231.csv", "meter_readings/20221225.csv"):
        log_loaded(paths, "meter_readings", rel, sha256_of(paths.raw / rel))
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute("insert into raw.load_log (source_name, source_file, status) "
                    "values ('meter_readings', 'meter_readings/20221222.csv', 'removed')")
    # loaded after the last build of their days (a build that failed): those days again, on their own
    assert meter_plan() == ["meter_daily_load 2022-12-21 … 2022-12-21", "meter_daily_load 2022-12-23 … 2022-12-26",
                            "meter_daily_load 2022-12-30 … 2022-12-31"]
    build("2022-12-20", "2022-12-31")
    assert meter_plan() == []
    # a meter rule changed: every day's volumes follow it
    settings = yaml.safe_load((deployment / "deployment.yml").read_text(encoding="utf-8"))
    settings["rules"]["meter_gap_factor"] = 2
    (deployment / "deployment.yml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    assert meter_plan() == ["meter_daily_load 2022-12-20 … 2022-12-21", "meter_daily_load 2022-12-23 … 2022-12-31"]
