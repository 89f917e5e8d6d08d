"""`dbt build` alone on a database the loader has only landed raw tables in: dbt creates the ws_*
functions it casts with itself (on-run-start), so nothing but the raw and deployment tables has to
exist before it runs."""
from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from dagster_project.ingest.deployment_load import load_deployment
from dagster_project.ingest.loader import load_source
from dagster_project.lib.contract_docs import sample_name
from dagster_project.lib.contracts import SOURCES
from dagster_project.settings import REPO_ROOT
from tests.conftest import run_dbt

pytestmark = pytest.mark.slow  # real dbt runs

WS_FUNCTIONS = ("ws_ascii", "ws_trim", "ws_parse_number_general", "ws_parse_number", "ws_parse_int", "ws_parse_date",
                "ws_parse_cst_timestamp_ascii", "ws_parse_cst_timestamp",
                "ws_parse_flag", "ws_volume_unit", "ws_is_valid_uscc")


def ws_functions(con) -> set[str]:
    return {r[0] for r in con.execute("select function_name from duckdb_functions() where function_name like 'ws_%'"
                                      " and database_name = current_database()").fetchall()}


def test_dbt_build_on_a_database_with_only_raw_tables(waterstat_env):
    paths = waterstat_env
    with duckdb.connect(str(paths.warehouse)) as con:
        load_deployment(con, paths.deployment)
        for source in SOURCES:  # each source's documented sample file, through the real loader
            folder = paths.raw / source.file_glob.split("/")[0]
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(REPO_ROOT / "docs" / "samples" / sample_name(source),
                            folder / source.file_glob.split("/")[1].replace("*", "sample"))
            assert load_source(con, source, paths.raw, settle_seconds=0).rows_loaded > 0, source.name
        for name in WS_FUNCTIONS:  # as if the loader had never defined them
            con.execute(f"drop macro {name}")
        assert not ws_functions(con)

    proc = run_dbt(["build"], paths)
    assert proc.returncode == 0, proc.stdout[-4000:]
    results = json.loads((paths.warehouse.parent / "dbt_target" / "run_results.json").read_text(encoding="utf-8"))
    unit_tests = [r["status"] for r in results["results"] if r["unique_id"].startswith("unit_test.")]
    assert len(unit_tests) >= 5 and set(unit_tests) == {"pass"}  # the dbt unit tests run here, not nightly
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        assert ws_functions(con) == set(WS_FUNCTIONS)
        assert con.execute("select count(*) from staging.stg_raw__industrial_returns").fetchone()[0] > 0

    # the model documentation site, offline: one self-contained page (make docs copies it to exports/)
    proc = run_dbt(["docs", "generate", "--static"], paths)
    assert proc.returncode == 0, proc.stdout[-4000:]
    target = paths.warehouse.parent / "dbt_target"
    assert "rpt_bulletin_use_by_sector" in (target / "static_index.html").read_text(encoding="utf-8")
    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))  # the database's own column types
    columns = catalog["nodes"]["model.waterstat.stg_raw__industrial_returns"]["columns"]
    assert columns["new_water_surface_m3"]["type"].upper() == "DOUBLE"
