"""A deployment: one office's reference data and rules, in a folder it owns outside the code.

The folder (WATERSTAT_DEPLOYMENT; default: the demo city's, dagster_project/demo/deployment) holds
`deployment.yml` (the office, its bulletin and its rule choices) and one CSV or Excel file per table
in TABLES. Everything here is pure: reading, validating and deriving; the loader writes the tables
into the warehouse's `deployment` schema (ingest/deployment_load.py), where dbt reads them as a
source. `waterstat init-deployment DIR` writes the templates from the same specs.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dagster_project.lib.codes import is_valid_uscc
from dagster_project.lib.contracts import AUDIT_KINDS, SOURCES_BY_NAME
from dagster_project.lib.reference import carrier_types, use_sector_codes
from dagster_project.lib.repo_paths import DBT_PROJECT_DIR, REPO_ROOT

DEMO_DEPLOYMENT = REPO_ROOT / "dagster_project" / "demo" / "deployment"
DBT_PROJECT_FILE = DBT_PROJECT_DIR / "dbt_project.yml"

LEVELS = ("nation", "province", "city", "county", "district", "zone")
# Components a caliber may leave out of the assessment total: water sources (water_source_map) and
# power-plant sub-sectors (sector_map), by the names staff know.
CALIBER_COMPONENTS = ("再生水", "集蓄雨水", "海水淡化水", "矿坑水", "微咸水", "非常规水",
                      "火(核)电直流冷却", "火(核)电循环冷却")
VINTAGE_BASES = ("初步核算", "统计公报", "年鉴", "最终核实", "修订")


class DeploymentError(ValueError):
    """The deployment folder does not meet its contract: every problem, each with what to fix."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("The deployment is not valid:\n  - " + "\n  - ".join(problems))


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "varchar"  # varchar | integer | double | boolean | date
    required: bool = True
    doc: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    optional_file: bool = False  # absent file = no rows (e.g. no normal-year adjustments)
    example: tuple[tuple[str, ...], ...] = field(default=())

    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


C = Column
TABLES: tuple[Table, ...] = (
    Table("regions", "The region register (GB/T 2260): every unit that reports or is reported on.", (
        C("region_code", doc="6-digit GB/T 2260 code (statistical codes for zones)"),
        C("region_name_zh", doc="full name, e.g. 某某区"),
        C("short_name_zh", doc="name in table rows, e.g. 某某"),
        C("level", doc="nation | province | city | county | district | zone"),
        C("parent_code", required=False, doc="the unit it rolls up to; empty for the top unit"),
        C("valid_from_year", "integer", False, "first year the code is in use (empty: always)"),
        C("valid_to_year", "integer", False, "last year the code is in use (empty: still in use)"),
        C("successor_code", required=False, doc="the code that replaced it (e.g. a county-level city that became a district)"),
        C("is_assessment_unit", "boolean", False, "assessed under 最严格水资源管理制度考核"),
        C("sort_order", "integer", doc="row order in tables"),
        C("name_aliases", required=False, doc="other names in yearbooks, separated by |"),
    ), key=("region_code",), example=(("990000", "某某市", "全市", "city", "", "", "", "", "false", "0", "某某"),)),
    Table("base_years", "Base years of the intensity declines, one row per plan period.", (
        C("base_year", "integer"), C("first_year", "integer"), C("last_year", "integer"),
        C("period_zh", required=False, doc="e.g. 十四五"),
    ), key=("first_year",), example=(("2020", "2021", "2025", "十四五"),)),
    Table("assessment_calibers", "The assessment caliber per region ('*' = every region) and period.", (
        C("region_code"), C("valid_from_year", "integer"), C("valid_to_year", "integer"),
        C("caliber_name_zh"),
        C("excluded_components", required=False,
          doc="components left out of the assessment total, separated by |: " + " | ".join(CALIBER_COMPONENTS)),
        C("apply_normal_year_adjustment", "boolean"), C("note", required=False),
    ), key=("region_code", "valid_from_year"), example=(("*", "2015", "2099", "考核口径", "海水淡化水", "false", ""),)),
    Table("normal_year_adjustments", "平水年 adjustment (m³) per region and year.", (
        C("region_code"), C("report_year", "integer"), C("adjustment_m3", "double"), C("note", required=False),
    ), key=("region_code", "report_year"), optional_file=True),
    Table("assessment_targets", "Targets per region, year and indicator.", (
        C("region_code"), C("report_year", "integer"), C("indicator_code"),
        C("caliber", doc="statistical | assessment"), C("direction", doc="<= | >="),
        C("target_value", "double"), C("unit", required=False), C("note", required=False),
        C("base_year", "integer", False, "a *_decline_vs_base target's base year (empty: the plan period's, "
          "base_years.csv; else a comparison base of comparison_base_years.csv)"),
    ), key=("region_code", "report_year", "indicator_code", "caliber"), optional_file=True),
    Table("assessment_scoring_rules", "Scoring type and points per indicator.", (
        C("indicator_code"), C("scoring_type", doc="binary | linear | stepwise"), C("max_points", "double"),
        C("floor_value", "double", False), C("step_size", "double", False), C("step_points", "double", False),
        C("note", required=False),
    ), key=("indicator_code",), optional_file=True),
    Table("assessment_grades", "Score → grade (lower bound inclusive).", (
        C("min_score", "double"), C("grade_zh"), C("sort_order", "integer"),
    ), key=("min_score",), optional_file=True),
    Table("assessment_tiers", "Score → tier (等次) among assessed units.", (
        C("min_score", "double"), C("tier_zh"), C("sort_order", "integer"),
    ), key=("min_score",), optional_file=True),
    Table("assessment_tasks", "The task breakdown (任务分解表) of the year's work plan.", (
        C("task_id"), C("report_year", "integer"), C("region_code"), C("work_item_zh"), C("task_type_zh"),
        C("goal_zh"), C("task_zh"), C("lead_unit_zh"), C("partner_units_zh", required=False),
        C("deadline", "date"), C("indicator_code", required=False), C("reported_status_zh", required=False),
        C("evidence_zh", required=False, doc="佐证材料: the documents that show the task done (a task an indicator "
                                             "measures is judged on the indicator)"),
    ), key=("report_year", "task_id"), optional_file=True),
    Table("plan_warning_thresholds", "Use as % of plan → notice / warning / over-plan.", (
        C("status_zh"), C("status_code"), C("min_ratio_pct", "double"), C("is_inclusive", "boolean"),
        C("sort_order", "integer"),
    ), key=("status_code",)),
    Table("surcharge_tiers", "Progressive surcharge (excess % band → multiple of the base price), over plan or over "
          "quota (basis).", (
        C("tier", "integer"), C("lower_excess_pct", "double"), C("upper_excess_pct", "double"),
        C("surcharge_multiple", "double"), C("note", required=False),
        C("basis", required=False, doc="plan (超计划, the default when empty) | quota (超定额)"),
    ), key=("basis", "tier")),
    Table("minimum_returns", "Minimum rows a report year needs per annual source (0: none required).", (
        C("source_name"), C("min_rows_per_year", "integer"), C("note", required=False),
    ), key=("source_name",), optional_file=True),
    Table("consumption_coefficients", "Consumption coefficients (耗水率) per use sector for the 用水消耗量 table: "
          "consumed share of use; a sub-sector's row beats its sector's, a region's own row beats '*'.", (
        C("region_code", doc="a region code of the register, or * for every region"),
        C("sector_code", doc="a sector or sub-sector code of the sector map, e.g. agriculture, farmland_irrigation, "
                             "once_through_cooling, public"),
        C("coefficient", "double", doc="consumed share of the use, 0 to 1"),
        C("note", required=False, doc="its source, e.g. the province's 耗水率 study"),
    ), key=("region_code", "sector_code"), optional_file=True, example=(("*", "farmland_irrigation", "0.65", ""),)),
    Table("precision", "Decimals a figure is published with, per table ('*' = every table).", (
        C("table_code", doc="bulletin_1 … bulletin_6, assessment_1 … assessment_3, or *"),
        C("figure_code", doc="indicator or column code, e.g. total_water_use, residential_per_capita"),
        C("decimals", "integer"),
    ), key=("table_code", "figure_code"), optional_file=True),
    Table("restatements", "Years republished under a revised statistics vintage (an explicit decision).", (
        C("report_year", "integer"), C("basis", doc=" | ".join(VINTAGE_BASES)), C("decided_by"),
        C("decided_on", "date", False), C("note", required=False),
    ), key=("report_year",), optional_file=True),
    Table("reference_figures", "Figures the office has already published (checked against, never used).", (
        C("region_code"), C("report_year", "integer"), C("indicator_code"), C("value", "double"),
        C("unit", required=False), C("source", required=False),
    ), key=("region_code", "report_year", "indicator_code"), optional_file=True),
    Table("comparison_base_years", "Extra base years the intensity declines are also measured against "
          "(beside the plan period's), e.g. an action plan's 较2015年 targets.", (
        C("region_code", doc="a region code of the register, or * for every region"),
        C("base_year", "integer"), C("first_year", "integer", doc="first report year measured against it"),
        C("last_year", "integer", doc="last report year measured against it"),
        C("note", required=False, doc="the document that names the base, e.g. 节水行动方案"),
    ), key=("region_code", "base_year", "first_year"), optional_file=True,
        example=(("*", "2015", "2021", "2025", "节水行动方案"),)),
    Table("base_year_water_use", "Water use of a base year the warehouse holds no returns for (the figure the "
          "plan fixed, 基准年用水量); the warehouse's own total wins where it has one.", (
        C("region_code"), C("base_year", "integer"), C("caliber", doc="statistical | assessment"),
        C("total_m3", "double", doc="total water use, m³"), C("industry_m3", "double", False, doc="industrial water use, m³"),
        C("source", required=False, doc="where the figure is published"),
    ), key=("region_code", "base_year", "caliber"), optional_file=True),
    Table("ecological_flow_sections", "Control sections (控制断面) and their minimum ecological flow.", (
        C("section_code", doc="the section code in the flow reports"), C("section_name_zh"), C("river_zh"),
        C("region_code", doc="the region the section is assessed for"),
        C("min_flow_m3s", "double", doc="minimum ecological flow (最小生态流量), m³/s, all year"),
        C("warning_margin_pct", "double", False, doc="a day within this % above the minimum counts as near it"),
        C("sort_order", "integer", doc="row order in tables"),
    ), key=("section_code",), optional_file=True),
    Table("ecological_flow_seasonal_minimums", "A section's minimum ecological flow for some months "
          "(e.g. 汛期), overriding its all-year minimum.", (
        C("section_code"), C("month_from", "integer", doc="1–12"), C("month_to", "integer", doc="1–12, ≥ month_from"),
        C("min_flow_m3s", "double"), C("note", required=False),
    ), key=("section_code", "month_from"), optional_file=True),
    Table("ecological_flow_warning_levels", "Ecological-flow status per section and year: the level of highest "
          "sort_order any of whose thresholds is met; the one level without thresholds is the default.", (
        C("status_zh", doc="e.g. 正常, 预警"), C("status_code"),
        C("min_days_below", "integer", False, doc="days below the minimum, at least"),
        C("min_longest_run_days", "integer", False, doc="longest run of days below the minimum, at least"),
        C("min_days_near", "integer", False, doc="days within the warning margin above the minimum, at least"),
        C("sort_order", "integer"),
    ), key=("status_code",), optional_file=True),
)
# Groundwater and carrying capacity (issue 19): the office's aquifer register, its control indicators
# and its overdraft zones; optional, an office without them gets no groundwater or carrying-capacity rows.
TABLES += (
    Table("aquifers", "The aquifer register: the codes (and names) groundwater returns and wells name.", (
        C("aquifer_code", doc="the office's own code for the aquifer"), C("aquifer_name_zh", doc="its name as the office's register gives it"),
        C("sort_order", "integer", doc="column order in tables"),
    ), key=("aquifer_code",), optional_file=True, example=(("aq1", "含水层一", "1"),)),
    Table("groundwater_controls", "Groundwater control indicators per region and aquifer for a span of years: "
          "the abstraction (volume) control and the level control as a depth to water.", (
        C("region_code"), C("aquifer_code"), C("valid_from_year", "integer"), C("valid_to_year", "integer"),
        C("volume_control_m3", "double", False, "abstraction control (开采量控制指标), m³ a year"),
        C("level_control_depth_m", "double", False,
          "level control (水位控制指标) as the largest allowed depth to water below ground, m"),
        C("note", required=False),
    ), key=("region_code", "aquifer_code", "valid_from_year"), optional_file=True,
        example=(("990000", "aq1", "2021", "2025", "12000000", "8.5", ""),)),
    Table("overdraft_zones", "The register of groundwater overdraft zones (地下水超采区) by region and aquifer.", (
        C("zone_code"), C("zone_name_zh"), C("region_code"), C("aquifer_code"),
        C("severity_zh", required=False, doc="一般超采区 | 严重超采区"),
        C("valid_from_year", "integer", False, "first year the zone is designated (empty: always)"),
        C("valid_to_year", "integer", False, "last year it is designated (empty: still designated)"),
        C("note", required=False),
    ), key=("zone_code", "region_code", "aquifer_code"), optional_file=True),
    Table("total_use_controls", "Total-use control indicators (用水总量控制指标) per region for a span of years: "
          "the cap W0 of the carrying-capacity evaluation.", (
        C("region_code"), C("valid_from_year", "integer"), C("valid_to_year", "integer"),
        C("control_m3", "double", doc="total-use control, m³ a year"),
        C("caliber", doc="statistical | assessment: the total it is compared with"),
        C("note", required=False),
    ), key=("region_code", "valid_from_year"), optional_file=True,
        example=(("990000", "2021", "2025", "500000000", "assessment", ""),)),
)
# Water-saving management (issue 18): the base counts of the carrier creation rates and the day a
# year's tasks and corrections are judged on.
TABLES += (
    Table("carrier_base_counts", "The base each water-saving carrier creation rate divides by (e.g. every 机关, every "
          "公共机构 but the 机关, every 居民小区 of a district), per region, year and carrier type. A region without its "
          "own row takes the sum of the rows of the regions under it.", (
        C("region_code"), C("report_year", "integer"),
        C("carrier_type_zh", doc="a type of dbt/seeds/carrier_types.csv, e.g. 节水型机关 (its base: all 机关)"),
        C("base_count", "integer", doc="how many units of the kind the region has"),
        C("note", required=False, doc="where the count comes from, e.g. 机关事务管理局名录"),
    ), key=("region_code", "report_year", "carrier_type_zh"), optional_file=True,
        example=(("990000", "2021", "节水型机关", "120", "机关事务管理局名录"),)),
    Table("report_as_of_dates", "The day a year's task table and correction figures are reported as of (tasks "
          "past their deadline and not done by then are listed for 督办); a year without a row: 31 December.", (
        C("report_year", "integer"), C("as_of_date", "date"), C("note", required=False),
    ), key=("report_year",), optional_file=True, example=(("2021", "2022-01-20", "考核自查报告日"),)),
)


# Audits, balance tests and quotas (issue 18): the office's key-user register, which of its users must be
# audited or balance-tested how often, and the quota edition it enforces; optional, an office without
# them gets no audit or quota rows.
MONITORING_LEVELS = ("国家级", "省级", "市级")
QUOTA_SECTORS = ("industry", "service", "agriculture")
QUOTA_LEVELS = ("通用值", "先进值")
SURCHARGE_BASES = ("plan", "quota")
TABLES += (
    Table("key_user_register", "The register of key monitored water users (重点监控用水单位名录) by level: the users "
          "the audit and balance-test ledger may name.", (
        C("uscc", doc="统一社会信用代码 (18 characters, GB 32100)"), C("user_name_zh"), C("region_code"),
        C("monitoring_level", doc=" | ".join(MONITORING_LEVELS)),
        C("listed_from_year", "integer", False, "first year on the list (empty: always)"),
        C("listed_to_year", "integer", False, "last year on the list (empty: still listed)"),
        C("note", required=False),
    ), key=("uscc",), optional_file=True, example=(("91990000MA00000008", "某某企业", "990000", "国家级", "2020", "", ""),)),
    Table("audit_requirements", "Which listed users must have a 用水审计 or 水平衡测试: per kind and monitoring level, "
          "one at least every cycle_years years (coverage counts one done in the year or the cycle_years − 1 before).", (
        C("kind_zh", doc="用水审计 | 水平衡测试"), C("monitoring_level", doc=" | ".join(MONITORING_LEVELS)),
        C("cycle_years", "integer", doc="years within which one must be done, at least 1"), C("note", required=False),
    ), key=("kind_zh", "monitoring_level"), optional_file=True, example=(("用水审计", "国家级", "3", ""),)),
    Table("water_quotas", "The quota edition (用水定额) the office enforces: m³ per unit of output per product or "
          "irrigated crop, for a span of years.", (
        C("product_code", doc="the product (行业/产品) code the output ledger names"), C("product_name_zh"),
        C("sector", doc=" | ".join(QUOTA_SECTORS) + " (agriculture: an irrigation district's crop, output in 亩)"),
        C("output_unit_zh", doc="unit of output, e.g. t, 万元, 亩"),
        C("quota_level_zh", doc=" | ".join(QUOTA_LEVELS) + " (which one users are judged by: rule quota_judged_level)"),
        C("quota_m3_per_unit", "double", doc="m³ per unit of output"),
        C("edition_zh", doc="the quota document, e.g. 某省用水定额（2019年修订）"),
        C("valid_from_year", "integer"), C("valid_to_year", "integer", False, "last year in force (empty: still)"),
    ), key=("product_code", "quota_level_zh", "valid_from_year"), optional_file=True,
        example=(("C2614", "某化工产品", "industry", "t", "通用值", "12", "某省用水定额（2019年修订）", "2020", ""),)),
)
# Written beside the tables when the deployment is loaded.
DERIVED_TABLES = {"region_ancestors": "Every code with each region its facts roll up to.",
                  "settings": "deployment.yml flattened (key, JSON value), rule defaults included."}


class BulletinSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title_zh: str = Field(description="e.g. 某某市水资源公报")
    issuer_zh: str = Field(description="e.g. 某某市水利局")
    child_units: list[str] = Field(default_factory=list, description="region codes that get their own bulletin")
    # table code → the number the office prints, e.g. {bulletin_1: 表2-1}; default 表1 … in sheet order
    table_labels: dict[str, str] = Field(default_factory=dict)


class DeploymentSettings(BaseModel):
    """deployment.yml: the office and its choices; `rules` override the defaults in dbt_project.yml."""
    model_config = ConfigDict(extra="forbid")
    office_zh: str
    bulletin: BulletinSettings
    # Which economic figures a bulletin uses: 'first_published' = the figures current when the year
    # was first published (a later revision is reported, not applied), or a basis in VINTAGE_BASES.
    statistics_vintage: str = "first_published"
    # Year-average population when a yearbook gives only year-end figures: the mean of the two.
    population_from_year_end: bool = True
    rules: dict = Field(default_factory=dict)

    @field_validator("rules", mode="before")
    @classmethod
    def _no_rules(cls, value):  # `rules:` with every line commented out
        return value or {}


@dataclass(frozen=True)
class Deployment:
    directory: Path
    settings: DeploymentSettings
    files: dict[str, Path]  # table name → the file it was read from (absent optional tables omitted)

    @property
    def rules(self) -> dict:
        return {**project_rule_defaults(), **self.settings.rules}


def deployment_dir() -> Path:
    return Path(os.environ.get("WATERSTAT_DEPLOYMENT", DEMO_DEPLOYMENT)).resolve()


def deployment_rules(directory: Path) -> dict:
    """The rule defaults overridden by deployment.yml `rules`; raises DeploymentError if invalid."""
    settings, problems = read_settings(directory)
    if problems:
        raise DeploymentError(problems)
    return {**project_rule_defaults(), **settings.rules}


def project_rule_defaults() -> dict:
    """The rule variables and their defaults (dbt/dbt_project.yml `vars`)."""
    with open(DBT_PROJECT_FILE, encoding="utf-8") as f:
        return yaml.safe_load(f)["vars"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_file(directory: Path, table: Table) -> Path | None:
    for suffix in (".csv", ".xlsx"):
        if (directory / f"{table.name}{suffix}").exists():
            return directory / f"{table.name}{suffix}"
    return None


def deployment_fingerprint(directory: Path) -> str:
    """What a loaded deployment was built from: every file's name and bytes, the table specs and the
    rule defaults. Equal fingerprints: the tables in the warehouse are already these."""
    digest = hashlib.sha256(repr((TABLES, sorted(project_rule_defaults().items()))).encode())
    for path in [directory / "deployment.yml", *filter(None, (table_file(directory, t) for t in TABLES))]:
        if path.exists():
            digest.update(path.name.encode() + sha256(path).encode())
    return digest.hexdigest()


def present_files(directory: Path) -> dict[str, Path]:
    return {t.name: p for t in TABLES if (p := table_file(directory, t)) is not None}


def read_settings(directory: Path) -> tuple[DeploymentSettings | None, list[str]]:
    path = directory / "deployment.yml"
    if not path.exists():
        return None, [f"{path}: missing (write the templates with `waterstat init-deployment {directory}`)"]
    try:
        settings = DeploymentSettings.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except ValidationError as e:
        return None, [f"deployment.yml: {'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()]
    except yaml.YAMLError as e:
        return None, [f"deployment.yml is not valid YAML: {e}"]
    problems = []
    defaults = project_rule_defaults()
    for name, value in settings.rules.items():
        if name not in defaults:
            problems.append(f"deployment.yml: rules.{name} is not a rule (the rules are listed in docs/rules.md)")
        elif defaults[name] is not None and not isinstance(value, type(defaults[name])) \
                and not (isinstance(defaults[name], float) and isinstance(value, int)):
            problems.append(f"deployment.yml: rules.{name} = {value!r} should be a {type(defaults[name]).__name__} "
                            f"(default {defaults[name]!r})")
    problems += ledger_rule_problems({**defaults, **settings.rules})
    if settings.statistics_vintage not in ("first_published", *VINTAGE_BASES):
        problems.append(f"deployment.yml: statistics_vintage {settings.statistics_vintage!r} is not one of "
                        f"first_published, {', '.join(VINTAGE_BASES)}")
    return settings, problems


# Plans and permits over time (issue 18): the categories of users a plan must be issued to.
PLAN_REQUIRED_CATEGORIES = ("self_supplied", "key_monitored", "public_supply")


def ledger_rule_problems(rules: dict) -> list[str]:
    """The plan-coverage and permit-expiry rules: known categories, a real date, sensible numbers."""
    problems = [f"deployment.yml: rules.plan_required_categories {c!r} is not one of {', '.join(PLAN_REQUIRED_CATEGORIES)}"
                for c in rules.get("plan_required_categories") or [] if c not in PLAN_REQUIRED_CATEGORIES]
    if not isinstance(rules.get("plan_public_supply_min_m3"), (int, float)) or rules["plan_public_supply_min_m3"] < 0:
        problems.append("deployment.yml: rules.plan_public_supply_min_m3 must be a volume in m³, 0 or more")
    if not isinstance(rules.get("permit_expiry_window_months"), int) or rules["permit_expiry_window_months"] < 1:
        problems.append("deployment.yml: rules.permit_expiry_window_months must be a whole number of months, 1 or more")
    report_date = rules.get("permit_expiry_report_date")
    try:
        if report_date:
            date.fromisoformat(str(report_date))
    except ValueError:
        problems.append(f"deployment.yml: rules.permit_expiry_report_date {report_date!r} is not a date (YYYY-MM-DD)")
    return problems


def relation_sql(path: Path) -> tuple[str, list]:
    """A DuckDB relation over a deployment file, every cell as text (the types are checked after)."""
    if path.suffix == ".xlsx":
        return "read_xlsx(?, all_varchar = true, header = true)", [str(path)]
    return "read_csv(?, all_varchar = true, header = true, encoding = 'utf-8')", [str(path)]


def typed_select(table: Table, present: set[str]) -> str:
    parts = []
    for c in table.columns:
        text = f'nullif(trim("{c.name}"), \'\')' if c.name in present else "null::varchar"
        if c.type == "boolean":
            parts.append(f"case lower({text}) when 'true' then true when '1' then true when '是' then true "
                         f"when 'false' then false when '0' then false when '否' then false end as \"{c.name}\"")
        elif c.type == "varchar":
            parts.append(f'{text} as "{c.name}"')
        else:
            parts.append(f'try_cast({text} as {c.type}) as "{c.name}"')
    return ", ".join(parts)


def load_table(con: duckdb.DuckDBPyConnection, table: Table, path: Path, target: str) -> list[str]:
    """Read one file into `target` (typed), returning every problem found in it (set-based)."""
    sql, params = relation_sql(path)
    try:
        header = [d[0] for d in con.execute(f"select * from {sql} limit 0", params).description]
    except duckdb.Error as e:
        return [f"{path.name}: cannot be read ({str(e).splitlines()[0]})"]
    missing = [c.name for c in table.columns if c.required and c.name not in header]
    unknown = [h for h in header if h not in table.column_names()]
    if missing or unknown:
        return [f"{path.name}: " + "; ".join(
            ([f"missing column(s) {', '.join(missing)}"] if missing else [])
            + ([f"unknown column(s) {', '.join(unknown)}"] if unknown else []))
            + f" (expected: {', '.join(table.column_names())})"]
    present = set(header)
    con.execute(f"create or replace temp table _text as select row_number() over () + 1 as _line, * from {sql}", params)
    con.execute(f"create or replace table {target} as select {typed_select(table, present)} from _text order by _line")
    con.execute(f"create or replace temp table _typed as select _line, {typed_select(table, present)} from _text")
    problems = []
    for c in table.columns:
        if c.name not in present:
            continue
        bad = con.execute(f"""select t._line, t."{c.name}" from _text t join _typed y using (_line)
                              where (y."{c.name}" is null and nullif(trim(t."{c.name}"), '') is not null)
                                 or ({'true' if c.required else 'false'} and y."{c.name}" is null)
                              order by 1 limit 5""").fetchall()
        problems += [f"{path.name} line {line}, {c.name}: " + (f"{value!r} is not a valid {c.type}" if value
                     and value.strip() else "is required") for line, value in bad]
    if table.key:
        key = ", ".join(f'"{k}"' for k in table.key)
        dupes = con.execute(f"select {key}, list(_line) from _typed group by all having count(*) > 1 limit 5").fetchall()
        problems += [f"{path.name} lines {', '.join(map(str, d[-1]))}: the same {'/'.join(table.key)} "
                     f"({', '.join(map(str, d[:-1]))}) twice" for d in dupes]
    return problems


def register_problems(regions: list[dict]) -> list[str]:
    """Levels, parents, successors and cycles in the region register."""
    by_code = {r["region_code"]: r for r in regions}
    problems = []
    for r in regions:
        code = r["region_code"]
        if not (len(code) == 6 and code.isdigit()):
            problems.append(f"regions: {code!r} is not a 6-digit GB/T 2260 code")
        if r["level"] not in LEVELS:
            problems.append(f"regions: {code} level {r['level']!r} is not one of {', '.join(LEVELS)}")
        for ref in ("parent_code", "successor_code"):
            if r[ref] and r[ref] not in by_code:
                problems.append(f"regions: {code} {ref} {r[ref]} is not in the register")
    for code in by_code:
        seen, current = [], code
        while current and current in by_code and current not in seen:
            seen.append(current)
            current = by_code[current]["parent_code"]
        if current in seen:
            problems.append(f"regions: parent codes form a loop ({' → '.join(seen + [current])})")
    tops = [r for r in regions if not r["parent_code"] and not r["successor_code"]]
    if len(tops) != 1:
        problems.append(f"regions: exactly one unit must have no parent (the deployment's top unit); found "
                        f"{len(tops)}: {', '.join(r['region_code'] for r in tops) or 'none'}")
    return problems


def final_code(code: str, by_code: dict[str, dict]) -> str:
    """Follow successor codes to the code in use now."""
    seen = set()
    while by_code[code]["successor_code"] and code not in seen:
        seen.add(code)
        code = by_code[code]["successor_code"]
    return code


def region_ancestors(regions: list[dict]) -> list[tuple[str, str, int]]:
    """(member code, region code, depth): every fact of a member rolls up to each region listed.

    A code rolls up to itself (depth 0), to the code that succeeded it (so a series crosses a code
    change), and to every ancestor of its successor along the register (county → city → province →
    nation). A replaced code's own parent is not used, so its figures are never counted twice."""
    by_code = {r["region_code"]: r for r in regions}
    rows = []
    for code in by_code:
        rows.append((code, code, 0))
        current = final_code(code, by_code)
        depth = 0
        if current != code:
            rows.append((code, current, 0))
        while by_code[current]["parent_code"]:
            current, depth = by_code[current]["parent_code"], depth + 1
            rows.append((code, current, depth))
    return rows


def read_deployment(con: duckdb.DuckDBPyConnection, directory: Path, schema: str) -> Deployment:
    """Validate every file of the deployment and write its tables into `schema` of `con`; raises
    DeploymentError with every problem found (nothing is written to `schema` unless all are valid)."""
    problems: list[str] = []
    if not directory.is_dir():
        raise DeploymentError([f"{directory}: no such folder (set WATERSTAT_DEPLOYMENT, or write one with "
                               f"`waterstat init-deployment {directory}`)"])
    settings, settings_problems = read_settings(directory)
    problems += settings_problems
    files: dict[str, Path] = {}
    con.execute("create schema if not exists _deployment_check")
    for table in TABLES:
        path = table_file(directory, table)
        target = f"_deployment_check.{table.name}"
        if path is None:
            if not table.optional_file:
                problems.append(f"{table.name}.csv: missing ({table.doc})")
            con.execute(f"create or replace table {target} as select {typed_select(table, set())} limit 0")
            continue
        files[table.name] = path
        problems += load_table(con, table, path, target)
    if not problems:
        problems += semantic_problems(con, settings)
    if problems:
        con.execute("drop schema _deployment_check cascade")
        raise DeploymentError(problems)
    regions = [dict(zip([d[0] for d in cur.description], r)) for cur in
               [con.execute("select * from _deployment_check.regions")] for r in cur.fetchall()]
    con.execute("create or replace table _deployment_check.region_ancestors "
                "(member_region_code varchar, region_code varchar, depth integer)")
    if regions:
        con.executemany("insert into _deployment_check.region_ancestors values (?, ?, ?)", region_ancestors(regions))
    con.execute("create or replace table _deployment_check.settings (key varchar, value varchar)")
    con.executemany("insert into _deployment_check.settings values (?, ?)", settings_rows(settings))
    con.execute(f"create schema if not exists {schema}")
    for name in [t.name for t in TABLES] + list(DERIVED_TABLES):
        con.execute(f"create or replace table {schema}.{name} as select * from _deployment_check.{name}")
    con.execute("drop schema _deployment_check cascade")
    return Deployment(directory=directory, settings=settings, files=files)


def settings_rows(settings: DeploymentSettings) -> list[tuple[str, str]]:
    """deployment.yml flattened to (key, JSON value), rules merged with their defaults: a table the
    bulletin and its frozen inputs read, so a changed title or rule makes a new published version."""
    flat = {"office_zh": settings.office_zh, "statistics_vintage": settings.statistics_vintage,
            "population_from_year_end": settings.population_from_year_end,
            **{f"bulletin.{k}": v for k, v in settings.bulletin.model_dump().items()},
            **{f"rules.{k}": v for k, v in {**project_rule_defaults(), **settings.rules}.items()}}
    return [(k, json.dumps(v, ensure_ascii=False)) for k, v in sorted(flat.items())]


def setting(con: duckdb.DuckDBPyConnection, key: str, schema: str = "deployment"):
    """One value of the deployment.settings table (see settings_rows)."""
    row = con.execute(f"select value from {schema}.settings where key = ?", [key]).fetchone()
    if row is None:
        raise KeyError(f"{schema}.settings has no {key!r}: load the deployment first")
    return json.loads(row[0])


def semantic_problems(con: duckdb.DuckDBPyConnection, settings: DeploymentSettings) -> list[str]:
    """Rules across rows and tables, once every file has the right columns and types."""
    def q(sql):
        return con.execute(sql).fetchall()
    s = "_deployment_check"
    regions = [dict(zip(("region_code", "level", "parent_code", "successor_code"), r))
               for r in q(f"select region_code, level, parent_code, successor_code from {s}.regions")]
    problems = register_problems(regions)
    codes = {r["region_code"] for r in regions}
    for table in ("assessment_targets", "normal_year_adjustments", "assessment_tasks", "reference_figures"):
        problems += [f"{table}: region {c} is not in the register" for (c,) in
                     q(f"select distinct region_code from {s}.{table} order by 1") if c not in codes]
    for table in ("assessment_calibers", "consumption_coefficients"):  # '*': every region
        problems += [f"{table}: region {c} is not in the register (use * for every region)" for (c,) in
                     q(f"select distinct region_code from {s}.{table} order by 1") if c != "*" and c not in codes]
    for (components,) in q(f"select distinct excluded_components from {s}.assessment_calibers "
                           f"where excluded_components is not null"):
        problems += [f"assessment_calibers: {c!r} is not a component ({', '.join(CALIBER_COMPONENTS)})"
                     for c in components.split("|") if c.strip() not in CALIBER_COMPONENTS]
    problems += [f"consumption_coefficients: {c!r} is not a sector or sub-sector code ({', '.join(sorted(use_sector_codes()))})"
                 for (c,) in q(f"select distinct sector_code from {s}.consumption_coefficients")
                 if c not in use_sector_codes()]
    problems += [f"consumption_coefficients: {c} {k} = {v:g} is not a share between 0 and 1" for c, k, v in
                 q(f"select region_code, sector_code, coefficient from {s}.consumption_coefficients "
                   f"where coefficient not between 0 and 1 order by 1, 2")]
    problems += [f"base_years: the period {a}–{b} starts before or at its base year {y}" for y, a, b in
                 q(f"select base_year, first_year, last_year from {s}.base_years where first_year <= base_year "
                   f"or last_year < first_year")]
    problems += [f"base_years: the periods starting {a} and {b} overlap" for a, b in
                 q(f"""select x.first_year, y.first_year from {s}.base_years x join {s}.base_years y
                       on x.first_year < y.first_year and y.first_year <= x.last_year""")]
    problems += [f"restatements: basis {b!r} is not one of {', '.join(VINTAGE_BASES)}" for (b,) in
                 q(f"select distinct basis from {s}.restatements") if b not in VINTAGE_BASES]
    problems += [f"minimum_returns: {n!r} is not an annual source ({', '.join(SOURCES_BY_NAME)})" for (n,) in
                 q(f"select source_name from {s}.minimum_returns") if n not in SOURCES_BY_NAME]
    problems += [f"assessment_targets: direction {d!r} is not <= or >=" for (d,) in
                 q(f"select distinct direction from {s}.assessment_targets where direction not in ('<=', '>=')")]
    problems += groundwater_problems(q, s, codes)
    problems += carrier_base_problems(q, s, codes)
    problems += comparison_base_problems(q, codes)
    problems += ecological_flow_problems(q, codes)
    problems += audit_and_quota_problems(q, codes)
    if settings is not None:
        problems += [f"deployment.yml: bulletin.child_units {c} is not in the register"
                     for c in settings.bulletin.child_units if c not in codes]
    return problems


def groundwater_problems(q, s: str, codes: set[str]) -> list[str]:
    """The groundwater and carrying-capacity tables: regions in the register, aquifers in the aquifer
    register, year spans in order, controls that control something."""
    aquifers = {a for (a,) in q(f"select aquifer_code from {s}.aquifers")}
    problems = []
    for table in ("groundwater_controls", "overdraft_zones", "total_use_controls"):
        problems += [f"{table}: region {c} is not in the register" for (c,) in
                     q(f"select distinct region_code from {s}.{table} order by 1") if c not in codes]
        problems += [f"{table}: the span {a}–{b} ends before it starts" for a, b in
                     q(f"select valid_from_year, valid_to_year from {s}.{table} where valid_to_year < valid_from_year")]
    for table in ("groundwater_controls", "overdraft_zones"):
        problems += [f"{table}: aquifer {a!r} is not in aquifers.csv" for (a,) in
                     q(f"select distinct aquifer_code from {s}.{table} order by 1") if a not in aquifers]
    problems += [f"groundwater_controls: {r} {a} from {y} sets neither volume_control_m3 nor level_control_depth_m"
                 for r, a, y in q(f"""select region_code, aquifer_code, valid_from_year from {s}.groundwater_controls
                                      where volume_control_m3 is null and level_control_depth_m is null""")]
    problems += [f"total_use_controls: caliber {c!r} is not statistical or assessment" for (c,) in
                 q(f"select distinct caliber from {s}.total_use_controls where caliber not in ('statistical', 'assessment')")]
    for table, key in (("groundwater_controls", "region_code, aquifer_code"), ("total_use_controls", "region_code")):
        problems += [f"{table}: the spans starting {a} and {b} overlap for {k}" for k, a, b in
                     q(f"""select concat_ws(' ', {', '.join('x.' + c.strip() for c in key.split(','))}),
                                  x.valid_from_year, y.valid_from_year
                           from {s}.{table} x join {s}.{table} y using ({key})
                           where x.valid_from_year < y.valid_from_year and y.valid_from_year <= x.valid_to_year""")]
    return problems


def carrier_base_problems(q, s: str, codes: set[str]) -> list[str]:
    """Base counts of the carrier creation rates: a known region and carrier type, a count ≥ 0."""
    problems = [f"carrier_base_counts: region {c} is not in the register" for (c,) in
                q(f"select distinct region_code from {s}.carrier_base_counts order by 1") if c not in codes]
    problems += [f"carrier_base_counts: {t!r} is not a carrier type ({', '.join(carrier_types())})" for (t,) in
                 q(f"select distinct carrier_type_zh from {s}.carrier_base_counts order by 1") if t not in carrier_types()]
    problems += [f"carrier_base_counts: {c} {y} {t} has a negative count" for c, y, t in
                 q(f"select region_code, report_year, carrier_type_zh from {s}.carrier_base_counts "
                   f"where base_count < 0 order by all")]
    return problems


def comparison_base_problems(q, codes: set[str]) -> list[str]:
    """Comparison bases, base-year figures and the base year a target names."""
    s = "_deployment_check"
    problems = [f"comparison_base_years: region {c} is not in the register (use * for every region)" for (c,) in
                q(f"select distinct region_code from {s}.comparison_base_years order by 1") if c != "*" and c not in codes]
    problems += [f"comparison_base_years: {c} base {y} for {a}–{b}: the years must come after the base and "
                 f"last_year may not precede first_year" for c, y, a, b in
                 q(f"select region_code, base_year, first_year, last_year from {s}.comparison_base_years "
                   f"where first_year <= base_year or last_year < first_year order by all")]
    problems += [f"base_year_water_use: region {c} is not in the register" for (c,) in
                 q(f"select distinct region_code from {s}.base_year_water_use order by 1") if c not in codes]
    problems += [f"base_year_water_use: {c} {y} caliber {k!r} is not statistical or assessment" for c, y, k in
                 q(f"select region_code, base_year, caliber from {s}.base_year_water_use "
                   f"where caliber not in ('statistical', 'assessment') order by all")]
    problems += [f"base_year_water_use: {c} {y} has a negative volume" for c, y in
                 q(f"select region_code, base_year from {s}.base_year_water_use "
                   f"where total_m3 < 0 or industry_m3 < 0 order by all")]
    problems += [f"assessment_targets: {c} {y} {i} names base year {b}, but only a *_decline_vs_base target "
                 f"has a base year" for c, y, i, b in
                 q(f"select region_code, report_year, indicator_code, base_year from {s}.assessment_targets "
                   f"where base_year is not null and not suffix(indicator_code, '_decline_vs_base') order by all")]
    problems += [f"assessment_targets: {c} {y} {i} names base year {b}, which is neither the plan period's "
                 f"(base_years.csv) nor a comparison base for it (comparison_base_years.csv)" for c, y, i, b in
                 q(f"""select t.region_code, t.report_year, t.indicator_code, t.base_year from {s}.assessment_targets t
                       where t.base_year is not null and suffix(t.indicator_code, '_decline_vs_base')
                         and not exists (select 1 from {s}.base_years p where p.base_year = t.base_year
                                         and t.report_year between p.first_year and p.last_year)
                         and not exists (select 1 from {s}.comparison_base_years c where c.base_year = t.base_year
                                         and c.region_code in ('*', t.region_code)
                                         and t.report_year between c.first_year and c.last_year)
                       order by all""")]
    return problems


def ecological_flow_problems(q, codes: set[str]) -> list[str]:
    """Sections, their seasonal minimums and the warning levels."""
    s = "_deployment_check"
    problems = [f"ecological_flow_sections: {c} region {r} is not in the register" for c, r in
                q(f"select section_code, region_code from {s}.ecological_flow_sections order by 1") if r not in codes]
    problems += [f"ecological_flow_sections: {c} minimum flow {v:g} m³/s or margin {m} % is negative" for c, v, m in
                 q(f"select section_code, min_flow_m3s, warning_margin_pct from {s}.ecological_flow_sections "
                   f"where min_flow_m3s < 0 or warning_margin_pct < 0 order by 1")]
    problems += [f"ecological_flow_seasonal_minimums: section {c} is not in ecological_flow_sections" for (c,) in
                 q(f"""select distinct section_code from {s}.ecological_flow_seasonal_minimums
                       where section_code not in (select section_code from {s}.ecological_flow_sections) order by 1""")]
    problems += [f"ecological_flow_seasonal_minimums: {c} months {a}–{b} are not 1–12 in order, or the flow is negative"
                 for c, a, b in q(f"""select section_code, month_from, month_to from {s}.ecological_flow_seasonal_minimums
                                      where month_from not between 1 and 12 or month_to not between month_from and 12
                                         or min_flow_m3s < 0 order by all""")]
    problems += [f"ecological_flow_seasonal_minimums: {c} months from {a} and from {b} overlap" for c, a, b in
                 q(f"""select x.section_code, x.month_from, y.month_from from {s}.ecological_flow_seasonal_minimums x
                       join {s}.ecological_flow_seasonal_minimums y on x.section_code = y.section_code
                        and x.month_from < y.month_from and y.month_from <= x.month_to order by all""")]
    (levels, defaults), = q(f"""select count(*), count(*) filter (where min_days_below is null
                                   and min_longest_run_days is null and min_days_near is null)
                                from {s}.ecological_flow_warning_levels""")
    if levels and defaults != 1:
        problems.append(f"ecological_flow_warning_levels: exactly one level needs no thresholds (the default); "
                        f"found {defaults}")
    return problems


def audit_and_quota_problems(q, codes: set[str]) -> list[str]:
    """The key-user register, the audit requirements, the quota edition and the surcharge bases."""
    s = "_deployment_check"
    problems = [f"key_user_register: {u} region {r} is not in the register" for u, r in
                q(f"select uscc, region_code from {s}.key_user_register order by 1") if r not in codes]
    problems += [f"key_user_register: {u!r} is not a valid 统一社会信用代码" for (u,) in
                 q(f"select uscc from {s}.key_user_register order by 1") if not is_valid_uscc(u)]
    problems += [f"{t}: {k} level {v!r} is not one of {', '.join(MONITORING_LEVELS)}" for t, k, v in
                 q(f"""select 'key_user_register', uscc, monitoring_level from {s}.key_user_register
                       union all select 'audit_requirements', kind_zh, monitoring_level from {s}.audit_requirements
                       order by all""") if v not in MONITORING_LEVELS]
    problems += [f"key_user_register: {u} is listed {a}–{b}, which ends before it starts" for u, a, b in
                 q(f"select uscc, listed_from_year, listed_to_year from {s}.key_user_register "
                   f"where listed_to_year < listed_from_year order by 1")]
    problems += [f"audit_requirements: kind {k!r} is not one of {', '.join(AUDIT_KINDS)}" for (k,) in
                 q(f"select distinct kind_zh from {s}.audit_requirements order by 1") if k not in AUDIT_KINDS]
    problems += [f"audit_requirements: {k} {v} cycle_years {c} is below 1" for k, v, c in
                 q(f"select kind_zh, monitoring_level, cycle_years from {s}.audit_requirements where cycle_years < 1")]
    for column, allowed in (("sector", QUOTA_SECTORS), ("quota_level_zh", QUOTA_LEVELS)):
        problems += [f"water_quotas: {p} {column} {v!r} is not one of {', '.join(allowed)}" for p, v in
                     q(f"select distinct product_code, {column} from {s}.water_quotas order by 1") if v not in allowed]
    problems += [f"water_quotas: {p} {lvl} from {y}: the quota must be above 0 and the span may not end before it starts"
                 for p, lvl, y in q(f"select product_code, quota_level_zh, valid_from_year from {s}.water_quotas "
                                    f"where quota_m3_per_unit <= 0 or valid_to_year < valid_from_year order by all")]
    problems += [f"water_quotas: {p} {lvl}: the editions from {a} and {b} overlap" for p, lvl, a, b in
                 q(f"""select x.product_code, x.quota_level_zh, x.valid_from_year, y.valid_from_year
                       from {s}.water_quotas x join {s}.water_quotas y using (product_code, quota_level_zh)
                       where x.valid_from_year < y.valid_from_year
                         and y.valid_from_year <= coalesce(x.valid_to_year, 9999) order by all""")]
    problems += [f"water_quotas: {p} has more than one name, sector or unit of output" for (p,) in
                 q(f"""select product_code from {s}.water_quotas group by 1
                       having count(distinct (product_name_zh, sector, output_unit_zh)) > 1 order by 1""")]
    problems += [f"surcharge_tiers: basis {b!r} is not one of {', '.join(SURCHARGE_BASES)} (empty: plan)" for (b,) in
                 q(f"select distinct basis from {s}.surcharge_tiers where basis is not null order by 1")
                 if b not in SURCHARGE_BASES]
    return problems


def write_templates(directory: Path) -> list[Path]:
    """A new deployment folder: deployment.yml with every setting and rule (defaults, commented),
    and one CSV per table with its header and an example row, described in README.txt."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise FileExistsError(f"{directory} is not empty: templates are written into a new folder only")
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    rules = "\n".join(f"  # {name}: {json.dumps(value, ensure_ascii=False)}"
                       for name, value in project_rule_defaults().items())
    (directory / "deployment.yml").write_text(f"""# Your office's settings (docs/deploying.md). Uncomment a rule to change its default.
office_zh: 某某市水利局
bulletin:
  title_zh: 某某市水资源公报
  issuer_zh: 某某市水利局
  child_units: []        # region codes that also get a bulletin of their own
statistics_vintage: first_published   # or one of: {', '.join(VINTAGE_BASES)}
population_from_year_end: true
rules:
{rules}
""", encoding="utf-8")
    written.append(directory / "deployment.yml")
    readme = ["Deployment tables (CSV, UTF-8; Excel .xlsx with the same name and header also accepted).", ""]
    for t in TABLES:
        path = directory / f"{t.name}.csv"
        lines = [",".join(t.column_names())] + [",".join(row) for row in t.example]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
        readme += [f"{t.name}.csv — {t.doc}" + (" (optional)" if t.optional_file else "")]
        readme += [f"    {c.name} ({c.type}{', required' if c.required else ''}){': ' + c.doc if c.doc else ''}"
                   for c in t.columns] + [""]
    (directory / "README.txt").write_text("\n".join(readme), encoding="utf-8")
    return written + [directory / "README.txt"]
