"""The deployment contract (lib/deployment.py): templates, validation messages, roll-up rows."""
import shutil

import duckdb
import pytest

from dagster_project.lib.deployment import (DEMO_DEPLOYMENT, DeploymentError, read_deployment, region_ancestors,
                                            write_templates)


def region(code, parent="", successor="", level="county"):
    return {"region_code": code, "parent_code": parent or None, "successor_code": successor or None, "level": level}


def test_roll_up_crosses_a_code_change_and_every_level_once():
    regions = [region("100000", level="nation"), region("320000", "100000", level="province"),
               region("320600", "320000", level="city"), region("320684", "320600", successor="320614"),
               region("320614", "320600", level="district")]
    rows = region_ancestors(regions)
    assert len(rows) == len(set(rows))
    assert {(m, r) for m, r, _ in rows if m == "320684"} == {
        ("320684", "320684"), ("320684", "320614"), ("320684", "320600"), ("320684", "320000"), ("320684", "100000")}
    assert ("320614", "100000", 3) in rows and ("320600", "320000", 1) in rows
    # each code reaches each ancestor once, so a parent never counts a replaced code twice
    pairs = [(m, r) for m, r, _ in rows]
    assert len(pairs) == len(set(pairs))


def test_the_templates_are_a_valid_deployment(tmp_path):
    written = write_templates(tmp_path / "office")
    assert {p.name for p in written} >= {"deployment.yml", "regions.csv", "base_years.csv", "README.txt"}
    con = duckdb.connect()
    deployment = read_deployment(con, tmp_path / "office", "deployment")
    assert deployment.settings.office_zh == "某某市水利局"
    assert con.execute("select region_code, level from deployment.regions").fetchall() == [("990000", "city")]
    with pytest.raises(FileExistsError):
        write_templates(tmp_path / "office")  # never over an office's own files


def broken_copy(tmp_path):
    target = tmp_path / "deployment"
    shutil.copytree(DEMO_DEPLOYMENT, target)
    return target


def problems_of(directory) -> list[str]:
    with pytest.raises(DeploymentError) as caught:
        read_deployment(duckdb.connect(), directory, "deployment")
    return caught.value.problems


def test_every_problem_is_named_with_its_file_line_and_fix(tmp_path):
    d = broken_copy(tmp_path)
    regions = (d / "regions.csv").read_text(encoding="utf-8").splitlines()
    regions[2] = regions[2].replace(",county,", ",prefecture,")        # 海安市: an unknown level (line 3)
    regions.append("320699,某区,某区,district,320688,,,,false,x,")       # unknown parent, sort_order not a number
    (d / "regions.csv").write_text("\n".join(regions) + "\n", encoding="utf-8")
    (d / "assessment_calibers.csv").write_text(
        "region_code,valid_from_year,valid_to_year,caliber_name_zh,excluded_components,apply_normal_year_adjustment\n"
        "*,2015,2099,考核口径,淡化海水,false\n", encoding="utf-8")
    (d / "base_years.csv").write_text("base_year,first_year,last_year\n2015,2016,2021\n2020,2021,2025\n",
                                      encoding="utf-8")
    problems = problems_of(d)
    assert "regions.csv line 14, sort_order: 'x' is not a valid integer" in problems
    # the type error stops the cross-table rules until it is fixed; fix it and the rest show
    regions[-1] = "320699,某区,某区,district,320688,,,,false,14,"
    (d / "regions.csv").write_text("\n".join(regions) + "\n", encoding="utf-8")
    problems = problems_of(d)
    assert any("320685 level 'prefecture' is not one of nation, province" in p for p in problems), problems
    assert "regions: 320699 parent_code 320688 is not in the register" in problems
    assert any("'淡化海水' is not a component" in p and "海水淡化水" in p for p in problems)
    assert "base_years: the periods starting 2016 and 2021 overlap" in problems


def test_consumption_coefficients_name_a_region_a_sector_and_a_share(tmp_path):
    d = broken_copy(tmp_path)
    (d / "consumption_coefficients.csv").write_text(
        "region_code,sector_code,coefficient\n*,farmland_irrigation,0.62\n320699,industry,0.2\n"
        "*,农田灌溉,0.6\n*,public,30\n", encoding="utf-8")
    problems = problems_of(d)
    assert "consumption_coefficients: region 320699 is not in the register (use * for every region)" in problems
    assert any(p.startswith("consumption_coefficients: '农田灌溉' is not a sector or sub-sector code (") and
               "farmland_irrigation" in p for p in problems), problems
    assert "consumption_coefficients: * public = 30 is not a share between 0 and 1" in problems
    assert len([p for p in problems if p.startswith("consumption_coefficients")]) == 3  # the valid row passes


def test_a_missing_column_a_duplicate_key_a_loop_and_an_unknown_rule(tmp_path):
    d = broken_copy(tmp_path)
    (d / "base_years.csv").write_text("base_year,first\n2020,2021\n", encoding="utf-8")
    (d / "surcharge_tiers.csv").write_text(
        "tier,lower_excess_pct,upper_excess_pct,surcharge_multiple,basis\n1,5,10,1,plan\n1,10,20,2,plan\n1,0,20,1,quota\n",
        encoding="utf-8")
    yml = (d / "deployment.yml").read_text(encoding="utf-8").replace("rules:\n", "rules:\n  disclosure_min_unit: 3\n")
    (d / "deployment.yml").write_text(yml, encoding="utf-8")
    problems = problems_of(d)
    assert any(p.startswith("base_years.csv: missing column(s) first_year, last_year; unknown column(s) first")
               for p in problems), problems
    assert "surcharge_tiers.csv lines 2, 3: the same basis/tier (plan, 1) twice" in problems  # quota's tier 1 is apart
    assert any("rules.disclosure_min_unit is not a rule" in p for p in problems)
    d2 = broken_copy(tmp_path / "loop")
    text = (d2 / "regions.csv").read_text(encoding="utf-8").replace("320600,南通市,全市,city,,", "320600,南通市,全市,city,320685,")
    (d2 / "regions.csv").write_text(text, encoding="utf-8")
    problems = problems_of(d2)
    assert any("parent codes form a loop" in p for p in problems) and any("exactly one unit" in p for p in problems)


def test_nothing_is_written_unless_the_whole_deployment_is_valid(tmp_path):
    con = duckdb.connect()
    read_deployment(con, DEMO_DEPLOYMENT, "deployment")
    d = broken_copy(tmp_path)
    (d / "regions.csv").write_text("region_code\n", encoding="utf-8")
    with pytest.raises(DeploymentError):
        read_deployment(con, d, "deployment")
    assert con.execute("select count(*) from deployment.regions").fetchone()[0] == 12  # the last valid one stays


def test_the_grade_note_follows_the_deployments_grades():
    from dagster_project.exports.bulletin import grade_note

    assert grade_note([(90, "优秀"), (80, "良好"), (60, "合格"), (0, "不合格")]) == (
        "≥90分为优秀，80～90分为良好，60～80分为合格，<60分为不合格(以上含本数，以下不含本数)；一票否决者为不合格。")
    assert grade_note([(85, "A"), (0, "B")]) == "≥85分为A，<85分为B(以上含本数，以下不含本数)；一票否决者为不合格。"


def test_comparison_base_years_and_a_target_base_are_checked(tmp_path):
    d = broken_copy(tmp_path)
    (d / "comparison_base_years.csv").write_text(
        "region_code,base_year,first_year,last_year\n320612,2015,2021,2025\n*,2022,2021,2025\n320699,2015,2021,2025\n",
        encoding="utf-8")
    targets = (d / "assessment_targets.csv").read_text(encoding="utf-8").splitlines()
    targets = [targets[0] + ",base_year"] + [row + "," for row in targets[1:]]  # no base: the plan period's
    targets += ["320612,2022,water_use_per_10k_gdp_decline_vs_base,statistical,>=,20,%,as named,2015",
                "320685,2022,water_use_per_10k_gdp_decline_vs_base,statistical,>=,20,%,not named,2015",
                "320685,2022,total_water_use,statistical,<=,5,亿m³,no base,2020"]
    (d / "assessment_targets.csv").write_text("\n".join(targets) + "\n", encoding="utf-8")
    problems = problems_of(d)
    assert ("comparison_base_years: * base 2022 for 2021–2025: the years must come after the base and "
            "last_year may not precede first_year") in problems
    assert "comparison_base_years: region 320699 is not in the register (use * for every region)" in problems
    assert any(p.startswith("assessment_targets: 320685 2022 water_use_per_10k_gdp_decline_vs_base names base "
                            "year 2015, which is neither") for p in problems), problems
    assert any(p.startswith("assessment_targets: 320685 2022 total_water_use names base year 2020, but only")
               for p in problems), problems
    # 320612's own comparison base is valid: no problem names it
    assert not any("320612 2022" in p for p in problems)


def test_ecological_flow_sections_levels_and_seasons_are_checked(tmp_path):
    d = broken_copy(tmp_path)
    (d / "ecological_flow_seasonal_minimums.csv").write_text(
        "section_code,month_from,month_to,min_flow_m3s\nHD01,6,9,15\nHD01,9,10,14\nXX09,1,3,2\n", encoding="utf-8")
    (d / "ecological_flow_warning_levels.csv").write_text(
        "status_zh,status_code,min_days_below,sort_order\n预警,warning,1,2\n", encoding="utf-8")
    problems = problems_of(d)
    assert "ecological_flow_seasonal_minimums: HD01 months from 6 and from 9 overlap" in problems
    assert "ecological_flow_seasonal_minimums: section XX09 is not in ecological_flow_sections" in problems
    assert ("ecological_flow_warning_levels: exactly one level needs no thresholds (the default); found 0"
            in problems)


def test_the_audit_and_quota_tables_are_checked_across_rows(tmp_path):
    """Issue 18: the key-user register's codes and levels, the audit requirements, overlapping quota
    editions and the surcharge tiers' basis, each named with what is wrong."""
    d = broken_copy(tmp_path)
    with open(d / "key_user_register.csv", "a", encoding="utf-8") as f:
        f.write("91350100M000100Y44,坏码企业,320612,国家级,2020,,\n"      # check character wrong
                "91350100M000100Y43,某企业,320699,区级,2022,2021,\n")     # unknown region and level, span reversed
    (d / "audit_requirements.csv").write_text("kind_zh,monitoring_level,cycle_years\n用水审核,国家级,3\n"
                                              "水平衡测试,省级,0\n", encoding="utf-8")
    with open(d / "water_quotas.csv", "a", encoding="utf-8") as f:
        f.write("C2614,有机化学原料制造,industry,t,通用值,11,某省用水定额（2022年修订）,2022,\n")  # overlaps 2020–
    with open(d / "surcharge_tiers.csv", "a", encoding="utf-8") as f:
        f.write("1,0,10,1,,permit\n")
    problems = problems_of(d)
    assert "key_user_register: '91350100M000100Y44' is not a valid 统一社会信用代码" in problems
    assert "key_user_register: 91350100M000100Y43 region 320699 is not in the register" in problems
    assert "key_user_register: 91350100M000100Y43 level '区级' is not one of 国家级, 省级, 市级" in problems
    assert "key_user_register: 91350100M000100Y43 is listed 2022–2021, which ends before it starts" in problems
    assert "audit_requirements: kind '用水审核' is not one of 用水审计, 水平衡测试" in problems
    assert "audit_requirements: 水平衡测试 省级 cycle_years 0 is below 1" in problems
    assert "water_quotas: C2614 通用值: the editions from 2020 and 2022 overlap" in problems
    assert "surcharge_tiers: basis 'permit' is not one of plan, quota (empty: plan)" in problems
    assert len(problems) == 8, problems  # the demo's own rows pass
