"""The yearly bulletin (水资源公报) and assessment (考核) tables, as table specs.

The figures come from the dbt report models (schema `reports`, one per table, in the units the
tables print); this module only lays them out: headers, precision, notes, and the marks for a
suppressed ("×") or unavailable ("—") cell. Every function reads whatever connection it is given:
the warehouse, or a publication's frozen input bundle (exports/publication.py), so a published
version can be rebuilt from its own inputs.
"""
from __future__ import annotations

from dataclasses import replace

import duckdb

from dagster_project.exports.workbook import SUPPRESSED, Col, TableSpec
from dagster_project.lib.deployment import setting
from dagster_project.lib.disclosure import Cell, complements, table_relations

VOLUME_DECIMALS = 2  # 亿m³ to two decimals, as national and city bulletins publish totals
ROUNDING_NOTES = {"half_even": "按GB/T 8170-2008修约一次(四舍六入五成双)", "half_up": "四舍五入修约一次"}
NOT_AVAILABLE = "—"
NOT_AVAILABLE_NOTE = (f"“{NOT_AVAILABLE}”表示缺少该项所需的基础数据(如仅报送汇总数、未分行业或水源、"
                      "未提供人口或灌溉面积)，不予计算。")
ROUNDING_NOTE = "因数值修约，分项之和与合计可能略有出入。"
SUPPRESSION_NOTE = (f"“{SUPPRESSED}”表示该数据仅涉及个别调查单位或由单一单位主导，或可据本表其他数据推算出此类数据，"
                    "按统计法不予公布。")



def top_unit(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select region_code from marts.dim_regions where is_top_level").fetchone()[0]


def base_year(con: duckdb.DuckDBPyConnection, year: int) -> int | None:
    """The base year of the plan period the report year falls in (deployment.base_years)."""
    row = con.execute("select base_year from deployment.base_years where ? between first_year and last_year",
                      [year]).fetchone()
    return row[0] if row else None


class Precision:
    """Decimals per table and figure: the deployment's precision table (an exact table beats '*'),
    else the table's own default (the national bulletin's)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.rules = {(t, f): d for t, f, d in con.execute(
            "select table_code, figure_code, decimals from deployment.precision").fetchall()}

    def __call__(self, table: str, figure: str, default: int) -> int:
        return self.rules.get((table, figure), self.rules.get(("*", figure), default))


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def report(con: duckdb.DuckDBPyConnection, model: str, year: int, unit: str, order: str = "sort_order") -> list[dict]:
    """A report model's rows for one unit's table and year, in table order."""
    return rows(con, f"select * from reports.{model} where report_year = ? and report_unit_code = ? order by {order}",
                [year, unit])


def suppress(con, year: int, table_rows: list[dict], cell_of_column: dict[str, str]) -> int:
    """Primary suppression: replace suppressed cells (marts.fct_disclosure_cells) by the mark; returns how many."""
    suppressed = {(r["region_code"], r["cell_code"]) for r in rows(
        con, "select region_code, cell_code from marts.fct_disclosure_cells where report_year = ? and is_suppressed",
        [year])}
    n = 0
    for row in table_rows:
        for column, cell in cell_of_column.items():
            if (row["region_code"], cell) in suppressed and row.get(column) is not None:
                row[column] = SUPPRESSED
                n += 1
    return n


def figures_of(table: list[dict], columns: list[Col]) -> dict[Cell, object]:
    """The table's cells at full precision, before any mark, in table order (rows, then columns)."""
    return {(row["region_code"], c.key): row.get(c.key) for row in table for c in columns}


def withhold_complements(con, table: list[dict], figures: dict[Cell, object], unit: str, table_code: str,
                         within_row: dict[str, tuple[str, ...]], columns: list[Col],
                         derived: dict[str, tuple[str, ...]] | None = None) -> int:
    """Complementary suppression (lib/disclosure.py) of a table whose primary and "—" marks are set,
    when the deployment's rule disclosure_secondary_suppression is on: the cells of `columns` obey
    `within_row` in every row and add up from the children to the unit's row; a `derived` cell (a
    ratio of cells in its row) is withheld with any of them. Returns how many cells it withheld."""
    if not setting(con, "rules.disclosure_secondary_suppression"):
        return 0
    precision = Precision(con)
    # half a unit of the coarsest printed digit: what a reader must allow for rounding anyway
    tolerance = 0.5 * 10 ** -min(precision(table_code, c.figure or c.key, c.decimals) for c in columns)
    by_row = {row["region_code"]: row for row in table}
    marked = {mark: {(r, c.key) for r, row in by_row.items() for c in columns if row.get(c.key) == mark}
              for mark in (SUPPRESSED, NOT_AVAILABLE)}
    relations = table_relations(list(by_row), unit, within_row, tuple(c.key for c in columns))
    chosen = complements(relations, figures, marked[SUPPRESSED], marked[NOT_AVAILABLE], tolerance)
    for row_key, column in chosen:
        by_row[row_key][column] = SUPPRESSED
    n = len(chosen)
    for row in table:
        for column, inputs in (derived or {}).items():
            if row.get(column) not in (None, SUPPRESSED, NOT_AVAILABLE) and SUPPRESSED in (row[i] for i in inputs):
                row[column], n = SUPPRESSED, n + 1
    return n


def mark_not_available(table: list[dict], columns_by_flag: dict[str, tuple[str, ...]]) -> int:
    """A breakdown a unit's summary does not give (has_<x>_split false): its cells read "—", not a
    partial sum or 0. Returns how many cells were marked."""
    n = 0
    for row in table:
        for flag, columns in columns_by_flag.items():
            if not row.pop(flag):
                for c in columns:
                    row[c], n = NOT_AVAILABLE, n + 1
    return n


# The additive relations within a row of 表1 (lib/disclosure.py): 用水总量 = the four sectors, 生活 and
# 农业 = their sub-columns. 工业's "其中：直流火(核)电" is a part only: the rest of industry is not printed.
SECTOR_RELATIONS = {"total": ("domestic", "industry", "agriculture", "ecological"),
                    "domestic": ("residential", "public"), "agriculture": ("farmland_irrigation", "other_agriculture")}


def use_by_sector(con, year: int, unit: str) -> TableSpec:
    """表1 in the national bulletin's order of sectors: 生活, 工业, 农业, 人工生态环境补水, then the total."""
    table = report(con, "rpt_bulletin_use_by_sector", year, unit)
    v = "_100m_m3"
    d = VOLUME_DECIMALS
    columns = [Col("region_label", "地区"),
               Col(f"domestic{v}", ("生活用水", "小计"), d, figure="domestic"),
               Col(f"residential{v}", ("生活用水", "居民生活"), d, figure="residential"),
               Col(f"public{v}", ("生活用水", "公共用水"), d, figure="public"),
               Col(f"industry{v}", ("工业用水", "小计"), d, figure="industry"),
               Col(f"once_through_cooling{v}", ("工业用水", "其中：直流火(核)电"), d, figure="cooling"),
               Col(f"agriculture{v}", ("农业用水", "小计"), d, figure="agriculture"),
               Col(f"farmland_irrigation{v}", ("农业用水", "耕地灌溉"), d, figure="farmland"),
               Col(f"other_agriculture{v}", ("农业用水", "林牧渔畜"), d, figure="other_agri"),
               Col(f"ecological{v}", "人工生态环境补水", d, figure="ecological"),
               Col(f"total{v}", "用水总量", d, figure="total")]
    figures = figures_of(table, columns[1:])
    n = suppress(con, year, table, {f"{cell}{v}": cell for cell in (
        "total", "agriculture", "farmland_irrigation", "industry", "once_through_cooling", "domestic", "public",
        "ecological")})
    unavailable = mark_not_available(table, {
        "has_sector_split": tuple(f"{c}{v}" for c in (
            "agriculture", "farmland_irrigation", "other_agriculture", "industry", "once_through_cooling", "domestic",
            "residential", "public", "ecological")),
        "has_agriculture_split": (f"farmland_irrigation{v}", f"other_agriculture{v}"),
        "has_industry_split": (f"once_through_cooling{v}",),
        "has_domestic_split": (f"residential{v}", f"public{v}")})
    n += withhold_complements(con, table, figures, unit, "bulletin_1", {
        f"{total}{v}": tuple(f"{p}{v}" for p in parts) for total, parts in SECTOR_RELATIONS.items()}, columns[1:])
    notes = ["用水总量=生活用水+工业用水+农业用水+人工生态环境补水；生活用水含居民生活用水和公共用水"
             "(含第三产业及建筑业等用水)。", ROUNDING_NOTE] + ([NOT_AVAILABLE_NOTE] if unavailable else [])
    return TableSpec(
        sheet="表1 分行业用水量", title=f"表1  {year}年各地区分行业用水量", unit_line="单位：亿m³",
        columns=columns, rows=table, notes=notes + ([SUPPRESSION_NOTE] if n else []))


def use_by_source(con, year: int, unit: str) -> TableSpec:
    """表2 in the national bulletin's order of sources: 地表水, 地下水, 其他 (非常规水源, by type), then the total."""
    table = report(con, "rpt_bulletin_use_by_source", year, unit)
    by_type = rows(con, """select region_code, unconventional_type_zh as t, volume_100m_m3 from
                           reports.rpt_bulletin_unconventional_by_type where report_year = ? and report_unit_code = ?""",
                   [year, unit])
    types = sorted({r["t"] for r in rows(con, """select distinct unconventional_type_zh as t
                                                  from reports.rpt_bulletin_unconventional_by_type
                                                  where report_year = ?""", [year])})
    volumes = {(r["region_code"], r["t"]): r["volume_100m_m3"] for r in by_type}
    for row in table:  # one column per unconventional type the year has anywhere
        row.update({f"u_{t}": volumes.get((row["region_code"], t)) for t in types})
    v = "_100m_m3"
    d = VOLUME_DECIMALS
    columns = ([Col("region_label", "地区"), Col(f"surface{v}", "地表水", d, figure="surface"),
                Col(f"ground{v}", "地下水", d, figure="ground"),
                Col(f"unconventional{v}", ("其他(非常规)水源", "小计"), d, figure="unconventional")]
               + [Col(f"u_{t}", ("其他(非常规)水源", t), d) for t in types]
               + [Col(f"total{v}", "供水总量", d, figure="total"),
                  Col("unconventional_share_pct", "非常规水源占用水总量比例(%)", 1, figure="unconventional_share")])
    figures = figures_of(table, columns[1:-1])
    n = suppress(con, year, table, {f"total{v}": "total", f"surface{v}": "surface", f"ground{v}": "ground",
                                    f"unconventional{v}": "unconventional", "unconventional_share_pct": "unconventional"})
    unavailable = mark_not_available(table, {"has_source_split": (
        f"surface{v}", f"ground{v}", f"unconventional{v}", "unconventional_share_pct", *(f"u_{t}" for t in types))})
    # 供水总量 = the three sources; 其他(非常规)水源 = its types (a blank type: none of it)
    within_row = {f"total{v}": (f"surface{v}", f"ground{v}", f"unconventional{v}")}
    if types:
        within_row[f"unconventional{v}"] = tuple(f"u_{t}" for t in types)
    n += withhold_complements(con, table, figures, unit, "bulletin_2", within_row, columns[1:-1],
                              derived={"unconventional_share_pct": (f"unconventional{v}", f"total{v}")})
    return TableSpec(
        sheet="表2 分水源供水量", title=f"表2  {year}年各地区分水源供水量", unit_line="单位：亿m³",
        columns=columns,
        rows=table, notes=["供水总量=用水总量；其他(非常规)水源含再生水、集蓄雨水、海水淡化水、矿坑(井)水、微咸水。",
                           ROUNDING_NOTE]
        + ([SUPPRESSION_NOTE] if n else []) + ([NOT_AVAILABLE_NOTE] if unavailable else []))


def indicator_columns(base: int | None) -> list[tuple[str, tuple[str, str]]]:
    since = f"较{base}年(%)" if base else "较基准年(%)"
    return [
    ("water_use_per_capita", ("人均综合用水量", "m³/人")),
    ("water_use_per_10k_gdp", ("万元GDP用水量", "m³/万元")),
    ("water_use_per_10k_gdp_decline_vs_base", ("万元GDP用水量下降率", since)),
    ("water_use_per_10k_gdp_decline_yoy", ("万元GDP用水量下降率", "较上年(%)")),
    ("water_use_per_10k_industry_va", ("万元工业增加值用水量", "m³/万元")),
    ("water_use_per_10k_industry_va_decline_vs_base", ("万元工业增加值用水量下降率", since)),
    ("water_use_per_10k_industry_va_decline_yoy", ("万元工业增加值用水量下降率", "较上年(%)")),
    ("farmland_irrigation_per_mu", ("耕地实际灌溉亩均用水量", "m³/亩")),
    ("domestic_per_capita", ("人均生活用水量(含公共)", "L/(人·d)")),
    ("residential_per_capita", ("城乡居民人均生活用水量", "L/(人·d)")),
    ("irrigation_efficiency_coefficient", ("农田灌溉水有效利用系数", "")),
    ]


def indicators(con, year: int, unit: str) -> TableSpec:
    long = report(con, "rpt_bulletin_indicators", year, unit, order="sort_order, indicator_code")
    decimals = {r["indicator_code"]: r["bulletin_decimals"] for r in long if r["indicator_code"]}
    columns = [Col("region_label", "地区")] + [
        Col(code, header if header[1] else (header[0],), decimals.get(code, 2))
        for code, header in indicator_columns(base_year(con, year))]
    by_region: dict[str, dict] = {}
    for r in long:
        row = by_region.setdefault(r["region_code"], {"region_code": r["region_code"], "region_label": r["region_label"]})
        if r["indicator_code"]:
            row[r["indicator_code"]] = r["value"]
    # a unit with figures this year gets every column; one its inputs do not support is marked
    # (e.g. no population for a summary-only unit), never left blank or filled
    table = [row for row in by_region.values() if len(row) > 2]
    missing = 0
    for row in table:
        for c in columns[1:]:
            if row.get(c.key) is None:
                row[c.key], missing = NOT_AVAILABLE, missing + 1
    return TableSpec(
        sheet="表3 主要用水指标", title=f"表3  {year}年各地区主要用水指标", unit_line="",
        columns=columns, rows=table,
        notes=["万元GDP用水量、万元工业增加值用水量按当年价计算；下降率按可比价计算(地区生产总值、工业增加值指数连乘)。",
               "人均指标按年平均常住人口计算；人均生活用水量含居民生活和公共用水。",
               "农田灌溉水有效利用系数按首尾测算分析法，样点灌区→灌区类型→地区按毛灌溉用水量加权。"]
        + ([NOT_AVAILABLE_NOTE] if missing else []))


def leakage(con, year: int, unit: str) -> TableSpec:
    table = report(con, "rpt_bulletin_leakage", year, unit, order="row_group, sort_order, unit_name")
    return TableSpec(
        sheet="表4 供水管网漏损", title=f"表4  {year}年城市公共供水管网漏损情况", unit_line="",
        columns=[Col("row_label", "供水单位/地区"), Col("system_input_10k_m3", ("供水总量", "万m³"), 1, figure="system_input"),
                 Col("authorized_10k_m3", ("注册用户用水量", "万m³"), 1, figure="authorized"),
                 Col("comprehensive_loss_rate_pct", ("综合漏损率", "%"), 2, figure="comprehensive"),
                 Col("r1_household_metering_pct", ("修正值(%)", "R1 抄表到户"), 2, figure="r1"),
                 Col("r2_pipe_length_pct", ("修正值(%)", "R2 管长"), 2, figure="r2"), Col("r3_pressure_pct", ("修正值(%)", "R3 压力"), 2, figure="r3"),
                 Col("r4_frost_depth_pct", ("修正值(%)", "R4 冻土"), 2, figure="r4"), Col("leakage_rate_pct", ("漏损率", "%"), 2, figure="rate"),
                 Col("leakage_grade_zh", "评定等级")],
        rows=table,
        notes=["按CJJ 92-2016(2018年局部修订)计算：漏损率=综合漏损率−(R1+R2+R3+R4)，R2限值±3%；"
               "漏损率≤10%为一级、≤12%为二级；地区漏损率按供水总量加权。"])


def industrial_reuse(con, year: int, unit: str) -> TableSpec:
    table = report(con, "rpt_bulletin_industrial_reuse", year, unit)
    return TableSpec(
        sheet="表5 工业用水重复利用", title=f"表5  {year}年规模以上工业用水重复利用情况", unit_line="",
        columns=[Col("region_label", "地区"), Col("reused_10k_m3", ("重复利用水量", "万m³"), 1, figure="reused"),
                 Col("new_water_10k_m3", ("取用新水量", "万m³"), 1, figure="new_water"), Col("reuse_rate_pct", ("重复利用率", "%"), 1, figure="rate"),
                 Col("n_firms", ("企业数", "家"), 0)],
        rows=table, notes=["重复利用率=Σ重复利用水量/Σ(重复利用水量+取用新水量)，按企业汇总后计算，不取企业比率的平均值；"
                           "火(核)电直流冷却企业按规则不计入。"])


# The 表1 cells each 表6 category is computed from: a consumption cell would give away a withheld use
# cell (times its coefficient; 工业 as a mix of coefficients gives its cooling part).
CONSUMPTION_INPUTS = {"farmland_irrigation": ("farmland_irrigation",), "other_agriculture": ("other_agriculture",),
                      "industry": ("industry", "once_through_cooling"), "public": ("public",),
                      "residential": ("residential",), "ecological": ("ecological",)}


def consumption(con, year: int, unit: str) -> TableSpec | None:
    """用水消耗量 (the municipal layout): None when the deployment sets no consumption coefficients."""
    table = report(con, "rpt_bulletin_consumption", year, unit)
    if not any(r["total_consumption_10k_m3"] is not None for r in table):
        return None
    v = "_consumption_10k_m3"
    columns = [Col("region_label", "地区"), Col(f"farmland_irrigation{v}", "农田灌溉耗水", 1, figure="farmland"),
               Col(f"other_agriculture{v}", "林牧渔畜耗水", 1, figure="other_agri"),
               Col(f"industry{v}", "工业耗水", 1, figure="industry"), Col(f"public{v}", "城镇公共耗水", 1, figure="public"),
               Col(f"residential{v}", "居民生活耗水", 1, figure="residential"),
               Col(f"ecological{v}", "生态环境耗水", 1, figure="ecological"), Col(f"total{v}", "总耗水量", 1, figure="total"),
               Col("consumption_rate_pct", "综合耗水率(%)", 1, figure="rate")]
    figures = figures_of(table, columns[1:-1])
    unavailable = mark_not_available(table, {
        "has_sector_split": tuple(f"{c}{v}" for c in ("farmland_irrigation", "other_agriculture", "industry", "public",
                                                        "residential", "ecological")),
        "has_agriculture_split": (f"farmland_irrigation{v}", f"other_agriculture{v}"),
        "has_domestic_split": (f"public{v}", f"residential{v}")})
    for row in table:  # a category without a coefficient: its cell cannot be given either
        for key, value in row.items():
            if value is None and (key.endswith(v) or key == "consumption_rate_pct"):
                row[key], unavailable = NOT_AVAILABLE, unavailable + 1
    n = withhold_with_use(table, use_by_sector(con, year, unit).rows, v)
    n += withhold_complements(con, table, figures, unit, "bulletin_6", {f"total{v}": tuple(
        f"{c}{v}" for c in CONSUMPTION_INPUTS)}, columns[1:-1], derived={"consumption_rate_pct": (f"total{v}",)})
    return TableSpec(
        sheet="表6 用水消耗量", title=f"表6  {year}年各地区用水消耗量", unit_line="单位：万m³", columns=columns,
        rows=table,
        notes=["耗水量=各行业用水量×耗水系数，耗水系数采用本地区确定的数值；综合耗水率=总耗水量/用水总量×100%。",
               ROUNDING_NOTE] + ([NOT_AVAILABLE_NOTE] if unavailable else []) + ([SUPPRESSION_NOTE] if n else []))


def withhold_with_use(table: list[dict], use_rows: list[dict], v: str) -> int:
    """表6's cells withheld with the 表1 cells they are computed from (CONSUMPTION_INPUTS), and a row's
    total and rate with any of them: every other category is the reader's 表1 figure times its
    coefficient, so the total would give the withheld one back (the rate, 表1's withheld total)."""
    use = {r["region_code"]: r for r in use_rows}
    n = 0
    for row in table:
        withheld = {k for k, val in use.get(row["region_code"], {}).items() if val == SUPPRESSED}
        targets = [f"{c}{v}" for c, inputs in CONSUMPTION_INPUTS.items() if withheld & {f"{i}_100m_m3" for i in inputs}]
        if targets:
            targets += [f"total{v}", "consumption_rate_pct"]
        if "total_100m_m3" in withheld:
            targets.append("consumption_rate_pct")
        for key in dict.fromkeys(targets):
            if row.get(key) not in (None, SUPPRESSED, NOT_AVAILABLE):
                row[key], n = SUPPRESSED, n + 1
    return n


# 非常规水源利用's volume columns, by type then the total (rpt_bulletin_unconventional, 万m³)
UNCONVENTIONAL_COLUMNS = (("reclaimed", "再生水"), ("rain", "集蓄雨水"), ("desalinated", "海水淡化水"),
                          ("brackish", "微咸水"), ("mine", "矿坑(井)水"), ("other", "其他"))


def unconventional(con, year: int, unit: str, number: int) -> TableSpec:
    """非常规水源利用: volume by type, total, share of supply and its change, 再生水利用率. Its volumes
    are 表2's unconventional column in 万m³: withheld wherever 表2 withholds that column (or its
    total, for the share), so neither table gives the other's withheld cells away."""
    table = report(con, "rpt_bulletin_unconventional", year, unit)
    v = "_10k_m3"
    volumes = tuple(f"{c}{v}" for c, _ in UNCONVENTIONAL_COLUMNS) + (f"unconventional{v}",)
    shares = ("unconventional_share_pct", "unconventional_share_change_pp")
    columns = ([Col("region_label", "地区")]
               + [Col(f"{c}{v}", ("非常规水源利用量(万m³)", zh), 1, figure=c) for c, zh in UNCONVENTIONAL_COLUMNS]
               + [Col(f"unconventional{v}", ("非常规水源利用量(万m³)", "合计"), 1, figure="unconventional"),
                  Col("unconventional_share_pct", ("占供水总量比例", "%"), 2, figure="share"),
                  Col("unconventional_share_change_pp", ("占比较上年变化", "百分点"), 2, figure="share_change"),
                  Col("reclaimed_use_rate_pct", ("再生水利用率", "%"), 1, figure="reclaimed_rate")])
    unavailable = mark_not_available(table, {"has_source_split": volumes + shares})
    by_source = {r["region_code"]: r for r in use_by_source(con, year, unit).rows}
    n = 0
    for row in table:
        source = by_source.get(row["region_code"], {})
        withheld = (volumes + shares if source.get("unconventional_100m_m3") == SUPPRESSED else
                    shares if source.get("total_100m_m3") == SUPPRESSED else ())
        for key in withheld:
            if row.get(key) not in (None, SUPPRESSED, NOT_AVAILABLE):
                row[key], n = SUPPRESSED, n + 1
    for row in table:
        if row.get("reclaimed_use_rate_pct") is None:
            row["reclaimed_use_rate_pct"], unavailable = NOT_AVAILABLE, unavailable + 1
    return TableSpec(
        sheet=f"表{number} 非常规水源利用", title=f"表{number}  {year}年各地区非常规水源利用情况", unit_line="",
        columns=columns, rows=table,
        notes=["非常规水源含再生水、集蓄雨水、海水淡化水、微咸水、矿坑(井)水；“其他”为报表未分类型的非常规水。",
               "占供水总量比例=非常规水源利用量/供水总量×100%，较上年变化以百分点计。",
               "再生水利用率=污水处理厂再生水利用量/污水处理量×100%，按污水处理厂汇总后计算。", ROUNDING_NOTE]
        + ([SUPPRESSION_NOTE] if n else []) + ([NOT_AVAILABLE_NOTE] if unavailable else []))


def bulletin_notes(con, year: int, unit: str, rounding_mode: str) -> list[str]:
    """The 说明 sheet: the bulletin's title and issuer (the deployment's, or the child unit's own
    name), then how the figures were compiled."""
    name = con.execute("select region_name_zh from marts.dim_regions where region_code = ?", [unit]).fetchone()[0]
    is_top = unit == top_unit(con)
    title = setting(con, "bulletin.title_zh") if is_top else f"{name}水资源公报"
    base = base_year(con, year)
    return [
        f"{title}({year}年)",
        f"编制单位：{setting(con, 'bulletin.issuer_zh')}",
        "编制说明",
        "1. 数据来源：用水统计调查制度直报数据(工业企业、公共供水企业、灌区)、区县汇总表、统计年鉴、取水许可台账、取水在线监测。",
        "2. 口径：用水总量为统计口径(含非常规水源、含火(核)电直流冷却水，不含海水直接利用量)；考核口径见考核表。",
        "3. 公共供水：售予工业的自来水计入工业用水(按企业直报)，其余(含漏损、免费用水)计入生活用水与人工生态环境补水。",
        "4. 非重点工业用水按规模以下样本企业万元工业增加值用水量推算。",
        "5. 价格口径：强度指标按当年价；下降率按可比价计算，" + (f"基准年为{base}年。" if base else "本年不在任何规划期内，不计算下降率。"),
        "6. 方法变化：2020年起用水统计实行用户直报，与2019年及以前数据不完全可比。",
        f"7. 修约：数据全精度存储，仅在发布时{ROUNDING_NOTES[rounding_mode]}。",
        f"8. 数据保护：{SUPPRESSION_NOTE}",
    ]


def as_deployed(con, specs: list[TableSpec], prefix: str) -> list[TableSpec]:
    """Each table's decimals (precision table: its code, figure) and number (bulletin.table_labels:
    code → e.g. 表2-1) as the deployment sets them. A table's code is <prefix>_<n> by its place
    unless its builder fixed one (OPTIONAL_BULLETIN_TABLES)."""
    precision, labels = Precision(con), setting(con, "bulletin.table_labels")
    for n, spec in enumerate(specs, start=1):
        code = spec.code = spec.code or f"{prefix}_{n}"
        spec.columns = [c if c.decimals is None else replace(c, decimals=precision(code, c.figure or c.key, c.decimals))
                        for c in spec.columns]
        if code in labels and spec.sheet.startswith(f"表{n}"):
            spec.sheet = labels[code] + spec.sheet[len(f"表{n}"):]
            spec.title = spec.title.replace(f"表{n}", labels[code], 1)
    return specs


def groundwater(con, year: int, unit: str, n: int) -> TableSpec | None:
    """地下水开采与管控: each unit's abstraction by aquifer against its controls, and its status; None
    when the deployment sets no groundwater controls and no returns came in that year."""
    table = report(con, "rpt_bulletin_groundwater", year, unit, order="sort_order, aquifer_sort_order")
    if not table:
        return None
    return TableSpec(
        sheet=f"表{n} 地下水开采与管控", title=f"表{n}  {year}年各地区地下水开采量与管控指标", unit_line="",
        columns=[Col("region_label", "地区"), Col("aquifer_name_zh", "含水层"),
                 Col("abstraction_10k_m3", ("开采量", "万m³"), 2, figure="groundwater_abstraction"),
                 Col("volume_control_10k_m3", ("开采量控制指标", "万m³"), 2, figure="groundwater_control"),
                 Col("depth_to_water_m", ("地下水埋深", "m"), 2, figure="depth_to_water"),
                 Col("level_control_depth_m", ("水位控制指标(埋深)", "m"), 2, figure="level_control"),
                 Col("overdraft_zone_names_zh", "超采区"), Col("status_zh", "含水层状况"),
                 Col("unit_status_zh", "水资源承载状况")],
        rows=table,
        notes=[f"地下水埋深为监测井{'年末' if setting(con, 'rules.groundwater_level_basis') == 'year_end' else '年均'}"
               "埋深的平均值，埋深大于水位控制指标即低于控制水位。",
               "含水层开采量超过控制指标、水位低于控制水位或位于超采区的为超载；开采量达到控制指标的"
               f"{setting(con, 'rules.carrying_capacity_critical_ratio'):g}倍及以上的为临界超载。",
               "水资源承载状况取用水总量和地下水两方面评价结果中较差者。"])


def declines_by_base(con, year: int, unit: str, n: int) -> TableSpec | None:
    """The two intensity declines against every base year named for the rows (表3 shows the plan
    period's only): None when no row has a comparison base this year."""
    long = report(con, "rpt_bulletin_intensity_declines", year, unit, order="sort_order, base_year, indicator_code")
    if not any(not r["is_plan_base"] for r in long):
        return None
    # the plan period's base first (every row has it), then the comparison bases
    bases = sorted({r["base_year"] for r in long}, key=lambda b: (not any(
        r["is_plan_base"] for r in long if r["base_year"] == b), b))
    names = {"water_use_per_10k_gdp_decline_vs_base": "万元GDP用水量下降率",
             "water_use_per_10k_industry_va_decline_vs_base": "万元工业增加值用水量下降率"}
    decimals = {r["indicator_code"]: r["bulletin_decimals"] for r in long}
    columns = [Col("region_label", "地区")] + [Col(f"{code}_{b}", (name, f"较{b}年(%)"), decimals.get(code, 1))
                                              for code, name in names.items() for b in bases]
    by_region: dict[str, dict] = {}
    for r in long:
        row = by_region.setdefault(r["region_code"], {"region_code": r["region_code"], "region_label": r["region_label"]})
        row[f"{r['indicator_code']}_{r['base_year']}"] = r["value"]
    return TableSpec(sheet=f"表{n} 用水效率较各基准年变化", title=f"表{n}  {year}年各地区用水效率较各基准年变化", unit_line="",
                     columns=columns, rows=list(by_region.values()),
                     notes=["下降率按可比价计算(地区生产总值、工业增加值指数自基准年起逐年连乘)；基准年为规划期基准年及本地区"
                            "行动方案等确定的比较基准年；空白表示该地区未以该年为基准。"])


def ecological_flow(con, year: int, unit: str, n: int) -> TableSpec | None:
    """Ecological flow at the control sections: None when the deployment assesses none this year."""
    table = report(con, "rpt_bulletin_ecological_flow", year, unit, order="sort_order, section_code")
    if not table:
        return None
    return TableSpec(sheet=f"表{n} 控制断面生态流量", title=f"表{n}  {year}年主要河流控制断面生态流量保障情况", unit_line="",
                     columns=[Col("river_zh", "河流"), Col("section_name_zh", "控制断面"),
                              Col("min_flow_m3s", ("最小生态流量", "m³/s"), 2), Col("days_with_data", ("监测天数", "d"), 0),
                              Col("days_meeting_minimum", ("达标天数", "d"), 0),
                              Col("days_below_minimum", ("不达标天数", "d"), 0),
                              Col("assurance_rate_pct", ("保证率", "%"), 1),
                              Col("longest_run_below_days", ("最长连续不达标", "d"), 0), Col("status_zh", "预警")],
                     rows=table,
                     notes=["按日均流量与当日适用的最小生态流量(分时段控制的断面按所在月份)比较；"
                            "保证率=达标天数/监测天数×100%；预警等级按本地区确定的规则。"])


# Tables a year has only when their inputs came in, with their fixed codes: the deployment's precision
# and table labels and the trace name a table by its code; the sheet's number is its place.
OPTIONAL_BULLETIN_TABLES = (("bulletin_7", unconventional), ("bulletin_8", groundwater),
                            ("bulletin_9", declines_by_base), ("bulletin_10", ecological_flow))


def bulletin_tables(con, year: int, unit: str) -> list[TableSpec]:
    tables = [use_by_sector(con, year, unit), use_by_source(con, year, unit), indicators(con, year, unit),
              leakage(con, year, unit), industrial_reuse(con, year, unit), consumption(con, year, unit)]
    specs = [replace(t, code=f"bulletin_{i}") for i, t in enumerate(tables, start=1) if t is not None]
    for code, build in OPTIONAL_BULLETIN_TABLES:  # numbered after the tables the year has before them
        spec = build(con, year, unit, len(specs) + 1)
        if spec is not None:
            specs.append(replace(spec, code=code))
    return as_deployed(con, specs, "bulletin")


def assessment_tables(con, year: int, unit: str) -> list[TableSpec]:
    targets = report(con, "rpt_assessment_targets", year, unit, order="sort_order, indicator_sort_order")
    precision = Precision(con)
    for row in targets:  # a column of mixed indicators: each row at its indicator's precision
        row["value_decimals"] = precision("assessment_1", row["indicator_code"], row["value_decimals"])
    scores = report(con, "rpt_assessment_scores", year, unit, order="rank_in_year, sort_order")
    tasks = report(con, "rpt_assessment_tasks", year, unit, order="task_id")
    # a unit with targets in 表1 but no score this year (no inspection score reported): said under 表2
    scored = {r["region_label"] for r in scores}
    unscored = [u for u in dict.fromkeys(r["region_label"] for r in targets if r["sort_order"] >= 0) if u not in scored]
    return as_deployed(con, [
        TableSpec(sheet="表1 考核指标完成情况", title=f"表1  {year}年度最严格水资源管理制度考核指标完成情况", unit_line="",
                  columns=[Col("region_label", "被考核单位"), Col("indicator_name_zh", "考核指标"), Col("unit", "单位"),
                           Col("caliber_zh", "口径"), Col("target_text", "目标值"),
                           Col("value", "完成值", 3, row_decimals="value_decimals"),
                           Col("result_zh", "完成情况"), Col("points", ("得分", "得分"), 1),
                           Col("max_points", ("得分", "满分"), 0)],
                  rows=targets, notes=["完成值按全精度计算、发布时按各指标的公报精度修约；得分按本年度考核办法的评分规则计算。"]),
        TableSpec(sheet="表2 考核得分与等级", title=f"表2  {year}年度考核得分、等级与等次", unit_line="单位：分",
                  columns=[Col("region_label", "被考核单位"), Col("target_points", ("得分构成", "目标完成"), 1),
                           Col("system_points", ("得分构成", "制度建设"), 1), Col("measures_points", ("得分构成", "措施落实"), 1),
                           Col("bonus_points", ("得分构成", "创新加分"), 1), Col("total_score", "总分", 1),
                           Col("grade_zh", "等级"), Col("tier_zh", "等次"), Col("rank_in_year", "排名", 0)],
                  rows=scores, notes=[grade_note(con.execute(
                      "select min_score, grade_zh from deployment.assessment_grades").fetchall())]
                  + ([f"{'、'.join(unscored)}本年度有考核指标(见表1)但无考核评分，未列入本表排名。"] if unscored else [])),
        TableSpec(sheet="表3 任务分解表", title=f"{year}年度最严格水资源管理工作任务分解表", unit_line="",
                  # nine columns of sentences: wrapped narrow, so the table prints at a readable size
                  columns=[Col("task_id", "序号"), Col("work_item_zh", "工作事项", wrap_at=16),
                           Col("task_type_zh", "任务类型", wrap_at=12), Col("goal_zh", "工作目标", wrap_at=20),
                           Col("task_zh", "工作任务", wrap_at=24), Col("lead_unit_zh", "责任单位", wrap_at=12),
                           Col("partner_units_zh", "配合单位", wrap_at=20), Col("deadline_zh", "完成时限"),
                           Col("status_zh", "完成情况"), Col("evidence_zh", "佐证材料", wrap_at=16)],
                  rows=tasks, notes=TASK_NOTES if tasks else []),
        *management_tables(con, year, unit, tasks),
    ], "assessment")


TASK_NOTES = ["有考核指标的任务，完成情况按指标完成值与目标值计算(已完成/未完成/无数据)；其他任务为责任单位报送的完成情况。"]


def management_tables(con, year: int, unit: str, tasks: list[dict]) -> list[TableSpec]:
    """The water-saving management tables after 表3, each numbered in turn and only when the year has
    rows: tasks overdue for 督办, the management rates beside their targets (every target no scoring
    rule scores), the carriers by type, the supervision inspections, the plan and permit ledgers,
    the audit and quota ledgers."""
    overdue = sorted((t for t in tasks if t["is_overdue"]), key=lambda t: t["task_id"])
    targets = report(con, "rpt_assessment_management_targets", year, unit, order="sort_order, indicator_sort_order")
    precision = Precision(con)
    for row in targets:
        row["value_decimals"] = precision("assessment_management", row["indicator_code"], row["value_decimals"])
    carriers = report(con, "rpt_assessment_carriers", year, unit, order="sort_order, carrier_type_sort_order")
    supervision = report(con, "rpt_assessment_supervision", year, unit)
    permits_plans = report(con, "rpt_assessment_permits_plans", year, unit)
    audits_quotas = report(con, "rpt_assessment_audits_quotas", year, unit)
    specs, n = [], 4
    if tasks:
        specs.append(TableSpec(
            sheet=f"表{n} 督办任务清单", title=f"表{n}  {year}年度逾期未完成任务督办清单", unit_line="",
            columns=[Col("task_id", "序号"), Col("task_zh", "工作任务", wrap_at=24), Col("lead_unit_zh", "责任单位", wrap_at=12),
                     Col("partner_units_zh", "配合单位", wrap_at=20), Col("deadline_zh", "完成时限"),
                     Col("status_zh", "完成情况"), Col("days_overdue", "逾期天数", 0)],
            rows=overdue, code="assessment_overdue",
            notes=[f"截至{tasks[0]['as_of_zh']}，完成时限已过且未完成的任务共{len(overdue)}项，列入督办。"]))
        n += 1
    if targets:
        specs.append(TableSpec(
            sheet=f"表{n} 管理指标完成情况", title=f"表{n}  {year}年度节水管理指标完成情况", unit_line="",
            columns=[Col("region_label", "地区"), Col("indicator_name_zh", "指标"), Col("unit", "单位"),
                     Col("target_text", "目标值"), Col("value", "完成值", 1, row_decimals="value_decimals"),
                     Col("result_zh", "完成情况")],
            rows=targets, code="assessment_management",
            notes=["列出部署设定了目标、但不计入考核得分(表1)的管理指标；完成值按全精度计算、发布时修约。"]))
        n += 1
    if carriers:
        specs.append(TableSpec(
            sheet=f"表{n} 节水载体创建情况", title=f"表{n}  {year}年节水载体创建情况", unit_line="",
            columns=[Col("region_label", "地区"), Col("carrier_type_zh", "载体类型"),
                     Col("carriers_created_in_year", "本年新建(个)", 0), Col("carriers_reviewed_in_year", "本年复核(个)", 0),
                     Col("carriers_cumulative", ("累计建成(个)", "合计"), 0),
                     Col("carriers_national", ("累计建成(个)", "国家级"), 0),
                     Col("carriers_provincial", ("累计建成(个)", "省级"), 0),
                     Col("carriers_municipal", ("累计建成(个)", "市级"), 0),
                     Col("efficiency_leaders", "水效领跑者(个)", 0), Col("base_count", "基数(个)", 0),
                     Col("creation_rate_pct", "建成率(%)", 1, figure="carrier_creation_rate")],
            rows=carriers, code="assessment_carriers",
            notes=["累计建成为创建年度不晚于本年的载体，同一载体重复登记的只计一次；建成率=累计建成÷基数×100%，基数由部署按地区和载体类型设定。"]))
        n += 1
    if supervision:
        specs.append(TableSpec(
            sheet=f"表{n} 监督检查情况", title=f"表{n}  {year}年度取用水监督检查情况", unit_line="",
            columns=[Col("region_label", "地区"), Col("withdrawal_units_inspected", ("抽查单位(个)", "取水单位"), 0),
                     Col("use_units_inspected", ("抽查单位(个)", "用水单位"), 0),
                     Col("findings_permit", ("发现问题(个)", "取水许可"), 0), Col("findings_works", ("发现问题(个)", "工程设施"), 0),
                     Col("findings_metering", ("发现问题(个)", "计量与检定"), 0),
                     Col("findings_fees", ("发现问题(个)", "水资源费(税)"), 0), Col("findings_quota", ("发现问题(个)", "定额执行"), 0),
                     Col("findings", ("发现问题(个)", "合计"), 0), Col("findings_corrected", "已整改(个)", 0),
                     Col("correction_rate_pct", "问题整改率(%)", 1, figure="supervision_correction_rate"),
                     Col("on_time_correction_rate_pct", "按期整改率(%)", 1, figure="supervision_on_time_correction_rate")],
            rows=supervision, code="assessment_supervision",
            notes=["问题整改率=截至报告日已完成整改的问题数÷发现问题数×100%；按期整改率=在整改期限内完成整改的问题数÷发现问题数×100%。"]))
        n += 1
    if permits_plans:
        specs.append(permits_plans_table(permits_plans, year, n))
        n += 1
    if audits_quotas:
        specs.append(audits_quotas_table(audits_quotas, year, n))
    return specs


def permits_plans_table(table: list[dict], year: int, n: int) -> TableSpec:
    """取水许可与计划用水管理 (rpt_assessment_permits_plans); the renewal list's report date, when the year
    carries it, is said in the note."""
    dated = next((r for r in table if r["expiry_report_date"]), None)
    day = dated and dated["expiry_report_date"]
    expiring = (f"即将到期={day.year}年{day.month}月{day.day}日有效、有效期在其后{dated['expiry_window_months']}个月内届满"
                "且尚未延续的取水许可证件数(按该报告日统计，列于报告日所在或之前最近的年度表中)。" if dated else
                "即将到期许可证按报告日统计，列于报告日所在或之前最近的年度表中，本年度表不列。")
    return TableSpec(
        sheet=f"表{n} 取水许可与计划用水", title=f"表{n}  {year}年度取水许可与计划用水管理情况", unit_line="",
        columns=[Col("region_label", "地区"), Col("users_plan_required", ("计划用水", "应下达计划(户)"), 0),
                 Col("users_with_plan", ("计划用水", "已下达计划(户)"), 0),
                 Col("plan_issuance_rate_pct", ("计划用水", "计划下达率(%)"), 1, figure="plan_issuance_rate"),
                 Col("permits_in_force", ("取水许可证", "年末有效(件)"), 0),
                 Col("e_licences", ("取水许可证", "其中：电子证照(件)"), 0),
                 Col("e_licence_rate_pct", ("取水许可证", "电子证照转换率(%)"), 1, figure="e_licence_conversion_rate"),
                 Col("permits_expiring", ("取水许可证", "即将到期(件)"), 0),
                 Col("users_without_permit", ("无有效许可取水", "取水户(户)"), 0),
                 Col("user_days_without_permit", ("无有效许可取水", "天数(户·天)"), 0)],
        rows=table, code="assessment_permits_plans",
        notes=["计划下达率=已下达计划(含追加)的应下达计划用水户数÷应下达计划用水户数×100%，应下达计划的用水户按本地区确定的范围"
               "(自备水源取水户、重点监控用水单位、公共供水量达到规定数量的用水户)确定。",
               "电子证照转换率=12月31日有效的取水许可证中已转换(或核发)为电子证照的件数÷12月31日有效的取水许可证件数×100%。",
               "无有效许可取水：有自备水源取水量、且本年有未被有效取水许可覆盖日期的取水户；天数为各户无有效许可日数之和。",
               expiring])


def audits_quotas_table(table: list[dict], year: int, n: int) -> TableSpec:
    """用水审计、水平衡测试与定额执行 (rpt_assessment_audits_quotas): per kind the users required, those
    covered within their cycle and 覆盖率, those done in the year and 计划完成率; then the quotas."""
    kinds = (("audit", "用水审计", "water_audit"), ("balance_test", "水平衡测试", "water_balance_test"))
    return TableSpec(
        sheet=f"表{n} 用水审计与定额执行", title=f"表{n}  {year}年度用水审计、水平衡测试与定额执行情况", unit_line="",
        columns=[Col("region_label", "地区"),
                 *(col for key, kind, figure in kinds for col in (
                     Col(f"{key}_required", (kind, "应开展(户)"), 0), Col(f"{key}_covered", (kind, "已覆盖(户)"), 0),
                     Col(f"{key}_coverage_pct", (kind, "覆盖率(%)"), 1, figure=f"{figure}_coverage"),
                     Col(f"{key}_done", (kind, "本年完成(户)"), 0),
                     Col(f"{key}_completion_pct", (kind, "计划完成率(%)"), 1, figure=f"{figure}_completion_rate"))),
                 Col("users_judged", ("定额执行", "对标用水户(户)"), 0),
                 Col("users_over_quota", ("定额执行", "超定额用水户(户)"), 0),
                 Col("surcharge_10k_yuan", ("定额执行", "超定额累进加价(万元)"), 1, figure="quota_surcharge")],
        rows=table, code="assessment_audits_quotas",
        notes=["覆盖率=已覆盖(按规定周期已开展用水审计或水平衡测试)的应开展用水户数÷应开展用水户数×100%；"
               "计划完成率=年度计划内已完成的户数÷年度计划户数×100%；本年完成含计划外开展的。",
               "对标用水户为有适用用水定额且有产量和用水量的用水户；超定额用水户为任一产品用水量超过定额用水量"
               "(定额×产量)的用水户。",
               "超定额累进加价=Σ各档超定额水量×定额所属行业的水价×累进倍数。"])


def grade_note(grades: list[tuple[float, str]]) -> str:
    """The note under 表2 from the deployment's grades: ≥90分为优秀，80～90分为良好，…，<60分为不合格."""
    if not grades:
        return "本部署未设定考核等级。"
    ordered = sorted(grades, reverse=True)
    parts = []
    for i, (low, grade) in enumerate(ordered):
        if i == 0:
            parts.append(f"≥{low:g}分为{grade}")
        elif i == len(ordered) - 1 and low <= 0:
            parts.append(f"<{ordered[i - 1][0]:g}分为{grade}")
        else:
            parts.append(f"{low:g}～{ordered[i - 1][0]:g}分为{grade}")
    return "，".join(parts) + "(以上含本数，以下不含本数)；一票否决者为不合格。"


def available_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [r[0] for r in con.execute(
        "select distinct report_year from marts.mart_water_use_by_region order by 1").fetchall()]
