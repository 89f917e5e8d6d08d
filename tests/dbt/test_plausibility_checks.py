"""Indicator plausibility (issue 20): a range per indicator in the catalog seed (blocking), and a
region against the median of the regions under the same parent (indicator_vs_peers, var
dq_peer_factor = 2.5, a warning for review).

One small warehouse, 2021, five counties of the demo register with 100万 residents each. 海安's
生活 is the city's tap water sales booked to one district: 居民 150 + 公共 508 = 658 L/(人·d)
among neighbours at 190–210; 如皋 irrigates 1 100 m³/亩 (within the range) among 380–450.
"""
import shutil

import duckdb
import pytest
import yaml

from dagster_project.ingest.deployment_load import load_deployment
from dagster_project.ingest.loader import ensure_raw_schema
from dagster_project.lib.deployment import DEMO_DEPLOYMENT
from dagster_project.quality.gate import blocking_failures, reasons_for_year
from dagster_project.quality.wording import check_rule, rule_values
from dagster_project.settings import Paths
from tests.conftest import NO_UNIT_TESTS, run_dbt
from tests.dbt.test_indicator_formulas import econ, insert_raw, summary

# a dbt build of the fixture rows (tens of seconds), once per module: one worker runs the module
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dbt_plausibility_checks")]

M3_PER_L_PER_DAY = 365 * 1e6 / 1000 / 1e4  # 万m³ a year at 1 L/(人·d) for 100万 residents in 2021
COUNTIES = {  # name: (code, 居民 L/(人·d), 公共 L/(人·d), 耕地灌溉 m³/亩 over 10万亩)
    "海安市": ("320685", 150, 508, 400),
    "如皋市": ("320682", 130, 60, 1100),
    "如东县": ("320623", 130, 70, 380),
    "启东市": ("320681", 135, 70, 420),
    "通州区": ("320612", 140, 70, 450),
}


def paths_for(root, deployment) -> Paths:
    return Paths(raw=root / "raw", warehouse=root / "w.duckdb", published=root / "published" / "w.duckdb",
                 exports=root / "exports", quarantine=root / "quarantine", deployment=deployment)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Paths:
    paths = paths_for(tmp_path_factory.mktemp("plausibility"), DEMO_DEPLOYMENT)
    paths.ensure_dirs()
    con = duckdb.connect(str(paths.warehouse))
    ensure_raw_schema(con)
    load_deployment(con, DEMO_DEPLOYMENT)
    insert_raw(con, "economic_statistics", [
        {**econ(name, 2021, gdp=1000), "irrigated_area_actual_10k_mu": 10, "irrigated_area_effective_10k_mu": 11}
        for name in COUNTIES])
    insert_raw(con, "county_summary_returns", [
        row for code, residents, public, per_mu in COUNTIES.values() for row in (
            summary(code, 2021, residents * M3_PER_L_PER_DAY, sub="居民生活"),
            summary(code, 2021, public * M3_PER_L_PER_DAY, sub="公共用水"),
            summary(code, 2021, per_mu * 10, sub="耕地灌溉"))])  # 万m³ = m³/亩 × 10万亩 / 1万
    con.close()
    proc = run_dbt(["build", *NO_UNIT_TESTS], paths)
    assert proc.returncode == 0, proc.stdout[-4000:]
    return paths


def check(database, name: str) -> tuple[bool, str, set[str]]:
    with duckdb.connect(str(database), read_only=True) as con:
        passed, severity, examples = con.execute(
            """select is_passed, severity, failing_examples from quality.dq_check_results
               where check_name = ? and report_year = 2021""", [name]).fetchone()
    return passed, severity, {e["detail"] for e in examples or []}


def test_a_district_at_658_l_per_day_among_neighbours_at_200_is_flagged_for_review(built):
    passed, severity, items = check(built.warehouse, "indicator_vs_peers")
    assert (passed, severity) == (False, "warning")
    assert items == {
        "海安市 人均生活用水量(含公共用水)：658 L/(人·d)，同级5个地区中位数 205 L/(人·d)，为其3.2倍（阈值2.5倍）",
        # within its range (50–1500), but not like its neighbours
        "如皋市 耕地实际灌溉亩均用水量：1100 m³/亩，同级5个地区中位数 420 m³/亩，为其2.6倍（阈值2.5倍）",
    }  # and not 海安's 城乡居民 150 L/(人·d) among 130–140, nor anyone's 万元GDP用水量 (not compared)


def test_a_value_outside_the_catalog_range_blocks_the_year(built):
    passed, severity, items = check(built.warehouse, "indicator_out_of_range")
    assert (passed, severity) == (False, "blocking")
    assert items == {"海安市 人均生活用水量(含公共用水)：658.0 L/(人·d)（合理范围 20～600）"}
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        reasons = reasons_for_year(blocking_failures(con), 2021)
        zh = dict(con.execute("select check_name, name_zh from ref.dq_checks").fetchall())
        rule = con.execute("select rule_zh from ref.dq_checks where check_name = 'indicator_vs_peers'").fetchone()[0]
        words = check_rule(rule, rule_values(con))
    assert f"{zh['indicator_out_of_range']}（1项）" in reasons
    assert not any(r.startswith(zh["indicator_vs_peers"]) for r in reasons)  # a warning never blocks
    assert "当年中位数的2.5倍或不足其1/2.5" in words and "人均生活用水量(含公共用水)" in words


def test_an_office_raising_the_peer_factor_stops_the_flag(built, tmp_path):
    deployment = tmp_path / "deployment"
    shutil.copytree(DEMO_DEPLOYMENT, deployment)
    settings = yaml.safe_load((deployment / "deployment.yml").read_text(encoding="utf-8"))
    settings["rules"] = {"dq_peer_factor": 4.0}
    (deployment / "deployment.yml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    paths = paths_for(tmp_path, deployment)
    paths.warehouse.write_bytes(built.warehouse.read_bytes())
    proc = run_dbt(["run", "--select", "dq_plausibility_failures+"], paths)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert check(paths.warehouse, "indicator_vs_peers") == (True, "warning", set())
    assert not check(paths.warehouse, "indicator_out_of_range")[0]  # the range is not the office's factor
