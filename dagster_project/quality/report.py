"""The data-quality report for statistics staff: one self-contained HTML page (opens offline).

Per report year the gate's verdict, then each problem (blocking first) with region names, the file
and row it came from, the rule in words with the threshold in force and what to do; then every
file and what became of it; the GE expectations and dbt tests collapsed at the bottom for engineers.
The words come from quality/wording.py, the layout from dq_report.html.j2.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import jinja2

from dagster_project.lib.contracts import SOURCES, SOURCES_BY_NAME
from dagster_project.lib.tables import table_exists
from dagster_project.quality.data_docs import build_data_docs
from dagster_project.quality.gate import blocking_failures, reasons_for_year
from dagster_project.quality.wording import check_rule, file_reason, row_reason, rule_values

SHOWN_ITEMS = 5  # items per problem shown open; the rest (up to the 20 kept) behind a click
FILE_STATUS_ZH = {"loaded": "已入库", "unchanged": "未变化（已入库）", "rejected": "拒收", "removed": "已撤回",
                  "waiting": "等待写完", "deferred": "暂缓（日期未到）"}
TEMPLATE = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True).get_template("dq_report.html.j2")


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


def _dicts(con, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _problem(check: dict, values: dict, regions: dict, file_sources: dict) -> dict:
    """One failing check of one year, as the template shows it."""
    items, actions = [], {}
    for ex in check["failing_examples"] or []:
        source = SOURCES_BY_NAME.get(file_sources.get(ex["source_file"]))
        reasons = [row_reason(code, source) for code in ex["reasons"] or []]
        actions.update(reasons)
        items.append({**ex, "region_name": regions.get(ex["region_code"]), "reasons_zh": [r for r, _ in reasons]})
    return {**check, "rule": check_rule(check["rule_zh"], values), "items": items, "reason_actions": actions,
            "has_file": any(i["source_file"] for i in items), "not_listed": check["n_failing"] - len(items)}


def _checks_by_year(con, values: dict, regions: dict, file_sources: dict) -> dict[int | None, dict]:
    by_year: dict[int | None, dict] = {}
    for c in _dicts(con, """select * from quality.dq_check_results
                            order by severity = 'warning', n_failing = 0, check_name"""):
        year = by_year.setdefault(c["report_year"], {"problems": [], "passed": []})
        if c["is_passed"]:
            year["passed"].append(c)
        else:
            year["problems"].append(_problem(c, values, regions, file_sources))
    return by_year


def _files(con) -> list[dict]:
    # each file's latest outcome; the rows it has in the warehouse are those of its latest load
    counts = ", ".join(f"arg_max({c}, logged_at) filter (where status = 'loaded') as {c}"
                       for c in ("rows_read", "rows_loaded", "rows_quarantined"))
    files = _dicts(con, f"""
        select * from (select source_name, source_file, arg_max(status, logged_at) as status,
                              arg_max(message, logged_at) as message, {counts}
                       from raw.load_log group by source_name, source_file)
        order by status <> 'rejected', coalesce(rows_quarantined, 0) = 0, source_name, source_file""")
    for f in files:
        source = SOURCES_BY_NAME.get(f["source_name"])
        f.update(title=source.title_zh if source else "本单位部署配置", status_zh=FILE_STATUS_ZH.get(f["status"], f["status"]),
                 reason=file_reason(f["message"]) if f["status"] == "rejected" else None)
    return files


def _engineers(con) -> dict:
    ge = _dicts(con, """select suite_name, table_name, is_blocking, expectation, column_name, success,
                               unexpected_count, unexpected_examples from quality.ge_results
                        order by success, suite_name, expectation""") if table_exists(con, "quality", "ge_results") else []
    for g in ge:  # a JSON list of values: shown as a list, not as JSON
        g["examples"] = "、".join(json.loads(g["unexpected_examples"] or "[]"))
    dbt = _dicts(con, """select resource_type, name, status, failures, message from quality.dbt_results
                         where resource_type in ('test', 'unit_test') or status not in ('success', 'pass')
                         order by status in ('success', 'pass'), name""") if table_exists(con, "quality", "dbt_results") else []
    checks = _dicts(con, """select distinct check_name, name_zh, severity from quality.dq_check_results
                            order by severity, check_name""") if table_exists(con, "quality", "dq_check_results") else []
    return {"ge": ge, "dbt": dbt, "checks": checks}


def build_report(con: duckdb.DuckDBPyConnection, out_dir: Path) -> ReportSummary:
    failures = blocking_failures(con)
    has_checks = table_exists(con, "quality", "dq_check_results")
    regions = dict(con.execute("select region_code, region_name_zh from deployment.regions").fetchall())
    files = _files(con)
    file_sources = {f["source_file"]: f["source_name"] for f in files}
    by_year = _checks_by_year(con, rule_values(con), regions, file_sources) if has_checks else {}
    years = sorted(y for y in by_year if y is not None)
    quarantined = sum(con.execute(f"select count(*) from {s.quarantine_table}").fetchone()[0] for s in SOURCES)
    data_docs = build_data_docs(out_dir).relative_to(out_dir).as_posix()
    page = TEMPLATE.render(
        generated_at=f"{datetime.now():%Y-%m-%d %H:%M}", shown=SHOWN_ITEMS,
        years=[{"year": y, "reasons": reasons_for_year(failures, y), **by_year[y]} for y in years],
        general=by_year.get(None, {"problems": [], "passed": []}), global_reasons=failures.get(None, []),
        files=files, quarantined=quarantined, engineers=_engineers(con), data_docs=data_docs)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "dq_report.html"
    tmp = path.with_suffix(".html.part")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    blocked = {y: reasons_for_year(failures, y) for y in years if reasons_for_year(failures, y)}
    if failures and not years:  # nothing built far enough to have report years
        blocked = {None: [r for rs in failures.values() for r in rs]}
    warnings = sum(1 for y in by_year.values() for p in y["problems"] if p["severity"] == "warning")
    return ReportSummary(path, blocked, years, warnings, sum(f["status"] == "rejected" for f in files), quarantined)
