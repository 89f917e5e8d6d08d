"""The bulletin's charts as specs (data + labels) that the workbook draws as native Excel charts.

Each function reads whatever connection it is given (the warehouse or a publication's frozen
bundle) and returns None where the unit's data cannot support the chart that year.
"""
from __future__ import annotations

from dataclasses import replace

import duckdb

from dagster_project.exports.bulletin import base_year
from dagster_project.exports.workbook import ChartSpec

# the national bulletin's order of the use sectors (生活, 工业, 农业, 人工生态环境补水)
SECTOR_LABELS = {"domestic_m3": "生活", "industry_m3": "工业", "agriculture_m3": "农业", "ecological_m3": "人工生态环境补水"}


def sector_chart(con: duckdb.DuckDBPyConnection, year: int, unit: str) -> ChartSpec | None:
    """None when the unit has no use by sector that year (no rows, or a summary without sectors)."""
    found = con.execute(f"""select {', '.join(SECTOR_LABELS)}, r.short_name_zh from marts.mart_water_use_by_region u
                          join marts.dim_regions r using (region_code)
                          where u.region_code = ? and u.report_year = ? and u.has_sector_split""",
                        [unit, year]).fetchone()
    if found is None:
        return None
    *volumes, label = found
    return ChartSpec(title=f"{year}年{label}分行业用水量", kind="column", category_header="行业",
                     categories=list(SECTOR_LABELS.values()), series=[("用水量(亿m³)", [v / 1e8 for v in volumes])],
                     axis_title="用水量(亿m³)", decimals=2)


def intensity_chart(con: duckdb.DuckDBPyConnection, year: int, unit: str) -> ChartSpec | None:
    """The decline of water use per 10k yuan GDP since the base year (0 in the base year by
    definition), with the unit's target for the year if the deployment sets one."""
    base = base_year(con, year)
    if base is None:
        return None
    series = con.execute("""select report_year, value from marts.fct_indicators
                            where region_code = ? and indicator_code = 'water_use_per_10k_gdp_decline_vs_base'
                              and caliber = 'statistical' and report_year between ? and ? order by 1""",
                         [unit, base + 1, year]).fetchall()
    if not series:
        return None
    target = con.execute("""select target_value from deployment.assessment_targets
                            where region_code = ? and report_year = ? and caliber = 'statistical'
                              and indicator_code = 'water_use_per_10k_gdp_decline_vs_base'""", [unit, year]).fetchone()
    points = [(base, 0.0), *series]
    return ChartSpec(title=f"万元GDP用水量较{base}年下降率(可比价)", kind="line", category_header="年份",
                     categories=[f"{y}年" for y, _ in points], series=[("实际下降率(%)", [v for _, v in points])],
                     axis_title="下降率(%)", decimals=1,
                     target=(f"{year}年目标 {target[0]:g}%", target[0]) if target else None)


def leakage_chart(con: duckdb.DuckDBPyConnection, year: int, unit: str) -> ChartSpec | None:
    """None when no public supplier of the unit reported that year."""
    rows = con.execute("""select l.unit_name, l.leakage_rate_pct from marts.fct_public_supply_leakage l
                          join deployment.region_ancestors a on a.member_region_code = l.region_code
                          where l.report_year = ? and a.region_code = ?
                          order by l.leakage_rate_pct desc, l.unit_name""", [year, unit]).fetchall()
    if not rows:
        return None
    target = con.execute("""select target_value from deployment.assessment_targets where region_code = ?
                            and report_year = ? and indicator_code = 'network_leakage_rate'""", [unit, year]).fetchone()
    return ChartSpec(title=f"{year}年城市公共供水管网漏损率(按供水单位)", kind="column", category_header="供水单位",
                     categories=[r[0] for r in rows], series=[("漏损率(%)", [r[1] for r in rows])],
                     axis_title="漏损率(%)", decimals=2,
                     target=(f"目标 {target[0]:g}%", target[0]) if target else None)  # the unit's own target


def bulletin_charts(con: duckdb.DuckDBPyConnection, year: int, unit: str) -> list[ChartSpec]:
    """The charts the unit's data supports that year, numbered 图1, 图2 … in that order."""
    charts = [sector_chart(con, year, unit), intensity_chart(con, year, unit), leakage_chart(con, year, unit)]
    return [replace(c, title=f"图{i}  {c.title}") for i, c in enumerate(filter(None, charts), start=1)]
