"""The carrier register and the supervision-inspection ledger at load (issue 18): a carrier listed
twice is quarantined with its reason and counted once; a correction dated before its inspection is
quarantined; the deployment's base counts are validated."""
from datetime import date

import duckdb
import numpy as np
import pytest

from dagster_project.demo.generator import Uscc, write_sheet
from dagster_project.demo.ledgers_tasks import CARRIER_HEADERS, INSPECTION_HEADERS
from dagster_project.ingest.loader import load_source
from dagster_project.lib.contracts import SOURCES_BY_NAME
from dagster_project.lib.deployment import DEMO_DEPLOYMENT, DeploymentError, read_deployment
from tests.conftest import new_warehouse

CARRIERS = SOURCES_BY_NAME["water_saving_carriers"]
INSPECTIONS = SOURCES_BY_NAME["supervision_inspections"]


def test_a_carrier_listed_twice_is_quarantined_and_counted_once(tmp_path):
    uscc = Uscc(np.random.default_rng(1))
    firm, agency = uscc.new("320685"), uscc.new("320685", "11")
    rows = [  # header on line 2 under the title: data from line 3
        ["C1", "甲公司", firm, "320685", "节水型企业", "市级", 2019, "2022", "否"],          # 3 loaded
        ["C2", "甲公司(省级)", firm, "320685", "节水型企业", "省级", 2021, "", "是"],        # 4 same USCC, type → duplicate
        ["N1", "甲小区", None, "320685", "节水型居民小区", "市级", 2020, "", "否"],           # 5 loaded
        ["N2", "甲小区", None, "320685", "节水型居民小区", "市级", 2020, "", "否"],           # 6 same name, region → duplicate
        ["N3", "甲小区", None, "320682", "节水型居民小区", "市级", 2021, "", "否"],           # 7 another region: loaded
        ["C1", "乙机关", agency, "320685", "节水型机关", "省级", 2020, "", "否"],             # 8 id C1 again → duplicate
        ["M1", "丙机关", None, "320685", "机关", "市级", 2020, "", "否"],                    # 9 not a carrier type
        ["M2", "丁小区", None, "320685", "节水型居民小区", "市级", 2021, "2019、2022", "否"],  # 10 reviewed before created
    ]
    raw = tmp_path / "raw"
    write_sheet(raw / "carriers" / "节水载体台账_2022.xlsx", "节水载体台账", CARRIER_HEADERS, rows)
    con = new_warehouse(tmp_path)
    summary = load_source(con, CARRIERS, raw, run_id="r1", settle_seconds=0)
    assert [(o.status, o.rows_loaded) for o in summary.outcomes] == [("loaded", 3)]
    assert con.execute("select carrier_id, _source_row_number from raw.water_saving_carriers order by 2").fetchall() == [
        ("C1", 3), ("N1", 5), ("N3", 7)]
    quarantined = con.execute(f"select _source_row_number, _reasons from {CARRIERS.quarantine_table} order by 1").fetchall()
    assert quarantined == [(4, ["duplicate_carrier"]), (6, ["duplicate_carrier"]), (8, ["duplicate_carrier"]),
                           (9, ["not_in_choices:carrier_type"]), (10, ["review_before_creation"])]


def test_a_correction_before_its_inspection_or_without_a_finding_is_quarantined(tmp_path):
    uscc = Uscc(np.random.default_rng(2))
    unit = uscc.new("320685")
    rows = [
        [2021, date(2021, 5, 1), "甲公司", unit, "320685", "取水单位", "计量与检定", "未检定", date(2021, 7, 1), date(2021, 6, 1)],
        [2021, date(2021, 5, 1), "甲公司", unit, "320685", "取水单位", "定额执行", "超定额", date(2021, 7, 1), date(2021, 4, 1)],
        [2021, date(2021, 5, 2), "乙公司", uscc.new("320685"), "320685", "用水单位", None, None, None, date(2021, 6, 1)],
        [2021, date(2021, 5, 2), "丙公司", uscc.new("320685"), "320685", "用水单位", "其他", "?", None, None],
    ]
    raw = tmp_path / "raw"
    write_sheet(raw / "inspections" / "监督检查台账_2021.xlsx", "监督检查台账", INSPECTION_HEADERS, rows)
    con = new_warehouse(tmp_path)
    load_source(con, INSPECTIONS, raw, run_id="r1", settle_seconds=0)
    assert con.execute("select count(*) from raw.supervision_inspections").fetchone()[0] == 1
    quarantined = con.execute(f"select _source_row_number, _reasons from {INSPECTIONS.quarantine_table} order by 1").fetchall()
    assert quarantined == [(4, ["corrected_before_inspection"]), (5, ["correction_without_finding"]),
                           (6, ["not_in_choices:finding_category"])]


def test_base_counts_name_a_known_type_and_region(tmp_path):
    import shutil

    folder = tmp_path / "deployment"
    shutil.copytree(DEMO_DEPLOYMENT, folder)
    with open(folder / "carrier_base_counts.csv", "a", encoding="utf-8") as f:
        f.write("320685,2021,机关,10,\n999999,2021,节水型机关,10,\n320685,2022,节水型学校,-1,\n")
    with pytest.raises(DeploymentError) as e:
        read_deployment(duckdb.connect(), folder, "deployment")
    problems = "\n".join(e.value.problems)
    assert "carrier_base_counts: '机关' is not a carrier type" in problems
    assert "carrier_base_counts: region 999999 is not in the register" in problems
    assert "carrier_base_counts: 320685 2022 节水型学校 has a negative count" in problems
