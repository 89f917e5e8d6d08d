"""The yearly bulletin (水资源公报) and assessment (考核) tables, as table specs.

Every function reads the `marts` schema of whatever connection it is given: the warehouse, or a
publication's frozen input bundle (exports/publication.py), so a published version can be rebuilt
from its own inputs.
"""
from __future__ import annotations

from dataclasses import replace

import duckdb

from dagster_project.exports.workbook import SUPPRESSED, Col, TableSpec
from dagster_project.lib.deployment import setting

VOLUME_DECIMALS = 2  # 亿m³ to two decimals, as national and city bulletins publish totals
ROUNDING_NOTES = {"half_even": "按GB/T 8170-2008修约一次(四舍六入五成双)", "half_up": "四舍五入修约一次"}
NOT_AVAILABLE = "—"
NOT_AVAILABLE_NOTE = (f"“{NOT_AVAILABLE}”表示缺少该项所需的基础数据(如仅报送汇总数、未分行业或水源、"
                      "未提供人口或灌溉面积)，不予计算。")
SUPPRESSION_NOTE = f"“{SUPPRESSED}”表示该数据仅涉及个别调查单位或由单一单位主导，按统计法不予公布。"



def top_unit(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select region_code from marts.dim_regions where is_top_level").fetchone()[0]


def region_order_sql(unit: str, year: int) -> str:
    """The rows of a unit's tables: the unit itself (by its short name in the register) first, then its
    direct children in register order, each only in the years its code is in use."""
    assert unit.isdigit() and isinstance(year, int)  # inlined into SQL: a register code and a year only
    return f"""
    select r.region_code, case when r.region_code = '{unit}' then r.short_name_zh else r.region_name_zh end
               as region_label,
           case when r.region_code = '{unit}' then -1 else r.sort_order end as sort_order
    from marts.dim_regions r
    where (r.region_code = '{unit}' or r.parent_code = '{unit}')
      and coalesce(r.valid_from_year, {year}) <= {year} and coalesce(r.valid_to_year, {year}) >= {year}"""


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


def suppress(con, year: int, table_rows: list[dict], cell_of_column: dict[str, str]) -> int:
    """Replace suppressed cells (marts.fct_disclosure_cells) by the mark; returns how many."""
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


def use_by_sector(con, year: int, unit: str) -> TableSpec:
    table = rows(con, f"""
        select u.region_code, g.region_label, u.has_sector_split, u.has_agriculture_split, u.has_industry_split,
               u.has_domestic_split, u.total_m3 / 1e8 as total, u.agriculture_m3 / 1e8 as agriculture,
               u.farmland_irrigation_m3 / 1e8 as farmland, (u.agriculture_m3 - u.farmland_irrigation_m3) / 1e8 as other_agri,
               u.industry_m3 / 1e8 as industry, u.once_through_cooling_m3 / 1e8 as cooling,
               u.domestic_m3 / 1e8 as domestic, u.residential_m3 / 1e8 as residential, u.public_m3 / 1e8 as public,
               u.ecological_m3 / 1e8 as ecological
        from marts.mart_water_use_by_region u join ({region_order_sql(unit, year)}) g using (region_code)
        where u.report_year = ? order by g.sort_order""", [year])
    n = suppress(con, year, table, {"total": "total", "agriculture": "agriculture", "farmland": "farmland_irrigation",
                                    "industry": "industry", "cooling": "once_through_cooling",
                                    "domestic": "domestic", "public": "public", "ecological": "ecological"})
    unavailable = mark_not_available(table, {
        "has_sector_split": ("agriculture", "farmland", "other_agri", "industry", "cooling", "domestic",
                             "residential", "public", "ecological"),
        "has_agriculture_split": ("farmland", "other_agri"), "has_industry_split": ("cooling",),
        "has_domestic_split": ("residential", "public")})
    d = VOLUME_DECIMALS
    notes = ["注：用水总量=农业+工业+生活+人工生态环境补水；生活用水含居民生活和公共用水(第三产业及建筑业)；"
             "因四舍五入，分项之和与合计可能略有出入。"] + ([f"{NOT_AVAILABLE_NOTE}"] if unavailable else [])
    return TableSpec(
        sheet="表1 分行业用水量", title=f"表1  {year}年各地区分行业用水量", unit_line="单位：亿m³",
        columns=[Col("region_label", "地区"), Col("total", "用水总量", d),
                 Col("agriculture", ("农业用水", "小计"), d), Col("farmland", ("农业用水", "耕地灌溉"), d),
                 Col("other_agri", ("农业用水", "林牧渔畜"), d),
                 Col("industry", ("工业用水", "小计"), d), Col("cooling", ("工业用水", "其中：火(核)电直流冷却"), d),
                 Col("domestic", ("生活用水", "小计"), d), Col("residential", ("生活用水", "居民生活"), d),
                 Col("public", ("生活用水", "公共用水"), d), Col("ecological", "人工生态环境补水", d)],
        rows=table, notes=notes + ([SUPPRESSION_NOTE] if n else []))


def use_by_source(con, year: int, unit: str) -> TableSpec:
    types = [r["t"] for r in rows(con, """select distinct unconventional_type_zh as t from marts.fct_unconventional_water
                                          where report_year = ? order by 1""", [year])]
    pivot = ", ".join(f"sum(volume_m3) filter (where unconventional_type_zh = '{t}') / 1e8 as \"u_{t}\"" for t in types)
    table = rows(con, f"""
        select u.region_code, g.region_label, u.has_source_split, u.total_m3 / 1e8 as total,
               u.surface_m3 / 1e8 as surface,
               u.ground_m3 / 1e8 as ground, u.unconventional_m3 / 1e8 as unconventional,
               u.unconventional_m3 / nullif(u.total_m3, 0) * 100 as unconventional_share
               {', ' + ', '.join(f'x."u_{t}"' for t in types) if types else ''}
        from marts.mart_water_use_by_region u join ({region_order_sql(unit, year)}) g using (region_code)
        left join (select region_code {', ' + pivot if types else ''} from marts.fct_unconventional_water
                   where report_year = ? group by region_code) x using (region_code)
        where u.report_year = ? order by g.sort_order""", [year, year])
    n = suppress(con, year, table, {"total": "total", "surface": "surface", "ground": "ground",
                                    "unconventional": "unconventional", "unconventional_share": "unconventional"})
    unavailable = mark_not_available(table, {"has_source_split": (
        "surface", "ground", "unconventional", "unconventional_share", *(f"u_{t}" for t in types))})
    d = VOLUME_DECIMALS
    return TableSpec(
        sheet="表2 分水源供水量", title=f"表2  {year}年各地区分水源供水量", unit_line="单位：亿m³",
        columns=[Col("region_label", "地区"), Col("total", "供水总量", d), Col("surface", "地表水", d),
                 Col("ground", "地下水", d), Col("unconventional", ("非常规水源", "小计"), d)]
        + [Col(f"u_{t}", ("非常规水源", t), d) for t in types]
        + [Col("unconventional_share", ("非常规水源", "占用水总量(%)"), 1)],
        rows=table, notes=["注：供水总量=用水总量；非常规水源含再生水、集蓄雨水、海水淡化水、矿坑(井)水、微咸水。"]
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
    long = rows(con, f"""
        select g.region_code, g.region_label, g.sort_order, i.indicator_code, i.value, i.bulletin_decimals
        from ({region_order_sql(unit, year)}) g
        left join marts.fct_indicators i on i.region_code = g.region_code and i.report_year = ?
             and i.caliber = 'statistical'
        order by g.sort_order""", [year])
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
        notes=["注：1.万元GDP用水量、万元工业增加值用水量按当年价计算；下降率按可比价计算(地区生产总值、工业增加值指数连乘)。",
               "2.人均指标按年平均常住人口计算；人均生活用水量含居民生活和公共用水。",
               "3.农田灌溉水有效利用系数按首尾测算分析法，样点灌区→灌区类型→地区按毛灌溉用水量加权。"]
        + ([f"4.{NOT_AVAILABLE_NOTE}"] if missing else []))


def leakage(con, year: int, unit: str) -> TableSpec:
    suppliers = rows(con, f"""
        select l.region_code, g.region_label || ' ' || l.unit_name as region_label, g.sort_order,
               l.system_input_m3 / 1e4 as system_input, l.authorized_m3 / 1e4 as authorized,
               l.comprehensive_loss_rate_pct as comprehensive, l.r1_household_metering_pct as r1,
               l.r2_pipe_length_pct as r2, l.r3_pressure_pct as r3, l.r4_frost_depth_pct as r4,
               l.leakage_rate_pct as rate, l.leakage_grade_zh as grade
        from marts.fct_public_supply_leakage l join ({region_order_sql(unit, year)}) g using (region_code)
        where l.report_year = ? order by g.sort_order, l.unit_name""", [year])
    regional = rows(con, f"""
        select i.region_code, g.region_label || ' (地区加权)' as region_label,
               max(i.value) filter (where indicator_code = 'comprehensive_loss_rate') as comprehensive,
               max(i.value) filter (where indicator_code = 'network_leakage_rate') as rate
        from marts.fct_indicators i join ({region_order_sql(unit, year)}) g using (region_code)
        where i.report_year = ? and i.caliber = 'statistical'
          and i.indicator_code in ('comprehensive_loss_rate', 'network_leakage_rate')
        group by all order by any_value(g.sort_order)""", [year])
    return TableSpec(
        sheet="表4 供水管网漏损", title=f"表4  {year}年城市公共供水管网漏损情况", unit_line="",
        columns=[Col("region_label", "供水单位/地区"), Col("system_input", ("供水总量", "万m³"), 1),
                 Col("authorized", ("注册用户用水量", "万m³"), 1), Col("comprehensive", ("综合漏损率", "%"), 2),
                 Col("r1", ("修正值(%)", "R1 抄表到户"), 2), Col("r2", ("修正值(%)", "R2 管长"), 2),
                 Col("r3", ("修正值(%)", "R3 压力"), 2), Col("r4", ("修正值(%)", "R4 冻土"), 2),
                 Col("rate", ("漏损率", "%"), 2), Col("grade", "评定等级")],
        rows=suppliers + regional,
        notes=["注：按CJJ 92-2016(2018年局部修订)计算：漏损率=综合漏损率−(R1+R2+R3+R4)，R2限值±3%；"
               "漏损率≤10%为一级、≤12%为二级；地区漏损率按供水总量加权。"])


def industrial_reuse(con, year: int, unit: str) -> TableSpec:
    table = rows(con, f"""
        select r.region_code, g.region_label, r.reused_m3 / 1e4 as reused, r.new_water_m3 / 1e4 as new_water,
               r.reuse_rate_pct as rate, r.n_firms
        from marts.fct_industrial_reuse r join ({region_order_sql(unit, year)}) g using (region_code)
        where r.report_year = ? order by g.sort_order""", [year])
    return TableSpec(
        sheet="表5 工业用水重复利用", title=f"表5  {year}年规模以上工业用水重复利用情况", unit_line="",
        columns=[Col("region_label", "地区"), Col("reused", ("重复利用水量", "万m³"), 1),
                 Col("new_water", ("取用新水量", "万m³"), 1), Col("rate", ("重复利用率", "%"), 1),
                 Col("n_firms", ("企业数", "家"), 0)],
        rows=table, notes=["注：重复利用率=Σ重复利用水量/Σ(重复利用水量+取用新水量)，按企业汇总后计算，不取企业比率的平均值；"
                           "火(核)电直流冷却企业按规则不计入。"])


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
        "4. 非重点工业用水按规模以下样本企业万元工业增加值用水量推算，推算系数见 int_industry_extrapolation。",
        "5. 价格口径：强度指标按当年价；下降率按可比价计算，" + (f"基准年为{base}年。" if base else "本年不在任何规划期内，不计算下降率。"),
        "6. 方法变化：2020年起用水统计实行用户直报，与2019年及以前数据不完全可比。",
        f"7. 修约：数据全精度存储，仅在发布时{ROUNDING_NOTES[rounding_mode]}。",
        f"8. 数据保护：{SUPPRESSION_NOTE}",
    ]


def as_deployed(con, specs: list[TableSpec], prefix: str) -> list[TableSpec]:
    """Each table's decimals (precision table: <prefix>_<n>, figure) and number (bulletin.table_labels:
    <prefix>_<n> → e.g. 表2-1) as the deployment sets them."""
    precision, labels = Precision(con), setting(con, "bulletin.table_labels")
    for n, spec in enumerate(specs, start=1):
        code = f"{prefix}_{n}"
        spec.columns = [c if c.decimals is None else replace(c, decimals=precision(code, c.key, c.decimals))
                        for c in spec.columns]
        if code in labels and spec.sheet.startswith(f"表{n}"):
            spec.sheet = labels[code] + spec.sheet[len(f"表{n}"):]
            spec.title = spec.title.replace(f"表{n}", labels[code], 1)
    return specs


def bulletin_tables(con, year: int, unit: str) -> list[TableSpec]:
    return as_deployed(con, [use_by_sector(con, year, unit), use_by_source(con, year, unit),
                                indicators(con, year, unit), leakage(con, year, unit),
                                industrial_reuse(con, year, unit)], "bulletin")


def assessment_tables(con, year: int, unit: str) -> list[TableSpec]:
    targets = rows(con, f"""
        select s.region_code, g.region_label, c.indicator_name_zh as indicator, c.unit,
               case when s.caliber = 'assessment' then '考核口径' else '统计口径' end as caliber,
               s.direction || ' ' || s.target_value as target, s.value, case when s.is_met then '达标'
               when s.is_missing_value then '无数据' else '未达标' end as met, s.points, s.max_points
        from marts.fct_assessment_indicator_scores s join ({region_order_sql(unit, year)}) g using (region_code)
        join ref.indicator_catalog c using (indicator_code)
        where s.report_year = ? order by g.sort_order, c.sort_order""", [year])
    scores = rows(con, f"""
        select s.region_code, g.region_label, s.target_points, s.system_points, s.measures_points, s.bonus_points,
               s.total_score, s.grade_zh, s.tier_zh, s.rank_in_year
        from marts.fct_assessment_scores s join ({region_order_sql(unit, year)}) g using (region_code)
        where s.report_year = ? order by s.rank_in_year, g.sort_order""", [year])
    tasks = rows(con, f"""
        select task_id, work_item_zh, task_type_zh, goal_zh, task_zh, lead_unit_zh, partner_units_zh,
               strftime(deadline, '%Y年%-m月%-d日') as deadline, status_zh
        from marts.fct_assessment_tasks
        where report_year = ? and region_code in (select region_code from ({region_order_sql(unit, year)}))
        order by task_id""", [year])
    return as_deployed(con, [
        TableSpec(sheet="表1 考核指标完成情况", title=f"表1  {year}年度最严格水资源管理制度考核指标完成情况", unit_line="",
                  columns=[Col("region_label", "被考核单位"), Col("indicator", "考核指标"), Col("unit", "单位"),
                           Col("caliber", "口径"), Col("target", "目标值"), Col("value", "完成值", 3),
                           Col("met", "完成情况"), Col("points", ("得分", "得分"), 1), Col("max_points", ("得分", "满分"), 0)],
                  rows=targets, notes=["注：完成值为全精度计算后按三位小数显示；评分规则见本部署的 assessment_scoring_rules 表。"]),
        TableSpec(sheet="表2 考核得分与等级", title=f"表2  {year}年度考核得分、等级与等次", unit_line="单位：分",
                  columns=[Col("region_label", "被考核单位"), Col("target_points", ("得分构成", "目标完成"), 1),
                           Col("system_points", ("得分构成", "制度建设"), 1), Col("measures_points", ("得分构成", "措施落实"), 1),
                           Col("bonus_points", ("得分构成", "创新加分"), 1), Col("total_score", "总分", 1),
                           Col("grade_zh", "等级"), Col("tier_zh", "等次"), Col("rank_in_year", "排名", 0)],
                  rows=scores, notes=[grade_note(con.execute(
                      "select min_score, grade_zh from deployment.assessment_grades").fetchall())]),
        TableSpec(sheet="表3 任务分解表", title=f"{year}年度最严格水资源管理工作任务分解表", unit_line="",
                  columns=[Col("task_id", "序号"), Col("work_item_zh", "工作事项"), Col("task_type_zh", "任务类型"),
                           Col("goal_zh", "工作目标"), Col("task_zh", "工作任务"), Col("lead_unit_zh", "责任单位"),
                           Col("partner_units_zh", "配合单位"), Col("deadline", "完成时限"), Col("status_zh", "完成情况")],
                  rows=tasks),
    ], "assessment")


def grade_note(grades: list[tuple[float, str]]) -> str:
    """The note under 表2 from the deployment's grades: ≥90分为优秀，80～90分为良好，…，<60分为不合格."""
    if not grades:
        return "注：本部署未设定考核等级。"
    ordered = sorted(grades, reverse=True)
    parts = []
    for i, (low, grade) in enumerate(ordered):
        if i == 0:
            parts.append(f"≥{low:g}分为{grade}")
        elif i == len(ordered) - 1 and low <= 0:
            parts.append(f"<{ordered[i - 1][0]:g}分为{grade}")
        else:
            parts.append(f"{low:g}～{ordered[i - 1][0]:g}分为{grade}")
    return "注：" + "，".join(parts) + "(以上含本数，以下不含本数)；一票否决者为不合格。"


def available_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [r[0] for r in con.execute(
        "select distinct report_year from marts.mart_water_use_by_region order by 1").fetchall()]
