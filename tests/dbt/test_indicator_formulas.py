"""Every indicator formula against a worked example, through the real dbt models.

One small warehouse is built from hand-made raw rows (one region per case, so cases do not mix)
and a copy of the demo deployment whose rule tables get a few test-only rows. Each expected value is
worked out by hand in the test or taken from METHODS.md.
"""
import shutil
import subprocess

import duckdb
import pytest

from dagster_project.ingest.deployment_load import load_deployment
from dagster_project.ingest.loader import ensure_raw_schema
from dagster_project.lib.deployment import DEMO_DEPLOYMENT
from dagster_project.lib.contracts import SOURCES_BY_NAME
from dagster_project.resources import dbt_executable
from dagster_project.settings import DBT_PROJECT_DIR
from tests.conftest import NO_UNIT_TESTS

# a dbt build of the fixture rows (tens of seconds), once per module: one worker runs the module
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dbt_indicator_formulas")]

DECLINE, REUSE, EXTRAP, IRRIGATION, LEAKAGE, CALIBER = "320685", "320681", "320614", "320682", "320623", "320672"
MARGINS = "320673"  # a summary of sector totals and source totals, no cross-classification
GAP = "320612"  # a yearbook year missing: no decline can be chained across it
CONSUMPTION, NO_SECTOR = "320671", "320613"  # consumption coefficients: a region's own row, '*' rows; no sector


def insert_raw(con, source_name: str, rows: list[dict], file: str = "fixture", hours_ago: int = 0) -> None:
    source = SOURCES_BY_NAME[source_name]
    cols = source.column_names()
    for i, row in enumerate(rows, start=1):
        unknown = set(row) - set(cols)
        assert not unknown, unknown
        values = [None if row.get(c) is None else str(row.get(c)) for c in cols]
        con.execute(f"insert into {source.table} values (?, 'sha', current_timestamp - to_hours(?), ?, "
                    f"{', '.join('?' * len(cols))})", [file, hours_ago, i, *values])


def econ(name, year, gdp=None, gdp_idx=None, va=None, va_idx=None):
    return {"region_name": name, "report_year": year, "gdp_100m_yuan": gdp, "gdp_index_prev_year_100": gdp_idx,
            "industry_va_100m_yuan": va, "industry_va_index_prev_year_100": va_idx, "population_avg_10k": 100,
            "population_urban_10k": 60, "population_rural_10k": 40}


def summary(region, year, volume_10k_m3, sub="河湖补水", source="地表水"):
    return {"report_year": year, "region_code": region, "sub_sector": sub, "water_source": source,
            "volume": volume_10k_m3, "volume_unit": "万m³", "method": "工程计量"}


def firm(region, uscc, surface, reused=0, above="是", cooling="否", va=None, year=2021):
    return {"report_year": year, "uscc": uscc, "unit_name": uscc, "region_code": region, "industry_code": "C26",
            "is_above_scale": above, "is_once_through_cooling": cooling, "new_water_surface": surface,
            "new_water_ground": 0, "new_water_tap": 0, "new_water_unconventional": 0, "reused_water": reused,
            "value_added_10k_yuan": va, "volume_unit": "m³"}


def supplier(uscc, pipe_km, pressure=0.40, frost=0.8):
    # METHODS §3.3 inputs in m³: Q_s = 10 000万, Q_a = 8 800万, household-metered 4 000万 (r = 0.40)
    return {"report_year": 2021, "uscc": uscc, "unit_name": uscc, "region_code": LEAKAGE,
            "own_production_surface": 1e8, "own_production_ground": 0, "purchased_supply": 0,
            "billed_metered": 8.5e7, "billed_unmetered": 0, "unbilled_metered": 3e6, "unbilled_unmetered": 0,
            "sales_residential": 5e7, "sales_public": 3.5e7, "sales_industry": 0, "sales_ecological": 0,
            "residential_metered_to_household": 4e7, "pipe_length_dn75_km": pipe_km,
            "mean_outlet_pressure_mpa": pressure, "max_frost_depth_m": frost, "volume_unit": "m³"}


def district(code, cls, area, gross, net=None):
    return {"report_year": 2021, "district_code": code, "district_name": code, "region_code": IRRIGATION,
            "size_class": cls, "is_sample": "是" if net is not None else "否", "gross_water_surface": gross,
            "gross_water_ground": 0, "net_water": net, "irrigated_area_10k_mu": area, "volume_unit": "m³"}


def plan(uscc, annual):
    return {"uscc": uscc, "user_name": uscc, "region_code": REUSE, "plan_year": 2021,
            "annual_plan_volume": annual, "annual_plan_volume_unit": "m³"}


def inspection(region, system, measures, veto="否"):
    return {"report_year": 2030, "region_code": region, "system_points": system, "measures_points": measures,
            "bonus_points": 0, "is_vetoed": veto}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("formulas")
    deployment = tmp / "deployment"
    shutil.copytree(DEMO_DEPLOYMENT, deployment)
    # test-only rule rows: one region's assessment caliber drops desalinated seawater (and keeps
    # reclaimed water) and adds a 平水年 adjustment of +50 000 m³
    with open(deployment / "assessment_calibers.csv", "a", encoding="utf-8") as f:
        f.write(f"{CALIBER},2015,2099,考核口径,海水淡化水,true,test rule\n")
    with open(deployment / "normal_year_adjustments.csv", "a", encoding="utf-8") as f:
        f.write(f"{CALIBER},2021,50000,test adjustment\n")
    # one region's own industry coefficient (the demo's '*' rows give every other one)
    with open(deployment / "consumption_coefficients.csv", "a", encoding="utf-8") as f:
        f.write(f"{CONSUMPTION},industry,0.30,test rule\n")
    db = tmp / "w.duckdb"
    con = duckdb.connect(str(db))
    ensure_raw_schema(con)
    load_deployment(con, deployment)
    insert_raw(con, "county_summary_returns", [
        # §2.2: W_2020 = 10.00亿m³ … W_2023 = 9.80亿m³
        summary(DECLINE, 2020, 100000), summary(DECLINE, 2021, 99000), summary(DECLINE, 2022, 98500),
        summary(DECLINE, 2023, 98000),
        summary(GAP, 2020, 1000), summary(GAP, 2021, 1000), summary(GAP, 2022, 1000),
        summary(CALIBER, 2021, 800), summary(CALIBER, 2021, 100, source="再生水"),
        summary(CALIBER, 2021, 100, source="海水淡化水"),
        # sector totals 农业 600, 生活 400; source totals 地表水 700, 地下水 300 (万m³)
        summary(MARGINS, 2021, 600, sub="农业", source=None), summary(MARGINS, 2021, 400, sub="生活", source=None),
        summary(MARGINS, 2021, 700, sub=None, source="地表水"), summary(MARGINS, 2021, 300, sub=None, source="地下水"),
        # 2031: margins that disagree (1000 by sector, 900 by source)
        summary(MARGINS, 2031, 1000, sub="工业", source=None), summary(MARGINS, 2031, 900, sub=None, source="地表水"),
        *[summary(CONSUMPTION, 2021, v, sub=sub) for sub, v in (
            ("耕地灌溉", 1000), ("鱼塘补水", 200), ("一般工业", 500), ("火(核)电直流冷却", 2000), ("公共用水", 100),
            ("城镇居民生活", 200), ("农村居民生活", 100), ("城乡环境", 50))],
        summary(NO_SECTOR, 2021, 300, sub=None)])
    insert_raw(con, "economic_statistics", [
        econ("海安市", 2020, gdp=1000), econ("海安市", 2021, gdp=1100, gdp_idx=108.0),
        econ("海安市", 2022, gdp=1180, gdp_idx=104.0), econ("海安市", 2023, gdp=1250, gdp_idx=105.0),
        econ("海门区", 2021, gdp=100, va=0.5),
        econ("通州区", 2020, gdp=100), econ("通州区", 2022, gdp=120, gdp_idx=105.0)])  # no 2021 row
    # a yearbook restated later (preliminary → final GDP): the later load wins
    insert_raw(con, "economic_statistics", [econ("启东市", 2021, gdp=100)], file="yearbook_preliminary", hours_ago=48)
    insert_raw(con, "economic_statistics", [econ("启东市", 2021, gdp=110)], file="yearbook_final")
    # a permit re-issued under the same number: the later validity period is the current one
    insert_raw(con, "permits", [
        {"permit_no": "P1", "holder_name": "甲", "uscc": "91350100M000100Y43", "region_code": REUSE,
         "intake_code": "QP1；QP2", "water_source": "地表水", "permitted_volume": v, "permitted_volume_unit": "万m³",
         "valid_from": start, "valid_to": end, "status": status}
        for v, start, end, status in [(10, "2017-01-01", "2021-12-31", "注销"), (12, "2022-01-01", "2026-12-31", "有效")]])
    insert_raw(con, "industrial_returns", [
        firm(REUSE, "A", 100, reused=900), firm(REUSE, "B", 300), firm(REUSE, "C", 5000, cooling="是"),
        firm(REUSE, "U1", 1250, above="否"), firm(REUSE, "U2", 850, above="否"), firm(REUSE, "U3", 950, above="否"),
        firm(REUSE, "U4", 1000, above="否"),
        firm(EXTRAP, "K", 20000, va=1000), firm(EXTRAP, "S1", 3000, above="否", va=100),
        firm(EXTRAP, "S2", 1000, above="否", va=100)])
    insert_raw(con, "water_use_plans", [plan("U1", 1000), plan("U2", 1000), plan("U3", 1000), plan("U4", 1000)])
    insert_raw(con, "supply_returns", [supplier("EX", 800), supplier("HI", 2000), supplier("LO", 100)])
    insert_raw(con, "irrigation_returns", [
        district("L1", "大型", 40, 100, 60), district("L2", "大型", 40, 300, 150), district("L3", "大型", 40, 600),
        district("M1", "中型", 2, 100, 60), district("M2", "中型", 3, 300, 210),
        district("M3", "中型", 8, 400, 240), district("M4", "中型", 10, 600),
        district("S1", "小型", 0.5, 50, 35), district("S2", "小型", 0.5, 150)])
    insert_raw(con, "inspection_scores", [
        inspection("G5999", 29.99, 30), inspection("G60", 30, 30), inspection("G7999", 39.99, 40),
        inspection("G80", 40, 40), inspection("G8999", 44.99, 45), inspection("G90", 45, 45),
        inspection("G90TIE", 40, 50), inspection("GVETO", 50, 50, veto="是")])
    con.close()
    proc = subprocess.run([dbt_executable(), "build", *NO_UNIT_TESTS, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
                           str(DBT_PROJECT_DIR), "--target-path", str(tmp / "target")],
                          env={"WATERSTAT_WAREHOUSE": str(db), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, cwd=DBT_PROJECT_DIR)
    assert proc.returncode == 0, proc.stdout[-4000:]
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def indicator(con, region, year, code, caliber="statistical"):
    row = con.execute("select value from marts.fct_indicators where region_code = ? and report_year = ? "
                      "and indicator_code = ? and caliber = ?", [region, year, code, caliber]).fetchone()
    return None if row is None else row[0]


def test_decline_vs_base_uses_comparable_prices_methods_2_2(warehouse):
    # G_2023 at 2020 prices = 1000 × 1.08 × 1.04 × 1.05 = 1179.36; e = 9.8亿/1179.36亿 = 83.10 vs 100
    decline = indicator(warehouse, DECLINE, 2023, "water_use_per_10k_gdp_decline_vs_base")
    assert decline == pytest.approx(16.904, abs=0.001)
    # the false current-price figure would be 1 − 78.4/100 = 21.6%
    assert abs(decline - 21.6) > 4
    assert indicator(warehouse, DECLINE, 2023, "water_use_per_10k_gdp") == pytest.approx(9.8e8 / 1250e4)


def test_year_on_year_declines_chain_to_the_decline_vs_base(warehouse):
    yoy = [indicator(warehouse, DECLINE, y, "water_use_per_10k_gdp_decline_yoy") for y in (2021, 2022, 2023)]
    assert yoy[0] == pytest.approx((1 - 0.99 / 1.08) * 100)  # 8.333%
    chained = 1 - (1 - yoy[0] / 100) * (1 - yoy[1] / 100) * (1 - yoy[2] / 100)
    assert chained * 100 == pytest.approx(indicator(warehouse, DECLINE, 2023, "water_use_per_10k_gdp_decline_vs_base"))


def test_reuse_rate_is_an_aggregate_not_a_mean_of_firm_rates(warehouse):
    # above scale, once-through cooling left out: A 900 reused / 1000, B 0 / 300 → 900 / 1300
    rate = indicator(warehouse, REUSE, 2021, "industrial_reuse_rate")
    assert rate == pytest.approx(900 / 1300 * 100)  # 69.23%
    assert rate != pytest.approx((90 + 0) / 2)  # the mean of firm rates, 45%, is wrong


def test_industry_extrapolation_from_the_sample_intensity(warehouse):
    # I_S = (3000 + 1000) / (100 + 100) = 20 m³/万元; uncovered VA = 0.5亿元 − 1000万元 = 4000万元
    row = warehouse.execute("""select sample_intensity_m3_per_10k_yuan, uncovered_va_10k_yuan, extrapolated_m3
                               from intermediate.int_industry_extrapolation
                               where region_code = ? and report_year = 2021""", [EXTRAP]).fetchone()
    assert row == pytest.approx((20.0, 4000.0, 80000.0))
    use = warehouse.execute("""select industry_m3, sample_extrapolated_m3 from marts.mart_water_use_by_region
                               where region_code = ? and report_year = 2021""", [EXTRAP]).fetchone()
    assert use == pytest.approx((100000.0, 80000.0))  # enumerated 20 000 + extrapolated 80 000


def test_cjj92_worked_example_methods_3_3(warehouse):
    row = warehouse.execute("""select comprehensive_loss_rate_pct, r1_household_metering_pct, r2_pipe_length_pct,
                                      r3_pressure_pct, r4_frost_depth_pct, leakage_rate_pct, leakage_grade_zh
                               from marts.fct_public_supply_leakage where uscc = 'EX'""").fetchone()
    assert row[:6] == pytest.approx((12.0, 3.2, 1.0593, 0.5, 0.0, 7.2407))
    assert row[6] == "一级"


def test_cjj92_pipe_length_correction_is_clamped_at_plus_minus_3(warehouse):
    rows = dict(warehouse.execute("""select uscc, struct_pack(r2 := r2_pipe_length_pct, rate := leakage_rate_pct,
                                                              grade := leakage_grade_zh)
                                     from marts.fct_public_supply_leakage where uscc in ('HI', 'LO')""").fetchall())
    # HI: A = 2000/10000 = 0.2 → 0.99 × 0.1307 = 12.94% → clamped to 3%; LO: A = 0.01 → −5.87% → −3%
    assert rows["HI"]["r2"] == pytest.approx(3.0) and rows["LO"]["r2"] == pytest.approx(-3.0)
    assert rows["HI"]["rate"] == pytest.approx(12 - 3.2 - 3 - 0.5)  # 5.3%, 一级
    assert (rows["LO"]["rate"], rows["LO"]["grade"]) == (pytest.approx(12 - 3.2 + 3 - 0.5), "二级")  # 11.3%


def test_regional_leakage_is_weighted_by_system_input(warehouse):
    # equal Q_s, so the weighted mean is the plain mean of 7.2407, 5.3 and 11.3
    assert indicator(warehouse, LEAKAGE, 2021, "network_leakage_rate") == pytest.approx((7.2407 + 5.3 + 11.3) / 3)


def test_head_tail_aggregation_over_strata_and_classes(warehouse):
    # 大型 (gross-weighted samples): (60 + 150) / (100 + 300) = 0.525, W = 1000
    # 中型 bands (arithmetic means): 1–5万亩 (0.6 + 0.7)/2 = 0.65, W = 400; 5–15万亩 0.6, W = 1000
    #     → η_中 = (0.65 × 400 + 0.6 × 1000) / 1400 = 0.614286, W = 1400
    # 小型: 0.7, W = 200
    # region: (0.525 × 1000 + 0.614286 × 1400 + 0.7 × 200) / 2600 = 1525 / 2600 = 0.586538
    assert indicator(warehouse, IRRIGATION, 2021, "irrigation_efficiency_coefficient") == pytest.approx(1525 / 2600)


def test_surcharge_across_three_tiers_and_warning_status(warehouse):
    rows = {r[0]: r[1:] for r in warehouse.execute(
        "select uscc, plan_status_code, excess_m3, surcharge_yuan from marts.fct_plan_compliance").fetchall()}
    # U1: plan 1000, use 1250 (25% over), price 2 元/m³:
    #   5–10%: 50 m³ × 2 × 1 = 100; 10–20%: 100 m³ × 2 × 2 = 400; 20–30%: 50 m³ × 2 × 3 = 300 → 800 元
    assert rows["U1"] == ("over_plan", pytest.approx(250), pytest.approx(800))
    assert rows["U2"][0] == "notice" and rows["U3"][0] == "warning"  # 85%, 95%
    assert rows["U4"] == ("warning", 0, 0)  # exactly on plan is not over plan


def test_grade_boundaries_are_lower_inclusive(warehouse):
    grades = dict(warehouse.execute(
        "select region_code, grade_zh from marts.fct_assessment_scores where report_year = 2030").fetchall())
    assert grades == {"G5999": "不合格", "G60": "合格", "G7999": "合格", "G80": "良好", "G8999": "良好",
                      "G90": "优秀", "G90TIE": "优秀", "GVETO": "不合格"}


def test_ranks_count_each_unit_once_and_share_a_rank_on_ties(warehouse):
    ranks = dict(warehouse.execute(
        "select region_code, rank_in_year from marts.fct_assessment_scores where report_year = 2030").fetchall())
    # totals 100 (vetoed, still ranked by points), 90, 90, 89.99, 80, 79.99, 60, 59.99: standard competition ranks
    assert ranks == {"GVETO": 1, "G90": 2, "G90TIE": 2, "G8999": 4, "G80": 5, "G7999": 6, "G60": 7, "G5999": 8}


def test_assessment_caliber_excluding_desalination_keeps_reclaimed_water_and_adds_normal_year(warehouse):
    statistical = indicator(warehouse, CALIBER, 2021, "total_water_use", "statistical")
    assessment = indicator(warehouse, CALIBER, 2021, "total_water_use", "assessment")
    assert statistical == pytest.approx(1000e4 / 1e8)  # 800 + 100 再生水 + 100 海水淡化水 万m³ = 0.1亿m³
    # only the 100万m³ of desalinated seawater leaves; reclaimed water stays; +5万m³ 平水年
    assert assessment == pytest.approx((1000e4 - 100e4 + 50000) / 1e8)  # 0.0905亿m³


def test_a_summary_of_two_margins_keeps_both_and_splits_sectors_by_the_source_shares(warehouse):
    row = warehouse.execute("""select total_m3, agriculture_m3, domestic_m3, surface_m3, ground_m3, has_sector_split,
                                      has_source_split, has_domestic_split, has_agriculture_split
                               from marts.mart_water_use_by_region where region_code = ? and report_year = 2021""",
                            [MARGINS]).fetchone()
    assert row[:5] == pytest.approx((1000e4, 600e4, 400e4, 700e4, 300e4))
    assert row[5:] == (True, True, False, False)  # 生活 and 农业 undivided: no 居民/公共, no 耕地灌溉
    cells = dict(warehouse.execute("""select sector_code || '/' || source_type, sum(volume_m3) from marts.fct_water_use
                                      where region_code = ? and report_year = 2021 group by 1""", [MARGINS]).fetchall())
    # each sector total × the source's share of the source totals: 农业 600 × 0.7 = 420 …
    assert cells == pytest.approx({"agriculture/surface": 420e4, "agriculture/ground": 180e4,
                                   "domestic/surface": 280e4, "domestic/ground": 120e4})
    assert warehouse.execute("""select indicator_code from marts.fct_indicators where region_code = ?
                                and indicator_code = 'residential_per_capita'""", [MARGINS]).fetchall() == []


def test_summary_margins_that_disagree_block_their_year(warehouse):
    failed = warehouse.execute("""select report_year, severity, failing_examples from quality.dq_check_results
                                  where check_name = 'summary_margins_agree' and not is_passed""").fetchall()
    assert failed == [(2031, "blocking", [{"region_code": MARGINS,
                                           "detail": "分行业合计 10000000 m³，分水源合计 9000000 m³",
                                           "source_file": None, "source_row": None, "reasons": None}])]


def test_a_decline_is_not_chained_across_a_missing_index(warehouse):
    # 2022 vs 2020 needs the 2021 and 2022 indices; the 2021 yearbook row is missing
    assert indicator(warehouse, GAP, 2022, "water_use_per_10k_gdp_decline_vs_base") is None
    assert indicator(warehouse, GAP, 2022, "water_use_per_10k_gdp") == pytest.approx(1000e4 / 120e4)


def test_restated_yearbook_keeps_the_latest_load(warehouse):
    gdp = warehouse.execute("""select gdp_100m_yuan from intermediate.int_region_economy
                               where region_code = ? and report_year = 2021""", [REUSE]).fetchall()
    assert gdp == [(110.0,)]


def test_reissued_permit_keeps_the_latest_validity_for_each_intake(warehouse):
    rows = warehouse.execute("""select intake_code, permitted_volume_m3, valid_from::varchar from intermediate.int_permit_intakes
                                where permit_no = 'P1' order by intake_code""").fetchall()
    assert rows == [("QP1", 120000.0, "2022-01-01"), ("QP2", 120000.0, "2022-01-01")]  # 12万m³, split intake list


def test_consumption_from_the_deployments_coefficients(warehouse):
    # 万m³ × coefficient: 耕地灌溉 1000 × 0.62 ('*') = 620; 鱼塘补水 200 × 0.70 ('*' agriculture) = 140;
    # 一般工业 500 and 直流冷却 2000 × 0.30 (the region's own industry row beats '*' once_through_cooling
    # 0.012) = 150 + 600; 公共 100 × 0.30 = 30; 城镇居民 200 × 0.25 + 农村居民 100 × 0.85 = 135;
    # 城乡环境 50 × 0.80 = 40. Total 1715 of 4150 used: 41.3253%.
    row = warehouse.execute("""select farmland_irrigation_consumption_m3, other_agriculture_consumption_m3,
                                      industry_consumption_m3, public_consumption_m3, residential_consumption_m3,
                                      ecological_consumption_m3, total_consumption_m3, total_use_m3,
                                      consumption_rate_pct, has_all_coefficients
                               from marts.fct_water_consumption where region_code = ? and report_year = 2021""",
                            [CONSUMPTION]).fetchone()
    assert row[:9] == pytest.approx((620e4, 140e4, 750e4, 30e4, 135e4, 40e4, 1715e4, 4150e4, 1715 / 4150 * 100))
    assert row[9] is True


def test_consumption_is_not_given_for_use_without_a_sector(warehouse):
    # 300万m³ reported without a sector: no coefficient applies, so neither the total nor the rate is given
    row = warehouse.execute("""select total_consumption_m3, consumption_rate_pct, has_all_coefficients, total_use_m3
                               from marts.fct_water_consumption where region_code = ? and report_year = 2021""",
                            [NO_SECTOR]).fetchone()
    assert row == (None, None, False, pytest.approx(300e4))
