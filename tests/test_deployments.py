"""A second office, end to end: a fictional province (tests/fixtures/deployments/province) run by
`waterstat run` with WATERSTAT_DEPLOYMENT pointing at its folder, without touching the checkout.

江海省 (990000) has two cities. 东川市 (990100) sends county summaries (sector × source) for 甲县,
乙县 and 丙县, whose code changes to 丙州区 (990103 → 990113) in 2021; 乙县 has a power plant
(火(核)电直流冷却) and a desalination plant (海水淡化水), and its yearbook gives only year-end
population. 西岭市 (990200) reports sector totals only, with 生活 undivided. Two base years: 2018
for 2019–2020, 2020 for 2021–2025. Every year has the same volumes (万m³):
  甲县 5000 + 2000 + 800 + 200 = 8000; 乙县 3000 + 4000 + 500 + 500 + 300 = 8300; 丙 2000 + 1000 = 3000;
  东川 19300; 西岭 6000 + 1500 + 1000 + 500 = 9000; 全省 28300 = 2.83亿m³.
GDP grows 6% a year at current prices and 5% in volume (index 105), so with constant use every
decline is 1 − 1/1.05^n: one year (2021 vs 2020) 4.7619%, two years (2020 vs 2018) 9.2971%.

The province is run once per session (`province_build`); every test reads or changes its own copy.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import time
import zipfile

import duckdb
import pytest
from openpyxl import load_workbook

from dagster_project import cli
from dagster_project.demo.generator import write_sheet
from dagster_project.settings import REPO_ROOT, Paths
from tests.conftest import build_once, copy_tree, isolate, table_rows

pytestmark = pytest.mark.pipeline

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "deployments" / "province"
YEARS = (2018, 2019, 2020, 2021)
SUMMARY = {  # region code → (用水类别, 水源类型, 万m³); 丙县's code from 2021 is 990113
    "990101": [("耕地灌溉", "地表水", 5000), ("一般工业", "地表水", 2000), ("城镇居民生活", "地表水", 800),
               ("公共用水", "地下水", 200)],
    "990102": [("耕地灌溉", "地表水", 3000), ("火(核)电直流冷却", "地表水", 4000), ("一般工业", "海水淡化水", 500),
               ("城镇居民生活", "地表水", 500), ("河湖补水", "再生水", 300)],
    "990103": [("耕地灌溉", "地下水", 2000), ("城镇居民生活", "地表水", 1000)],
    "990200": [("农业", None, 6000), ("工业", None, 1500), ("生活", None, 1000), ("人工生态环境补水", None, 500)],
}
GDP_2018 = {"江海省": 1000, "东川市": 600, "西岭市": 400, "甲县": 300, "乙县": 200, "丙县": 100}
POPULATION = {"江海省": 100, "东川市": 60, "西岭市": 40, "甲县": 30, "丙县": 10}  # year-average, 万人
YI_YEAR_END = {2018: 48, 2019: 49, 2020: 50, 2021: 52}  # 乙县: year-end only
ECONOMY_HEADERS = ["地区", ("地区生产总值", ["现价(亿元)", "指数(上年=100)"]), "年平均常住人口(万人)",
                   "年末常住人口(万人)", "数据类型"]


def gdp(name: str, year: int) -> float:
    return round(GDP_2018[name] * 1.06 ** (year - 2018), 4)


def write_raw(raw):
    for year in YEARS:
        rows = [[year, "990113" if code == "990103" and year >= 2021 else code, sub, source, volume, "工程计量"]
                for code, items in SUMMARY.items() for sub, source, volume in items]
        write_sheet(raw / "survey" / f"county_summary_{year}.xlsx", f"{year}年度用水汇总表",
                    ["统计年度", "行政区划代码", "用水类别", "水源类型", "用水量(万m³)", "推算方法"], rows)
        economy = [[("丙州区" if name == "丙县" and year >= 2021 else name), gdp(name, year),
                    105.0 if year > 2018 else None, POPULATION.get(name),
                    YI_YEAR_END[year] if name == "乙县" else None, "统计公报"] for name in GDP_2018]
        write_sheet(raw / "economy" / f"统计公报_{year}.xlsx", f"{year}年江海省主要经济指标", ECONOMY_HEADERS, economy)
    settle(raw)


def settle(raw):
    """Files the office saved an hour ago (the loader reads a file once it has settled)."""
    past = time.time() - 3600
    for path in raw.rglob("*.xlsx"):
        os.utime(path, (past, past))


def git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True).stdout


@pytest.fixture(scope="session")
def province_build(tmp_path_factory):
    """The province after one `waterstat run`, and `git status` of the checkout before and after it."""
    def build(root):
        with pytest.MonkeyPatch.context() as mp:
            isolate(mp, root / "home")
            mp.setenv("WATERSTAT_DEPLOYMENT", str(FIXTURE))
            paths = Paths.from_env()
            write_raw(paths.raw)
            before = git_status()
            assert cli.main(["run"]) == 0
            after_first = git_status()
        (root / "git_status.json").write_text(json.dumps([before, after_first]), encoding="utf-8")

    root = build_once(tmp_path_factory, "province", build)
    return root / "home", *json.loads((root / "git_status.json").read_text(encoding="utf-8"))


@pytest.fixture
def province(province_build, tmp_path, monkeypatch):
    """This test's copy of the province (WATERSTAT_* and WATERSTAT_DEPLOYMENT pointing at it)."""
    home, before, after_first = province_build
    copy_tree(monkeypatch, home, tmp_path / "home")
    monkeypatch.setenv("WATERSTAT_DEPLOYMENT", str(FIXTURE))
    return monkeypatch, Paths.from_env(), before, after_first


def chart_titles(book) -> list[str]:
    """The titles of a workbook's native charts, in order."""
    with zipfile.ZipFile(book) as z:
        charts = sorted((n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)),
                        key=lambda n: int(re.search(r"\d+", n).group()))
        return ["".join(re.findall(r"<a:t>([^<]*)</a:t>", z.read(n).decode().split("</c:title>")[0]))
                for n in charts]


def warehouse(paths):
    return duckdb.connect(str(paths.warehouse), read_only=True)


def indicator(con, code, year, indicator_code, caliber="statistical"):
    row = con.execute("""select value from marts.fct_indicators where region_code = ? and report_year = ?
                         and indicator_code = ? and caliber = ?""", [code, year, indicator_code, caliber]).fetchone()
    return row[0] if row else None


def test_the_run_leaves_the_checkout_untouched_and_logs_the_deployment(province):
    _, paths, before, after_first = province
    assert after_first == before
    with warehouse(paths) as con:
        logged = dict(con.execute("""select source_file, file_sha256 from raw.load_log
                                     where source_name = 'deployment' and status = 'loaded'""").fetchall())
    assert {str(FIXTURE / name) for name in ("deployment.yml", "regions.csv", "base_years.csv")} <= set(logged)
    assert logged[str(FIXTURE / "regions.csv")] == hashlib.sha256((FIXTURE / "regions.csv").read_bytes()).hexdigest()


def test_the_province_and_each_city_get_their_bulletin_by_their_own_names(province):
    _, paths, _, _ = province
    for year in YEARS:
        assert (paths.exports / f"水资源公报表_{year}.xlsx").exists()
        for city in ("990100", "990200"):
            assert (paths.exports / "units" / city / f"水资源公报表_{year}.xlsx").exists()
    wb = load_workbook(paths.exports / "水资源公报表_2021.xlsx")
    assert wb["说明"]["A1"].value == "江海省水资源公报(2021年)"
    assert wb["说明"]["A2"].value == "编制单位：江海省水利厅"
    assert "四舍五入" in "".join(str(c.value) for c in wb["说明"]["A"])  # the office's rounding rule
    # the sector and intensity charts; no public supplier reported, so no leakage chart
    assert chart_titles(paths.exports / "水资源公报表_2021.xlsx") == [
        "图1  2021年全省分行业用水量", "图2  万元GDP用水量较2020年下降率(可比价)"]
    assert wb.sheetnames[0] == "表2-1 分行业用水量" and wb["表2-1 分行业用水量"]["A1"].value.startswith("表2-1  2021年")
    table1 = table_rows(paths.exports / "水资源公报表_2021.xlsx", "表2-1 分行业用水量")
    assert list(table1) == ["全省", "东川市", "西岭市"]  # the province by its short name, then its cities
    city = load_workbook(paths.exports / "units" / "990100" / "水资源公报表_2021.xlsx")
    assert city["说明"]["A1"].value == "东川市水资源公报(2021年)"
    city_rows = table_rows(paths.exports / "units" / "990100" / "水资源公报表_2021.xlsx", "表2-1 分行业用水量")
    assert list(city_rows) == ["东川", "甲县", "乙县", "丙州区"]  # 丙州区, not 丙县, in 2021
    rows_2020 = table_rows(paths.exports / "units" / "990100" / "水资源公报表_2020.xlsx", "表2-1 分行业用水量")
    assert list(rows_2020) == ["东川", "甲县", "乙县", "丙县"]


def test_figures_roll_up_along_the_register(province):
    _, paths, _, _ = province
    table1 = table_rows(paths.exports / "水资源公报表_2021.xlsx", "表2-1 分行业用水量")
    assert [table1[u]["用水总量"] for u in ("全省", "东川市", "西岭市")] == [2.83, 1.93, 0.9]
    # precision per table: the office publishes 表1 totals to 0.001, everything else as the national bulletin
    ws = load_workbook(paths.exports / "水资源公报表_2021.xlsx")["表2-1 分行业用水量"]
    total_cell = next(r[10] for r in ws.iter_rows(min_row=5) if r[0].value == "全省")  # 用水总量, the last column
    assert total_cell.number_format == "0.000"
    agri_cell = next(r[6] for r in ws.iter_rows(min_row=5) if r[0].value == "全省")  # 农业用水/小计
    assert agri_cell.number_format == "0.00"
    # 东川: power-plant cooling 4000万m³ = 0.40亿m³; 农业 5000 + 3000 + 2000 = 1.00亿m³
    assert table1["东川市"]["工业用水/其中：直流火(核)电"] == 0.4 and table1["东川市"]["农业用水/小计"] == 1.0


def test_a_sector_totals_only_city_gets_what_its_summary_supports(province):
    _, paths, _, _ = province
    table1 = table_rows(paths.exports / "水资源公报表_2021.xlsx", "表2-1 分行业用水量")
    xiling = table1["西岭市"]
    # 农业 0.60, 工业 0.15, 生活 0.10, 生态 0.05; no sub-sectors: 耕地灌溉, 直流冷却, 居民, 公共 not available
    assert [xiling[c] for c in ("农业用水/小计", "工业用水/小计", "生活用水/小计", "人工生态环境补水")] == [
        0.6, 0.15, 0.1, 0.05]
    assert [xiling[c] for c in ("农业用水/耕地灌溉", "农业用水/林牧渔畜", "工业用水/其中：直流火(核)电",
                                "生活用水/居民生活", "生活用水/公共用水")] == ["—"] * 5
    assert table1["全省"]["生活用水/居民生活"] == "—"  # the province's 居民生活 is incomplete too, never 生活 in full
    table2 = table_rows(paths.exports / "水资源公报表_2021.xlsx", "表2 分水源供水量")
    assert table2["西岭市"]["供水总量"] == 0.9 and table2["西岭市"]["地表水"] == "—"  # no sources reported
    # 东川 地表水: 甲 5000+2000+800, 乙 3000+4000+500, 丙 1000 = 16300万m³
    assert table2["东川市"]["地表水"] == 1.63
    with warehouse(paths) as con:
        assert indicator(con, "990200", 2021, "residential_per_capita") is None
        assert indicator(con, "990200", 2021, "water_use_per_capita") == pytest.approx(9000e4 / 40e4)  # 225 m³/人


def test_two_base_years_and_a_code_change(province):
    _, paths, _, _ = province
    with warehouse(paths) as con:
        # 2021 against 2020 (one index of 105), 2020 against 2018 (two)
        assert indicator(con, "990000", 2021, "water_use_per_10k_gdp_decline_vs_base") == pytest.approx(
            (1 - 1 / 1.05) * 100)
        assert indicator(con, "990000", 2020, "water_use_per_10k_gdp_decline_vs_base") == pytest.approx(
            (1 - 1 / 1.05 ** 2) * 100)
        # 丙州区's 2021 decline runs from 丙县's 2020 use: the series crosses the code change
        assert indicator(con, "990113", 2021, "water_use_per_10k_gdp_decline_vs_base") == pytest.approx(
            (1 - 1 / 1.05) * 100)
        # the city counts 丙县 and 丙州区 once: 19300万m³ in every year
        assert [indicator(con, "990100", y, "total_water_use") for y in YEARS] == [pytest.approx(1.93)] * 4
        # 万元GDP用水量 2021: 28300万m³ / (1000 × 1.06³ 亿元) = 23.761 m³/万元
        assert indicator(con, "990000", 2021, "water_use_per_10k_gdp") == pytest.approx(28300 / gdp("江海省", 2021))
        # 乙县's year-average population from two year-ends: (50 + 52) / 2 = 51万人 → 8300 / 51 = 162.7 m³/人
        assert indicator(con, "990102", 2021, "water_use_per_capita") == pytest.approx(8300 / 51)
        assert indicator(con, "990102", 2018, "water_use_per_capita") is None  # no 2017 year-end


def test_the_caliber_excludes_desalination_and_keeps_reclaimed_water(province):
    _, paths, _, _ = province
    with warehouse(paths) as con:
        assert indicator(con, "990102", 2021, "total_water_use") == pytest.approx(0.83)
        # 8300 − 500 海水淡化水 = 7800; the 300 of 再生水 stay
        assert indicator(con, "990102", 2021, "total_water_use", "assessment") == pytest.approx(0.78)
        assert indicator(con, "990100", 2021, "total_water_use", "assessment") == pytest.approx(1.88)  # 1.93 − 0.05
        # 西岭 reports no sources, so its desalinated water (if any) cannot be taken out: its assessment
        # total, and so the province's, is not available rather than the statistical total
        assert indicator(con, "990200", 2021, "total_water_use", "assessment") is None
        assert indicator(con, "990000", 2021, "total_water_use", "assessment") is None


def test_a_revision_after_publication_is_reported_and_applied_only_by_restatement(province, tmp_path, capsys):
    mp, paths, before, _ = province
    published = paths.exports / "bulletin" / "2021" / "v001"
    # the final (最终核实) GDP of 2021 arrives after 2021 was published: 1200亿元, index 105.5
    write_sheet(paths.raw / "economy" / "最终核实_2021.xlsx", "2021年江海省地区生产总值最终核实数",
                ["地区", "年份", ("地区生产总值", ["现价(亿元)", "指数(上年=100)"]), "数据类型", "发布日期"],
                [["江海省", 2021, 1200, 105.5, "最终核实", "2022-12-30"]])
    settle(paths.raw)
    assert cli.main(["run"]) == 0
    assert git_status() == before
    assert not (paths.exports / "bulletin" / "2021" / "v002").exists()  # nothing published changed
    table3 = table_rows(paths.exports / "水资源公报表_2021.xlsx", "表3 主要用水指标")
    assert table3["全省"]["万元GDP用水量/m³/万元"] == pytest.approx(round(28300 / gdp("江海省", 2021), 2))
    capsys.readouterr()
    cli.main(["status"])
    status = capsys.readouterr().out
    assert "REVISED 2021: 最终核实 figures in economy/最终核实_2021.xlsx (江海省)" in status, status
    assert "Nothing to do" not in status
    # the office decides to restate 2021 under the final figures: a new version with its diff
    deployment = tmp_path / "deployment"
    shutil.copytree(FIXTURE, deployment)
    (deployment / "restatements.csv").write_text(
        "report_year,basis,decided_by,decided_on,note\n2021,最终核实,统计科,2023-01-10,按最终核实数重新发布\n",
        encoding="utf-8")
    mp.setenv("WATERSTAT_DEPLOYMENT", str(deployment))
    assert cli.main(["run"]) == 0
    v2 = paths.exports / "bulletin" / "2021" / "v002"
    diff = (v2 / "diff_vs_v001.md").read_text(encoding="utf-8")
    assert "全省" in diff and "万元GDP用水量" in diff
    table3 = table_rows(paths.exports / "水资源公报表_2021.xlsx", "表3 主要用水指标")
    assert table3["全省"]["万元GDP用水量/m³/万元"] == pytest.approx(round(28300 / 1200, 2))  # 23.58
    assert table3["全省"]["人均综合用水量/m³/人"] == 283  # the revision gives GDP only: the population (100万人) still comes from the communiqué
    assert (published / "manifest.json").exists()  # v001 stays as published
    assert not (paths.exports / "bulletin" / "2020" / "v002").exists()  # other years unchanged
