"""The national compilation as docs/deploying.md describes it: 全国 (100000) over the 31 provinces, each
sending a summary return of sector totals and source totals, and the national economy with its volume
index (tests/fixtures/deployments/nation). The national totals are those of the 中国水资源公报 2020
and 2021; how they are shared among the provinces is illustrative (weights below), since only the
national figures are checked. From them the published national figures must come out:
2021 用水总量 5920.2亿m³ (生活 909.4, 工业 1049.6, 农业 3644.3, 人工生态环境补水 316.9; 地表水 4928.1,
地下水 853.8, 其他 138.3), 人均综合用水量 419 m³, 万元国内生产总值用水量 51.8 m³, 比2020年下降 5.8%:
  51.8 = 5920.2亿m³ / 1 143 669.7亿元;  5.8% = 1 − (5920.2 / 5812.9) / 1.081;
  419 = 5920.2亿m³ / ((141 212 + 141 260) / 2 万人)  (year-average from two year-ends).
"""
from __future__ import annotations

import pytest
from openpyxl import load_workbook

from dagster_project import cli
from dagster_project.demo.generator import write_sheet
from dagster_project.settings import REPO_ROOT
from tests.conftest import isolate, table_rows
from tests.test_deployments import settle

pytestmark = pytest.mark.pipeline

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "deployments" / "nation"
SECTORS = {2020: {"生活": 863.1, "工业": 1030.4, "农业": 3612.4, "人工生态环境补水": 307.0},
           2021: {"生活": 909.4, "工业": 1049.6, "农业": 3644.3, "人工生态环境补水": 316.9}}
SOURCES = {2020: {"地表水": 4792.3, "地下水": 892.5, "非常规水": 128.1},
           2021: {"地表水": 4928.1, "地下水": 853.8, "非常规水": 138.3}}
GDP = {2020: (1015986.2, 102.3), 2021: (1143669.7, 108.1)}  # 亿元, 上年=100
POPULATION_YEAR_END = {2019: 141008, 2020: 141212, 2021: 141260}  # 万人


def provinces() -> list[tuple[str, str]]:
    lines = (FIXTURE / "regions.csv").read_text(encoding="utf-8").splitlines()[2:]
    return [(line.split(",")[0], line.split(",")[1]) for line in lines]


def write_raw(raw):
    codes = provinces()
    weights = [1 + (i * 7) % 11 for i in range(len(codes))]  # illustrative shares
    share = [w / sum(weights) for w in weights]
    for year in (2019, 2020, 2021):
        if year in SECTORS:
            rows = [[year, code, sector, None, volume * s, "统计汇总"]
                    for (code, _), s in zip(codes, share) for sector, volume in SECTORS[year].items()]
            rows += [[year, code, None, source, volume * s, "统计汇总"]
                     for (code, _), s in zip(codes, share) for source, volume in SOURCES[year].items()]
            write_sheet(raw / "survey" / f"county_summary_{year}.xlsx", f"{year}年各省级行政区用水汇总表",
                        ["统计年度", "行政区划代码", "用水类别", "水源类型", "用水量(亿m³)", "推算方法"], rows)
        gdp, index = GDP.get(year, (None, None))
        economy = [["全国", gdp, index, POPULATION_YEAR_END[year]]]
        economy += [[name, gdp and gdp * s, index, POPULATION_YEAR_END[year] * s] for (_, name), s in zip(codes, share)]
        write_sheet(raw / "economy" / f"国家统计公报_{year}.xlsx", f"{year}年国民经济和社会发展统计公报",
                    ["地区", ("地区生产总值", ["现价(亿元)", "指数(上年=100)"]), "年末常住人口(万人)"], economy)
    settle(raw)


@pytest.fixture(scope="module")
def nation(tmp_path_factory):
    # undone even when the run fails: a later test in this worker must not inherit the national deployment
    with pytest.MonkeyPatch.context() as mp:
        paths = isolate(mp, tmp_path_factory.mktemp("nation"))
        mp.setenv("WATERSTAT_DEPLOYMENT", str(FIXTURE))
        write_raw(paths.raw)
        assert cli.main(["run"]) == 0
        yield paths


def test_the_national_bulletin_reproduces_the_published_national_figures(nation):
    book = nation.exports / "水资源公报表_2021.xlsx"
    table1 = table_rows(book, "表1 分行业用水量")
    assert list(table1)[0] == "全国" and len(table1) == 32  # the nation, then its 31 provinces
    nation_row = table1["全国"]
    assert [nation_row[c] for c in ("用水总量", "农业用水/小计", "工业用水/小计", "生活用水/小计", "人工生态环境补水")] == [
        5920.2, 3644.3, 1049.6, 909.4, 316.9]
    table2 = table_rows(book, "表2 分水源供水量")["全国"]
    assert [table2[c] for c in ("供水总量", "地表水", "地下水", "其他(非常规)水源/小计")] == [5920.2, 4928.1, 853.8, 138.3]
    table3 = table_rows(book, "表3 主要用水指标")["全国"]
    assert [table3[c] for c in ("人均综合用水量/m³/人", "万元GDP用水量/m³/万元", "万元GDP用水量下降率/较2020年(%)")] == [
        419, 51.8, 5.8]  # per capita, per 10k yuan GDP, decline vs 2020
    assert load_workbook(book)["说明"]["A1"].value == "中国水资源公报(2021年)"
