"""`waterstat trace` on the demo city: a published 表1 cell down to the input rows behind it.

The cell is found in the workbook by its row label and headers (not by the trace's own layout
rule); its detail rows must add up to the published figure, and every input row they name must be
that unit's row in the file under raw/, loaded by a run raw.load_log records.
"""
import json
import subprocess
import sys

import duckdb
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from dagster_project import cli
from dagster_project.exports.trace import NOT_TRACED, TraceError, trace, trace_meta
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


def cli_json(capsys, *args) -> dict:
    assert cli.main(["trace", *map(str, args), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def input_row(path, number: int) -> list[str]:
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
    cell, lineage = trace(book, "表3 主要用水指标", "B5", paths.exports, paths.warehouse)
    assert lineage is None and cell.region_label == "全市"
    assert cli.main(["trace", str(book), "表3 主要用水指标", "B5"]) == 0
    assert NOT_TRACED in capsys.readouterr().out
    changed = tmp_path / "改过的.xlsx"
    changed.write_bytes(book.read_bytes() + b"\0")
    with pytest.raises(TraceError, match="SHA-256"):
        trace(changed, SHEET, "B5", paths.exports, paths.warehouse)
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
            trace(book, SHEET, address_of(book, SHEET, "海安市", "用水总量"), paths.exports, paths.warehouse)
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
