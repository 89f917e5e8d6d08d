"""`waterstat trace` on the demo city: a published 表1 cell down to the input rows behind it, and
one cell of each table traced row by row (indicators, leakage, reuse, assessment targets and scores).

The cell is found in the workbook by its row label and headers (not by the trace's own layout
rule); its detail rows must add up to the published figure, and every input row they name must be
that unit's row in the file under raw/, loaded by a run raw.load_log records.
"""
import csv
import json
import subprocess
import sys

import duckdb
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from dagster_project import cli
from dagster_project.exports.trace import NOT_TRACED, TraceError, model_trace_meta, trace, trace_meta
from dagster_project.lib.rounding import round_for_bulletin

pytestmark = pytest.mark.pipeline

SHEET = "表1 分行业用水量"


def address_of(book, sheet: str, label: str, *headers: str) -> str:
    """The cell of a row label under a header path, read off the sheet as a reader would."""
    ws = load_workbook(book)[sheet]
    merged = {(r, c): ws.cell(m.min_row, m.min_col).value for m in ws.merged_cells.ranges
              for r in range(m.min_row, m.max_row + 1) for c in range(m.min_col, m.max_col + 1)}
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == label)
    col = next(c for c in range(1, ws.max_column + 1)
               if all(merged.get((3 + k, c), ws.cell(3 + k, c).value) == h for k, h in enumerate(headers)))
    return f"{get_column_letter(col)}{row}"


def sheet_ending(book, title: str) -> str:
    """The sheet of a table numbered by its place (表7 … 表10 appear only with their inputs)."""
    return next(name for name in load_workbook(book, read_only=True).sheetnames if name.endswith(title))


def cli_json(capsys, *args) -> dict:
    assert cli.main(["trace", *map(str, args), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def input_row(path, number: int) -> list[str]:
    if path.suffix == ".csv":  # a line of the file as read (the demo's CSVs are UTF-8)
        return [v for v in list(csv.reader(path.open(encoding="utf-8-sig")))[number - 1] if v]
    ws = load_workbook(path, read_only=True).active
    row = next(ws.iter_rows(min_row=number, max_row=number, values_only=True))
    return [str(v) for v in row if v is not None]


def test_a_table_1_cell_traces_down_to_its_input_rows(demo_copy, capsys):
    paths = demo_copy
    book = paths.exports / "水资源公报表_2021.xlsx"
    cell = address_of(book, SHEET, "海安市", "工业用水", "小计")
    published = load_workbook(book)[SHEET][cell].value
    doc = cli_json(capsys, book, SHEET, cell)
    assert doc["traced"] and doc["cell"]["region_code"] == "320685" and doc["cell"]["value"] == published
    assert doc["cell"]["version"] == 1 and doc["cell"]["header"] == "工业用水/小计"
    lineage = doc["lineage"]
    # the detail rows add up to the cell before rounding, and to the published figure after it
    volumes = {r["detail_no"]: r["volume_m3"] for r in lineage["detail_rows"]}
    total = sum(volumes.values()) / 1e8
    assert total == pytest.approx(doc["cell"]["frozen_value"], rel=1e-9)
    assert round_for_bulletin(total, 2) == published
    assert lineage["detail_sum_m3"] == pytest.approx(sum(volumes.values()), rel=1e-12)
    assert sum(r["volume_m3"] for r in lineage["fct_rows"]) / 1e8 == pytest.approx(total, rel=1e-9)
    # every detail row names the firm's own row in the file under raw/
    assert all(r["source_file"] for r in lineage["detail_rows"]), "a detail row without its input row"
    kinds = {r["input_kind"] for r in lineage["detail_rows"]}
    assert "企业直报" in kinds and "推算样本(规模以下企业)" in kinds
    checked = 0
    for r in lineage["detail_rows"]:
        values = input_row(paths.raw / r["source_file"], r["source_row_number"])
        assert r["unit_id"] in values and r["unit_name"] in values, (r, values)
        if r["input_kind"] == "企业直报":
            assert r["reporting_unit_id"] == r["unit_id"]
        checked += 1
    assert checked > 50  # 海安's surveyed firms, each with its surface, ground and tap water
    # the run that loaded the file is in the load log
    assert {load["source_file"] for load in lineage["loads"]} == {r["source_file"] for r in lineage["detail_rows"]}
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        for load in lineage["loads"]:
            assert con.execute("select count(*) from raw.load_log where run_id = ? and source_file = ? "
                               "and status = 'loaded'", [load["run_id"], load["source_file"]]).fetchall()[0][0] == 1
    # the text output: every section, and its sum check
    assert cli.main(["trace", str(book), SHEET, cell, "--limit", "5"]) == 0
    text = capsys.readouterr().out
    for section in ("== 单元格 ==", "== 报表模型行 ==", "== 汇总行 ==", "== 明细行 ==", "== 输入文件与行号 ==", "== 装载批次 =="):
        assert section in text
    assert "核对：明细合计" in text and "不一致" not in text and "(first 5 shown)" in text


def test_a_suppressed_cell_lists_its_rows_marked_confidential(demo_copy, capsys):
    book = demo_copy.exports / "bulletin" / "2021" / "v001" / "水资源公报表_2021.xlsx"  # the version's own copy
    cell = address_of(book, SHEET, "全市", "工业用水", "其中：直流火(核)电")
    assert load_workbook(book)[SHEET][cell].value == "×"
    doc = cli_json(capsys, book, SHEET, cell)
    assert doc["cell"]["confidential"] and doc["lineage"]["detail_rows"]
    total = sum({r["detail_no"]: r["volume_m3"] for r in doc["lineage"]["detail_rows"]}.values()) / 1e8
    assert total == pytest.approx(doc["cell"]["frozen_value"], rel=1e-9)
    cli.main(["trace", str(book), SHEET, cell])
    text = capsys.readouterr().out
    assert "× (不公开)" in text and "== 输入文件与行号 (不公开) ==" in text


def test_a_cell_not_yet_traced_says_so_and_bad_requests_are_errors(demo_copy, capsys, tmp_path):
    paths = demo_copy
    book = paths.exports / "水资源公报表_2021.xlsx"
    sheet = "表2 分水源供水量"  # a ratio column of a volume table: no meta.trace
    address = address_of(book, sheet, "全市", "非常规水源占用水总量比例(%)")
    cell, lineage = trace(book, sheet, address, paths.exports, paths.warehouse, paths.deployment)
    assert lineage is None and cell.region_label == "全市"
    assert cli.main(["trace", str(book), sheet, address]) == 0
    assert NOT_TRACED in capsys.readouterr().out
    changed = tmp_path / "改过的.xlsx"
    changed.write_bytes(book.read_bytes() + b"\0")
    with pytest.raises(TraceError, match="SHA-256"):
        trace(changed, SHEET, "B5", paths.exports, paths.warehouse, paths.deployment)
    assert cli.main(["trace", str(book), "表9", "B5"]) == 2
    assert "没有工作表“表9”" in capsys.readouterr().err


def test_a_running_pipeline_makes_the_trace_wait_not_fail_oddly(demo_copy):
    """A writer holds the build file (as a pipeline run does): the trace says so and changes nothing."""
    paths = demo_copy
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); time.sleep(60)", str(paths.warehouse)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        book = paths.exports / "水资源公报表_2021.xlsx"
        with pytest.raises(TraceError, match="流水线正在写入"):
            trace(book, SHEET, address_of(book, SHEET, "海安市", "用水总量"), paths.exports, paths.warehouse,
                  paths.deployment)
    finally:
        holder.kill()
        holder.wait()


def test_every_traced_column_s_filter_sums_to_its_report_figure(demo_copy):
    """meta.trace (dbt/models/reports/_reports.yml) against the models themselves, every row of
    every year: report figure × 1e8 = the mart's value = Σ fct_water_use under the filter."""
    meta = trace_meta()
    assert {("rpt_bulletin_use_by_sector", "industry_100m_m3"), ("rpt_bulletin_use_by_source", "ground_100m_m3"),
            ("rpt_bulletin_unconventional_by_type", "volume_100m_m3")} <= set(meta)
    with duckdb.connect(str(demo_copy.warehouse), read_only=True) as con:
        for (model, column), m in meta.items():
            by_type = "unconventional_type_zh" if model == "rpt_bulletin_unconventional_by_type" else None
            keys = ["region_code", "report_year"] + ([by_type] if by_type else [])
            on = " and ".join(f"k.{k} = f.{k}" if k != "region_code" else "k.region_code = r.region_code" for k in keys)
            bad = con.execute(f"""
                with k as (select distinct {', '.join(keys)}, {column} * 1e8 as report_m3 from reports.{model}),
                sums as (
                    select k.*, (select {m['value']} from marts.{m['mart']} as x
                                 where {' and '.join(f'x.{c} = k.{c}' for c in keys)}) as mart_m3,
                           (select coalesce(sum(f.volume_m3), 0) from marts.fct_water_use as f
                            join intermediate.int_region_rollup as r on f.region_code = r.member_region_code
                            where {on} and ({m['fct_water_use']})) as fct_m3
                    from k)
                select * from sums where abs(report_m3 - mart_m3) > 1e-6 * greatest(1, abs(report_m3))
                                      or abs(report_m3 - fct_m3) > 1e-6 * greatest(1, abs(report_m3))
                """).fetchall()
            n = con.execute(f"select count(*) from reports.{model}").fetchall()[0][0]
            assert n > 0 and not bad, (model, column, bad[:3])


# The tables traced row by row: every input row listed is checked against its file (under raw/, with
# the run that loaded it; or the deployment file, by its line), and the figures against the model row.

def checked_inputs(paths, doc: dict) -> dict[str, list[dict]]:
    """The cell's input rows by kind, each verified: the file's row holds the listed values; a raw
    file's load run is in raw.load_log."""
    lineage = doc["lineage"]
    by_kind = {k["kind"]: k["rows"] for k in lineage["inputs"]}
    rows = [r for kind in by_kind.values() for r in kind]
    assert rows, "no input rows"
    loaded = {load["source_file"]: load["run_id"] for load in lineage["loads"]}
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        for r in rows:
            if "file_sha256" in r:  # a raw file: its row holds the row's key, its run is logged
                values = input_row(paths.raw / r["source_file"], r["source_row_number"])
                # a firm's or plant's code, a well's, a yearbook row's figure, else the row's region code
                key = next(r[k] for k in ("uscc", "unit_name", "well_code", "section_code", "population_avg_10k",
                                          "region_code")
                           if r.get(k) is not None)
                assert str(key) in values, (r, values)
                assert con.execute("select count(*) from raw.load_log where run_id = ? and source_file = ? and "
                                   "file_sha256 = ? and status = 'loaded'",
                                   [loaded[r["source_file"]], r["source_file"], r["file_sha256"]]).fetchall()[0][0] == 1
            else:  # a deployment file: the line is the row
                lines = list(csv.reader((paths.deployment / r["source_file"]).open(encoding="utf-8")))
                header, line = lines[0], lines[r["source_row_number"] - 1]
                assert dict(zip(header, line)) == {h: r[h] or "" for h in header}, (r, line)
    return by_kind


def model_row(doc: dict) -> dict:
    (row,) = doc["lineage"]["model_rows"]
    return row


def test_an_indicator_cell_traces_to_its_water_use_and_yearbook_rows(demo_copy, capsys):
    paths = demo_copy
    book, sheet = paths.exports / "水资源公报表_2021.xlsx", "表3 主要用水指标"
    cell = address_of(book, sheet, "全市", "人均综合用水量", "m³/人")
    doc = cli_json(capsys, book, sheet, cell)
    row = model_row(doc)
    assert row["indicator_code"] == "water_use_per_capita" and round_for_bulletin(row["value"], doc["cell"]["decimals"]) \
        == doc["cell"]["value"]
    (economy,) = checked_inputs(paths, doc).values()
    (applied,) = [r for r in economy if r["is_applied"]]
    numerator = doc["lineage"]["numerator"]
    assert sum(r["volume_m3"] for r in numerator["fct_rows"]) == pytest.approx(numerator["detail_sum_m3"], rel=1e-9)
    assert all(r["source_file"] for r in numerator["detail_rows"])
    # the indicator is the traced numerator over the traced yearbook figure
    assert doc["lineage"]["denominator"] == {"figure": "population_avg_10k", "value": applied["population_avg_10k"]}
    assert numerator["detail_sum_m3"] / (applied["population_avg_10k"] * 1e4) == pytest.approx(row["value"], rel=1e-9)
    assert applied["source_file"] in {load["source_file"] for load in doc["lineage"]["loads"]}


# how each indicator unit turns numerator (m³) over denominator (the yearbook figure, in 万) into the value
PER_UNIT = {"m³/人": lambda m3, x, days: m3 / (x * 1e4), "m³/万元": lambda m3, x, days: m3 / (x * 1e4),
            "m³/亩": lambda m3, x, days: m3 / (x * 1e4), "L/(人·d)": lambda m3, x, days: m3 * 1000 / (x * 1e4 * days)}


def test_every_indicator_s_numerator_and_denominator_give_its_value(demo_copy):
    """meta.trace by_indicator against the models, every region and year: Σ fct_water_use under the
    filter over the int_region_economy figure is fct_indicators' value (so the trace lists the right rows)."""
    by_indicator = model_trace_meta()["rpt_bulletin_indicators"]["by_indicator"]
    with duckdb.connect(str(demo_copy.warehouse), read_only=True) as con:
        for code, use in by_indicator.items():
            rows = con.execute(f"""
                select i.value, i.unit, e.{use['economy']},
                       (select sum(f.volume_m3) from marts.fct_water_use as f
                        join intermediate.int_region_rollup as r on f.region_code = r.member_region_code
                        where r.region_code = i.region_code and f.report_year = i.report_year and ({use['fct_water_use']})),
                       dayofyear(make_date(i.report_year, 12, 31))
                from marts.fct_indicators as i
                join intermediate.int_region_economy as e using (region_code, report_year)
                where i.indicator_code = ? and i.caliber = 'statistical'""", [code]).fetchall()
            assert rows, code
            for value, unit, figure, m3, days in rows:
                assert PER_UNIT[unit](m3, figure, days) == pytest.approx(value, rel=1e-9), (code, value)


def test_a_supplier_s_leakage_row_traces_to_its_return(demo_copy, capsys):
    paths = demo_copy
    book, sheet = paths.exports / "水资源公报表_2021.xlsx", "表4 供水管网漏损"
    doc = cli_json(capsys, book, sheet, "B5")  # the first supplier's 供水总量
    row = model_row(doc)
    assert row["row_group"] == 0 and round_for_bulletin(
        row["system_input_10k_m3"], doc["cell"]["decimals"]) == doc["cell"]["value"]
    (mart,) = doc["lineage"]["mart_rows"]
    assert mart["uscc"] == row["uscc"] and mart["system_input_m3"] / 1e4 == pytest.approx(row["system_input_10k_m3"])
    (returns,) = checked_inputs(paths, doc).values()
    (ret,) = returns
    assert ret["uscc"] == row["uscc"]
    # the supplier's system input is its own production plus what it bought (int_public_supply_balance)
    assert ret["own_production_surface_m3"] + ret["own_production_ground_m3"] + ret["purchased_supply_m3"] \
        == pytest.approx(mart["system_input_m3"])
    # a 地区加权 row: every supplier of the region, whose supply-weighted rate it is
    region = address_of(book, sheet, "全市 (地区加权)", "漏损率", "%")
    doc = cli_json(capsys, book, sheet, region)
    row, suppliers = model_row(doc), doc["lineage"]["mart_rows"]
    (returns,) = checked_inputs(paths, doc).values()
    assert row["uscc"] is None and len(suppliers) > 1
    assert {r["uscc"] for r in returns} == {s["uscc"] for s in suppliers}
    weighted = sum(s["leakage_rate_pct"] * s["system_input_m3"] for s in suppliers) / sum(
        s["system_input_m3"] for s in suppliers)
    assert weighted == pytest.approx(row["leakage_rate_pct"], rel=1e-9)


def test_a_region_s_reuse_rate_traces_to_its_firms_returns(demo_copy, capsys):
    paths = demo_copy
    book, sheet = paths.exports / "水资源公报表_2021.xlsx", "表5 工业用水重复利用"
    doc = cli_json(capsys, book, sheet, address_of(book, sheet, "海安市", "重复利用率", "%"))
    row = model_row(doc)
    (firms,) = checked_inputs(paths, doc).values()
    counted = [f for f in firms if f["counted"]]
    reused, new = sum(f["reused_water_m3"] for f in counted), sum(f["new_water_m3"] for f in counted)
    assert len(counted) == row["n_firms"] and reused / 1e4 == pytest.approx(row["reused_10k_m3"], rel=1e-9)
    assert reused / (reused + new) * 100 == pytest.approx(row["reuse_rate_pct"], rel=1e-9)
    assert round_for_bulletin(row["reuse_rate_pct"], doc["cell"]["decimals"]) == doc["cell"]["value"]


def test_an_assessment_target_traces_to_the_deployment_s_target_row(demo_copy, capsys):
    paths = demo_copy
    book, sheet = paths.exports / "考核结果表_2021.xlsx", "表1 考核指标完成情况"
    doc = cli_json(capsys, book, sheet, address_of(book, sheet, "全市", "目标值"))
    row = model_row(doc)
    (targets,) = checked_inputs(paths, doc).values()
    (target,) = targets
    assert target["source_file"] == "assessment_targets.csv"
    assert (target["indicator_code"], target["caliber"]) == (row["indicator_code"], row["caliber"])
    assert float(row["target_text"][1:]) == float(target["target_value"])
    (mart,) = doc["lineage"]["mart_rows"]
    assert mart["target_value"] == float(target["target_value"]) and mart["value"] == row["value"]


def test_an_assessment_score_part_traces_to_its_inspection_row(demo_copy, capsys):
    paths = demo_copy
    book, sheet = paths.exports / "考核结果表_2021.xlsx", "表2 考核得分与等级"
    doc = cli_json(capsys, book, sheet, address_of(book, sheet, "海安市", "得分构成", "制度建设"))
    row = model_row(doc)
    (scores,) = checked_inputs(paths, doc).values()
    (score,) = scores
    assert score["region_code"] == row["region_code"] == "320685"
    assert score["system_points"] == row["system_points"] and round_for_bulletin(
        score["system_points"], doc["cell"]["decimals"]) == doc["cell"]["value"]
    assert any("排名" in note for note in doc["lineage"]["notes"])  # rank and grade: computed, no input row


@pytest.mark.parametrize(("title", "headers", "value_of", "kinds"), [
    ("取水许可与计划用水", ("计划用水", "计划下达率(%)"), "plan_issuance_rate_pct",
     {"计划用水台账", "取水许可台账", "取水许可事件台账"}),
    ("用水审计与定额执行", ("用水审计", "覆盖率(%)"), "audit_coverage_pct", {"用水审计与水平衡测试台账", "用水户产量台账"})])
def test_a_plan_or_audit_rate_traces_to_its_ledger_rows(demo_copy, capsys, title, headers, value_of, kinds):
    """Issue 18's assessment tables: a city rate's report row, the mart rows it reads and the rows of
    the plan, permit, audit and output ledgers behind it, each the file's own row, loaded by a run."""
    paths = demo_copy
    book = paths.exports / "考核结果表_2022.xlsx"
    sheet = sheet_ending(book, title)
    doc = cli_json(capsys, book, sheet, address_of(book, sheet, "全市", *headers), "--limit", 5)
    row = model_row(doc)
    assert round_for_bulletin(row[value_of], doc["cell"]["decimals"]) == doc["cell"]["value"]
    # every kind has rows; the first few of each are checked against their file (a ledger has thousands)
    inputs = {k["kind"]: k["rows"] for k in doc["lineage"]["inputs"]}
    assert {kind.split("(")[0] for kind, rows in inputs.items() if rows} >= kinds
    sample = {"lineage": {**doc["lineage"], "inputs": [{"kind": k, "rows": r[:3]} for k, r in inputs.items()]}}
    checked_inputs(paths, sample)
    mart = doc["lineage"]["mart_rows"]
    if value_of == "plan_issuance_rate_pct":  # the required users: the rate's denominator and numerator
        assert len(mart) == row["users_plan_required"] or len(mart) == 5
    else:  # one row per kind; the audit row's coverage is the cell's
        assert [m["coverage_pct"] for m in mart if m["kind_zh"] == "用水审计"] == [row["audit_coverage_pct"]]


def test_a_consumption_cell_traces_to_its_use_and_the_coefficients_applied(demo_copy, capsys):
    paths = demo_copy
    book, sheet = paths.exports / "水资源公报表_2021.xlsx", "表6 用水消耗量"
    doc = cli_json(capsys, book, sheet, address_of(book, sheet, "海安市", "农田灌溉耗水"))
    row = model_row(doc)
    figure = row["farmland_irrigation_consumption_10k_m3"]
    assert round_for_bulletin(figure, doc["cell"]["decimals"]) == doc["cell"]["value"]
    (coefficients,) = checked_inputs(paths, doc).values()
    assert {c["source_file"] for c in coefficients} == {"consumption_coefficients.csv"}
    # each member's use × the coefficient on the deployment's line = its consumption; they add up to the cell
    for c in coefficients:
        assert c["volume_m3"] * float(c["coefficient"]) == pytest.approx(c["consumption_m3"], rel=1e-12)
    assert sum(c["consumption_m3"] for c in coefficients) / 1e4 == pytest.approx(figure, rel=1e-9)
    numerator = doc["lineage"]["numerator"]
    assert numerator["detail_sum_m3"] == pytest.approx(sum(c["volume_m3"] for c in coefficients), rel=1e-9)
    assert all(r["source_file"] for r in numerator["detail_rows"])


def test_a_groundwater_cell_traces_to_its_abstraction_and_well_rows(demo_copy, capsys):
    paths = demo_copy
    book = paths.exports / "水资源公报表_2022.xlsx"
    sheet = sheet_ending(book, "地下水开采与管控")
    ws = load_workbook(book)[sheet]
    row_no = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "如东县" and ws.cell(r, 2).value == "深层承压水")
    address = f"C{row_no}"  # 开采量(万m³)
    doc = cli_json(capsys, book, sheet, address)
    row = model_row(doc)
    inputs = checked_inputs(paths, doc)
    abstraction = next(rows for kind, rows in inputs.items() if kind.startswith("地下水开采量"))
    wells = next(rows for kind, rows in inputs.items() if kind.startswith("地下水监测井"))
    assert sum(a["abstraction_m3"] for a in abstraction) / 1e4 == pytest.approx(row["abstraction_10k_m3"], rel=1e-9)
    assert round_for_bulletin(row["abstraction_10k_m3"], doc["cell"]["decimals"]) == doc["cell"]["value"]
    assert wells and {w["aquifer_code"] for w in wells} == {row["aquifer_code"]}


def test_an_unconventional_type_cell_traces_to_its_water_use_rows(demo_copy, capsys):
    paths = demo_copy
    book = paths.exports / "水资源公报表_2021.xlsx"
    sheet = sheet_ending(book, "非常规水源利用")
    doc = cli_json(capsys, book, sheet, address_of(book, sheet, "海安市", "非常规水源利用量(万m³)", "再生水"))
    row = model_row(doc)
    numerator = doc["lineage"]["numerator"]
    assert "再生水" in numerator["fct_filter"] and all(r["source_file"] for r in numerator["detail_rows"])
    assert numerator["detail_sum_m3"] / 1e4 == pytest.approx(row["reclaimed_10k_m3"], rel=1e-9)
    assert round_for_bulletin(row["reclaimed_10k_m3"], doc["cell"]["decimals"]) == doc["cell"]["value"]
    (plants,) = checked_inputs(paths, doc).values()  # the row's 再生水利用率 inputs
    assert sum(p["reclaimed_used_m3"] for p in plants) / sum(p["wastewater_treated_m3"] for p in plants) * 100 \
        == pytest.approx(row["reclaimed_use_rate_pct"], rel=1e-9)


def test_an_ecological_flow_cell_traces_to_the_section_s_daily_flows(demo_copy, capsys):
    paths = demo_copy
    book = paths.exports / "水资源公报表_2022.xlsx"
    sheet = sheet_ending(book, "控制断面生态流量")
    ws = load_workbook(book)[sheet]
    row_no = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "通吕运河大河口")
    headers = [ws.cell(3, c).value for c in range(1, ws.max_column + 1)]
    doc = cli_json(capsys, book, sheet, f"{get_column_letter(headers.index('不达标天数') + 1)}{row_no}")
    row = model_row(doc)
    inputs = checked_inputs(paths, doc)
    flows = next(rows for kind, rows in inputs.items() if kind.startswith("控制断面日均流量"))
    (section,) = next(rows for kind, rows in inputs.items() if kind.startswith("部署的控制断面"))
    below = [f for f in flows if f["mean_flow_m3s"] < float(section["min_flow_m3s"])]
    assert len(flows) == row["days_with_data"] and len(below) == row["days_below_minimum"] == doc["cell"]["value"]


def test_a_decline_against_a_second_base_traces_to_its_decline_rows(demo_copy, capsys):
    paths = demo_copy
    book = paths.exports / "水资源公报表_2022.xlsx"
    sheet = sheet_ending(book, "用水效率较各基准年变化")
    doc = cli_json(capsys, book, sheet, address_of(book, sheet, "通州区", "万元GDP用水量下降率", "较2015年(%)"))
    marts = {(r["base_year"], r["indicator_code"]): r for r in doc["lineage"]["mart_rows"]}
    decline = marts[(2015, "water_use_per_10k_gdp_decline_vs_base")]
    assert round_for_bulletin(decline["value"], doc["cell"]["decimals"]) == doc["cell"]["value"]
    assert checked_inputs(paths, doc)  # the report year's yearbook rows, each checked against its file
