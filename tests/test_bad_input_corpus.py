"""The bad-input corpus: one realistic defect per case, built here from small files, each with the
outcome it must have — the file rejected with one clear message (and moved to quarantine), rows
quarantined with the right reason, or the variant accepted — and reconciliation holding for all:
rows read = rows loaded + rows quarantined, and a rejected file loads nothing.

Defects of the meter logic (duplicates, reset, rollover, gap, spike, stuck meter, negative
increment) are cases in tests/dbt/test_meter_to_daily.py; restated GDP and a re-issued permit in
tests/dbt/test_indicator_formulas.py.
"""
import csv
import io
import re
import struct
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from openpyxl import Workbook, load_workbook

from dagster_project.demo.generator import write_sheet
from dagster_project.ingest.loader import load_source
from dagster_project.lib.contracts import SOURCES_BY_NAME
from dagster_project.lib.deployment import DEMO_DEPLOYMENT
from dagster_project.lib.partition_keys import today_cst
from tests.conftest import new_warehouse

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

GROUNDWATER_HEADERS = ["统计年度", "行政区划代码", "含水层", "开采量(万m³)", "核算方法"]
WELL_HEADERS = ["测井编码", "测井名称", "行政区划代码", "含水层", "监测日期", "地下水埋深(m)"]
APPLICATION_HEADERS = ["申请编号", "申请人", "统一社会信用代码", "行政区划代码", "水源类型", "申请水量(万m³/年)",
                       "申请日期", "办理状态"]

AUDIT_HEADERS = ["统一社会信用代码", "用水单位名称", "行政区划代码", "类型", "年度", "列入年度计划", "完成日期", "报告编号"]
OUTPUT_HEADERS = ["统计年度", "用水户代码", "用水户名称", "行政区划代码", "产品代码", "产量", "产量单位"]
with open(DEMO_DEPLOYMENT / "key_user_register.csv", encoding="utf-8") as _f:
    LISTED_USCC = next(csv.DictReader(_f))["uscc"]  # a user of the demo's key-user register


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
    note: str = ""  # (loaded) the message the load log keeps for the file


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


def hidden_stale_sheet_first(path, formula: str | None = None):
    """The current sheet, with last year's copy kept hidden in front of it (and, optionally, an
    uncomputed formula in the current one)."""
    write_sheet(path, "2021年度工业企业用水统计调查表", INDUSTRIAL_HEADERS, [firm()])
    wb = load_workbook(path)
    current = wb.active
    stale = wb.copy_worksheet(current)
    stale.title, stale.sheet_state, stale["C4"] = "旧表", "hidden", "旧厂"
    wb.move_sheet(stale, offset=-1)
    current.title = "2021年"
    if formula:
        current["H4"] = formula
    wb.active = 1
    wb.save(path)


def no_visible_sheet(path):
    write_sheet(path, "2021年度工业企业用水统计调查表", INDUSTRIAL_HEADERS, [firm()])
    wb = load_workbook(path)
    wb.active.sheet_state = "hidden"
    wb.create_sheet("说明")
    wb.save(path)
    # Excel and openpyxl refuse to hide the last visible sheet, some exporters do not: patch workbook.xml
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'state="visible"', b'state="veryHidden"')
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)


def cfb_bytes(stream: str = "Workbook", size: int = 4096) -> bytes:
    """A minimal OLE2 compound file (version 3, 512-byte sectors) with one stream, the container of
    an Excel 97-2003 .xls: header, one FAT sector, one directory sector, the stream's sectors."""
    end, free, fat_sect, no_stream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    n = -(-size // 512)
    fat = [fat_sect, end, *range(3, 2 + n), end]
    header = struct.pack("<8s16s5H6s9I", bytes.fromhex("d0cf11e0a1b11ae1"), bytes(16), 0x3E, 3, 0xFFFE, 9, 6,
                         bytes(6), 0, 1, 1, 0, 4096, end, 0, end, 0) + struct.pack("<109I", 0, *[free] * 108)

    def entry(name, kind, child, start, length):
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return struct.pack("<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, no_stream, no_stream, child,
                           bytes(16), 0, 0, 0, start, length)

    directory = entry("Root Entry", 5, 1, end, 0) + entry(stream, 2, no_stream, 2, size) + entry("", 0, no_stream, 0, 0) * 2
    return header + struct.pack("<128I", *fat, *[free] * (128 - len(fat))) + directory + bytes(n * 512)


def password_protected(path):
    """The workbook as Excel saves it with 文件 → 信息 → 用密码进行加密 (agile encryption)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    write_sheet(path, "某市取水许可证台账", PERMIT_HEADERS, [permit()])
    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(path.read_bytes())).encrypt("secret", encrypted)
    path.write_bytes(encrypted.getvalue())


def xlsx_bytes(path):
    sheet(PERMIT_HEADERS, [permit()])(path)


# the UTF-8 part, in headers of even length, reads as GB18030 without error: mojibake, before this rule
EVEN_HEADER = "站点编码,站点名称,intake_code,采集时间,累计流量(m3),瞬时流量(m3/h),数据标识"
GBK_ROW = "ST2,西站,Q2,2022-12-26 02:00,101.5,3.2,N"
# GBK bytes that are valid UTF-8 by chance (they read as 壶洼): a pure GBK file all the same
GBK_VALID_AS_UTF8 = "ST3,澹舵醇,Q3,2022-12-26 01:00,100.5,3.2,N"
FUTURE_DAY = today_cst() + timedelta(days=40)


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
    "no_visible_sheet": Case("industrial_returns", "industrial_2021.xlsx", no_visible_sheet, "rejected",
                             "no_visible_sheet"),
    "uncomputed_formula_behind_a_hidden_sheet": Case("industrial_returns", "industrial_2021.xlsx",
                                                     lambda p: hidden_stale_sheet_first(p, "=1000+0"), "rejected",
                                                     "formula_without_value"),
    "xls_bytes_named_xlsx": Case("industrial_returns", "industrial_2021.xlsx", cfb_bytes(), "rejected", "xls_format"),
    "password_protected_workbook": Case("permits", "p.xlsx", password_protected, "rejected", "encrypted_workbook"),
    "xlsx_bytes_named_csv": Case("meter_readings", "d.csv", xlsx_bytes, "rejected", "workbook_not_csv"),
    "xls_in_permit_folder": Case("permits", "p.xls", cfb_bytes(), "rejected", "unsupported_format"),
    "wps_et_in_survey_folder": Case("industrial_returns", "industrial_2021.et", cfb_bytes(), "rejected",
                                    "unsupported_format"),
    "numbers_file": Case("economic_statistics", "e.numbers", b"PK\x03\x04numbers", "rejected", "unsupported_format"),
    "xlsb_workbook": Case("water_use_plans", "计划用水_2021.xlsb", b"PK\x03\x04xlsb", "rejected", "unsupported_format"),
    "ods_spreadsheet": Case("inspection_scores", "考核_2021.ods", b"PK\x03\x04ods", "rejected", "unsupported_format"),
    "workbook_in_csv_folder": Case("meter_readings", "20221226.xlsx", xlsx_bytes, "rejected", "unsupported_format"),
    "text_export_in_csv_folder": Case("meter_readings", "20221226.txt", csv_bytes(METER_HEADER, METER_ROW), "rejected",
                                      "unsupported_format"),
    "unknown_name_in_shared_survey_folder": Case("industrial_returns", "汇总表.xlsx", sheet(INDUSTRIAL_HEADERS, [firm()]),
                                                 "rejected", "unrecognised_file"),
    "utf8_with_gbk_tail": Case("meter_readings", "d.csv", csv_bytes(EVEN_HEADER, "ST1,东站,Q1,2022-12-26 01:00,100.5,3.2,N")
                               + csv_bytes(GBK_ROW, encoding="gbk"), "rejected", "mixed_encoding"),
    "gbk_with_utf8_tail": Case("meter_readings", "d.csv", csv_bytes(METER_HEADER.replace("m³", "m3"), METER_ROW,
                                                                    encoding="gbk") + csv_bytes(METER_ROW),
                               "rejected", "mixed_encoding"),
    "future_dated_meter_file": Case("meter_readings", f"{FUTURE_DAY:%Y%m%d}.csv", csv_bytes(METER_HEADER, METER_ROW),
                                    "rejected", "future_dated"),
    "future_report_year": Case("industrial_returns", f"industrial_{FUTURE_DAY.year + 1}.xlsx",
                               sheet(INDUSTRIAL_HEADERS, [firm()]), "rejected", "future_dated"),
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
    # groundwater and permit applications (issue 19): one good row beside the bad one, which alone is kept back
    "aquifer_not_in_the_register": Case("groundwater_abstraction", "abstraction_2021.xlsx", sheet(
        GROUNDWATER_HEADERS, [[2021, "320623", "深层承压水", 12.5, "计量"], [2021, "320623", "岩溶水", 3, "计量"]]),
        "quarantined", "unknown_aquifer", 1, 1),
    "negative_depth_to_water": Case("groundwater_levels", "levels_2021.xlsx", sheet(
        WELL_HEADERS, [["W1", "一号井", "320623", "deep", date(2021, 6, 26), 21.3],
                       ["W2", "二号井", "320623", "deep", date(2021, 6, 26), -2.0]]),
        "quarantined", "below_minimum:depth_to_water_m", 1, 1),
    "application_for_an_unknown_source": Case("permit_applications", "取水许可申请台账_2022.xlsx", sheet(
        APPLICATION_HEADERS, [["SQ1", "甲厂", GOOD_USCC, "320623", "地下水", 5, date(2022, 5, 1), "受理中"],
                              ["SQ2", "乙厂", GOOD_USCC, "320623", "再生水", 5, date(2022, 5, 1), "受理中"]]),
        "quarantined", "unknown_application_source", 1, 1),
    # audits and quotas (issue 18): the audit of a user the key-user register does not list; an output in
    # another unit than the quota table's for the product
    "audit_of_a_user_not_in_the_key_user_register": Case("water_audits", "用水审计水平衡测试台账_2022.xlsx", sheet(
        AUDIT_HEADERS, [[LISTED_USCC, "甲厂", "320612", "用水审计", 2022, "是", date(2022, 5, 1), "审计〔2022〕第1号"],
                        [GOOD_USCC, "乙厂", "320612", "用水审计", 2022, "否", date(2022, 6, 1), "审计〔2022〕第2号"]]),
        "quarantined", "unknown_key_user", 1, 1),
    "output_in_another_unit_than_the_quotas": Case("user_output", "产品产量台账_2022.xlsx", sheet(
        OUTPUT_HEADERS, [[2022, GOOD_USCC, "甲厂", "320612", "C2614", 1200, "t"],
                         [2022, GOOD_USCC, "甲厂", "320612", "C3011", 1200, "kg"]]),
        "quarantined", "output_unit_not_the_quotas", 1, 1),
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
    "hidden_stale_sheet_before_the_current_one": Case("industrial_returns", "industrial_2021.xlsx",
                                                      hidden_stale_sheet_first, "loaded", "甲厂", 1,
                                                      note="skipped hidden sheet(s): 旧表"),
    "gbk_bytes_valid_as_utf8_by_chance": Case("meter_readings", "d.csv", csv_bytes(
        METER_HEADER.replace("m³", "m3"), GBK_VALID_AS_UTF8, METER_ROW, encoding="gbk"), "loaded", "澹舵醇", 2),
    "quoted_line_break_and_blank_line": Case("meter_readings", "d.csv", csv_bytes(
        METER_HEADER, 'ST1,"一号\n站",Q1,2022-12-26 01:00,100.5,3.2,N', "", "ST1,一号站,Q1,2022-12-26 02:00,101,3.2,N"),
        "loaded", "一号\n站", 2),
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
    con = new_warehouse(tmp_path)
    summary = load_source(con, source, raw, run_id="corpus", quarantine_root=quarantine, settle_seconds=0)
    (outcome,) = summary.outcomes
    raw_rows = con.execute(f"select count(*) from {source.table}").fetchone()[0]
    quarantined = con.execute(f"select count(*) from {source.quarantine_table}").fetchone()[0]
    log = con.execute("select status, rows_read, rows_loaded, rows_quarantined, message from raw.load_log where source_name <> 'deployment'").fetchall()

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
    if case.note:
        assert case.note in outcome.message and log[0][4] == outcome.message


def test_corpus_is_at_least_25_distinct_defects():
    assert len(CASES) >= 25


# --- file-level mechanisms beyond one file per case ---

def _load_all(raw, tmp_path, **kw):
    """Every source's load, as the two nightly jobs run them: outcome per file, across sources."""
    from dagster_project.lib.contracts import SOURCES

    con = new_warehouse(tmp_path)
    outcomes = [o for s in SOURCES for o in load_source(con, s, raw, run_id="all", settle_seconds=0, **kw).outcomes]
    return con, outcomes


def test_every_file_in_raw_is_reported_once_and_temporary_files_never(tmp_path):
    from dagster_project.ingest.raw_files import owned_files
    from dagster_project.lib.contracts import SOURCES

    raw, quarantine = tmp_path / "raw", tmp_path / "quarantine"
    stray = {  # path under raw/ → the rule it is rejected with
        "permits/取水许可台账.xls": "unsupported_format", "survey/supply_2021.et": "unsupported_format",
        "survey/汇总表.xlsx": "unrecognised_file", "notes.txt": "unrecognised_file",
        "meter/20221226.csv": "unrecognised_file", "permits/2020/p.xlsx": "unrecognised_file",
    }
    ignored = ["permits/~$p.xlsx", "permits/.DS_Store", "meter_readings/20221226.csv.part", "survey/Thumbs.db",
               "meter_readings/20221226.csv.done", "README.md", ".snapshot/x.csv"]
    for rel in [*stray, *ignored]:
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(b"x")
    listed = [f.rel for s in SOURCES for f in owned_files(raw, s)]
    assert sorted(listed) == sorted(stray), "each stray file belongs to exactly one source; temporary ones to none"

    con, outcomes = _load_all(raw, tmp_path, quarantine_root=quarantine)
    assert sorted((o.file, o.status) for o in outcomes) == sorted((rel, "rejected") for rel in stray)
    for o in outcomes:
        assert f"[{stray[o.file]}]" in o.message and not (raw / o.file).exists()
    assert "save as .xlsx (Excel 工作簿), then put it back in raw/permits/" in next(
        o.message for o in outcomes if o.file.endswith(".xls"))
    assert "open it in WPS" in next(o.message for o in outcomes if o.file.endswith(".et"))
    assert "raw/survey/industrial_*.xlsx" in next(o.message for o in outcomes if o.file == "survey/汇总表.xlsx")
    assert con.execute("select count(*) from raw.load_log where source_name <> 'deployment'").fetchone()[0] == len(stray)
    assert all((raw / rel).exists() for rel in ignored)
    (tmp_path / "again").mkdir()
    _, again = _load_all(raw, tmp_path / "again")
    assert again == [], "quarantined once: the next night has nothing left to say about them"


def test_a_partitioned_meter_run_rejects_a_new_xls_that_the_sensor_saw(tmp_path):
    from dagster_project.lib.partition_keys import changed_partitions
    from dagster_project.sensors import scan_raw

    raw, quarantine = tmp_path / "raw", tmp_path / "quarantine"
    (raw / "meter_readings").mkdir(parents=True)
    (raw / "meter_readings" / "20221229.csv").write_bytes(csv_bytes(METER_HEADER, METER_ROW))
    before, _ = scan_raw(raw, now=4e9)
    (raw / "meter_readings" / "20221229.xls").write_bytes(cfb_bytes())
    after, _ = scan_raw(raw, now=4e9)
    assert changed_partitions(before, after, {"meter_readings": "2022-12-31"}) == {"meter_readings": {"2022-12-29"}}

    con = new_warehouse(tmp_path)
    days = {f"2022-12-{d:02d}" for d in range(1, 32)}
    meter = SOURCES_BY_NAME["meter_readings"]
    first = load_source(con, meter, raw, run_id="r1", quarantine_root=quarantine, partition_keys={"2022-12-05"},
                        known_keys=days, settle_seconds=0)
    assert [(o.file, o.status) for o in first.outcomes] == [("meter_readings/20221229.xls", "rejected")]
    assert "[unsupported_format]" in first.outcomes[0].message  # by any partitioned run, like a badly named file
    second = load_source(con, meter, raw, run_id="r2", quarantine_root=quarantine, partition_keys={"2022-12-29"},
                         known_keys=days, settle_seconds=0)
    assert [(o.file, o.status) for o in second.outcomes] == [("meter_readings/20221229.csv", "loaded")]


def test_a_file_still_being_written_waits_in_raw_until_settled_or_marked(tmp_path):
    import os
    import time

    from dagster_project.ingest.raw_files import settle_seconds
    from dagster_project.settings import dbt_vars
    from dagster_project.sensors import scan_raw

    assert settle_seconds() == dbt_vars()["raw_file_settle_seconds"] > 0  # one rule, in dbt_project.yml
    raw, meter = tmp_path / "raw", SOURCES_BY_NAME["meter_readings"]
    (raw / "meter_readings").mkdir(parents=True)
    path = raw / "meter_readings" / "20221229.csv"
    path.write_bytes(csv_bytes(METER_HEADER, METER_ROW))
    con = new_warehouse(tmp_path)

    (outcome,) = load_source(con, meter, raw, run_id="r1", quarantine_root=tmp_path / "q").outcomes
    assert outcome.status == "waiting" and path.exists()
    assert re.fullmatch(rf"still being written \(modified \d+ s ago\); it is read when unchanged for "
                        rf"{settle_seconds():g} s or when 20221229\.csv\.done exists", outcome.message)
    assert con.execute("select status, message from raw.load_log where source_name <> 'deployment'").fetchall() == [("waiting", outcome.message)]
    assert scan_raw(raw, time.time()) == ({}, {"meter_readings/20221229.csv"})  # the sensor: the same rule

    marker = path.with_name("20221229.csv.done")
    marker.touch()
    old = path.stat().st_mtime - 60
    os.utime(marker, (old, old))  # left over from an earlier copy: vouches for nothing
    assert load_source(con, meter, raw, run_id="r2").outcomes[0].status == "waiting"
    marker.touch()  # written after the file: the sender says it is whole
    assert "meter_readings/20221229.csv" in scan_raw(raw, time.time())[0]
    assert [o.status for o in load_source(con, meter, raw, run_id="r3").outcomes] == ["loaded"]

    # re-sent while loaded: the old rows stay while the new copy is written, and leave with the file
    path.write_bytes(csv_bytes(METER_HEADER, METER_ROW, METER_ROW.replace("01:00", "02:00")))
    assert [o.status for o in load_source(con, meter, raw, run_id="r4").outcomes] == ["waiting"]
    assert con.execute("select count(*) from raw.meter_readings").fetchone()[0] == 1
    path.unlink()
    assert [o.status for o in load_source(con, meter, raw, run_id="r5").outcomes] == ["removed"]
    assert con.execute("select count(*) from raw.meter_readings").fetchone()[0] == 0


def test_a_file_named_for_a_future_day_is_rejected_and_one_for_today_waits_for_its_day(tmp_path):
    raw, meter = tmp_path / "raw", SOURCES_BY_NAME["meter_readings"]
    (raw / "meter_readings").mkdir(parents=True)
    today = today_cst()
    for day in (today, today + timedelta(days=1)):
        (raw / "meter_readings" / f"{day:%Y%m%d}.csv").write_bytes(csv_bytes(METER_HEADER, METER_ROW))
    con = new_warehouse(tmp_path)
    yesterday = (today - timedelta(days=1)).isoformat()  # the last meter partition
    summary = load_source(con, meter, raw, run_id="r1", quarantine_root=tmp_path / "q", partition_keys={yesterday},
                          known_keys={yesterday}, settle_seconds=0)
    outcomes = {o.file: o for o in summary.outcomes}
    assert outcomes[f"meter_readings/{today:%Y%m%d}.csv"].status == "deferred"
    future = outcomes[f"meter_readings/{today + timedelta(days=1):%Y%m%d}.csv"]
    assert future.status == "rejected" and future.message.endswith(
        f"[future_dated] named for {today + timedelta(days=1)}, a day that has not happened yet: check the file "
        "name or the exporting machine's clock")
