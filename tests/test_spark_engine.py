"""The same dbt project on Apache Spark (WATERSTAT_ENGINE=spark, local[2]) gives DuckDB's figures:
the demo run on Spark against the session's DuckDB demo (issue 17, docs/engines.md).

Spark needs Java 17: installed from Debian's packages here when the machine has none. pyspark and
dbt-spark come from PyPI with `make install` (pyproject's `spark` extra)."""
from __future__ import annotations

import json
import shutil
import subprocess

import duckdb
import pytest
from openpyxl import load_workbook

from dagster_project import cli
from dagster_project.engines import lake
from dagster_project.engines.compare import compare_relations
from dagster_project.resources import dbt_project
from tests.conftest import environment_kept, isolate

pytestmark = [pytest.mark.pipeline, pytest.mark.xdist_group("spark")]

# when each run loaded its copy of the files: the only column two loads of the same files differ in
LOAD_TIME = ("loaded_at",)


def ensure_java() -> None:
    """Java from Debian's packages, as a person setting up Spark would install it."""
    if shutil.which("java"):
        return
    for command in (["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "openjdk-17-jre-headless"]):
        proc = subprocess.run(command, capture_output=True, text=True)
        assert proc.returncode == 0, f"{' '.join(command)} failed: Spark needs Java 17\n{proc.stderr[-2000:]}"


@pytest.fixture(scope="module")
def spark_demo(demo_raw, tmp_path_factory):
    """The session's demo raw files run through the whole pipeline on Spark, in a tree of its own
    (while the other worker may still be building the DuckDB demo the tests compare with)."""
    ensure_java()
    home = tmp_path_factory.mktemp("spark") / "home"
    with pytest.MonkeyPatch.context() as mp, environment_kept():
        paths = isolate(mp, home)
        mp.setenv("WATERSTAT_ENGINE", "spark")
        # interpreted, as suits the demo's small tables on one machine (docs/engines.md); the rerun
        # below runs with code generation, Spark's default
        mp.setenv("WATERSTAT_SPARK_CODEGEN", "false")
        shutil.copytree(demo_raw[0], paths.raw, dirs_exist_ok=True)
        assert cli.run_pipeline(paths), "the demo run on Spark failed"
    return paths


def dbt_tables() -> set[tuple[str, str]]:
    """Every table dbt builds (models other than views, and seeds), by the manifest."""
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    return {(n["schema"], n["alias"]) for n in manifest["nodes"].values()
            if n["resource_type"] in ("model", "seed") and n["config"].get("materialized") not in ("view", "ephemeral")}


def test_every_table_dbt_builds_on_spark_equals_duckdbs(spark_demo, demo):
    duck = demo.home / "warehouse" / "build" / "waterstat.duckdb"
    expected = dbt_tables()
    assert len(expected) > 90
    # built by Spark: each table's Parquet is in the lake, and came back into the build file from there
    assert not [t for t in expected if not any(lake.built_dir(spark_demo.lake, *t).rglob("*.parquet"))]
    con = duckdb.connect()
    con.execute(f"attach '{duck}' as duck (read_only)")
    con.execute(f"attach '{spark_demo.warehouse}' as spark (read_only)")
    differing = {}
    for schema, table in sorted(expected):
        result = compare_relations(con, f"duck.{schema}.{table}", f"spark.{schema}.{table}", ignore=LOAD_TIME)
        if not result.equal:
            differing[f"{schema}.{table}"] = result
    assert not differing, "\n".join(f"{t}: {r}" for t, r in differing.items())


def test_the_workbooks_built_on_spark_have_duckdbs_figures(spark_demo, demo):
    """What a statistician signs: every cell of every workbook the same."""
    books = sorted(p.name for p in (demo.home / "exports").glob("*.xlsx"))
    assert books and books == sorted(p.name for p in spark_demo.exports.glob("*.xlsx"))
    for name in books:
        duck, spark = load_workbook(demo.home / "exports" / name), load_workbook(spark_demo.exports / name)
        assert duck.sheetnames == spark.sheetnames, name
        for sheet in duck.sheetnames:
            cells = lambda book: [row for row in book[sheet].iter_rows(values_only=True)]  # noqa: E731
            assert cells(duck) == cells(spark), f"{name} / {sheet}"


def test_rerunning_two_meter_days_on_spark_rewrites_them_with_the_same_rows(spark_demo, monkeypatch):
    """The daily volumes are incremental on Spark too: insert_overwrite of the days' partitions (with
    code generation on, as Spark runs by default)."""
    table = "intermediate.int_meter_daily_volumes"
    query = f"select * from {table} order by all"
    with duckdb.connect(str(spark_demo.warehouse), read_only=True) as con:
        before = con.execute(query).fetchall()
    days = ("2022-12-29", "2022-12-30")
    partitions = [spark_demo.lake / "spark-warehouse" / "intermediate.db" / "int_meter_daily_volumes"
                  / f"volume_date={day}" for day in days]
    written = {p: max(f.stat().st_mtime_ns for f in p.glob("*.parquet")) for p in partitions}
    with environment_kept():
        isolate(monkeypatch, spark_demo.warehouse.parent.parent.parent)
        monkeypatch.setenv("WATERSTAT_ENGINE", "spark")
        assert cli.main(["backfill", "meter", *days]) == 0
    assert all(max(f.stat().st_mtime_ns for f in p.glob("*.parquet")) > written[p] for p in partitions)
    with duckdb.connect(str(spark_demo.warehouse), read_only=True) as con:
        assert con.execute(query).fetchall() == before
