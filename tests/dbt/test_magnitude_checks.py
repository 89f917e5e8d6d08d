"""Magnitude checks (var dq_magnitude_factor = 10): a unit error blocks its report year.

One small warehouse, three years. 2020 and 2021 are plausible, with changes up to exactly 10×
(which is not *more* than the factor); 2022 carries the tester's defects: GDP in 万元 under the
亿元 header, returns in m³ labelled 万m³, and a region with no previous year whose GDP is in 万元.
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
from tests.dbt.test_indicator_formulas import district, econ, firm, insert_raw, summary

# a dbt build of the fixture rows (tens of seconds), once per module: one worker runs the module
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dbt_magnitude_checks")]

HAIAN, RUGAO, RUDONG, QIDONG, TONGZHOU = "320685", "320682", "320623", "320681", "320612"
GDP = {  # 亿元; population is 100万 everywhere (econ's default)
    2020: {"海安市": 1000, "如皋市": 1000, "如东县": 1000, "启东市": 1000},
    2021: {"海安市": 1100, "如皋市": 1050, "如东县": 10000, "启东市": 900},  # 如东 ×10 exactly: not beyond
    2022: {"海安市": 1200 * 1e4, "如皋市": 1100, "如东县": 3100, "启东市": 950,  # 海安 in 万元
           "通州区": 1000 * 1e4},  # 通州: first year reported, in 万元
}


def in_10k_m3(row: dict) -> dict:
    return {**row, "volume_unit": "万m³"}  # the values stay in m³: the 计量单位 is wrong


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Paths:
    tmp = tmp_path_factory.mktemp("magnitude")
    paths = Paths(raw=tmp / "raw", warehouse=tmp / "build" / "w.duckdb", published=tmp / "published" / "w.duckdb",
                  exports=tmp / "exports", quarantine=tmp / "quarantine", deployment=DEMO_DEPLOYMENT)
    paths.ensure_dirs()
    con = duckdb.connect(str(paths.warehouse))
    ensure_raw_schema(con)
    load_deployment(con, DEMO_DEPLOYMENT)
    insert_raw(con, "economic_statistics", [econ(name, y, gdp=g) for y, by in GDP.items() for name, g in by.items()])
    insert_raw(con, "county_summary_returns", [summary(r, y, 1000) for y in GDP for r in (HAIAN, RUGAO, RUDONG, QIDONG)]
               + [summary(TONGZHOU, 2022, 1000)])
    insert_raw(con, "industrial_returns", [
        firm(RUGAO, "F1", 1000, year=2020), firm(RUGAO, "F1", 9000, year=2021),  # ×9: within the factor
        in_10k_m3(firm(RUGAO, "F1", 9000, year=2022)),
        # new firms of one industry, 2022 only: 20 m³/万元 each, one in m³ labelled 万m³
        *[firm(QIDONG, p, 20000, va=1000, year=2022) for p in ("P1", "P2", "P3")],
        in_10k_m3(firm(QIDONG, "P4", 20000, va=1000, year=2022))])
    insert_raw(con, "irrigation_returns", [
        {**district("D1", "中型", 1.3, 5e6), "region_code": RUDONG, "report_year": 2020},
        {**district("D1", "中型", 1.3, 5.5e6), "region_code": RUDONG, "report_year": 2021},
        in_10k_m3({**district("D1", "中型", 1.3, 5e6), "region_code": RUDONG, "report_year": 2022})])
    con.close()
    proc = run_dbt(["build", *NO_UNIT_TESTS], paths)
    assert proc.returncode == 0, proc.stdout[-4000:]
    return paths


@pytest.fixture(scope="module")
def dq(built):
    con = duckdb.connect(str(built.warehouse), read_only=True)
    yield con
    con.close()


def check(con, name: str, year: int) -> tuple[bool, str, int, set[str]]:
    passed, severity, n, examples = con.execute(
        """select is_passed, severity, n_failing, failing_examples from quality.dq_check_results
           where check_name = ? and report_year = ?""", [name, year]).fetchone()
    return passed, severity, n, {e["detail"] for e in examples or []}


def test_values_within_the_factor_pass(dq):
    # 2021: 如东's GDP ×10 exactly, F1's volume ×9, D1 ×1.1; 如东 is 9.3× its peers' median GDP per capita
    for name in ("magnitude_vs_previous_year", "magnitude_vs_peers"):
        for year in (2020, 2021):
            assert check(dq, name, year)[:3] == (True, "blocking", 0), (name, year)


def test_gdp_in_10k_yuan_and_returns_labelled_10k_m3_block_the_year_vs_the_previous_year(dq):
    passed, severity, n, items = check(dq, "magnitude_vs_previous_year", 2022)
    assert (passed, severity) == (False, "blocking")
    assert items == {
        "海安市(320685) gdp_100m_yuan: 12,000,000，2021年 1,100，为其10909.1倍",  # 万元 under 亿元
        "F1(F1) new_water_m3: 90,000,000，2021年 9,000，为其10000.0倍",  # 9000 m³ read as 万m³
        "D1(D1) gross_water_m3: 50,000,000,000，2021年 5,500,000，为其9090.9倍",
    }  # and not 如东's GDP falling from 10 000 to 3 100亿元 (1/3.2), nor 通州 (no 2021 to compare with)
    assert n == 3


def test_a_region_with_no_previous_year_is_caught_against_its_peers(dq):
    passed, severity, n, items = check(dq, "magnitude_vs_peers", 2022)
    assert (passed, severity) == (False, "blocking")
    # GDP per capita (万元/人) 2022: 海安 120 000, 如皋 11, 如东 31, 启东 9.5, 通州 100 000 → median 31
    assert "通州区(320612) gdp_per_capita_10k_yuan: 100,000，同类5个单位中位数 31.00，为其3225.8倍" in items
    assert "海安市(320685) gdp_per_capita_10k_yuan: 120,000，同类5个单位中位数 31.00，为其3871.0倍" in items
    # a new firm's m³ per 万元 VA against its industry (P1–P3: 20): 200 000 000 m³ / 1 000万元
    assert "P4(P4) new_water_m3_per_10k_yuan_va: 200,000，同类4个单位中位数 20.00，为其10000.0倍" in items
    assert not any(i.startswith(("如皋市(320682) gdp", "启东市(320681) gdp", "P1", "P2", "P3")) for i in items)


def test_the_gate_holds_back_only_the_year_with_the_magnitude_failures(dq):
    zh = dict(dq.execute("""select check_name, name_zh from quality.dq_check_results
                            where check_name like 'magnitude%' and report_year = 2022""").fetchall())
    rule = dq.execute("""select rule_zh from quality.dq_check_results
                         where check_name = 'magnitude_vs_previous_year' and report_year = 2022""").fetchone()[0]
    assert "上年的10倍或不足上年的1/10" in check_rule(rule, rule_values(dq))  # the rule's value in words
    failures = blocking_failures(dq)
    assert f"{zh['magnitude_vs_previous_year']}（3项）" in reasons_for_year(failures, 2022)
    assert any(r.startswith(zh["magnitude_vs_peers"]) for r in reasons_for_year(failures, 2022))
    assert not any(r.startswith(tuple(zh.values())) for r in reasons_for_year(failures, 2021))


def test_an_accepted_item_is_reported_but_no_longer_blocks(built, tmp_path):
    # the office records the item in its deployment's rules, as staff would
    deployment = tmp_path / "deployment"
    shutil.copytree(DEMO_DEPLOYMENT, deployment)
    accepted = [{"check": "magnitude_vs_previous_year", "year": 2022, "unit": "F1", "figure": "new_water_m3",
                 "accepted_by": "统计科", "reason": "新生产线投产（经现场核实）"}]
    settings = yaml.safe_load((deployment / "deployment.yml").read_text(encoding="utf-8"))
    settings["rules"] = {"dq_accepted_items": accepted}
    (deployment / "deployment.yml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    paths = Paths(raw=built.raw, warehouse=tmp_path / "w.duckdb", published=built.published, exports=built.exports,
                  quarantine=built.quarantine, deployment=deployment)
    paths.warehouse.write_bytes(built.warehouse.read_bytes())
    proc = run_dbt(["run", "--select", "dq_magnitude_failures+"], paths)  # the accepted items apply there
    assert proc.returncode == 0, proc.stdout[-4000:]
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        passed, _, n, items = check(con, "magnitude_vs_previous_year", 2022)
        assert (passed, n) == (False, 2) and not any(i.startswith("F1") for i in items)  # the other two still block
        passed, severity, n, items = check(con, "magnitude_accepted", 2022)
        assert (passed, severity, n) == (False, "warning", 1)
        assert items == {"F1(F1) new_water_m3: 90,000,000，2021年 9,000，为其10000.0倍；已由统计科确认：新生产线投产（经现场核实）"}
