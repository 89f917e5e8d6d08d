"""Trace a published cell down to its input rows (`waterstat trace WORKBOOK SHEET CELL`).

Two halves. The cell (`published_cell`): the publication version a workbook belongs to (by its
SHA-256 against the manifests, so the copy in exports/ resolves to its version), the sheet's
TableSpec rebuilt from that version's frozen inputs, and the cell's place in it (workbook.table_layout,
the writer's own rule): report unit, region, column, value as published, and its mark (× or —).
The lineage (`lineage`), from the build warehouse, read-only: the report model row, the mart row,
the fct_water_use rows the column sums, the component rows behind them (int_water_use_components)
with the input file and row each came from, and the load run that loaded each file. Which rows a
column sums is the `meta.trace` of its report column (dbt/models/reports/_reports.yml), kept beside
the model it describes. The other tables (indicators, leakage, reuse, assessment) are traced row
by row (`row_lineage`, exports/trace_rows.py) by their model's own meta.trace: the report row, the
mart row(s), the input rows behind them; a figure with no input row of its own (a rank, a decline
rate) shows the model rows it is computed from and says so.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import yaml
from openpyxl import load_workbook
from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

from dagster_project.exports.bulletin import NOT_AVAILABLE, assessment_tables, bulletin_tables, top_unit
from dagster_project.exports.publication import open_bundle
from dagster_project.exports.workbook import SUPPRESSED, TableSpec, table_layout, written_value
from dagster_project.exports.trace_rows import INPUT_KINDS, LOADS_SQL, MEMBERS, bind, input_rows
from dagster_project.lib.repo_paths import DBT_PROJECT_DIR
from dagster_project.settings import dbt_vars

# the report model behind each table (table codes as in precision.csv)
TABLE_MODELS = {"bulletin_1": "rpt_bulletin_use_by_sector", "bulletin_2": "rpt_bulletin_use_by_source",
                "bulletin_3": "rpt_bulletin_indicators", "bulletin_4": "rpt_bulletin_leakage",
                "bulletin_5": "rpt_bulletin_industrial_reuse", "bulletin_6": "rpt_bulletin_consumption",
                "bulletin_7": "rpt_bulletin_unconventional", "bulletin_8": "rpt_bulletin_groundwater",
                "bulletin_9": "rpt_bulletin_intensity_declines", "bulletin_10": "rpt_bulletin_ecological_flow",
                "assessment_1": "rpt_assessment_targets", "assessment_2": "rpt_assessment_scores",
                "assessment_3": "rpt_assessment_tasks", "assessment_overdue": "rpt_assessment_tasks",
                "assessment_management": "rpt_assessment_management_targets",
                "assessment_carriers": "rpt_assessment_carriers", "assessment_supervision": "rpt_assessment_supervision",
                "assessment_permits_plans": "rpt_assessment_permits_plans",
                "assessment_audits_quotas": "rpt_assessment_audits_quotas"}
UNCONVENTIONAL_TYPE_PREFIX = "u_"  # 表2's one column per unconventional type (bulletin.use_by_source)
COLUMN_KEY = "$column"  # a meta.trace key read off the cell's column (表3: one column per indicator)
NOT_TRACED = "本单元格尚不能追溯到输入行：其报表模型未登记追溯规则(meta.trace)。"


class TraceError(Exception):
    """A trace that cannot be made (unknown workbook, sheet or cell; warehouse busy): said plainly."""


@dataclass
class PublishedCell:
    workbook: Path
    version_dir: Path
    year: int
    unit: str
    version: int
    rounding_mode: str
    table_code: str  # bulletin_1 … / assessment_1 …
    sheet: str
    address: str
    region_code: str | None
    region_label: str
    column_key: str
    header: str  # the column's header path, "工业用水/小计"
    unit_line: str  # the table's unit, "单位：亿m³"
    decimals: int | None
    value: object  # as the workbook shows it: a number, × or —
    frozen_value: object  # the version's frozen (unrounded) figure
    row_keys: dict = field(default_factory=dict)  # the report row's keys its model's meta.trace names

    @property
    def mark(self) -> str | None:
        return self.value if self.value in (SUPPRESSED, NOT_AVAILABLE) else None


@dataclass
class Rows:
    columns: list[str]
    rows: list[tuple]


@dataclass
class Lineage:
    model: str
    column: str
    keys: dict
    warehouse_value: float | None
    mart: str
    mart_value: str
    mart_figure_m3: float | None
    fct_filter: str
    fct_rows: Rows
    detail_rows: Rows  # component rows, each with the input row(s) it came from
    loads: Rows
    detail_sum_m3: float
    notes: list[str] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def find_version(workbook: Path, exports: Path) -> tuple[Path, dict, str]:
    """(version folder, manifest, the file's name in it) of the published version whose file has
    these bytes: exports/bulletin/<year>/vNNN/ or a child unit's exports/units/<code>/bulletin/…"""
    digest = sha256_of(workbook)
    for manifest_path in sorted(exports.glob("**/bulletin/*/v[0-9][0-9][0-9]/manifest.json")):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        for name, sha in manifest["file_sha256"].items():
            if sha == digest and name.endswith(".xlsx"):
                return manifest_path.parent, manifest, name
    raise TraceError(f"{workbook} 不是 {exports} 下任何已发布版本的文件(SHA-256 与各版本 manifest.json 均不符)："
                     "它被修改过，或来自另一个部署。")


def spec_position(spec: TableSpec, address: str) -> tuple[int, int]:
    """(spec row, column) of a cell address like F7, by the writer's layout; a cell outside the
    table's data (title, headers, notes, past the last column) is an error naming the data range."""
    if not re.fullmatch(r"[A-Za-z]{1,3}[1-9][0-9]*", address):
        raise TraceError(f"“{address}”不是单元格地址(例如 F7)。")
    row, col = xl_cell_to_rowcol(address.upper())
    _, first = table_layout(spec)
    i = row - first
    if not (0 <= i < len(spec.rows) and col < len(spec.columns)):
        data = (f"{xl_rowcol_to_cell(first, 0)}:{xl_rowcol_to_cell(first + len(spec.rows) - 1, len(spec.columns) - 1)}"
                if spec.rows else "(本表无数据行)")
        raise TraceError(f"{address.upper()} 不是“{spec.sheet}”的数据单元格；数据区为 {data}。")
    return i, col


def _specs(con: duckdb.DuckDBPyConnection, name: str, year: int, unit: str) -> tuple[str, list[TableSpec]]:
    if name.startswith("水资源公报表"):
        return "bulletin", bulletin_tables(con, year, unit)
    if name.startswith("考核结果表"):
        return "assessment", assessment_tables(con, year, unit)
    raise TraceError(f"{name} 不是公报表或考核表工作簿。")


def published_cell(workbook: Path, sheet: str, address: str, exports: Path) -> PublishedCell:
    """The cell as published: its version, its place in the rebuilt table, its value and mark."""
    if not workbook.is_file():
        raise TraceError(f"没有文件 {workbook}。")
    version_dir, manifest, name = find_version(workbook, exports)
    con = open_bundle(version_dir / "inputs")
    try:
        unit = manifest.get("unit") or top_unit(con)
        prefix, specs = _specs(con, name, manifest["year"], unit)
        by_sheet = {s.sheet: (n, s) for n, s in enumerate(specs, start=1)}
        if sheet not in by_sheet:
            raise TraceError(f"{name} 没有工作表“{sheet}”；有：{'、'.join(by_sheet)}。")
        n, spec = by_sheet[sheet]
        i, j = spec_position(spec, address)
        row, col = spec.rows[i], spec.columns[j]
        frozen = None
        model = TABLE_MODELS.get(spec.code)
        row_meta = model_trace_meta().get(model, {})
        row_keys = {k: col.key if field_ == COLUMN_KEY else row.get(field_)
                    for k, field_ in row_meta.get("keys", {}).items()}
        if model and col.decimals is not None and not row_meta:
            model, column, extra = report_column(model, col.key)
            frozen = _model_row(con, model, column, manifest["year"], unit, row["region_code"], extra)
    finally:
        con.close()
    book = load_workbook(workbook, read_only=True)
    shown = book[sheet].cell(*(x + 1 for x in xl_cell_to_rowcol(address.upper()))).value
    book.close()
    label = row.get("region_label", row.get(spec.columns[0].key))
    expected, _ = written_value(row, col, manifest["rounding_mode"])
    if shown != expected:
        # the rebuilt table and the file disagree: never trace the wrong figure
        raise TraceError(f"{address} 在工作簿中为 {shown!r}，按发布版本 v{manifest['version']:03d} 重建的表中为 "
                         f"{expected!r}：版式不符，无法可靠追溯。")
    return PublishedCell(
        workbook=workbook, version_dir=version_dir, year=manifest["year"], unit=unit, version=manifest["version"],
        rounding_mode=manifest["rounding_mode"], table_code=spec.code, sheet=sheet, address=address.upper(),
        region_code=row.get("region_code"), region_label=str(label), column_key=col.key, header="/".join(col.path),
        unit_line=spec.unit_line, decimals=col.decimals, value=shown, frozen_value=frozen, row_keys=row_keys)


def report_column(model: str, key: str) -> tuple[str, str, dict]:
    """(report model, its column, extra row keys) a table column reads: 表2's per-type columns
    come from rpt_bulletin_unconventional_by_type, one row per type."""
    if model == "rpt_bulletin_use_by_source" and key.startswith(UNCONVENTIONAL_TYPE_PREFIX):
        return ("rpt_bulletin_unconventional_by_type", "volume_100m_m3",
                {"unconventional_type_zh": key[len(UNCONVENTIONAL_TYPE_PREFIX):]})
    return model, key, {}


def _model_row(con, model: str, column: str, year: int, unit: str, region: str, extra: dict) -> float | None:
    where = "".join(f" and {k} = ${k}" for k in extra)
    row = con.execute(f"""select {column} from reports.{model} where report_year = $year
                          and report_unit_code = $unit and region_code = $region{where}""",
                      {"year": year, "unit": unit, "region": region, **extra}).fetchall()
    return row[0][0] if row else None


@cache
def _reports_yml() -> dict:
    return yaml.safe_load((DBT_PROJECT_DIR / "models" / "reports" / "_reports.yml").read_text(encoding="utf-8"))


@cache
def trace_meta() -> dict[tuple[str, str], dict]:
    """(report model, column) → its meta.trace from the report models' YAML (a volume column)."""
    return {(m["name"], c["name"]): c["config"]["meta"]["trace"] for m in _reports_yml()["models"]
            for c in m.get("columns", []) if "trace" in c.get("config", {}).get("meta", {})}


@cache
def model_trace_meta() -> dict[str, dict]:
    """report model → its model-level meta.trace (a table traced row by row)."""
    return {m["name"]: m["config"]["meta"]["trace"] for m in _reports_yml()["models"]
            if "trace" in m.get("config", {}).get("meta", {})}


def connect_warehouse(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """The build file, read-only: DuckDB allows no reader beside a writer, so a running pipeline
    makes this fail (and a trace never holds the file while a run wants it: it closes at once)."""
    if not warehouse.exists():
        raise TraceError(f"没有数据仓库 {warehouse}：先运行 `waterstat run`。")
    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as exc:
        raise TraceError("流水线正在写入数据仓库，无法读取明细；请在本次运行结束后再追溯。") from exc


# A unit's own return, by the channel int_water_use_components took it from (its origin):
# (what it is, origin, staging model, its unit key and name, which of its rows)
UNIT_RETURNS = (
    # a firm's new water, or its tap water (attributed to what public supply withdrew)
    ("企业直报", "industrial_returns", "uscc", "unit_name", "s.uscc = d.reporting_unit_id"),
    # industry extrapolated from the region's sample of firms below scale (int_industry_extrapolation)
    ("推算样本(规模以下企业)", "industrial_returns", "uscc", "unit_name",
     "d.reporting_unit_id = 'extrapolated' and not s.is_above_scale"),
    # a public-supply enterprise's sales and losses (int_public_supply_components)
    ("供水企业直报", "supply_returns", "uscc", "unit_name", "s.uscc = d.reporting_unit_id"),
    ("灌区直报", "irrigation_returns", "district_code", "district_name", "s.district_code = d.reporting_unit_id"),
)
UNIT_RETURN_SQL = """
    select d.detail_no, '{kind}' as input_kind, s.source_file, s.source_row_number, s.{key} as unit_id,
           s.{name} as unit_name, r._file_sha256 as file_sha256, 2 as exactness
    from detail as d
    join staging.stg_raw__{origin} as s
      on d.origin = '{origin}' and {rows} and s.report_year = d.report_year and s.region_code = d.region_code
    join raw.{origin} as r on r._source_file = s.source_file and r._source_row_number = s.source_row_number
    union all"""

# The component rows of the cell's members and column ({detail}), then the input row(s) each came
# from: a unit's return (UNIT_RETURNS), or a county summary's row.
INPUT_ROWS_SQL = """
with detail as ({detail}),
inputs as (""" + "".join(UNIT_RETURN_SQL.format(kind=kind, origin=origin, key=key, name=name, rows=rows)
                         for kind, origin, key, name, rows in UNIT_RETURNS) + """
    -- a county summary: its sector × source row, else the sector and source totals it was split
    -- from (int_county_summary_components); the best match per component is kept below
    select d.detail_no, '区县汇总表', s.source_file, s.source_row_number, s.region_code,
           coalesce(s.sub_sector_zh, '各行业') || '·' || coalesce(s.water_source_zh, '各水源'), r._file_sha256,
           (s.sub_sector_zh is not null)::int + (s.water_source_zh is not null)::int
    from detail as d
    join staging.stg_raw__county_summary_returns as s
      on d.origin = 'county_summary_returns' and s.report_year = d.report_year and s.region_code = d.region_code
    left join ref.sector_map as sm on sm.sub_sector_zh = s.sub_sector_zh
    left join ref.water_source_map as ws on ws.water_source_zh = s.water_source_zh
    join raw.county_summary_returns as r on r._source_file = s.source_file and r._source_row_number = s.source_row_number
    where (s.sub_sector_zh is null or sm.sub_sector_code = d.sub_sector_code)
      and (s.water_source_zh is null or (ws.source_type = d.source_type
                                         and ws.unconventional_type_zh is not distinct from d.unconventional_type_zh))
      and (s.sub_sector_zh is not null or s.water_source_zh is not null)
),
best as (
    select * from inputs qualify exactness = max(exactness) over (partition by detail_no)
)
"""

DETAIL_SQL = """select row_number() over (order by region_code, sub_sector_code, source_type, method,
                                             reporting_unit_id, supply_channel, volume_m3) as detail_no, *
    from intermediate.int_water_use_components
    where report_year = $year and ({filter}){extra} and {members}"""


def traced_column(cell: PublishedCell) -> tuple[str, str, dict, dict] | None:
    """(report model, column, extra row keys, meta.trace) of a volume cell traced to input rows, else
    None: another table, a text or ratio column, or a "—" cell (a breakdown the unit never reported)."""
    model = TABLE_MODELS.get(cell.table_code)
    if model is None or cell.decimals is None or cell.mark == NOT_AVAILABLE:
        return None
    model, column, extra = report_column(model, cell.column_key)
    meta = trace_meta().get((model, column))
    return (model, column, extra, meta) if meta else None


def trace(workbook: Path, sheet: str, address: str, exports: Path, warehouse: Path, deployment: Path
          ) -> tuple[PublishedCell, Lineage | RowLineage | None]:
    """The cell, and its lineage when it is traced (the warehouse is opened only then, and closed)."""
    cell = published_cell(workbook, sheet, address, exports)
    row_meta = model_trace_meta().get(TABLE_MODELS.get(cell.table_code))
    if traced_column(cell) is None and row_meta is None:
        return cell, None
    with connect_warehouse(warehouse) as con:
        return cell, lineage(con, cell) if row_meta is None else row_lineage(con, cell, row_meta, deployment)


@dataclass
class VolumeRows:
    """The fct_water_use rows of a region's members under a filter, their component rows with the
    input row each came from, and the component sum (m³)."""
    fct_filter: str
    fct_rows: Rows
    detail_rows: Rows
    detail_sum_m3: float
    files: set  # (source_file, file_sha256) of the input rows


def volume_rows(con: duckdb.DuckDBPyConnection, fct_filter: str, params: dict, extra: dict) -> VolumeRows:
    extra_sql = "".join(f" and {k} = ${k}" for k in extra)
    fct = _rows(con, f"""select region_code, sector_code, sub_sector_code, source_type, unconventional_type_zh, method,
                                volume_m3, n_reporting_units
                         from marts.fct_water_use
                         where report_year = $year and ({fct_filter}){extra_sql} and {MEMBERS}
                         order by all""", params)
    cte = INPUT_ROWS_SQL.format(detail=DETAIL_SQL.format(filter=fct_filter, extra=extra_sql, members=MEMBERS))
    detail = _rows(con, cte + """
        select d.detail_no, d.region_code, d.sub_sector_code, d.source_type, d.method, d.supply_channel,
               d.reporting_unit_id, d.volume_m3, b.input_kind, b.source_file, b.source_row_number, b.unit_id, b.unit_name,
               b.file_sha256
        from detail as d left join best as b using (detail_no)
        order by d.detail_no, b.source_file, b.source_row_number""", params)
    volume, source = detail.columns.index("volume_m3"), detail.columns.index("source_file")
    detail_sum = sum({r[0]: r[volume] for r in detail.rows}.values())  # a component once, however many inputs
    files = {(r[source], r[-1]) for r in detail.rows if r[source] is not None}
    shown = Rows(detail.columns[:-1], [r[:-1] for r in detail.rows])
    return VolumeRows(fct_filter + "".join(f" and {k} = '{v}'" for k, v in extra.items()), fct, shown, detail_sum, files)


def load_runs(con: duckdb.DuckDBPyConnection, files: set) -> Rows:
    """The run that loaded each raw file as it is now (its latest loaded entry with these bytes)."""
    return _rows(con, LOADS_SQL, {"files": sorted(f"{name}|{sha}" for name, sha in files)})


def lineage(con: duckdb.DuckDBPyConnection, cell: PublishedCell) -> Lineage:
    """The cell's rows in the warehouse now, from the report model down to the load runs."""
    model, column, extra, meta = traced_column(cell)
    params = {"year": cell.year, "region": cell.region_code, **extra}
    extra_sql = "".join(f" and {k} = ${k}" for k in extra)
    now = _model_row(con, model, column, cell.year, cell.unit, cell.region_code, extra)
    mart = con.execute(f"""select {meta['value']} from marts.{meta['mart']}
                           where report_year = $year and region_code = $region{extra_sql}""", params).fetchall()
    vol = volume_rows(con, meta["fct_water_use"], params, extra)
    result = Lineage(model=model, column=column, keys={"report_unit_code": cell.unit, "report_year": cell.year,
                                                       "region_code": cell.region_code, **extra},
                     warehouse_value=now, mart=meta["mart"], mart_value=meta["value"],
                     mart_figure_m3=mart[0][0] if mart else None, fct_filter=vol.fct_filter, fct_rows=vol.fct_rows,
                     detail_rows=vol.detail_rows, loads=load_runs(con, vol.files), detail_sum_m3=vol.detail_sum_m3)
    result.notes += _no_input_note(vol)
    return result


def _no_input_note(vol: VolumeRows) -> list[str]:
    source = vol.detail_rows.columns.index("source_file")
    no_input = {r[0] for r in vol.detail_rows.rows if r[source] is None}
    return [f"{len(no_input)} 条明细行未找到输入行(如输入文件已撤回而模型未重建)。"] if no_input else []


@dataclass
class RowLineage:
    model: str
    keys: dict
    model_rows: Rows
    mart: str
    mart_rows: Rows
    inputs: list[tuple[str, Rows]]  # (what the rows are, the rows: source_file, source_row_number first)
    loads: Rows
    numerator: VolumeRows | None = None  # the water use behind it (an indicator's numerator), as 表1's volumes
    formula: str | None = None
    denominator: tuple[str, float | None] | None = None  # an indicator's yearbook figure as applied
    notes: list[str] = field(default_factory=list)


def row_lineage(con: duckdb.DuckDBPyConnection, cell: PublishedCell, meta: dict, deployment: Path) -> RowLineage:
    """A row-traced table's cell: its report row, the mart row(s) it reads (meta.trace `mart_where`),
    and the input rows of each kind the model's meta.trace names (exports/trace_rows.py)."""
    model = TABLE_MODELS[cell.table_code]
    keys = {"report_unit_code": cell.unit, "report_year": cell.year,
            **({"region_code": cell.region_code} if cell.region_code else {}), **cell.row_keys}
    params = {"year": cell.year, "region": cell.region_code, **cell.row_keys,
              "excludes_cooling": bool(dbt_vars()["reuse_rate_excludes_once_through_cooling"])}
    model_rows = _rows(con, f"select * from reports.{model} where "
                       + " and ".join(f"{k} is not distinct from ${k}" for k in keys), keys)
    mart_rows = _rows(con, f"select * from marts.{meta['mart']} where report_year = $year and "
                      + meta["mart_where"].replace("{members}", MEMBERS), params)
    kinds = list(meta.get("inputs", []))
    by_indicator = model_trace_meta().get(meta.get("indicator_inputs", model), {}).get("by_indicator", {})
    statistical = cell.row_keys.get("caliber", "statistical") == "statistical"
    # the water use behind the cell: an indicator's numerator, or a 表6 column's category
    use = (by_indicator.get(cell.row_keys.get("indicator_code")) if statistical else None) \
        or meta.get("by_column", {}).get(cell.column_key)
    result = RowLineage(model=model, keys=keys, model_rows=model_rows, mart=meta["mart"], mart_rows=mart_rows,
                        inputs=[], loads=Rows([], []), formula=use and use.get("formula"))
    files = set()
    if use:
        result.numerator = volume_rows(con, use["fct_water_use"], params, {})
        files |= result.numerator.files
        result.notes += _no_input_note(result.numerator)
        if "economy" in use:  # the figure as applied (figure by figure, int_region_economy), then its yearbook rows
            kinds.append("economy")
            figure = con.execute(f"select {use['economy']} from intermediate.int_region_economy "
                                 "where region_code = $region and report_year = $year",
                                 {"region": cell.region_code, "year": cell.year}).fetchall()
            result.denominator = (use["economy"], figure[0][0] if figure else None)
    elif "indicator_code" in cell.row_keys:
        result.notes.append("该指标不是“水量/年鉴数字”的比值(如下降率、系数、考核口径)：只列出计算它的模型行，不列输入行。")
    for name in kinds:
        kind = INPUT_KINDS[name]
        rows = Rows(*input_rows(con, kind, params, deployment, use["fct_water_use"] if use else "true"))
        result.inputs.append((kind.title, rows))
        if "file_sha256" in rows.columns:
            i, j = rows.columns.index("source_file"), rows.columns.index("file_sha256")
            files |= {(r[i], r[j]) for r in rows.rows}
    result.loads = load_runs(con, files)
    result.notes += [meta["note"]] if "note" in meta else []
    return result


def _rows(con, sql: str, params: dict) -> Rows:
    cur = con.execute(sql, bind(sql, params))
    columns = [d[0] for d in cur.description]
    return Rows(columns, cur.fetchall())
