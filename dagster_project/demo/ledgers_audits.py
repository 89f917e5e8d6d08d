"""The demo's audit and balance-test ledgers and its output ledger for the quotas (issue 18, items 4 and 5).

Read from the demo deployment: the key-user register (key_user_register.csv, the city's 100 largest
industrial users of 2021 at three levels) and the quota edition (water_quotas.csv). Written, from
their own random stream so the other files stay as they were:
- audits/用水审计水平衡测试台账_YYYY.xlsx: about a third of the national and provincial users planned
  for a 用水审计 each year, most done; balance tests by an annual plan; planted: an audit of a user
  not in the register (quarantined, unknown_key_user);
- quota_output/产品产量台账_YYYY.xlsx: each listed user's output of its product (some above the quota
  通用值) and the large and medium irrigation districts' rice area (亩), whose 亩均 is their own.
"""
from __future__ import annotations

import csv

import numpy as np

from dagster_project.demo import generator as demo  # generator calls this module: names used at call time
from dagster_project.lib.deployment import DEMO_DEPLOYMENT

LEDGER_YEARS = (2021, 2022)
# the product (a code of water_quotas.csv) a firm of each industry code makes; others make none
PRODUCT_BY_INDUSTRY = {"C17": "C1713", "C26": "C2614", "C30": "C3011", "C33": "C3360", "C39": "C3971",
                       "B06": "B0610"}
RICE = "A0111"
AUDITED_LEVELS = ("国家级", "省级")


def deployment_rows(name: str) -> list[dict]:
    with open(DEMO_DEPLOYMENT / f"{name}.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_audit_and_quota_ledgers(city) -> None:
    """`city`: the DemoCity after its annual returns are written (its firms, districts and firm_use)."""
    rng = np.random.default_rng([city.seed, 18])
    register = deployment_rows("key_user_register")
    write_audits(city, rng, register, demo.Uscc(rng))
    write_output(city, rng, register)


def write_audits(city, rng, register: list[dict], uscc) -> None:
    audited = [u for u in register if u["monitoring_level"] in AUDITED_LEVELS]
    order = list(rng.permutation(len(audited)))
    per_year = len(audited) // 3 + 1
    for k, year in enumerate(LEDGER_YEARS):
        rows = []
        for i in order[k * per_year:(k + 1) * per_year]:  # each listed user once in a three-year cycle
            rows.append(ledger_row(rng, audited[i], "用水审计", year, planned=True, done_share=0.85, serial=len(rows)))
        for i in rng.choice(len(register), 12, replace=False):  # the year's balance-test plan
            rows.append(ledger_row(rng, register[i], "水平衡测试", year, planned=True, done_share=0.8, serial=len(rows)))
        rows.append(ledger_row(rng, register[int(rng.integers(len(register)))], "用水审计", year, planned=False,
                               done_share=1, serial=len(rows)))  # an audit a user asked for itself
        if year == LEDGER_YEARS[-1]:  # planted: an audit of a user the register does not list
            u = city.units[0]
            rows.append([uscc.new(u.code), f"{u.short}名录外企业", u.code, "用水审计", year, "否",
                         f"{year}-09-15", f"审计〔{year}〕第099号"])
        demo.write_sheet(city.out / "audits" / f"用水审计水平衡测试台账_{year}.xlsx", f"{year}年度用水审计及水平衡测试台账",
                    ["统一社会信用代码", "用水单位名称", "行政区划代码", "类型", "年度", "列入年度计划", "完成日期", "报告编号"],
                    rows)


def ledger_row(rng, user: dict, kind: str, year: int, planned: bool, done_share: float, serial: int) -> list:
    done = rng.uniform() < done_share
    completed = f"{year}-{int(rng.integers(3, 13)):02d}-{int(rng.integers(1, 29)):02d}" if done else None
    prefix = "审计" if kind == "用水审计" else "水平衡"
    return [user["uscc"], user["user_name_zh"], user["region_code"], kind, year, "是" if planned else "否",
            completed, f"{prefix}〔{year}〕第{serial + 1:03d}号" if done else None]


def write_output(city, rng, register: list[dict]) -> None:
    """Output so that a firm's unit use lands between 0.7 and 1.15 of its quota 通用值 (some over);
    the districts' irrigated area is their return's, so their 亩均 is their own."""
    quotas = {q["product_code"]: q for q in deployment_rows("water_quotas") if q["quota_level_zh"] == "通用值"}
    firms = {f["uscc"]: f for f in city.firms}
    districts = [d for d in city.districts if d["class"] in ("大型", "中型")]
    for year in LEDGER_YEARS:
        rows = []
        for u in register:
            product = PRODUCT_BY_INDUSTRY.get(firms[u["uscc"]]["industry_code"])
            if product is None:
                continue
            use = city.firm_use[(u["uscc"], year)][1]
            output = use / (float(quotas[product]["quota_m3_per_unit"]) * float(rng.uniform(0.7, 1.15)))
            rows.append([year, u["uscc"], u["user_name_zh"], u["region_code"], product, round(output),
                         quotas[product]["output_unit_zh"], None])
        for d in districts:
            area_mu = city.firm_use[(d["code"], year)][0] / d["m3_per_mu"]
            rows.append([year, d["code"], d["name"], d["region"], RICE, round(area_mu), quotas[RICE]["output_unit_zh"],
                         None])
        demo.write_sheet(city.out / "quota_output" / f"产品产量台账_{year}.xlsx", f"{year}年度用水户产品产量台账",
                    ["统计年度", "用水户代码", "用水户名称", "行政区划代码", "产品代码", "产量", "产量单位",
                     "用水量(m³)"], rows)
