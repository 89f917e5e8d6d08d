"""The workbook writer on hand-made specs: page setup, merged headers, heights that fit wrapped text,
numbered notes, 本年无数据, native charts and byte-for-byte reproducibility (read back as a user's
spreadsheet program would, with openpyxl and the xlsx parts themselves)."""
import math
import re
import zipfile
from datetime import datetime

import pytest
from openpyxl import load_workbook

from dagster_project.exports.workbook import (
    LINE_PT, NO_DATA, ChartSpec, Col, TableSpec, lines_needed, numbered, text_width_pt, width_to_pt, write_workbook)

LONG_TASK = "推进灌区续建配套与节水改造，灌溉水有效利用系数达到年度目标并完成计量设施建设"


def spec(rows, notes=("用水总量=生活+工业+农业+人工生态环境补水。", "因数值修约，分项之和与合计可能略有出入。"), n=1):
    return TableSpec(sheet=f"表{n} 测试", title=f"表{n}  2021年测试表", unit_line="单位：亿m³",
                     columns=[Col("name", "地区"), Col("a", ("生活用水", "小计"), 2), Col("b", ("生活用水", "其中：居民生活"), 2),
                              Col("task", "工作任务"), Col("total", "用水总量", 2)],
                     rows=rows, notes=list(notes))


ROWS = [{"name": "全市", "a": 5.355, "b": 3.664, "task": LONG_TASK, "total": 39.2912},
        {"name": "某某区", "a": 0.4049, "b": "×", "task": "短任务", "total": 5.0561}]


def make_book(path):
    chart = ChartSpec(title="图1  2021年分行业用水量", kind="column", category_header="行业",
                      categories=["生活", "工业", "农业"], series=[("用水量(亿m³)", [5.36, 11.92, 20.91])],
                      axis_title="用水量(亿m³)", decimals=2, target=("目标 30", 30.0))
    return write_workbook(path, [spec(ROWS), spec([], notes=["仅一条说明。"], n=2)],
                          ("说明", ["某某市水资源公报(2021年)", "1. " + "很长的说明文字" * 30]), "half_even", [chart],
                          datetime(2022, 1, 1))


@pytest.fixture
def book(tmp_path):
    return make_book(tmp_path / "b.xlsx")


def test_every_sheet_prints_on_a4_with_page_numbers_and_fits_the_page_width(book):
    wb = load_workbook(book)
    assert wb.sheetnames == ["表1 测试", "表2 测试", "图", "说明"]
    for ws in wb.worksheets:
        assert ws.page_setup.paperSize == 9, ws.title  # A4, not US Letter
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)
        assert ws.page_setup.fitToHeight == 0, "a long table runs on to more pages, it is never squeezed onto one"
    table = wb.worksheets[0]
    assert table.print_title_rows == "$3:$4"  # both header rows repeat on every printed page


def test_headers_merge_and_the_rows_are_tall_enough_for_wrapped_text(book):
    ws = load_workbook(book).worksheets[0]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:E1", "B3:C3", "A3:A4", "D3:D4", "E3:E4"} <= merged  # title; 生活用水 over two; leaves merged down
    assert ws["B5"].value == 5.36 and ws["B5"].number_format == "0.00"  # rounded once, half-even, at 0.01
    assert ws["C6"].value == "×"
    task = ws["D5"]
    assert task.alignment.wrap_text
    width_pt = width_to_pt(ws.column_dimensions["D"].width)
    lines = math.ceil(len(LONG_TASK) * 10.5 / (width_pt - 4))  # every character CJK: one em each
    assert text_width_pt(LONG_TASK) == len(LONG_TASK) * 10.5
    assert lines >= 2, "the long task wraps"
    assert ws.row_dimensions[5].height >= lines * LINE_PT, "and its row is tall enough for every line"
    header = ws["C4"].value  # 其中：居民生活: 14 half-widths in a numeric column
    assert ws.row_dimensions[4].height >= lines_needed(header, width_to_pt(ws.column_dimensions["C"].width)) * LINE_PT


def test_notes_are_numbered_as_the_national_bulletin_prints_them(book):
    ws = load_workbook(book).worksheets[0]
    notes = [ws.cell(r, 1).value for r in range(7, ws.max_row + 1) if ws.cell(r, 1).value]
    assert notes == ["注1：用水总量=生活+工业+农业+人工生态环境补水。", "注2：因数值修约，分项之和与合计可能略有出入。"]
    assert numbered(["只有一条。"]) == ["注：只有一条。"]


def test_a_table_without_rows_says_so(book):
    ws = load_workbook(book).worksheets[1]
    assert ws["A5"].value == NO_DATA and "A5:E5" in {str(r) for r in ws.merged_cells.ranges}


def test_charts_are_native_excel_charts_over_data_on_the_sheet(book):
    with zipfile.ZipFile(book) as z:
        names = z.namelist()
        chart = z.read("xl/charts/chart1.xml").decode()
    assert not [n for n in names if n.startswith("xl/media/")], "no pasted pictures"
    assert "<c:barChart>" in chart and "<c:lineChart>" in chart  # the columns and the dashed target line
    assert "<c:f>图!$B$23:$B$25</c:f>" in chart  # the values are the data block's cells, which staff can edit
    ws = load_workbook(book)["图"]
    assert [ws.cell(r, 2).value for r in (23, 24, 25)] == [5.36, 11.92, 20.91]


def test_the_notes_sheet_wraps_within_portrait_a4(book):
    ws = load_workbook(book)["说明"]
    assert ws.page_setup.orientation == "portrait"
    assert width_to_pt(ws.column_dimensions["A"].width) <= (8.27 - 1.0) * 72
    long_line = ws["A2"].value
    assert ws["A2"].alignment.wrap_text
    assert ws.row_dimensions[2].height >= lines_needed(long_line, width_to_pt(ws.column_dimensions["A"].width)) * LINE_PT


def test_the_same_inputs_give_the_same_bytes(book, tmp_path):
    assert make_book(tmp_path / "again.xlsx").read_bytes() == book.read_bytes()


def test_crowded_data_labels_stand_upright_and_few_lie_flat(tmp_path):
    # 18 bars of "14.25": at the chart's width a flat label (about 39 px) is wider than its bar's
    # slot (about 24 px) and would run into its neighbours'; 3 bars leave room to lie flat
    def label_rotation(n):
        chart = ChartSpec(title="图3  漏损率", kind="column", category_header="供水单位",
                          categories=[f"供水单位{i}" for i in range(n)], series=[("漏损率(%)", [14.25] * n)],
                          axis_title="漏损率(%)", decimals=2)
        book = write_workbook(tmp_path / f"c{n}.xlsx", [spec(ROWS)], None, "half_even", [chart], datetime(2022, 1, 1))
        with zipfile.ZipFile(book) as z:
            xml = z.read("xl/charts/chart1.xml").decode()
        labels = xml[xml.index("<c:dLbls>"):xml.index("</c:dLbls>")]
        return re.search(r'<a:bodyPr rot="(-?\d+)"', labels)
    assert label_rotation(18) and label_rotation(18).group(1) == "-5400000"  # -90°
    assert not label_rotation(3)
