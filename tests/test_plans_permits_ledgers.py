"""The plan-adjustment and permit-event ledgers at the door (issue 18): a plan addition dated after its
plan year ended and a permit event without its validity are quarantined with their reasons in
Chinese; a late renewal is data and loads; the plan-coverage and expiry rules are validated."""
import shutil

import yaml

from dagster_project.demo.generator import write_sheet
from dagster_project.ingest.loader import load_source
from dagster_project.lib.contracts import SOURCES_BY_NAME
from dagster_project.lib.deployment import DEMO_DEPLOYMENT, read_settings
from dagster_project.quality.wording import row_reason
from tests.conftest import new_warehouse

USCC = "91350100M000100Y43"
ADJUSTMENT_HEADERS = ["统一社会信用代码", "用水户名称", "行政区划代码", "计划年度", "调整类型", "调整水量(万m³)",
                      "生效日期", "文号", "调整原因"]
EVENT_HEADERS = ["取水许可证编号", "取水权人名称", "统一社会信用代码", "行政区划代码", "事项类型", "办理日期",
                 ("有效期", ["起", "止"]), "许可水量(万m³/年)", "电子证照转换日期", "决定书文号"]


def load(tmp_path, source_name: str, headers: list, rows: list[list]):
    source = SOURCES_BY_NAME[source_name]
    raw = tmp_path / "raw"
    write_sheet(raw / source.file_glob.replace("*", "台账_2021"), "测试台账", headers, rows)
    con = new_warehouse(tmp_path)
    summary = load_source(con, source, raw, run_id="t", quarantine_root=tmp_path / "quarantine", settle_seconds=0)
    reasons = dict(con.execute(f"select _source_row_number, _reasons from raw.{source_name}__quarantine").fetchall())
    return con, summary, reasons


def test_a_plan_addition_after_its_plan_year_ended_is_quarantined_with_its_reason(tmp_path):
    from datetime import date
    rows = [[USCC, "甲厂", "320685", 2021, "追加", 2.5, date(2021, 6, 1), "计〔2021〕1号", "扩产"],
            [USCC, "甲厂", "320685", 2021, "追加", 1.0, date(2022, 1, 20), "计〔2022〕3号", "补办"],   # after 2021 ended
            [USCC, "甲厂", "320685", 2021, "增加", 1.0, date(2021, 7, 1), "计〔2021〕2号", ""]]       # not 追加/核减
    con, summary, reasons = load(tmp_path, "water_use_plan_adjustments", ADJUSTMENT_HEADERS, rows)
    assert (summary.rows_loaded, summary.rows_quarantined) == (1, 2)
    assert reasons == {4: ["adjustment_outside_plan_year"], 5: ["not_in_choices:adjustment_type"]}  # data from line 3
    rule, action = row_reason("adjustment_outside_plan_year", SOURCES_BY_NAME["water_use_plan_adjustments"])
    assert "计划年度结束后" in rule and "下一年度" in action
    assert con.execute("select plan_year, adjustment_volume, adjustment_volume_unit from raw.water_use_plan_adjustments"
                       ).fetchall() == [("2021", "2.5", "万m³")]


def test_a_late_renewal_loads_and_an_event_without_its_validity_is_quarantined(tmp_path):
    from datetime import date
    no = "取水(测)字[2021]第00001号"
    rows = [[no, "甲厂", USCC, "320685", "发证", date(2016, 9, 1), date(2016, 9, 1), date(2021, 7, 31), 10, None, "许1"],
            [no, "甲厂", USCC, "320685", "延续", date(2021, 9, 1), date(2021, 9, 1), date(2026, 8, 31), 10,
             date(2021, 9, 1), "许2"],                                                   # a month after it lapsed: data
            [no, "甲厂", USCC, "320685", "变更", date(2022, 3, 1), None, None, 12, None, "许3"],  # no validity
            [no, "甲厂", USCC, "320685", "吊销", date(2023, 3, 1), None, None, None, None, "许4"],  # not a listed event
            [no, "甲厂", USCC, "320685", "注销", date(2024, 3, 1), None, None, None, None, "许5"]]  # needs none
    _, summary, reasons = load(tmp_path, "permit_events", EVENT_HEADERS, rows)
    assert (summary.rows_loaded, summary.rows_quarantined) == (3, 2)
    assert reasons == {6: ["validity_missing"], 7: ["not_in_choices:event_type", "validity_missing"]}
    for reason in ("validity_missing", "not_in_choices:event_type"):
        rule, action = row_reason(reason, SOURCES_BY_NAME["permit_events"])
        assert rule and action and "{" not in rule


def test_the_plan_coverage_and_expiry_rules_are_validated(tmp_path):
    target = tmp_path / "deployment"
    shutil.copytree(DEMO_DEPLOYMENT, target)
    settings, problems = read_settings(target)
    assert problems == [] and settings.rules["permit_expiry_report_date"] == "2023-07-01"
    config = yaml.safe_load((target / "deployment.yml").read_text(encoding="utf-8"))
    config["rules"].update(plan_required_categories=["self_supplied", "large_users"], plan_public_supply_min_m3=-1,
                           permit_expiry_window_months=0, permit_expiry_report_date="2023-13-01")
    (target / "deployment.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    _, problems = read_settings(target)
    assert len(problems) == 4
    assert "'large_users' is not one of self_supplied, key_monitored, public_supply" in problems[0]
    assert any("plan_public_supply_min_m3" in p for p in problems)
    assert any("permit_expiry_window_months" in p for p in problems)
    assert any("'2023-13-01' is not a date" in p for p in problems)
