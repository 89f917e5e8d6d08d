"""Unconventional water at the door: industrial returns in the old untyped layout and the new typed
one both load; a treatment plant's return breaking its volume rules is quarantined with its reason."""

from dagster_project.demo.generator import write_sheet
from dagster_project.ingest.loader import load_source
from dagster_project.lib.contracts import SOURCES_BY_NAME
from dagster_project.quality.wording import row_reason
from tests.conftest import new_warehouse

USCC = "91350100M000100Y43"
FIRM_HEADERS = ["统计年度", "统一社会信用代码", "单位名称", "行政区划代码", "行业代码", "是否规模以上", "是否火(核)电直流冷却"]
TAIL_HEADERS = ["重复利用水量", "工业增加值(万元)", "计量单位"]
FIRM = [2021, USCC, "甲厂", "320685", "C26", "是", "否"]
PLANT_HEADERS = ["统计年度", "统一社会信用代码", "污水处理厂名称", "行政区划代码", "污水处理量", "再生水生产量",
                 ("再生水利用量", ["工业", "市政杂用及景观", "生态补水"]), "计量单位"]


def load(tmp_path, source_name: str, file: str, headers: list, rows: list[list]):
    source = SOURCES_BY_NAME[source_name]
    raw = tmp_path / "raw"
    write_sheet(raw / "survey" / file, "测试表", headers, rows)
    con = new_warehouse(tmp_path)
    summary = load_source(con, source, raw, run_id="t", quarantine_root=tmp_path / "quarantine", settle_seconds=0)
    return con, summary


def test_the_old_untyped_and_the_new_typed_industrial_layouts_both_load(tmp_path):
    old = [*FIRM_HEADERS, ("取用新水量", ["地表水", "地下水", "自来水", "非常规水"]), *TAIL_HEADERS]
    con, summary = load(tmp_path, "industrial_returns", "industrial_2020.xlsx", old,
                        [[*FIRM, 1000, 0, 200, 500, 3000, 50, "m³"]])
    assert [(o.status, o.rows_loaded, o.rows_quarantined) for o in summary.outcomes] == [("loaded", 1, 0)]
    assert con.execute("select new_water_unconventional, new_water_reclaimed, new_water_mine "
                       "from raw.industrial_returns").fetchall() == [("500", None, None)]

    typed = [*FIRM_HEADERS, ("取用新水量", ["地表水", "地下水", "自来水", "再生水", "集蓄雨水", "海水淡化水", "微咸水",
                                       "矿坑(井)水"]), *TAIL_HEADERS]
    write_sheet(tmp_path / "raw" / "survey" / "industrial_2021.xlsx", "测试表", typed,
                [[*FIRM, 1000, 0, 200, 300, 0, 0, 200, 7, 3000, 50, "m³"]])
    summary = load_source(con, SOURCES_BY_NAME["industrial_returns"], tmp_path / "raw", run_id="t2", settle_seconds=0)
    assert {o.file: o.status for o in summary.outcomes}["survey/industrial_2021.xlsx"] == "loaded"
    assert con.execute("""select new_water_unconventional, new_water_reclaimed, new_water_brackish, new_water_mine
                          from raw.industrial_returns where _source_file like '%2021%'""").fetchall() == [
        (None, "300", "200", "7")]


def test_a_typed_return_over_the_reuse_limit_is_quarantined_with_its_unconventional_water_counted(tmp_path):
    # 99.9% reuse is the limit: 998 reused on 1 m³ of new water (99.9%) passes only if the 0.5 m³ of
    # 再生水 counts as new water; without it (998 on 0.5) the row is quarantined
    typed = [*FIRM_HEADERS, ("取用新水量", ["地表水", "地下水", "自来水", "再生水"]), *TAIL_HEADERS]
    con, summary = load(tmp_path, "industrial_returns", "industrial_2021.xlsx", typed,
                        [[*FIRM, 0.5, 0, 0, 0.5, 998, 50, "m³"], [*FIRM, 0.5, 0, 0, 0, 999, 50, "m³"]])
    assert [(o.rows_loaded, o.rows_quarantined) for o in summary.outcomes] == [(1, 1)]
    (reasons,) = con.execute("select _reasons from raw.industrial_returns__quarantine").fetchone()
    assert reasons == ["reuse_rate_implausible"]


def test_a_treatment_plant_row_breaking_its_volume_rules_is_quarantined_with_the_reason(tmp_path):
    rows = [[2021, USCC, "甲污水处理厂", "320685", 1000, 400, 100, 100, 100, "万m³"],   # good: 300 ≤ 400 ≤ 1000
            [2021, USCC, "乙污水处理厂", "320685", 1000, 1200, 100, 100, 100, "万m³"],  # produced > treated
            [2021, USCC, "丙污水处理厂", "320685", 1000, 200, 100, 100, 100, "万m³"]]   # used 300 > produced 200
    con, summary = load(tmp_path, "wastewater_plant_returns", "wastewater_2021.xlsx", PLANT_HEADERS, rows)
    assert [(o.status, o.rows_loaded, o.rows_quarantined) for o in summary.outcomes] == [("loaded", 1, 2)]
    assert con.execute("select plant_name, reclaimed_used_municipal from raw.wastewater_plant_returns").fetchall() == [
        ("甲污水处理厂", "100")]
    quarantined = dict(con.execute("select plant_name, _reasons from raw.wastewater_plant_returns__quarantine").fetchall())
    assert quarantined == {"乙污水处理厂": ["reclaimed_exceeds_treated"], "丙污水处理厂": ["reclaimed_use_exceeds_production"]}
    source = SOURCES_BY_NAME["wastewater_plant_returns"]
    for reason in ("reclaimed_exceeds_treated", "reclaimed_use_exceeds_production"):
        rule, action = row_reason(reason, source)  # in words for the DQ report, not the code
        assert "再生水" in rule and action
