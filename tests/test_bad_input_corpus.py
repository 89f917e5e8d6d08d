"""The bad-input corpus: one realistic defect per case, built here from small files, each with the
outcome it must have — the file rejected with one clear message (and moved to quarantine), rows
quarantined with the right reason, or the variant accepted — and reconciliation holding for all:
rows read = rows loaded + rows quarantined, and a rejected file loads nothing.

Defects of the meter logic (duplicates, reset, rollover, gap, spike, stuck meter, negative
increment) are cases in tests/dbt/test_meter_to_daily.py; restated GDP and a re-issued permit in
tests/dbt/test_indicator_formulas.py.
"""
from dataclasses import dataclass
from datetime import date

import duckdb
import pytest
from openpyxl import Workbook

from dagster_project.demo.generator import write_sheet
from dagster_project.ingest.loader import load_source
from dagster_project.lib.contracts import SOURCES_BY_NAME

GOOD_USCC = "91350100M000100Y43"
METER_HEADER = "测站编码,测站名称,取水口编码,时间,累计流量(m³),瞬时流量(m³/h),数据标识"
METER_ROW = "ST1,一号站,Q1,2022-12-26 01:00,100.5,3.2,N"
INDUSTRIAL_HEADERS = ["统计年度", "统一社会信用代码", "单位名称", "行政区划代码", "行业代码", "是否规模以上",
                      "是否火(核)电直流冷却", ("取用新水量", ["地表水", "地下水", "自来水", "非常规水"]),
                      "重复利用水量", "工业增加值(万元)", "计量单位"]
IRRIGATION_HEADERS = ["统计年度", "灌区编码", "灌区名称", "行政区划代码", "灌区类型", "是否样点灌区",
                      ("毛灌溉用水量", ["地表水", "地下水"]), "净灌溉用水量", "实际灌溉面积(万亩)", "计量单位"]
PERMIT_HEADERS = ["取水许可证编号", "取水权人名称", "统一社会信用代码", "行政区划代码", "取水口编码", "水源类型",
                  "许可水量(万m³/年)", ("有效期", ["起", "止"]), "状态"]
ECONOMY_HEADERS = ["地区", ("地区生产总值", ["现价(亿元)", "指数(上年=100)"]), ("工业增加值", ["现价(亿元)", "指数(上年=100)"]),
                   "年平均常住人口(万人)", "城镇人口(万人)", "乡村人口(万人)", "有效灌溉面积(万亩)", "耕地实际灌溉面积(万亩)"]


def firm(**overrides):
    row = dict(year=2021, uscc=GOOD_USCC, name="甲厂", region="320685", industry="C26", above="是", cooling="否",
               surface=1000, ground=0, tap=200, uncon=0, reused=3000, va=50, unit="m³")
    row.update(overrides)
    return list(row.values())


def district(**overrides):
    row = dict(year=2021, code="G1", name="一灌区", region="320685", cls="中型", sample="是", surface=1000, ground=0,
               net=600, area=2.0, unit="m³")
    row.update(overrides)
    return list(row.values())


def permit(**overrides):
    row = dict(no="A001", holder="甲厂", uscc=GOOD_USCC, region="320685", intake="Q1", source="地表水", volume=12.5,
               start=date(2021, 1, 1), end=date(2025, 12, 31), status="有效")
    row.update(overrides)
    return list(row.values())


@dataclass
class Case:
    source: str
    name: str  # file name under the source's folder
    content: object  # bytes, or a callable(path) that writes the file
    outcome: str  # rejected | quarantined | loaded
    expect: str = ""  # rule (rejected), reason (quarantined) or a value check (loaded)
    rows_loaded: int = 0
    rows_quarantined: int = 0


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def sheet(headers, rows, title="测试表", notes=()):
    return lambda path: write_sheet(path, title, headers, rows, notes=list(notes))


def workbook_with_formula(path):
    write_sheet(path, "2021年度工业企业用水统计调查表", INDUSTRIAL_HEADERS, [firm()])
    from openpyxl import load_workbook
    wb = load_workbook(path)
    wb.active["H4"] = "=1000+0"  # a formula Excel never computed (openpyxl stores no cached value)
    wb.save(path)


def not_a_workbook(path):
    path.write_text("统计年度,统一社会信用代码\n2021,x\n", encoding="utf-8")


def empty_workbook(path):
    Workbook().save(path)


CASES = {
    # --- whole-file defects: one clear message, the file moves to quarantine, nothing loads ---
    "zero_byte_file": Case("meter_readings", "d.csv", b"", "rejected", "empty_file"),
    "whitespace_only_file": Case("meter_readings", "d.csv", b"\n  \n", "rejected", "empty_file"),
    "header_only_file": Case("meter_readings", "d.csv", csv_bytes(METER_HEADER), "rejected", "no_rows"),
    "utf16_encoding": Case("meter_readings", "d.csv", (METER_HEADER + "\n" + METER_ROW).encode("utf-16"),
                           "rejected", "encoding"),
    "missing_column": Case("meter_readings", "d.csv", csv_bytes("测站编码,时间,累计流量(m³)", "ST1,2022-12-26 01:00,1"),
                           "rejected", "missing_column"),
    "unknown_renamed_column": Case("meter_readings", "d.csv",
                                   csv_bytes(METER_HEADER.replace("时间", "时刻"), METER_ROW), "rejected", "missing_column"),
    "truncated_csv": Case("meter_readings", "d.csv", csv_bytes(METER_HEADER, METER_ROW, "ST1,一号站,Q1,2022-12-26 02"),
                          "rejected", "malformed_csv"),
    "not_a_workbook": Case("industrial_returns", "industrial_2021.xlsx", not_a_workbook, "rejected", "unreadable_xlsx"),
    "empty_workbook": Case("industrial_returns", "industrial_2021.xlsx", empty_workbook, "rejected", "missing_column"),
    "formula_without_value": Case("industrial_returns", "industrial_2021.xlsx", workbook_with_formula, "rejected",
                                  "formula_without_value"),
    "volume_header_without_unit": Case("permits", "p.xlsx", sheet(
        [h.replace("许可水量(万m³/年)", "许可水量") if isinstance(h, str) else h for h in PERMIT_HEADERS], [permit()]),
        "rejected", "unit_missing"),
    # --- row defects: the row goes to quarantine with its reason; the file's other rows load ---
    "bad_uscc_check_character": Case("industrial_returns", "industrial_2021.xlsx", sheet(
        INDUSTRIAL_HEADERS, [firm(), firm(uscc=GOOD_USCC[:-1] + "4", name="乙厂")]), "quarantined", "bad_uscc", 1, 1),
    "unknown_region_code": Case("industrial_returns", "industrial_2021.xlsx", sheet(
        INDUSTRIAL_HEADERS, [firm(region="999999")]), "quarantined", "unknown_region_code", 0, 1),
    "unknown_unit": Case("industrial_returns", "industrial_2021.xlsx", sheet(
        INDUSTRIAL_HEADERS, [firm(unit="吨")]), "quarantined", "unknown_unit", 0, 1),
    "reuse_above_99_9_percent": Case("industrial_returns", "industrial_2021.xlsx", sheet(
        INDUSTRIAL_HEADERS, [firm(surface=1, tap=0, reused=5000)]), "quarantined", "reuse_rate_implausible", 0, 1),
    "absurd_negative_volume": Case("industrial_returns", "industrial_2021.xlsx", sheet(
        INDUSTRIAL_HEADERS, [firm(surface=-500)]), "quarantined", "below_minimum:new_water_surface", 0, 1),
    "text_in_number_column": Case("industrial_returns", "industrial_2021.xlsx", sheet(
        INDUSTRIAL_HEADERS, [firm(ground="约100")]), "quarantined", "invalid_number:new_water_ground", 0, 1),
    "net_exceeds_gross": Case("irrigation_returns", "irrigation_2021.xlsx", sheet(
        IRRIGATION_HEADERS, [district(), district(code="G2", net=1500)]), "quarantined", "net_exceeds_gross", 1, 1),
    "future_timestamp": Case("meter_readings", "d.csv", csv_bytes(METER_HEADER, METER_ROW,
                                                                  "ST1,一号站,Q1,2099-01-01 00:00,101,3,N"),
                             "quarantined", "future_timestamp:reading_ts", 1, 1),
    "unparseable_timestamp": Case("meter_readings", "d.csv", csv_bytes(METER_HEADER, "ST1,一号站,Q1,26/12/2022 01h,1,1,N"),
                                  "quarantined", "invalid_timestamp:reading_ts", 0, 1),
    "missing_required_value": Case("meter_readings", "d.csv", csv_bytes(METER_HEADER, "ST1,一号站,,2022-12-26 01:00,1,1,N"),
                                   "quarantined", "missing:intake_code", 0, 1),
    "validity_reversed": Case("permits", "p.xlsx", sheet(PERMIT_HEADERS, [permit(start=date(2025, 1, 1),
                                                                             end=date(2021, 1, 1))]),
                              "quarantined", "validity_reversed", 0, 1),
    "date_typo_before_2000": Case("permits", "p.xlsx", sheet(PERMIT_HEADERS, [permit(start=date(1921, 1, 1))]),
                                  "quarantined", "date_out_of_range:valid_from", 0, 1),
    "absurd_gdp_index": Case("economic_statistics", "e.xlsx", sheet(
        ECONOMY_HEADERS, [["海安市", 1200, 1080, 500, 111, 90, 50, 40, 100, 90]], title="2021年主要指标"),
        "quarantined", "above_maximum:gdp_index_prev_year_100", 0, 1),
    "unknown_region_name_in_yearbook": Case("economic_statistics", "e.xlsx", sheet(
        ECONOMY_HEADERS, [["新区", 1200, 108, 500, 111, 90, 50, 40, 100, 90]], title="2021年主要指标"),
        "quarantined", "unknown_region_name", 0, 1),
    # --- accepted variants: loaded, values as received (typed in dbt) ---
    "gbk_with_chinese_headers": Case("meter_readings", "d.csv", csv_bytes(METER_HEADER.replace("m³", "m3"), METER_ROW,
                                                                          encoding="gbk"), "loaded", "一号站", 1),
    "utf8_with_bom": Case("meter_readings", "d.csv", b"\xef\xbb\xbf" + csv_bytes(METER_HEADER, METER_ROW), "loaded", "", 1),
    "title_line_above_csv_header": Case("meter_readings", "d.csv", csv_bytes("某平台取水监测数据导出 2022-12-26", METER_HEADER,
                                                                             METER_ROW), "loaded", "", 1),
    "renamed_column_variant": Case("meter_readings", "d.csv", csv_bytes(METER_HEADER.replace("时间", "采集时间"), METER_ROW),
                                   "loaded", "", 1),
    "full_width_digits": Case("meter_readings", "d.csv", csv_bytes(METER_HEADER, "ST1,一号站,Q1,２０２２-12-26 01:00,１００.５,3,N"),
                              "loaded", "100.5", 1),
    "merged_headers_and_title_row": Case("irrigation_returns", "irrigation_2021.xlsx", sheet(
        IRRIGATION_HEADERS, [district()], title="2021年度灌区用水统计调查表"), "loaded", "", 1),
    "volumes_in_10k_m3": Case("industrial_returns", "industrial_2021.xlsx", sheet(
        INDUSTRIAL_HEADERS, [firm(surface=0.1, tap=0.02, reused=0.3, unit="万m³")]), "loaded", "万m³", 1),
    "notes_under_yearbook_table": Case("economic_statistics", "e.xlsx", sheet(
        ECONOMY_HEADERS, [["全市", "１１０２６.９", 108.9, 4500, 111.7, 772.7, 556, 216, 600, 540]],
        title="2021年分地区主要指标", notes=["注：地区生产总值按当年价格计算。"]), "loaded", "11026.9", 1),
}


@pytest.mark.parametrize("case_id", list(CASES))
def test_corpus_case(case_id, tmp_path):
    case = CASES[case_id]
    source = SOURCES_BY_NAME[case.source]
    raw, quarantine = tmp_path / "raw", tmp_path / "quarantine"
    folder = raw / source.file_glob.split("/")[0]
    folder.mkdir(parents=True)
    path = folder / case.name
    if isinstance(case.content, bytes):
        path.write_bytes(case.content)
    else:
        case.content(path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    summary = load_source(con, source, raw, run_id="corpus", quarantine_root=quarantine)
    (outcome,) = summary.outcomes
    raw_rows = con.execute(f"select count(*) from {source.table}").fetchone()[0]
    quarantined = con.execute(f"select count(*) from {source.quarantine_table}").fetchone()[0]
    log = con.execute("select status, rows_read, rows_loaded, rows_quarantined, message from raw.load_log").fetchall()

    if case.outcome == "rejected":
        assert outcome.status == "rejected"
        assert f"[{case.expect}]" in outcome.message and case.name in outcome.message  # names rule and file
        assert (raw_rows, quarantined) == (0, 0)
        assert not path.exists(), "a rejected file leaves raw/"
        moved = list(quarantine.rglob(case.name))
        assert len(moved) == 1 and moved[0].with_name(case.name + ".reason.txt").read_text(encoding="utf-8").strip() \
            == outcome.message
        assert log == [("rejected", 0, 0, 0, outcome.message)]
        return

    assert outcome.status == "loaded"
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (case.rows_loaded, case.rows_quarantined)
    assert outcome.rows_read == raw_rows + quarantined == case.rows_loaded + case.rows_quarantined  # nothing lost
    assert log[0][:4] == ("loaded", outcome.rows_read, raw_rows, quarantined)
    if case.outcome == "quarantined":
        reasons = [r[0] for r in con.execute(f"select _reasons from {source.quarantine_table}").fetchall()]
        assert all(case.expect in r for r in reasons), reasons
    elif case.expect:
        values = con.execute(f"select * from {source.table}").fetchall()[0]
        assert case.expect in [str(v) for v in values]


def test_corpus_is_at_least_25_distinct_defects():
    assert len(CASES) >= 25
