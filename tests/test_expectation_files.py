from dagster_project.lib.reference import plausible_ranges
from dagster_project.quality.suites import ALL_SUITES, suite_path, to_json


def test_stored_suites_match_what_the_code_builds():
    for spec in ALL_SUITES:
        assert suite_path(spec.name).read_text(encoding="utf-8") == to_json(spec), (
            f"expectations/{spec.name}.json is stale: run python -m dagster_project.quality.suites")


def test_every_raw_source_and_key_mart_has_a_suite():
    names = {s.name for s in ALL_SUITES}
    assert {"raw_meter_readings", "raw_permits", "raw_industrial_returns", "marts_fct_indicators",
            "marts_mart_water_use_by_region"} <= names
    # the indicators' ranges warn: dbt's indicator_out_of_range blocks the year they concern
    assert all(s.blocking for s in ALL_SUITES if s.name.startswith("marts_") and s.name != "marts_fct_indicators_plausible")
    ranges = next(s for s in ALL_SUITES if s.name == "marts_fct_indicators_plausible")
    assert not ranges.blocking and len(ranges.expectations) == len(plausible_ranges())


def test_a_raw_check_validates_a_repeatable_sample_of_the_runs_rows_only():
    import duckdb

    from dagster_project.quality.ge_checks import rows_to_validate

    with duckdb.connect() as con:
        con.execute("""create table readings as select i as n, case when i % 3 = 0 then 'old.csv' else 'new.csv' end as f
                       from range(3000) as t(i)""")
        sample = rows_to_validate(con, "readings", "f = ?", ["new.csv"], sample_rows=500)
        assert len(sample) == 500 and set(sample["f"]) == {"new.csv"} and sample["n"].is_unique
        again = rows_to_validate(con, "readings", "f = ?", ["new.csv"], sample_rows=500)
        assert sorted(again["n"]) == sorted(sample["n"])  # the same rows every time (seeded)
        assert len(rows_to_validate(con, "readings", "f = ?", ["new.csv"], sample_rows=5000)) == 2000  # fewer: all
        assert len(rows_to_validate(con, "readings", "f = ?", ["old.csv"])) == 1000
