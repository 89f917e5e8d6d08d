"""File-level reading: encodings, title rows, merged headers, clear rejections."""
from datetime import date

import pytest

from dagster_project.demo.generator import write_sheet
from dagster_project.ingest.readers import ContractError, read_source_file
from dagster_project.lib.contracts import SOURCES_BY_NAME

METER = SOURCES_BY_NAME["meter_readings"]
PERMITS = SOURCES_BY_NAME["permits"]
ECONOMY = SOURCES_BY_NAME["economic_statistics"]


def test_values_stay_text_exactly_as_received(tmp_path):
    path = tmp_path / "20221227.csv"
    path.write_text("测站编码,取水口编码,时间,累计流量(m³)\nST1,Q1,2022-12-27T01:00:00+08:00,0012.50\n",
                    encoding="utf-8")
    row = read_source_file(path, METER).to_pylist()[0]
    assert row["reading_ts"] == "2022-12-27T01:00:00+08:00" and row["totalizer_m3"] == "0012.50"


def test_gbk_csv_with_chinese_headers_is_read_with_row_numbers(tmp_path):
    path = tmp_path / "20221226.csv"
    text = "测站编码,测站名称,取水口编码,时间,累计流量(m3),瞬时流量(m3/h),数据标识\n" \
           "ST1,一号站,Q1,2022/12/26 0:00,100.5,3.2,N\nST1,一号站,Q1,2022/12/26 1:00,103.7,3.2,N\n"
    path.write_bytes(text.encode("gbk"))
    table = read_source_file(path, METER).to_pylist()
    assert [r["_source_row_number"] for r in table] == [2, 3]
    assert table[0]["station_name"] == "一号站" and table[1]["totalizer_m3"] == "103.7"


def test_missing_required_column_names_file_column_and_rule(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("测站编码,时间,累计流量(m³)\nST1,2022-12-26 00:00,1\n", encoding="utf-8")
    with pytest.raises(ContractError) as err:
        read_source_file(path, METER)
    assert err.value.rule == "missing_column"
    assert "bad.csv" in str(err.value) and "intake_code (取水口编码)" in str(err.value)


def test_empty_file_is_rejected_not_crashed(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ContractError, match=r"\[empty_file\]"):
        read_source_file(path, METER)


def test_excel_title_row_merged_headers_and_unit_from_header(tmp_path):
    path = tmp_path / "permits.xlsx"
    write_sheet(path, "某市取水许可证台账", [
        "取水许可证编号", "取水权人名称", "统一社会信用代码", "行政区划代码", "取水口编码", "水源类型",
        "许可水量(万m³/年)", ("有效期", ["起", "止"]), "状态"],
        [["A001", "甲公司", "91350100M000100Y43", "320685", "Q1；Q2", "地表水", 12.5,
          date(2021, 1, 1), date(2025, 12, 31), "有效"]])
    rows = read_source_file(path, PERMITS).to_pylist()
    assert len(rows) == 1
    row = rows[0]
    assert row["_source_row_number"] == 4  # title, two header rows, then data
    assert row["permitted_volume"] == "12.5" and row["permitted_volume_unit"] == "万m³"
    assert row["valid_from"].startswith("2021-01-01") and row["valid_to"].startswith("2025-12-31")


def test_yearbook_layout_takes_year_from_title_and_stops_at_notes(tmp_path):
    path = tmp_path / "yearbook.xlsx"
    write_sheet(path, "2021年分地区主要经济社会指标",
                ["地区", ("地区生产总值", ["现价(亿元)", "指数(上年=100)"]),
                 ("工业增加值", ["现价(亿元)", "指数(上年=100)"]), "年平均常住人口(万人)", "城镇人口(万人)",
                 "乡村人口(万人)", "有效灌溉面积(万亩)", "耕地实际灌溉面积(万亩)"],
                [["全市", "１１０２６.９", 108.9, 4500, 111.7, 772.7, 556, 216, 600, 540]],
                notes=["注：地区生产总值按当年价格计算。"])
    rows = read_source_file(path, ECONOMY).to_pylist()
    assert len(rows) == 1, "the note under the table is not a data row"
    assert rows[0]["report_year"] == "2021"
    assert rows[0]["gdp_100m_yuan"] == "11026.9"  # full-width digits normalised


METER_HEADER = "测站编码,测站名称,取水口编码,时间,累计流量(m³),瞬时流量(m³/h),数据标识"
METER_HEADER_GBK = METER_HEADER.replace("m³", "m3")  # GBK has no ³


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_row_numbers_are_the_lines_a_text_editor_shows(tmp_path, newline):
    lines = ["某平台导出 2022-12-26",  # 1
             METER_HEADER,  # 2
             'ST1,"一号', '站",Q1,2022-12-26 01:00,1,1,N',  # 3–4: a quoted station name over two lines
             "",  # 5: blank, skipped by the reader
             'ST2,"二号""站""",Q2,2022-12-26 01:00,1,1,N',  # 6: escaped quotes
             'ST3,"三号', "", '站",Q3,2022-12-26 01:00,1,1,N',  # 7–9: a blank line inside quotes is data
             "ST4,四号站,Q4,2022-12-26 01:00,1,1,N",  # 10
             "", ""]
    path = tmp_path / "20221226.csv"
    path.write_bytes(newline.join(lines).encode("utf-8"))
    rows = read_source_file(path, METER).to_pylist()
    assert [(r["station_code"], r["_source_row_number"]) for r in rows] == [
        ("ST1", 3), ("ST2", 6), ("ST3", 7), ("ST4", 10)]
    assert rows[0]["station_name"] == f"一号{newline}站" and rows[1]["station_name"] == '二号"站"'


def test_row_numbers_with_quotes_inside_unquoted_fields(tmp_path):
    """5"管 (inches) is a literal quote: the quote-parity count does not apply; the csv module counts."""
    path = tmp_path / "20221226.csv"
    path.write_text("\n".join([METER_HEADER, 'ST1,5"管,Q1,2022-12-26 01:00,1,1,N', "",
                               'ST2,"二号', '站",Q2,2022-12-26 01:00,1,1,N', "ST3,三号站,Q3,2022-12-26 01:00,1,1,N"]),
                    encoding="utf-8")
    rows = read_source_file(path, METER).to_pylist()
    assert [(r["station_name"], r["_source_row_number"]) for r in rows] == [('5"管', 2), ("二号\n站", 4), ("三号站", 6)]


def test_mixed_encoding_names_the_lines_that_are_not_utf8(tmp_path):
    path = tmp_path / "20221226.csv"
    utf8 = [METER_HEADER, "ST1,一号站,Q1,2022-12-26 01:00,1,1,N"]
    gbk = [f"ST{i},二号站,Q2,2022-12-26 0{i}:00,1,1,N" for i in range(2, 9)]
    path.write_bytes(("\n".join(utf8) + "\n").encode() + ("\n".join(gbk) + "\n").encode("gbk"))
    with pytest.raises(ContractError) as err:
        read_source_file(path, METER)
    assert err.value.rule == "mixed_encoding"
    assert "line 1 is UTF-8 but line(s) 3, 4, 5, 6, 7 … (7 in all) are not" in str(err.value)


def test_the_first_visible_sheet_is_read_and_the_hidden_ones_are_named(tmp_path):
    import duckdb
    from openpyxl import load_workbook

    from dagster_project.ingest.readers import stage_file

    path = tmp_path / "yearbook.xlsx"
    write_sheet(path, "2021年分地区主要经济社会指标", ["地区", ("地区生产总值", ["现价(亿元)", "指数(上年=100)"]),
                ("工业增加值", ["现价(亿元)", "指数(上年=100)"]), "年平均常住人口(万人)", "城镇人口(万人)",
                "乡村人口(万人)", "有效灌溉面积(万亩)", "耕地实际灌溉面积(万亩)"],
                [["全市", 11026.9, 108.9, 4500, 111.7, 772.7, 556, 216, 600, 540]])
    wb = load_workbook(path)
    for title, state in (("旧表", "hidden"), ("底稿", "veryHidden")):
        stale = wb.copy_worksheet(wb["Sheet1"])
        stale.title, stale.sheet_state, stale["B4"] = title, state, 1.0
        wb.move_sheet(stale, offset=-wb.index(stale))
    wb.active = wb.index(wb["Sheet1"])
    wb.save(path)
    with duckdb.connect() as con:
        staged = stage_file(con, path, ECONOMY, "staged")
        assert staged.rows == 1 and con.execute("select gdp_100m_yuan from staged").fetchall() == [("11026.9",)]
    assert staged.note == "skipped hidden sheet(s): 底稿, 旧表; read sheet Sheet1"


PLAIN_FILES = {  # one record per line, UTF-8 as stored: DuckDB's own reader reads them
    "lf": f"{METER_HEADER}\nST1,一号站,Q1,2022-12-26 01:00,100.5,3.2,N\nST2,,Q2,2022-12-26 01:00,,,\n".encode(),
    "crlf_bom_title": b"\xef\xbb\xbf" + "某平台导出 2022-12-26\r\n{}\r\nST1, 一号站 ,Q1,２０２２-12-26 01:00,1,1,N\r\n"
                      "ST3,三号站,Q3,2022-12-26T01:00:00+08:00,0012.50,1,N".format(METER_HEADER).encode(),
    "columns_reordered_and_optional_missing": "时间,累计流量(m³),取水口编码,测站编码\n"
                                              "2022-12-26 01:00,7,Q1,ST1\n".encode(),
    # GBK, as some platforms export: DuckDB reads its UTF-8 transcoding
    "gbk_crlf": f"{METER_HEADER_GBK}\r\nST1,一号站,Q1,2022/12/26 1:00,1,1,N\r\nST2,二号站,Q2,2022-12-26 01:00,2,,N\r\n".encode("gbk"),
}


@pytest.mark.parametrize("name", list(PLAIN_FILES))
def test_duckdb_reads_a_plain_file_exactly_as_the_general_reader_does(tmp_path, name):
    from dagster_project.ingest.readers import csv_layout, read_csv

    path = tmp_path / "20221226.csv"
    path.write_bytes(PLAIN_FILES[name])
    assert csv_layout(path, METER).is_plain  # the DuckDB path, not the general reader
    by_duckdb = read_source_file(path, METER)
    assert by_duckdb.to_pylist() == read_csv(path, METER).to_pylist()
    assert by_duckdb.num_rows > 0


@pytest.mark.parametrize("content", [
    f'{METER_HEADER_GBK}\nST1,"一号站",Q1,2022-12-26 01:00,1,1,N\n'.encode("gbk"),  # a quote (GBK)
    f'{METER_HEADER}\nST1,"一号站",Q1,2022-12-26 01:00,1,1,N\n'.encode(),  # a quote
    f"{METER_HEADER}\n\nST1,一号站,Q1,2022-12-26 01:00,1,1,N\n".encode(),  # a blank line
    f"{METER_HEADER}\rST1,一号站,Q1,2022-12-26 01:00,1,1,N\r".encode(),  # old Mac line breaks
])
def test_files_that_are_not_plain_take_the_general_reader(tmp_path, content):
    from dagster_project.ingest.readers import csv_layout

    path = tmp_path / "20221226.csv"
    path.write_bytes(content)
    assert not csv_layout(path, METER).is_plain


def test_a_plain_file_with_a_short_row_is_rejected_naming_the_line(tmp_path):
    path = tmp_path / "20221226.csv"
    path.write_text(f"{METER_HEADER}\nST1,一号站,Q1,2022-12-26 01:00,1,1,N\nST1,一号站,Q1,2022-12-26 02\n",
                    encoding="utf-8")
    with pytest.raises(ContractError) as err:
        read_source_file(path, METER)
    assert err.value.rule == "malformed_csv" and "Line: 3" in str(err.value) and "Found: 4" in str(err.value)
