"""The yearly bulletin workbook (水资源公报 tables) from the marts."""
from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.exports.workbook import Col, TableSpec, write_workbook
from dagster_project.settings import dbt_vars

VOLUME_DECIMALS = 2  # 亿m³ to two decimals, as the city notice (seed 000) publishes unit totals
BASE_YEAR = dbt_vars()["base_year"]
ROUNDING_NOTES = {"half_even": "按GB/T 8170-2008修约一次(四舍六入五成双)", "half_up": "四舍五入修约一次"}

REGION_ORDER_SQL = """
    select r.region_code, case when r.unit_type = 'city' then '全市' else r.region_name_zh end as region_label,
           r.sort_order
    from marts.dim_regions r
"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def use_by_sector(con, year: int) -> TableSpec:
    rows = _rows(con, f"""
        select g.region_label, u.total_m3 / 1e8 as total, u.agriculture_m3 / 1e8 as agriculture,
               u.farmland_irrigation_m3 / 1e8 as farmland, u.industry_m3 / 1e8 as industry,
               u.once_through_cooling_m3 / 1e8 as cooling, u.domestic_m3 / 1e8 as domestic,
               u.residential_m3 / 1e8 as residential, u.public_m3 / 1e8 as public,
               u.ecological_m3 / 1e8 as ecological
        from marts.mart_water_use_by_region u join ({REGION_ORDER_SQL}) g using (region_code)
        where u.report_year = ? order by g.sort_order""", [year])
    d = VOLUME_DECIMALS
    return TableSpec(
        sheet="表1 分行业用水量", title=f"表1  {year}年各地区分行业用水量", unit_line="单位：亿m³",
        columns=[Col("region_label", "地区"), Col("total", "用水总量", d),
                 Col("agriculture", ("农业用水", "小计"), d), Col("farmland", ("农业用水", "其中：耕地灌溉"), d),
                 Col("industry", ("工业用水", "小计"), d), Col("cooling", ("工业用水", "其中：火(核)电直流冷却"), d),
                 Col("domestic", ("生活用水", "小计"), d), Col("residential", ("生活用水", "居民生活"), d),
                 Col("public", ("生活用水", "公共用水"), d), Col("ecological", "人工生态环境补水", d)],
        rows=rows, notes=["注：用水总量=农业+工业+生活+人工生态环境补水；因四舍五入，分项之和与合计可能略有出入。"])


def use_by_source(con, year: int) -> TableSpec:
    rows = _rows(con, f"""
        select g.region_label, u.total_m3 / 1e8 as total, u.surface_m3 / 1e8 as surface,
               u.ground_m3 / 1e8 as ground, u.unconventional_m3 / 1e8 as unconventional
        from marts.mart_water_use_by_region u join ({REGION_ORDER_SQL}) g using (region_code)
        where u.report_year = ? order by g.sort_order""", [year])
    d = VOLUME_DECIMALS
    return TableSpec(
        sheet="表2 分水源供水量", title=f"表2  {year}年各地区分水源供水量", unit_line="单位：亿m³",
        columns=[Col("region_label", "地区"), Col("total", "供水总量", d), Col("surface", "地表水", d),
                 Col("ground", "地下水", d), Col("unconventional", "非常规水源", d)],
        rows=rows, notes=["注：供水总量=用水总量；非常规水源含再生水、集蓄雨水、海水淡化水、矿坑(井)水、微咸水。"])


INDICATOR_COLUMNS = [
    ("water_use_per_capita", ("人均综合用水量", "m³/人")),
    ("water_use_per_10k_gdp", ("万元GDP用水量", "m³/万元")),
    ("water_use_per_10k_gdp_decline_vs_base", ("万元GDP用水量下降率", f"较{BASE_YEAR}年(%)")),
    ("water_use_per_10k_gdp_decline_yoy", ("万元GDP用水量下降率", "较上年(%)")),
    ("water_use_per_10k_industry_va", ("万元工业增加值用水量", "m³/万元")),
    ("water_use_per_10k_industry_va_decline_vs_base", ("万元工业增加值用水量下降率", f"较{BASE_YEAR}年(%)")),
    ("water_use_per_10k_industry_va_decline_yoy", ("万元工业增加值用水量下降率", "较上年(%)")),
    ("industrial_reuse_rate", ("规模以上工业用水重复利用率", "%")),
    ("network_leakage_rate", ("城市公共供水管网漏损率", "%")),
    ("irrigation_efficiency_coefficient", ("农田灌溉水有效利用系数", "")),
]


def indicators(con, year: int) -> TableSpec:
    long = _rows(con, f"""
        select g.region_label, g.sort_order, i.indicator_code, i.value, i.bulletin_decimals
        from marts.fct_indicators i join ({REGION_ORDER_SQL}) g using (region_code)
        where i.report_year = ? and i.caliber = 'statistical' order by g.sort_order""", [year])
    decimals = {r["indicator_code"]: r["bulletin_decimals"] for r in long}
    by_region: dict[str, dict] = {}
    for r in long:
        by_region.setdefault(r["region_label"], {"region_label": r["region_label"]})[r["indicator_code"]] = r["value"]
    columns = [Col("region_label", "地区")] + [
        Col(code, header if header[1] else (header[0],), decimals.get(code, 2)) for code, header in INDICATOR_COLUMNS]
    return TableSpec(
        sheet="表3 主要用水指标", title=f"表3  {year}年各地区主要用水指标", unit_line="",
        columns=columns, rows=list(by_region.values()),
        notes=["注：1.万元GDP用水量、万元工业增加值用水量按当年价计算；下降率按可比价计算(GDP、工业增加值指数连乘)。",
               "2.规模以上工业用水重复利用率=Σ重复利用水量/Σ(重复利用水量+取用新水量)。",
               "3.漏损率按CJJ 92-2016(2018年局部修订)修正，地区值按供水总量加权。"])


NOTES = [
    "编制说明",
    "1. 数据来源：用水统计调查制度直报数据(工业企业、公共供水企业、灌区)、区县汇总表、统计年鉴、取水许可台账、取水在线监测。",
    "2. 口径：用水总量为统计口径(含非常规水源、含火(核)电直流冷却水，不含海水直接利用量)。",
    "3. 公共供水：售予工业的自来水计入工业用水(按企业直报)，其余(含漏损、免费用水)计入生活用水与人工生态环境补水。",
    f"4. 价格口径：强度指标按当年价；下降率按可比价计算，基准年为{BASE_YEAR}年。",
    "5. 方法变化：2020年起用水统计实行用户直报，与2019年及以前数据不完全可比。",
    "6. 修约：数据全精度存储，仅在发布时{rounding}。",
]


def write_bulletin(con: duckdb.DuckDBPyConnection, year: int, exports_dir: Path,
                   rounding_mode: str = "half_even") -> Path:
    specs = [use_by_sector(con, year), use_by_source(con, year), indicators(con, year)]
    notes = [n.format(rounding=ROUNDING_NOTES[rounding_mode]) for n in NOTES]
    return write_workbook(exports_dir / f"水资源公报表_{year}.xlsx", specs, ("说明", notes), rounding_mode)


def available_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [r[0] for r in con.execute(
        "select distinct report_year from marts.mart_water_use_by_region order by 1").fetchall()]
