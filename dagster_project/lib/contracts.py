"""Input contracts: one registry of every raw source, its accepted header variants and types.

The readers, the raw table DDL and docs/inputs.md are all generated from this registry, so a
new header variant is added in one place.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dagster_project.lib.reference import carrier_types, plausible_ranges

# a firm's reuse rate above the indicator's plausible maximum (seeds/indicator_catalog.csv) is a
# keying error, quarantined at load like any broken row
REUSE_RATE_MAX_PCT = plausible_ranges()["industrial_reuse_rate"][1]
RECLAIMED_USES = ("industry", "municipal", "ecological", "other")  # 再生水利用量 by use on a plant's return
MONTHLY_SPLIT_TOLERANCE_PCT = 1  # the monthly plans may differ from the annual plan by rounding


class ContractError(Exception):
    """A file that breaks its input contract; the message names file, row, column and rule."""

    def __init__(self, file: Path | str, rule: str, detail: str, row: int | None = None,
                 column: str | None = None):
        self.file, self.rule, self.detail, self.row, self.column = str(file), rule, detail, row, column
        where = f" row {row}" if row is not None else ""
        where += f" column {column!r}" if column else ""
        super().__init__(f"{Path(self.file).name}{where}: [{rule}] {detail}")


@dataclass(frozen=True)
class Column:
    name: str  # canonical (English, snake_case) column name in the raw table
    aliases: tuple[str, ...]  # accepted header texts (Chinese first), matched after normalising
    kind: str = "text"  # text | number | integer | date | timestamp | flag
    required: bool = True
    unit_from_header: bool = False  # header carries the unit, e.g. 许可水量(万m³/年) → "万m³"
    description: str = ""
    min_value: float | None = None  # numbers below it are quarantined (volumes: 0)
    max_value: float | None = None
    check: str = ""  # a named extra check: uscc | region_code | volume_unit
    personal: bool = False  # personal data (a person's name, phone): never in the analyst snapshot
    choices: tuple[str, ...] = ()  # the only values accepted (trimmed), e.g. a national list of categories


@dataclass(frozen=True)
class RowRule:
    """A rule across columns, as a SQL condition over the typed row that is TRUE when broken."""

    reason: str
    condition_sql: str
    description: str
    threshold: float | None = None  # the number the condition compares with, for the report's wording


@dataclass(frozen=True)
class Source:
    name: str  # raw table name and Dagster asset suffix
    title_zh: str
    file_glob: str  # relative to the raw root
    file_format: str  # csv | xlsx
    columns: tuple[Column, ...]
    grain: str
    description: str = ""
    extra: dict = field(default_factory=dict)
    row_rules: tuple[RowRule, ...] = ()
    # Raw rows stored typed (parsed once at load by the same ws_* functions staging would use)
    # rather than as text: for the high-volume meter readings, text storage and re-parsing cost
    # more than everything else on the path. The file itself (checksum in the load log) and the
    # quarantine (rows kept as text) remain the as-received record.
    typed_raw: bool = False

    @property
    def table(self) -> str:
        return f"raw.{self.name}"

    @property
    def quarantine_table(self) -> str:
        return f"raw.{self.name}__quarantine"

    def column_types(self) -> dict[str, str]:
        """Column name → DuckDB type of the raw table: all text, or typed for a typed_raw source."""
        types = {}
        for c in self.columns:
            types[c.name] = SQL_TYPES[c.kind] if self.typed_raw else "varchar"
            if c.unit_from_header:
                types[f"{c.name}_unit"] = "varchar"
        return types

    def column_names(self) -> list[str]:
        names = []
        for c in self.columns:
            names.append(c.name)
            if c.unit_from_header:
                names.append(f"{c.name}_unit")
        return names


C = Column
# The unconventional water types (非常规水源, METHODS S27) a typed return reports: column suffix, header
# text (as water_source_map names it) and further accepted header texts.
UNCONVENTIONAL_TYPES = (("reclaimed", "再生水", ()), ("rain", "集蓄雨水", ()), ("desalinated", "海水淡化水", ()),
                        ("brackish", "微咸水", ()), ("mine", "矿坑水", ("取用新水量/矿坑(井)水",)))
INDUSTRIAL_UNCONVENTIONAL_COLUMNS = ("new_water_unconventional", *(f"new_water_{t}" for t, _, _ in UNCONVENTIONAL_TYPES))
SQL_TYPES = {"text": "varchar", "number": "double", "integer": "integer", "date": "date",
             "timestamp": "timestamp", "flag": "boolean"}
VOLUME_UNITS = ("m³", "万m³", "亿m³")
EARLIEST_DATE = "2000-01-01"  # dates before this are typing errors, not history


def V(name: str, aliases: tuple[str, ...], **kw) -> Column:
    """A volume: a non-negative number."""
    return Column(name, aliases, kind="number", min_value=0, **kw)


def uscc_col() -> Column:
    return Column("uscc", ("统一社会信用代码",), check="uscc")


def region_col() -> Column:
    return Column("region_code", ("行政区划代码",), check="region_code")


def unit_col() -> Column:
    return Column("volume_unit", ("计量单位",), check="volume_unit",
                  description="unit of every volume on the row: m³ or 万m³")

SOURCES: tuple[Source, ...] = (
    Source(
        name="meter_readings",
        title_zh="取水在线监测数据(日导出)",
        file_glob="meter_readings/*.csv",
        file_format="csv",
        grain="one row per monitoring point per timestamp",
        description="Daily CSV export of the monitoring platform: hourly or 15-minute totalizer readings.",
        typed_raw=True,
        columns=(
            C("station_code", ("测站编码", "站点编码", "station_code")),
            C("station_name", ("测站名称", "站点名称", "station_name"), required=False),
            C("intake_code", ("取水口编码", "intake_code")),
            C("reading_ts", ("时间", "采集时间", "监测时间", "reading_time"), kind="timestamp"),
            V("totalizer_m3", ("累计流量(m³)", "累计流量(m3)", "累计流量", "totalizer_m3")),
            C("flow_m3_per_h", ("瞬时流量(m³/h)", "瞬时流量(m3/h)", "瞬时流量", "flow_m3h"), kind="number",
              required=False),
            C("quality_flag", ("数据标识", "质量标识", "quality_flag"), required=False),
        ),
    ),
    Source(
        name="permits",
        title_zh="取水许可台账",
        file_glob="permits/*.xlsx",
        file_format="xlsx",
        grain="one row per permit (re-issued permits repeat the number with a later validity)",
        description="Export of the electronic permit system: title row, merged validity header, 万m³.",
        row_rules=(
            RowRule("validity_reversed", "ws_parse_date(valid_to) < ws_parse_date(valid_from)",
                    "validity ends before it starts"),
        ),
        columns=(
            C("permit_no", ("取水许可证编号", "许可证编号")),
            C("holder_name", ("取水权人名称", "取水单位名称")),
            uscc_col(),
            region_col(),
            C("intake_location", ("取水地点",), required=False),
            C("intake_code", ("取水口编码",)),
            C("water_source", ("水源类型",)),
            C("water_use_purpose", ("取水用途",), required=False),
            C("industry_code", ("行业代码",), required=False),
            V("permitted_volume", ("许可水量",), unit_from_header=True),
            C("valid_from", ("有效期起", "有效期/起", "有效期-起"), kind="date"),
            C("valid_to", ("有效期止", "有效期/止", "有效期-止"), kind="date"),
            C("status", ("状态", "证照状态")),
            C("contact_name", ("联系人",), required=False, personal=True, description="personal data: never published"),
            C("contact_phone", ("联系电话",), required=False, personal=True, description="personal data: never published"),
        ),
    ),
    Source(
        name="water_use_plans",
        title_zh="计划用水下达表",
        file_glob="plans/*.xlsx",
        file_format="xlsx",
        grain="one row per user per plan year",
        description="Annual plan per user with a monthly split under a merged 月度计划 header.",
        row_rules=(
            RowRule("monthly_split_mismatch",
                    "abs(" + " + ".join(f"coalesce(ws_parse_number(plan_m{m:02d}), 0)" for m in range(1, 13))
                    + f" - ws_parse_number(annual_plan_volume)) > {MONTHLY_SPLIT_TOLERANCE_PCT} / 100"
                    " * ws_parse_number(annual_plan_volume)",
                    f"the monthly plans do not add up to the annual plan ({MONTHLY_SPLIT_TOLERANCE_PCT}% tolerance)",
                    threshold=MONTHLY_SPLIT_TOLERANCE_PCT),
        ),
        columns=(
            uscc_col(),
            C("user_name", ("用水户名称", "单位名称")),
            region_col(),
            C("plan_year", ("计划年度", "年度"), kind="integer"),
            V("annual_plan_volume", ("年计划水量", "年度计划水量"), unit_from_header=True),
            *(V(f"plan_m{m:02d}", (f"月度计划/{m}月", f"{m}月")) for m in range(1, 13)),
        ),
    ),
    Source(
        name="economic_statistics",
        title_zh="分地区主要经济社会指标(统计年鉴)",
        file_glob="economy/*.xlsx",
        file_format="xlsx",
        grain="one row per region per year (year from the title or 年份 column)",
        description="Yearbook layout: regions as rows, indicators under merged headers, notes below.",
        extra={"year_from_title": True, "stop_at_prefixes": ("注", "资料来源", "说明")},
        columns=(
            C("region_name", ("地区",), check="region_name"),
            C("report_year", ("年份",), kind="integer"),
            # every figure is optional: an indicator whose inputs are missing is "not available"
            C("gdp_100m_yuan", ("地区生产总值/现价(亿元)",), kind="number", min_value=0, required=False),
            C("gdp_index_prev_year_100", ("地区生产总值/指数(上年=100)",), kind="number", min_value=50, max_value=200,
              required=False),
            C("industry_va_100m_yuan", ("工业增加值/现价(亿元)",), kind="number", min_value=0, required=False),
            C("industry_va_index_prev_year_100", ("工业增加值/指数(上年=100)",), kind="number", min_value=50,
              max_value=200, required=False),
            C("population_avg_10k", ("年平均常住人口(万人)",), kind="number", min_value=0, required=False),
            C("population_year_end_10k", ("年末常住人口(万人)",), kind="number", min_value=0, required=False,
              description="year-average population is derived from two year-ends when not given"),
            C("population_urban_10k", ("城镇人口(万人)",), kind="number", min_value=0, required=False),
            C("population_rural_10k", ("乡村人口(万人)",), kind="number", min_value=0, required=False),
            C("irrigated_area_effective_10k_mu", ("有效灌溉面积(万亩)",), kind="number", min_value=0, required=False),
            C("irrigated_area_actual_10k_mu", ("耕地实际灌溉面积(万亩)",), kind="number", min_value=0, required=False),
            C("basis", ("数据类型", "核算阶段", "数据口径"), required=False, check="statistics_basis",
              description="初步核算 / 统计公报 / 年鉴 / 最终核实 / 修订 (statistics vintage)"),
            C("basis_date", ("发布日期",), kind="date", required=False, description="when the figures were published"),
        ),
    ),
    Source(
        name="industrial_returns",
        title_zh="工业企业用水统计调查表",
        file_glob="survey/industrial_*.xlsx",
        file_format="xlsx",
        grain="one row per enterprise per report year",
        row_rules=(
            RowRule("reuse_rate_implausible",
                    "ws_parse_number(reused_water) / nullif(ws_parse_number(reused_water) + ws_parse_number(new_water_surface)"
                    " + ws_parse_number(new_water_ground) + ws_parse_number(new_water_tap) + "
                    + " + ".join(f"coalesce(ws_parse_number({c}), 0)" for c in INDUSTRIAL_UNCONVENTIONAL_COLUMNS)
                    + f", 0) * 100 > {REUSE_RATE_MAX_PCT}",
                    f"reused water above {REUSE_RATE_MAX_PCT}% of total use (the reuse rate's plausible maximum)",
                    threshold=REUSE_RATE_MAX_PCT),
        ),
        columns=(
            C("report_year", ("统计年度", "年度"), kind="integer"),
            uscc_col(),
            C("unit_name", ("单位名称",)),
            region_col(),
            C("industry_code", ("行业代码",)),
            C("is_above_scale", ("是否规模以上",), kind="flag"),
            C("is_once_through_cooling", ("是否火(核)电直流冷却",), kind="flag"),
            V("new_water_surface", ("取用新水量/地表水",)),
            V("new_water_ground", ("取用新水量/地下水",)),
            V("new_water_tap", ("取用新水量/自来水",)),
            # the old layout's one untyped column (counted as 其他非常规水 and flagged), or the typed ones
            V("new_water_unconventional", ("取用新水量/非常规水",), required=False,
              description="old layout: unconventional water without its type (counted as 其他非常规水, flagged)"),
            *(V(f"new_water_{name}", (f"取用新水量/{zh}", f"取用新水量/非常规水/{zh}", *aliases), required=False,
                description=f"unconventional water by type: {zh}")
              for name, zh, aliases in UNCONVENTIONAL_TYPES),
            V("reused_water", ("重复利用水量",)),
            C("value_added_10k_yuan", ("工业增加值(万元)",), kind="number", min_value=0),
            unit_col(),
        ),
    ),
    Source(
        name="supply_returns",
        title_zh="公共供水企业用水统计调查表(CJJ 92 水量平衡)",
        file_glob="survey/supply_*.xlsx",
        file_format="xlsx",
        grain="one row per public water-supply enterprise per report year",
        row_rules=(
            RowRule("authorized_exceeds_input",
                    "ws_parse_number(billed_metered) + ws_parse_number(billed_unmetered) + ws_parse_number(unbilled_metered)"
                    " + ws_parse_number(unbilled_unmetered) > ws_parse_number(own_production_surface)"
                    " + ws_parse_number(own_production_ground) + coalesce(ws_parse_number(purchased_supply), 0)",
                    "registered use larger than the water put into the network"),
        ),
        columns=(
            C("report_year", ("统计年度", "年度"), kind="integer"),
            uscc_col(),
            C("unit_name", ("单位名称",)),
            region_col(),
            V("own_production_surface", ("自产供水量/地表水",)),
            V("own_production_ground", ("自产供水量/地下水",)),
            V("purchased_supply", ("外购供水量",)),
            V("billed_metered", ("计费计量用水量",)),
            V("billed_unmetered", ("计费未计量用水量",)),
            V("unbilled_metered", ("免费计量用水量",)),
            V("unbilled_unmetered", ("免费未计量用水量",)),
            V("sales_residential", ("售水量/居民生活",)),
            V("sales_public", ("售水量/公共服务",)),
            V("sales_industry", ("售水量/工业",)),
            V("sales_ecological", ("售水量/生态环境",)),
            V("residential_metered_to_household", ("居民抄表到户水量",)),
            C("pipe_length_dn75_km", ("DN75及以上管道长度(km)",), kind="number", min_value=0),
            C("mean_outlet_pressure_mpa", ("年平均出厂压力(MPa)",), kind="number", min_value=0, max_value=2),
            C("max_frost_depth_m", ("最大冻土深度(m)",), kind="number", min_value=0, max_value=5),
            # IWA/AWWA audit inputs: optional, ILI and the validity score only where reported
            C("service_connections", ("用户接管点数(个)",), kind="integer", required=False),
            C("mains_length_km", ("管网总长度(km)",), kind="number", required=False),
            C("service_pipe_length_km", ("户表前管道长度(km)",), kind="number", required=False),
            C("mean_operating_pressure_m", ("平均运行压力(m)",), kind="number", required=False),
            C("real_losses", ("漏损水量/漏失水量", "漏失水量"), kind="number", required=False),
            C("metering_losses", ("漏损水量/计量损失水量", "计量损失水量"), kind="number", required=False),
            C("other_losses", ("漏损水量/其他损失水量", "其他损失水量"), kind="number", required=False),
            C("grade_system_input", ("数据可靠性自评(1-10)/供水总量",), kind="integer", required=False, min_value=1, max_value=10),
            C("grade_authorized", ("数据可靠性自评(1-10)/注册用户用水量",), kind="integer", required=False, min_value=1, max_value=10),
            C("grade_pipe_length", ("数据可靠性自评(1-10)/管道长度",), kind="integer", required=False, min_value=1, max_value=10),
            C("grade_pressure", ("数据可靠性自评(1-10)/压力",), kind="integer", required=False, min_value=1, max_value=10),
            unit_col(),
        ),
    ),
    Source(
        name="irrigation_returns",
        title_zh="灌区用水统计调查表(含首尾法样点灌区)",
        file_glob="survey/irrigation_*.xlsx",
        file_format="xlsx",
        grain="one row per irrigation district per report year",
        row_rules=(
            RowRule("net_exceeds_gross",
                    "ws_parse_number(net_water) > ws_parse_number(gross_water_surface) + ws_parse_number(gross_water_ground)",
                    "net irrigation water larger than gross"),
        ),
        columns=(
            C("report_year", ("统计年度", "年度"), kind="integer"),
            C("district_code", ("灌区编码",)),
            C("district_name", ("灌区名称",)),
            region_col(),
            C("size_class", ("灌区类型",), description="大型 / 中型 / 小型 / 纯井"),
            C("is_sample", ("是否样点灌区",), kind="flag"),
            V("gross_water_surface", ("毛灌溉用水量/地表水",)),
            V("gross_water_ground", ("毛灌溉用水量/地下水",)),
            V("net_water", ("净灌溉用水量",), required=False),
            C("irrigated_area_10k_mu", ("实际灌溉面积(万亩)",), kind="number"),
            unit_col(),
        ),
    ),
    Source(
        name="wastewater_plant_returns",
        title_zh="污水处理厂运行统计表",
        file_glob="survey/wastewater_*.xlsx",
        file_format="xlsx",
        grain="one row per wastewater treatment plant per report year",
        description="The housing department's yearly returns of treated wastewater and reclaimed water "
                    "produced and used, by use (再生水利用率 = reclaimed water used / wastewater treated).",
        row_rules=(
            RowRule("reclaimed_exceeds_treated",
                    "ws_parse_number(reclaimed_produced) > ws_parse_number(wastewater_treated)",
                    "reclaimed water produced larger than the wastewater treated"),
            RowRule("reclaimed_use_exceeds_production",
                    " + ".join(f"coalesce(ws_parse_number(reclaimed_used_{u}), 0)" for u in RECLAIMED_USES)
                    + " > ws_parse_number(reclaimed_produced)",
                    "reclaimed water used larger than the reclaimed water produced"),
        ),
        columns=(
            C("report_year", ("统计年度", "年度"), kind="integer"),
            uscc_col(),
            C("plant_name", ("污水处理厂名称", "单位名称")),
            region_col(),
            V("wastewater_treated", ("污水处理量",)),
            V("reclaimed_produced", ("再生水生产量",)),
            V("reclaimed_used_industry", ("再生水利用量/工业",)),
            V("reclaimed_used_municipal", ("再生水利用量/市政杂用及景观", "再生水利用量/市政杂用")),
            V("reclaimed_used_ecological", ("再生水利用量/生态补水",)),
            V("reclaimed_used_other", ("再生水利用量/其他",), required=False),
            unit_col(),
        ),
    ),
    Source(
        name="inspection_scores",
        title_zh="最严格水资源管理制度考核检查评分表",
        file_glob="assessment/*.xlsx",
        file_format="xlsx",
        grain="one row per assessed unit per assessment year",
        description="Points the inspection teams award for 制度建设 and 措施落实, bonus and veto.",
        columns=(
            C("report_year", ("考核年度",), kind="integer"),
            region_col(),
            C("unit_name", ("被考核单位", "单位名称"), required=False),
            C("system_points", ("制度建设得分",), kind="number"),
            C("measures_points", ("措施落实得分",), kind="number"),
            C("bonus_points", ("创新加分", "加分"), kind="number", required=False),
            C("is_vetoed", ("一票否决",), kind="flag", required=False),
        ),
    ),
    Source(
        name="county_summary_returns",
        title_zh="区县用水汇总表(无单位直报部分)",
        file_glob="survey/county_summary_*.xlsx",
        file_format="xlsx",
        grain="one row per region per report year per sector or sub-sector and/or source "
              "(sector × source, sector totals, source totals)",
        row_rules=(RowRule("summary_row_unclassified", "nullif(trim(sub_sector), '') is null and "
                           "nullif(trim(water_source), '') is null", "neither 用水类别 nor 水源类型 is given"),),
        columns=(
            C("report_year", ("统计年度", "年度"), kind="integer"),
            region_col(),
            # a sector or sub-sector; empty on a source-total row
            C("sub_sector", ("用水类别",), required=False, check="sub_sector"),
            # a water source; empty on a sector-total row
            C("water_source", ("水源类型",), required=False, check="water_source"),
            V("volume", ("用水量",), unit_from_header=True),
            C("method", ("推算方法",), required=False),
        ),
    ),
    Source(
        name="ecological_flows",
        title_zh="生态流量监测日报(控制断面日均流量)",
        file_glob="ecological_flow/*.csv",
        file_format="csv",
        grain="one row per control section per day",
        description="A year's daily mean flows at the control sections, exported from the monitoring platform "
                    "(file named with its year, e.g. 生态流量日报_2022.csv).",
        columns=(
            C("section_code", ("断面编码", "测站编码", "section_code"), check="flow_section"),
            C("section_name", ("断面名称", "section_name"), required=False),
            C("river", ("所在河流", "河流", "river"), required=False),
            C("flow_date", ("日期", "监测日期", "date"), kind="date"),
            C("mean_flow_m3s", ("日均流量(m³/s)", "日均流量(m3/s)", "日均流量", "mean_flow_m3s"), kind="number",
              min_value=0, description="daily mean flow, m³/s; a negative flow is a keying error"),
        ),
    ),
)

# Groundwater and permit applications (issue 19: the red lines beyond total use). An aquifer is
# named by a code or name of the deployment's own register (deployment aquifers.csv).
SOURCES += (
    Source(
        name="groundwater_abstraction",
        title_zh="地下水开采量统计表(分区分含水层)",
        file_glob="groundwater/abstraction_*.xlsx",
        file_format="xlsx",
        grain="one row per region per aquifer per report year",
        description="Each unit's groundwater abstraction by aquifer, as the county reports it.",
        columns=(
            C("report_year", ("统计年度", "年度"), kind="integer"),
            region_col(),
            C("aquifer", ("含水层", "含水层代码", "开采层位"), check="aquifer",
              description="an aquifer code or name of the deployment's register (aquifers.csv)"),
            V("abstraction_volume", ("开采量",), unit_from_header=True),
            C("method", ("核算方法",), required=False),
        ),
    ),
    Source(
        name="groundwater_levels",
        title_zh="地下水监测井水位(埋深)观测记录",
        file_glob="groundwater/levels_*.xlsx",
        file_format="xlsx",
        grain="one row per monitoring well per observation date",
        description="Depth to water (埋深, m below ground) per well and observation, with the well's unit and aquifer.",
        columns=(
            C("well_code", ("测井编码", "监测井编码")),
            C("well_name", ("测井名称", "监测井名称"), required=False),
            region_col(),
            C("aquifer", ("含水层", "含水层代码", "监测层位"), check="aquifer",
              description="an aquifer code or name of the deployment's register (aquifers.csv)"),
            C("observed_on", ("监测日期", "观测日期"), kind="date"),
            C("depth_to_water_m", ("地下水埋深(m)", "埋深(m)"), kind="number", min_value=0, max_value=500,
              description="depth of the water table below ground, m (a larger depth is a lower level)"),
        ),
    ),
    Source(
        name="permit_applications",
        title_zh="取水许可申请台账",
        file_glob="permit_applications/*.xlsx",
        file_format="xlsx",
        grain="one row per permit application",
        description="Export of the permit system's applications, pending and decided; 万m³ per year.",
        columns=(
            C("application_no", ("申请编号", "受理编号")),
            C("applicant_name", ("申请人", "申请单位名称")),
            uscc_col(),
            region_col(),
            C("water_source", ("水源类型",), check="application_source", description="地表水 or 地下水"),
            V("applied_volume", ("申请水量",), unit_from_header=True),
            C("applied_on", ("申请日期", "受理日期"), kind="date"),
            C("status", ("办理状态", "状态"), description="e.g. 受理中 / 审查中 / 已批准 / 不予批准"),
        ),
    ),
)
# The sources a permit application may draw on (the national categories of 取水许可).
APPLICATION_SOURCES = ("地表水", "地下水")

# Water-saving management ledgers (issue 18): the carrier register and the supervision inspections.
# Category lists are national (节水型载体 types: seeds/carrier_types.csv); counts and targets are the office's.
CARRIER_LEVELS = ("国家级", "省级", "市级")
INSPECTED_UNIT_KINDS = ("取水单位", "用水单位")
FINDING_CATEGORIES = ("取水许可", "工程设施", "计量与检定", "水资源费(税)", "定额执行")


def _same_carrier(row: str, other: str) -> str:
    """SQL: two parsed rows of a carrier register name one carrier (same id; or same type and the
    same USCC, or the same name in the same region)."""
    def p(alias: str, col: str) -> str:
        return f'{alias}."_parsed_{col}"'
    return (f"({p(row, 'carrier_id')} = {p(other, 'carrier_id')} or {p(row, 'carrier_type')} = {p(other, 'carrier_type')}"
            f" and (upper({p(row, 'uscc')}) = upper({p(other, 'uscc')}) or {p(row, 'region_code')} = {p(other, 'region_code')}"
            f" and {p(row, 'carrier_name')} = {p(other, 'carrier_name')}))")


SOURCES += (
    Source(
        name="water_saving_carriers",
        title_zh="节水载体台账",
        file_glob="carriers/*.xlsx",
        file_format="xlsx",
        grain="one row per water-saving carrier (the register as of the year in the file name)",
        description="The register of water-saving carriers (节水型企业/单位/机关/公共机构/居民小区/学校/高校/灌区/服务区) "
                    "with their level, creation year, review years and the 水效领跑者 mark. A carrier listed again "
                    "(same id, or same type and USCC or name in its region) is quarantined and counted once.",
        row_rules=(
            # the loader checks a file's rows together (table parsed_rows, ingest/loader.py)
            RowRule("duplicate_carrier",
                    "exists (select 1 from parsed_rows as o where o._file_index = parsed_rows._file_index"
                    " and o._source_row_number < parsed_rows._source_row_number and "
                    + _same_carrier("parsed_rows", "o") + ")",
                    "the same carrier is listed on an earlier row of the file (same id, or same type and the same "
                    "USCC or the same name in the same region): counted once, on its first row"),
            RowRule("review_before_creation",
                    "list_min(list_transform(regexp_split_to_array(review_years, '[^0-9]+'), x -> try_cast(x as integer)))"
                    " < ws_parse_int(creation_year)",
                    "a review (复核) year before the creation year"),
        ),
        columns=(
            C("carrier_id", ("载体编号", "编号")),
            C("carrier_name", ("载体名称", "单位名称", "名称")),
            C("uscc", ("统一社会信用代码",), required=False, check="uscc",
              description="empty for a carrier without one (a residential community)"),
            region_col(),
            C("carrier_type", ("载体类型", "类型"), choices=carrier_types()),
            C("carrier_level", ("级别", "命名级别"), choices=CARRIER_LEVELS),
            C("creation_year", ("创建年度", "命名年度"), kind="integer", min_value=1990, max_value=2100),
            C("review_years", ("复核年度",), required=False, description="years of its reviews (复核), e.g. 2019、2022"),
            C("is_efficiency_leader", ("水效领跑者", "是否水效领跑者"), kind="flag", required=False,
              description="是 when the carrier is a 水效领跑者"),
        ),
    ),
    Source(
        name="supervision_inspections",
        title_zh="取用水监督检查台账",
        file_glob="inspections/*.xlsx",
        file_format="xlsx",
        grain="one row per inspected unit and finding (a unit without a finding: one row with no category)",
        description="The sampled 取水/用水 units of the year's supervision inspections (监督检查, not the assessment's "
                    "scores), each finding by category with its correction deadline and the day it was corrected (整改).",
        row_rules=(
            RowRule("corrected_before_inspection", "ws_parse_date(corrected_on) < ws_parse_date(inspected_on)",
                    "corrected before the inspection found it"),
            RowRule("correction_without_finding",
                    "nullif(trim(finding_category), '') is null and (ws_parse_date(corrected_on) is not null"
                    " or ws_parse_date(correction_deadline) is not null)",
                    "a correction date or deadline on a row without a finding category"),
        ),
        columns=(
            C("inspection_year", ("检查年度", "年度"), kind="integer"),
            C("inspected_on", ("检查日期",), kind="date"),
            C("unit_name", ("被检查单位", "单位名称")),
            uscc_col(),
            region_col(),
            C("unit_kind", ("检查对象类别", "单位类别"), choices=INSPECTED_UNIT_KINDS),
            C("finding_category", ("问题类别",), required=False, choices=FINDING_CATEGORIES,
              description="empty when nothing was found"),
            C("finding", ("问题描述",), required=False),
            C("correction_deadline", ("整改期限",), kind="date", required=False),
            C("corrected_on", ("整改完成日期", "完成整改日期"), kind="date", required=False),
        ),
    ),
)


# Audits, balance tests and quotas (issue 18, items 4 and 5): the office's ledgers. An audit names a
# user of the deployment's key-user register (key_user_register.csv); an output row names a product
# of its quota table (water_quotas.csv), in that product's unit of output.
AUDIT_KINDS = ("用水审计", "水平衡测试")
SOURCES += (
    Source(
        name="water_audits",
        title_zh="用水审计及水平衡测试台账",
        file_glob="audits/*.xlsx",
        file_format="xlsx",
        grain="one row per key user per kind (用水审计 or 水平衡测试) per year",
        description="The year's audits and balance tests of key users, planned (列入年度计划) and done (完成日期, "
                    "报告编号); file named with its year, e.g. 用水审计水平衡测试台账_2022.xlsx.",
        columns=(
            Column("uscc", ("统一社会信用代码",), check="key_user",
                   description="a user of the deployment's key-user register (key_user_register.csv)"),
            C("user_name", ("用水单位名称", "单位名称"), required=False),
            region_col(),
            C("kind", ("类型", "工作类型"), choices=AUDIT_KINDS),
            C("report_year", ("年度", "计划年度"), kind="integer"),
            C("is_planned", ("列入年度计划",), kind="flag", description="是: in the year's plan"),
            C("completed_on", ("完成日期",), kind="date", required=False, description="empty: not done yet"),
            C("report_no", ("报告编号",), required=False),
        ),
    ),
    Source(
        name="user_output",
        title_zh="用水户产品产量台账(用水定额考核)",
        file_glob="quota_output/*.xlsx",
        file_format="xlsx",
        grain="one row per user per product (or irrigated crop) per report year",
        description="Each user's output of a product of the quota table (an irrigation district: its irrigated area "
                    "of a crop), for unit water use against the quota; 用水量 only when a user makes several products.",
        row_rules=(
            RowRule("output_unit_not_the_quotas",
                    # over the parsed (trimmed) columns, which no quota column shadows
                    "exists (select 1 from deployment.water_quotas as q where q.product_code = \"_parsed_product_code\")"
                    " and not exists (select 1 from deployment.water_quotas as q where q.product_code = "
                    "\"_parsed_product_code\" and q.output_unit_zh = \"_parsed_output_unit\")",
                    "the unit of output is not the unit the quota table gives the product"),
        ),
        columns=(
            C("report_year", ("统计年度", "年度"), kind="integer"),
            C("user_code", ("用水户代码", "统一社会信用代码", "灌区编码"),
              description="the USCC on the user's return, or an irrigation district's code"),
            C("user_name", ("用水户名称", "单位名称"), required=False),
            region_col(),
            C("product_code", ("产品代码", "定额代码"), check="quota_product",
              description="a product code of the deployment's quota table (water_quotas.csv)"),
            C("output", ("产量", "灌溉面积"), kind="number", min_value=0),
            C("output_unit", ("产量单位", "计量单位")),
            V("product_water", ("用水量",), unit_from_header=True, required=False,
              description="water used for this product, when the user makes several; else the user's total use"),
        ),
    ),
)


# Plans and permits over time (issue 18): the plan additions and reductions an office decides during
# the year, and every permit decision with its validity, beside the plan sheet and the current register.
PLAN_ADJUSTMENT_TYPES = ("追加", "核减")
PERMIT_EVENT_TYPES = ("发证", "延续", "变更", "注销")  # issue, renewal, change, cancellation


SOURCES += (
    Source(
        name="water_use_plan_adjustments",
        title_zh="计划用水调整台账",
        file_glob="plan_adjustments/*.xlsx",
        file_format="xlsx",
        grain="one row per addition (追加) or reduction (核减) of a user's annual plan",
        description="The plan changes decided during the year, each with its effective date and document (文号); "
                    "the plan in force on a day is the annual plan plus the additions minus the reductions "
                    "effective by that day.",
        row_rules=(
            RowRule("adjustment_outside_plan_year",
                    "year(ws_parse_date(effective_date)) <> ws_parse_int(plan_year)",
                    "the adjustment takes effect outside its plan year (e.g. an addition after the year ended)"),
        ),
        columns=(
            uscc_col(),
            C("user_name", ("用水户名称", "单位名称"), required=False),
            region_col(),
            C("plan_year", ("计划年度", "年度"), kind="integer"),
            C("adjustment_type", ("调整类型", "类型"), choices=PLAN_ADJUSTMENT_TYPES,
              description="追加 (addition) or 核减 (reduction)"),
            V("adjustment_volume", ("调整水量",), unit_from_header=True,
              description="the volume added or taken off, positive either way"),
            C("effective_date", ("生效日期",), kind="date"),
            C("document_no", ("文号", "批复文号"), description="the document that decided it"),
            C("reason", ("调整原因",), required=False),
        ),
    ),
    Source(
        name="permit_events",
        title_zh="取水许可事项台账",
        file_glob="permit_events/*.xlsx",
        file_format="xlsx",
        grain="one row per permit decision: issue, renewal, change or cancellation (发证/延续/变更/注销)",
        description="Every decision on a permit with the validity it grants; the register (permits) keeps only "
                    "the latest validity, this ledger the history a day-by-day judgement needs (optional: "
                    "without it the register's validities are used).",
        row_rules=(
            RowRule("validity_missing",
                    "trim(event_type) <> '注销' and (ws_parse_date(valid_from) is null or ws_parse_date(valid_to) is null)",
                    "an issue, renewal or change without its validity period"),
            RowRule("validity_reversed", "ws_parse_date(valid_to) < ws_parse_date(valid_from)",
                    "validity ends before it starts"),
        ),
        columns=(
            C("permit_no", ("取水许可证编号", "许可证编号")),
            C("holder_name", ("取水权人名称", "取水单位名称"), required=False),
            uscc_col(),
            region_col(),
            C("event_type", ("事项类型", "办理事项"), choices=PERMIT_EVENT_TYPES,
              description="issue, renewal, change or cancellation"),
            C("event_date", ("办理日期", "决定日期"), kind="date",
              description="the decision's date; a cancellation ends the permit's validity the day before"),
            C("valid_from", ("有效期起", "有效期/起", "有效期-起"), kind="date", required=False),
            C("valid_to", ("有效期止", "有效期/止", "有效期-止"), kind="date", required=False),
            V("permitted_volume", ("许可水量",), unit_from_header=True, required=False),
            C("e_licence_date", ("电子证照转换日期", "电子证照日期"), kind="date", required=False,
              description="when the permit was converted to (or issued as) an electronic licence (电子证照); "
                          "empty: not converted"),
            C("document_no", ("决定书文号", "文号"), required=False),
        ),
    ),
)

SOURCES_BY_NAME = {s.name: s for s in SOURCES}
# Column names that carry personal data in any source: the analyst snapshot leaves them out of every table.
PERSONAL_COLUMNS = frozenset(c.name for s in SOURCES for c in s.columns if c.personal)
