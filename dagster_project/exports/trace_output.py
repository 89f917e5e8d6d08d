"""What `waterstat trace` prints: the cell, then its rows layer by layer, with the checks that tie
them together (the detail rows add up to the cell; the warehouse still holds the published figure)."""
from __future__ import annotations

import json
from dataclasses import asdict

from dagster_project.exports.bulletin import NOT_AVAILABLE
from dagster_project.exports.trace import NOT_TRACED, Lineage, PublishedCell, RowLineage
from dagster_project.exports.workbook import SUPPRESSED
from dagster_project.lib.rounding import round_for_bulletin
from dagster_project.query_output import as_table, json_value

M3_PER_100M = 1e8  # the traced columns are in 亿m³ (report columns *_100m_m3), the rows below in m³
CONFIDENTIAL = "(不公开)"


def _same(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def checks(cell: PublishedCell, lin: Lineage) -> list[str]:
    """The sum check (detail rows → the cell before and after rounding) and whether the warehouse
    still holds the figure the version froze (else a correction came in since)."""
    total = lin.detail_sum_m3 / M3_PER_100M
    lines = [f"明细合计 {lin.detail_sum_m3:.2f} m³ = {total:.8f} 亿m³；单元格修约前(仓库现值) "
             f"{lin.warehouse_value if lin.warehouse_value is not None else '无'}："
             + ("一致" if _same(total, lin.warehouse_value or 0.0) else "不一致")]
    if cell.mark is None and isinstance(cell.value, (int, float)) and cell.decimals is not None:
        rounded = round_for_bulletin(total, cell.decimals, cell.rounding_mode)
        lines.append(f"明细合计修约后 {rounded:.{cell.decimals}f}，发布值 {cell.value:.{cell.decimals}f}："
                     + ("一致" if rounded == cell.value else "不一致"))
    if not _same(cell.frozen_value, lin.warehouse_value) and cell.frozen_value != lin.warehouse_value:
        lines.append(f"注意：发布版本 v{cell.version:03d} 冻结的数值为 {cell.frozen_value}，仓库现值为 "
                     f"{lin.warehouse_value}：发布后数据已更正，以下明细是仓库现在的行，不是发布时的行。")
    return lines + lin.notes


def as_text(cell: PublishedCell, lin: Lineage | None, limit: int) -> str:
    mark = {SUPPRESSED: f"× {CONFIDENTIAL}：按统计法不予公布", NOT_AVAILABLE: "— ：缺少该项所需的基础数据，不予计算"}
    unit = cell.unit_line.removeprefix("单位：")
    out = ["== 单元格 ==",
           f"工作簿  {cell.workbook}",
           f"版本    v{cell.version:03d}（{cell.year}年，单位 {cell.unit}，{cell.version_dir}）",
           f"位置    {cell.sheet} {cell.address}：{cell.region_label}"
           + (f"({cell.region_code})" if cell.region_code else "") + f" · {cell.header}",
           f"发布值  {mark.get(cell.value, f'{cell.value} {unit}'.rstrip())}"]
    if cell.frozen_value is not None:
        out.append(f"修约前  {cell.frozen_value}（发布版本冻结的输入）")
    if isinstance(lin, RowLineage):  # a "—" here too: the row shows which input is missing
        return "\n".join(out + row_sections(cell, lin, limit)) + "\n"
    if cell.mark == NOT_AVAILABLE:
        return "\n".join(out + ["", "该分项在本单位的报送中不存在(只有汇总数)，无明细可追溯。"]) + "\n"
    if lin is None:
        return "\n".join(out + ["", NOT_TRACED]) + "\n"
    keys = ", ".join(f"{k}={v}" for k, v in lin.keys.items())
    mart_keys = ", ".join(f"{k}={v}" for k, v in lin.keys.items() if k != "report_unit_code")
    secret = f" {CONFIDENTIAL}" if cell.mark == SUPPRESSED else ""
    n_detail = len({r[0] for r in lin.detail_rows.rows})
    out += ["", "== 报表模型行 ==", f"reports.{lin.model} [{keys}]  {lin.column} = {lin.warehouse_value}（仓库现值）",
            "", "== 汇总行 ==",
            f"marts.{lin.mart} [{mart_keys}]  {lin.mart_value} = "
            f"{lin.mart_figure_m3} m³",
            "", f"== 明细行{secret} ==",
            f"marts.fct_water_use 中本地区各成员 {len(lin.fct_rows.rows)} 行(筛选：{lin.fct_filter})；"
            f"其下 intermediate.int_water_use_components {n_detail} 行",
            as_table(lin.fct_rows.columns, lin.fct_rows.rows, limit).rstrip(),
            *(f"核对：{line}" for line in checks(cell, lin)),
            "", f"== 输入文件与行号{secret} ==",
            "每个明细行(detail_no)及其来自的输入文件行；行号为文件中的行(Excel：工作表行号；CSV：表头为第1行)",
            as_table(lin.detail_rows.columns, lin.detail_rows.rows, limit).rstrip(),
            "", "== 装载批次 ==", "装载这些文件(当前内容)的运行：raw.load_log",
            as_table(lin.loads.columns, lin.loads.rows, limit).rstrip()]
    return "\n".join(out) + "\n"


def row_sections(cell: PublishedCell, lin: RowLineage, limit: int) -> list[str]:
    """A row-traced cell: the report row, the mart row(s), the indicator's water use (as 表1's
    volumes), the input rows of each kind, the load runs."""
    secret = f" {CONFIDENTIAL}" if cell.mark == SUPPRESSED else ""
    keys = ", ".join(f"{k}={v}" for k, v in lin.keys.items())
    out = ["", "== 报表模型行 ==", f"reports.{lin.model} [{keys}]（仓库现值）",
           as_table(lin.model_rows.columns, lin.model_rows.rows, limit).rstrip(),
           "", "== 汇总行 ==", f"marts.{lin.mart}：{len(lin.mart_rows.rows)} 行",
           as_table(lin.mart_rows.columns, lin.mart_rows.rows, limit).rstrip()]
    if lin.formula:
        out += ["", f"计算公式：{lin.formula}"]
    if lin.denominator:
        out.append(f"分母：intermediate.int_region_economy.{lin.denominator[0]} = {lin.denominator[1]}"
                   "(按部署的版本规则逐项采用；其年鉴行见下)")
    if lin.numerator is not None:
        n = lin.numerator
        out += ["", f"== 分子：用水量明细{secret} ==",
                f"marts.fct_water_use 中本地区各成员 {len(n.fct_rows.rows)} 行(筛选：{n.fct_filter})；"
                f"明细合计 {n.detail_sum_m3:.2f} m³",
                as_table(n.detail_rows.columns, n.detail_rows.rows, limit).rstrip()]
    for title, rows in lin.inputs:
        out += ["", f"== 输入文件与行号{secret}：{title} ==",
                "行号为文件中的行(Excel：工作表行号；CSV：表头为第1行)",
                as_table(rows.columns, rows.rows, limit).rstrip() if rows.rows else "(无输入行)"]
    out += ["", "== 装载批次 ==", "装载这些原始文件(当前内容)的运行：raw.load_log(部署文件不经装载)",
            as_table(lin.loads.columns, lin.loads.rows, limit).rstrip() if lin.loads.rows else "(无原始文件)"]
    return out + [f"注：{note}" for note in lin.notes]


def as_json(cell: PublishedCell, lin: Lineage | None, _limit: int) -> str:
    """Everything, every row (no limit), rows as objects."""
    def rows(r):
        return [dict(zip(r.columns, row)) for row in r.rows]

    doc = {"cell": {**asdict(cell), "confidential": cell.mark == SUPPRESSED}, "traced": lin is not None}
    if isinstance(lin, RowLineage):
        n = lin.numerator
        doc["lineage"] = {"model": lin.model, "keys": lin.keys, "model_rows": rows(lin.model_rows), "mart": lin.mart,
                          "mart_rows": rows(lin.mart_rows), "formula": lin.formula,
                          "denominator": lin.denominator and dict(zip(("figure", "value"), lin.denominator)),
                          "numerator": n and {"fct_filter": n.fct_filter, "fct_rows": rows(n.fct_rows),
                                              "detail_rows": rows(n.detail_rows), "detail_sum_m3": n.detail_sum_m3},
                          "inputs": [{"kind": title, "rows": rows(r)} for title, r in lin.inputs],
                          "loads": rows(lin.loads), "notes": lin.notes}
    elif lin is not None:
        doc["lineage"] = {**{k: v for k, v in asdict(lin).items() if k not in ("fct_rows", "detail_rows", "loads")},
                          "fct_rows": rows(lin.fct_rows), "detail_rows": rows(lin.detail_rows),
                          "loads": rows(lin.loads), "checks": checks(cell, lin)}
    return json.dumps(json_value(doc), ensure_ascii=False, indent=2) + "\n"


FORMATS = {"text": as_text, "json": as_json}
