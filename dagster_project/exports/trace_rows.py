"""The row traces of `waterstat trace`: the tables whose cells are rates, indicators, scores or
texts, traced at the level honest for each — the report model row, the mart row(s) it reads, and
the input rows behind them: a raw file's rows (with the load run that loaded the file), or a
deployment file's rows. Which inputs a table's rows come from is the `meta.trace` of its report
model (dbt/models/reports/_reports.yml); the input kinds it names are the queries below.

Parameters of every query: $year, $region (the report row's region code), and the row keys the
model's meta.trace names ($uscc, $indicator_code, $caliber, $task_id); $excludes_cooling is the
deployment's rule reuse_rate_excludes_once_through_cooling (as dbt applied it). MEMBERS: the codes a
region's figures sum; {members} in a meta.trace `mart_where`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from dagster_project.lib.deployment import TABLES, relation_sql, table_file

MEMBERS = ("region_code in (select member_region_code from intermediate.int_region_rollup "
           "where region_code = $region)")  # the codes a region's figures sum (itself, its children …)


@dataclass(frozen=True)
class InputKind:
    title: str  # what the rows are, for the reader
    sql: str  # the input rows: source_file, source_row_number first; file_sha256 for a raw file
    deployment_table: str | None = None  # rows of this deployment file (read with their line numbers)


RAW = "join raw.{t} as r on r._source_file = s.source_file and r._source_row_number = s.source_row_number"

INPUT_KINDS = {
    "supply_returns": InputKind(
        "公共供水企业直报(供水单位的行；地区加权行：本地区各供水单位的行)",
        f"""select s.source_file, s.source_row_number, r._file_sha256 as file_sha256, s.uscc, s.unit_name,
                   s.region_code, s.own_production_surface_m3, s.own_production_ground_m3, s.purchased_supply_m3,
                   s.billed_metered_m3, s.billed_unmetered_m3, s.unbilled_metered_m3, s.unbilled_unmetered_m3
            from staging.stg_raw__supply_returns as s {RAW.format(t='supply_returns')}
            where s.report_year = $year and (s.uscc = $uscc or $uscc is null and s.{MEMBERS})
            order by s.region_code, s.uscc"""),
    "industrial_returns_above_scale": InputKind(
        "规模以上工业企业直报(counted：计入重复利用率；火(核)电直流冷却企业按规则不计入)",
        f"""select s.source_file, s.source_row_number, r._file_sha256 as file_sha256, s.uscc, s.unit_name,
                   s.region_code, s.reused_water_m3,
                   s.new_water_surface_m3 + s.new_water_ground_m3 + s.new_water_tap_m3
                       + s.new_water_unconventional_m3 as new_water_m3,
                   s.is_once_through_cooling,
                   not (s.is_once_through_cooling and $excludes_cooling) as counted
            from staging.stg_raw__industrial_returns as s {RAW.format(t='industrial_returns')}
            where s.report_year = $year and s.is_above_scale and s.{MEMBERS}
            order by s.region_code, s.uscc"""),
    "economy": InputKind(
        "统计年鉴行(本地区本年各版本；is_applied：按部署的版本规则采用的版本)",
        """select v.source_file, v.source_row_number, r._file_sha256 as file_sha256, v.region_code, v.basis,
                  v.vintage_rank, v.is_applied, v.population_avg_10k, v.population_year_end_10k,
                  v.gdp_100m_yuan, v.industry_va_100m_yuan, v.irrigated_area_actual_10k_mu
           from intermediate.int_region_economy_vintages as v
           join raw.economic_statistics as r on r._source_file = v.source_file
            and r._source_row_number = v.source_row_number
           where v.report_year = $year and v.region_code = $region
           order by v.vintage_rank"""),
    "inspection_scores": InputKind(
        "考核检查评分(制度建设、措施落实、创新加分、否决)",
        f"""select s.source_file, s.source_row_number, r._file_sha256 as file_sha256, s.region_code, s.unit_name,
                   s.system_points, s.measures_points, s.bonus_points, s.is_vetoed
            from staging.stg_raw__inspection_scores as s {RAW.format(t='inspection_scores')}
            where s.report_year = $year and s.region_code = $region"""),
    "assessment_targets": InputKind(
        "部署的考核目标", """select * from deployment_file
            where region_code = $region and report_year = cast($year as varchar)
              and indicator_code = $indicator_code and caliber = $caliber""", "assessment_targets"),
    "consumption_coefficients": InputKind(
        "部署的耗水系数(本地区各成员各用水分项所用的行)",
        f"""select f.source_file, f.source_row_number, f.region_code, f.sector_code, f.coefficient, f.note,
                   a.region_code as member_region_code, a.sub_sector_code, a.volume_m3, a.consumption_m3
            from (select * from intermediate.int_water_consumption_by_member
                  where report_year = $year and {MEMBERS} and ({{filter}})) as a
            left join deployment_file as f
              on trim(f.region_code) = a.coefficient_region_code and trim(f.sector_code) = a.coefficient_sector_code
            order by a.region_code, a.sub_sector_code""", "consumption_coefficients"),
    "wastewater_plant_returns": InputKind(
        "污水处理厂运行统计表(本地区各污水处理厂)",
        f"""select s.source_file, s.source_row_number, r._file_sha256 as file_sha256, s.uscc, s.plant_name,
                   s.region_code, s.wastewater_treated_m3, s.reclaimed_produced_m3, s.reclaimed_used_m3
            from staging.stg_raw__wastewater_plant_returns as s {RAW.format(t='wastewater_plant_returns')}
            where s.report_year = $year and s.{MEMBERS}
            order by s.region_code, s.uscc"""),
    "groundwater_abstraction": InputKind(
        "地下水开采量统计表(本地区本含水层)",
        f"""select s.source_file, s.source_row_number, r._file_sha256 as file_sha256, s.region_code,
                   s.aquifer_code, s.abstraction_m3, s.method_zh
            from staging.stg_raw__groundwater_abstraction as s {RAW.format(t='groundwater_abstraction')}
            where s.report_year = $year and s.aquifer_code = $aquifer_code and s.{MEMBERS}
            order by s.region_code"""),
    "groundwater_levels": InputKind(
        "地下水监测井水位(本地区本含水层本年各次观测)",
        f"""select s.source_file, s.source_row_number, r._file_sha256 as file_sha256, s.well_code, s.well_name,
                   s.region_code, s.aquifer_code, s.observed_on, s.depth_to_water_m
            from staging.stg_raw__groundwater_levels as s {RAW.format(t='groundwater_levels')}
            where year(s.observed_on) = $year and s.aquifer_code = $aquifer_code and s.{MEMBERS}
            order by s.well_code, s.observed_on"""),
    "groundwater_controls": InputKind(
        "部署的地下水管控指标", """select * from deployment_file
            where region_code = $region and aquifer_code = $aquifer_code""", "groundwater_controls"),
    "ecological_flows": InputKind(
        "控制断面日均流量(本断面本年各日)",
        f"""select s.source_file, s.source_row_number, r._file_sha256 as file_sha256, s.section_code,
                   s.section_name_zh, s.flow_date, s.mean_flow_m3s
            from staging.stg_raw__ecological_flows as s {RAW.format(t='ecological_flows')}
            where year(s.flow_date) = $year and s.section_code = $section_code
            order by s.flow_date"""),
    "ecological_flow_sections": InputKind(
        "部署的控制断面及其最小生态流量", """select * from deployment_file where section_code = $section_code""",
        "ecological_flow_sections"),
    "assessment_tasks": InputKind(
        "部署的任务分解表", """select * from deployment_file
            where task_id = $task_id and report_year = cast($year as varchar)""", "assessment_tasks"),
    "water_saving_carriers": InputKind(
        "节水载体台账(本地区此类载体，创建年度不晚于本年；同一载体重复登记的行已在装载时隔离)",
        f"""select s.source_file, s.source_row_number, r._file_sha256 as file_sha256, s.carrier_id, s.carrier_name,
                   s.region_code, s.carrier_type_zh, s.carrier_level_zh, s.creation_year, s.is_efficiency_leader
            from staging.stg_raw__water_saving_carriers as s {RAW.format(t='water_saving_carriers')}
            where s.carrier_type_code = $carrier_type_code and s.creation_year <= $year and s.{MEMBERS}
            order by s.region_code, s.carrier_id"""),
    "carrier_base_counts": InputKind(
        "部署的节水载体基数(本地区或其下属地区)", """select * from deployment_file
            where report_year = cast($year as varchar) and carrier_type_zh = (select carrier_type_zh from ref.carrier_types
                  where carrier_type_code = $carrier_type_code)
              and region_code in (select member_region_code from intermediate.int_region_rollup where region_code = $region)""",
        "carrier_base_counts"),
    "supervision_inspections": InputKind(
        "取用水监督检查台账(本地区本年各检查行)",
        f"""select s.source_file, s.source_row_number, r._file_sha256 as file_sha256, s.unit_name, s.uscc, s.region_code,
                   s.unit_kind_zh, s.finding_category_zh, s.correction_deadline, s.corrected_on
            from staging.stg_raw__supervision_inspections as s {RAW.format(t='supervision_inspections')}
            where s.inspection_year = $year and s.{MEMBERS}
            order by s.region_code, s.source_row_number"""),
    "water_use_plans": InputKind(
        "计划用水台账(本地区本年下达的计划)",
        f"""select s.source_file, s.source_row_number, r._file_sha256 as file_sha256, s.uscc, s.user_name, s.region_code,
                   s.annual_plan_m3
            from staging.stg_raw__water_use_plans as s {RAW.format(t='water_use_plans')}
            where s.report_year = $year and s.{MEMBERS}
            order by s.region_code, s.uscc"""),
    "water_use_plan_adjustments": InputKind(
        "计划调整台账(本地区本年的追加、核减)",
        f"""select s.source_file, s.source_row_number, r._file_sha256 as file_sha256, s.uscc, s.user_name, s.region_code,
                   s.adjustment_type_zh, s.adjustment_m3, s.effective_date, s.document_no
            from staging.stg_raw__water_use_plan_adjustments as s {RAW.format(t='water_use_plan_adjustments')}
            where s.report_year = $year and s.{MEMBERS}
            order by s.region_code, s.uscc, s.effective_date"""),
    "permits": InputKind(
        "取水许可台账(本地区有效期与本年相交的许可证)",
        f"""select s.source_file, s.source_row_number, r._file_sha256 as file_sha256, s.permit_no, s.holder_name, s.uscc,
                   s.region_code, s.valid_from, s.valid_to, s.status_zh
            from staging.stg_raw__permits as s {RAW.format(t='permits')}
            where s.valid_from <= make_date($year, 12, 31) and s.valid_to >= make_date($year, 1, 1) and s.{MEMBERS}
            order by s.region_code, s.permit_no"""),
    "permit_events": InputKind(
        "取水许可事件台账(本地区各许可证的延续、变更、电子证照等事件)",
        f"""select s.source_file, s.source_row_number, r._file_sha256 as file_sha256, s.permit_no, s.holder_name, s.uscc,
                   s.region_code, s.event_type_zh, s.event_date, s.valid_from, s.valid_to, s.e_licence_date
            from staging.stg_raw__permit_events as s {RAW.format(t='permit_events')}
            where s.{MEMBERS}
            order by s.region_code, s.permit_no, s.event_date"""),
    "water_audits": InputKind(
        "用水审计与水平衡测试台账(本地区本年及以前各年：覆盖率按规定周期计)",
        f"""select s.source_file, s.source_row_number, r._file_sha256 as file_sha256, s.uscc, s.user_name, s.region_code,
                   s.kind_zh, s.report_year, s.is_planned, s.completed_on
            from staging.stg_raw__water_audits as s {RAW.format(t='water_audits')}
            where s.report_year <= $year and s.{MEMBERS}
            order by s.report_year desc, s.region_code, s.uscc"""),
    "user_output": InputKind(
        "用水户产量台账(本地区本年各产品产量，与用水定额对标)",
        f"""select s.source_file, s.source_row_number, r._file_sha256 as file_sha256, s.user_code, s.user_name,
                   s.region_code, s.product_code, s.output, s.output_unit_zh, s.product_water_m3
            from staging.stg_raw__user_output as s {RAW.format(t='user_output')}
            where s.report_year = $year and s.{MEMBERS}
            order by s.region_code, s.user_code, s.product_code"""),
}


def bind(sql: str, params: dict) -> dict:
    """The parameters a query uses (DuckDB refuses unused named parameters)."""
    return {k: params[k] for k in dict.fromkeys(re.findall(r"\$(\w+)", sql))}


def query(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> tuple[list[str], list[tuple]]:
    cur = con.execute(sql, bind(sql, params))
    return [d[0] for d in cur.description], cur.fetchall()


def input_rows(con: duckdb.DuckDBPyConnection, kind: InputKind, params: dict, deployment, fct_filter: str
               ) -> tuple[list[str], list[tuple]]:
    """A kind's rows ({filter}: the fct_water_use filter of the cell's column); a deployment file's
    read as the office wrote it (every cell text), each row with its line (header = line 1) and the
    file's name."""
    sql = kind.sql.replace("{filter}", fct_filter)
    if kind.deployment_table is None:
        return query(con, sql, params)
    table = next(t for t in TABLES if t.name == kind.deployment_table)
    path = table_file(deployment, table)
    if path is None:
        return ["source_file", "source_row_number"], []
    relation, args = relation_sql(path)
    con.execute(f"""create or replace temp view deployment_file as
                    select '{path.name}' as source_file, row_number() over () + 1 as source_row_number, *
                    from {relation.replace('?', repr(args[0]))}""")
    return query(con, sql, params)


LOADS_SQL = """select l.source_file, l.run_id, l.logged_at, l.rows_loaded, l.file_sha256
    from raw.load_log as l
    where l.status = 'loaded' and list_contains($files, l.source_file || '|' || l.file_sha256)
    qualify row_number() over (partition by l.source_file order by l.logged_at desc) = 1
    order by l.source_file"""
