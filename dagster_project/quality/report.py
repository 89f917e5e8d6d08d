"""The data-quality report: one self-contained HTML page (no external assets, opens offline).

It lists every file and what became of it, every quarantine reason with sample rows, every
statistics-aware check per report year, every GE expectation and every dbt test, with the
failing items; and the gate's verdict per report year.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from dagster_project.lib.contracts import SOURCES
from dagster_project.lib.tables import table_exists
from dagster_project.quality.gate import blocking_failures, reasons_for_year

CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#1f2933}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:2px solid #d0d7de;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #d0d7de;padding:4px 8px;
text-align:left;vertical-align:top}th{background:#f3f4f6}.pass{color:#116329}.fail{color:#b42318;font-weight:bold}
.warn{color:#9a6700;font-weight:bold}.muted{color:#6b7280}.badge{display:inline-block;padding:2px 8px;border-radius:10px;
color:#fff}.b-ok{background:#1a7f37}.b-block{background:#b42318}code{font-size:12px}
"""


@dataclass
class ReportSummary:
    path: Path
    blocked_years: dict[int | None, list[str]]
    years: list[int]
    warnings: int
    files_rejected: int
    rows_quarantined: int

    @property
    def has_blocking_failures(self) -> bool:
        return bool(self.blocked_years)


def _rows(con, sql: str, params=None) -> tuple[list[str], list[tuple]]:
    cur = con.execute(sql, params or [])
    return [d[0] for d in cur.description], cur.fetchall()


def _table(columns: list[str], rows: list[tuple], status_col: str | None = None) -> str:
    if not rows:
        return '<p class="muted">（无）</p>'
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for r in rows:
        cells = []
        for c, v in zip(columns, r):
            text = "" if v is None else (json.dumps(v, ensure_ascii=False, default=str)
                                         if isinstance(v, (list, dict)) else str(v))
            cls = ""
            if c == status_col:
                cls = {"pass": "pass", "通过": "pass", "loaded": "pass", "unchanged": "muted",
                       "warning": "warn", "警告": "warn"}.get(text, "fail")
            cells.append(f'<td class="{cls}">{html.escape(text)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def build_report(con: duckdb.DuckDBPyConnection, out_dir: Path) -> ReportSummary:
    failures = blocking_failures(con)
    years = [r[0] for r in con.execute("select distinct report_year from quality.dq_check_results "
                                       "where report_year is not null order by 1").fetchall()] \
        if table_exists(con, "quality", "dq_check_results") else []
    parts = [f"<h1>WaterStat 数据质量报告</h1><p class='muted'>生成时间 {datetime.now():%Y-%m-%d %H:%M:%S}</p>"]

    gate_rows = []
    for y in years:
        reasons = reasons_for_year(failures, y)
        gate_rows.append((y, "阻断" if reasons else "通过", "；".join(reasons) or "—"))
    parts.append("<h2>1. 各报告年度公报发布判定</h2>" + _table(["报告年度", "判定", "阻断原因"], gate_rows, "判定"))

    cols, files = _rows(con, """
        select source_name as 数据源, source_file as 文件, status as 状态, rows_read as 读入行数,
               rows_loaded as 入库行数, rows_quarantined as 隔离行数,
               rows_read = rows_loaded + rows_quarantined or status <> 'loaded' as 行数平衡,
               message as 说明, quarantined_to as 隔离位置, run_id, logged_at as 时间
        from raw.load_log qualify row_number() over (partition by source_file order by logged_at desc) = 1
        order by status <> 'rejected', source_name, source_file""")
    parts.append("<h2>2. 文件接收情况（每个文件最近一次）</h2>" + _table(cols, files, "状态"))

    reason_rows, samples = [], []
    for s in SOURCES:
        for reason, n in con.execute(f"""select reason, count(*) from (select unnest(_reasons) as reason
                                         from {s.quarantine_table}) group by 1 order by 2 desc""").fetchall():
            reason_rows.append((s.name, reason, n))
        c, r = _rows(con, f"select * exclude (_file_sha256, _loaded_at) from {s.quarantine_table} limit 5")
        if r:
            samples.append(f"<h3>{html.escape(s.title_zh)}（{s.name}）</h3>" + _table(c, r))
    parts.append("<h2>3. 行级隔离（原因与样例）</h2>" + _table(["数据源", "原因代码", "行数"], reason_rows)
                 + "".join(samples))

    n_warnings = 0
    if table_exists(con, "quality", "dq_check_results"):
        cols, checks = _rows(con, """
            select check_name as 检查, severity as 级别, coalesce(report_year::varchar, '—') as 报告年度,
                   description_zh as 说明, case when is_passed then '通过' when severity = 'blocking' then '阻断'
                   else '警告' end as 结果, n_failing as 问题数, failing_examples as 问题样例
            from quality.dq_check_results order by is_passed, severity, check_name, report_year""")
        n_warnings = sum(1 for r in checks if r[4] == "警告")
        parts.append("<h2>4. 统计口径检查（逐年）</h2>" + _table(cols, checks, "结果"))

    if table_exists(con, "quality", "ge_results"):
        cols, ge = _rows(con, """
            select suite_name as 规则集, table_name as 表, case when is_blocking then '阻断' else '警告' end as 级别,
                   rows_validated as 校验行数, expectation as 期望, column_name as 列,
                   case when success then 'pass' else 'fail' end as 结果, unexpected_count as 不符行数,
                   unexpected_examples as 样例
            from quality.ge_results order by success, suite_name, expectation""")
        parts.append("<h2>5. Great Expectations 规则集（expectations/*.json）</h2>" + _table(cols, ge, "结果"))

    if table_exists(con, "quality", "dbt_results"):
        cols, tests = _rows(con, """
            select name as 检验, status as 结果, failures as 不符行数, message as 说明
            from quality.dbt_results where resource_type = 'test'
            order by status = 'pass', name""")
        n_pass = sum(1 for t in tests if t[1] == "pass")
        parts.append(f"<h2>6. dbt 检验（{n_pass}/{len(tests)} 通过）</h2>" + _table(cols, tests, "结果"))

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "dq_report.html"
    page = (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>WaterStat 数据质量报告</title>"
            f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>")
    tmp = path.with_suffix(".html.part")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    blocked = {y: reasons_for_year(failures, y) for y in years if reasons_for_year(failures, y)}
    if failures and not years:  # nothing built far enough to have report years
        blocked = {None: [r for rs in failures.values() for r in rs]}
    quarantined = sum(con.execute(f"select count(*) from {s.quarantine_table}").fetchone()[0] for s in SOURCES)
    return ReportSummary(path, blocked, years, n_warnings, sum(1 for f in files if f[2] == "rejected"), quarantined)
