"""The demo's water-saving carrier register and supervision-inspection ledger (issue 18).

Carriers: the deployment's base counts (carrier_base_counts.csv) give each unit's 机关, 公共机构 and
居民小区; the register creates a share of them year by year, plus a few 节水型企业 and 学校, and
plants one carrier listed twice under two ids (a firm re-designated 省级 entered as a new row) and
one community entered twice. Inspections: seed 000's 2021 sample, 80 取水 and 78 用水 units over
the assessed units, with findings in the five categories and their corrections.
"""
from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from dagster_project.lib.deployment import DEMO_DEPLOYMENT

CARRIER_HEADERS = ["载体编号", "载体名称", "统一社会信用代码", "行政区划代码", "载体类型", "级别", "创建年度", "复核年度",
                   "水效领跑者"]
INSPECTION_HEADERS = ["检查年度", "检查日期", "被检查单位", "统一社会信用代码", "行政区划代码", "检查对象类别", "问题类别",
                      "问题描述", "整改期限", "整改完成日期"]
# share of each base created by the end of 2019, 2020, 2021, 2022
CREATION_SHARES = {"节水型机关": (0.6, 0.85, 1.0, 1.0), "节水型公共机构": (0.3, 0.42, 0.52, 0.6),
                   "节水型居民小区": (0.08, 0.12, 0.16, 0.19)}
INSPECTION_YEAR = 2021
SAMPLED = {"取水单位": 80, "用水单位": 78}  # seed 000's 2021 assessment
FINDINGS = (("取水许可", "取水许可证载明事项与实际不符"), ("工程设施", "取水工程未按规定验收"),
            ("计量与检定", "计量设施未按期检定"), ("水资源费(税)", "水资源税申报水量与计量不符"),
            ("定额执行", "单位产品用水量超过用水定额"))


def base_counts(year: int) -> dict[tuple[str, str], int]:
    with open(DEMO_DEPLOYMENT / "carrier_base_counts.csv", encoding="utf-8") as f:
        return {(r["region_code"], r["carrier_type_zh"]): int(r["base_count"])
                for r in csv.DictReader(f) if int(r["report_year"]) == year}


def carrier_rows(units, uscc) -> list[list]:
    """Every carrier of the register (as of 2022), the planted duplicates last."""
    bases, rows = base_counts(2022), []
    for u in units:
        for kind, shares in CREATION_SHARES.items():
            base = bases.get((u.code, kind), 0)
            created = 0
            for year, share in zip(range(2019, 2023), shares):
                for k in range(created, round(base * share)):
                    name = f"{u.short}{kind.removeprefix('节水型')}{k + 1:03d}"
                    code = {"节水型机关": uscc.new(u.code, "11"), "节水型公共机构": uscc.new(u.code, "12")}.get(kind, "")
                    rows.append([f"ZT{u.code}{len(rows):04d}", name, code, u.code, kind,
                                 "省级" if k % 7 == 0 else "市级", year, str(year + 3) if year + 3 <= 2022 else "", "否"])
                created = max(created, round(base * share))
        for k, year in enumerate((2020, 2022)):
            rows.append([f"ZT{u.code}{len(rows):04d}", f"{u.short}节水企业{k + 1:02d}", uscc.new(u.code), u.code,
                         "节水型企业", "省级" if k else "市级", year, "", "是" if k == 0 and u.code.endswith("5") else "否"])
    firm = next(r for r in rows if r[4] == "节水型企业")
    community = next(r for r in rows if r[4] == "节水型居民小区")
    # planted: the firm re-designated 省级 in 2022 entered under a new id; a community keyed in twice
    rows.append([f"ZT{firm[3]}9001", firm[1], firm[2], firm[3], firm[4], "省级", 2022, "", "否"])
    rows.append(list(community))
    return rows


def inspection_rows(units, uscc, rng: np.random.Generator) -> list[list]:
    rows, n = [], 0
    for kind, count in SAMPLED.items():
        for k in range(count):
            u = units[k % len(units)]
            n += 1
            inspected = date(INSPECTION_YEAR, 4, 1) + timedelta(days=int(rng.integers(0, 180)))
            name, code = f"{u.short}{kind.removesuffix('单位')}单位{k + 1:02d}", uscc.new(u.code)
            found = [f for i, f in enumerate(FINDINGS) if rng.random() < (0.12 if i != 2 else 0.2)]
            if not found:
                rows.append([INSPECTION_YEAR, inspected, name, code, u.code, kind, "", "", None, None])
            for category, text in found:
                deadline = inspected + timedelta(days=60)
                roll = rng.random()  # most corrected on time, some late, a few still open
                corrected = (inspected + timedelta(days=int(rng.integers(10, 60))) if roll < 0.8 else
                             deadline + timedelta(days=int(rng.integers(5, 90))) if roll < 0.93 else None)
                rows.append([INSPECTION_YEAR, inspected, name, code, u.code, kind, category, text, deadline, corrected])
    return rows


def write_task_ledgers(out: Path, units) -> None:
    """raw/carriers/节水载体台账_2022.xlsx and raw/inspections/监督检查台账_2021.xlsx."""
    from dagster_project.demo.generator import Uscc, write_sheet  # the generator calls this module

    rng = np.random.default_rng(18)  # its own draws: the other files stay as they were
    assessed = [u for u in units if u.unit_type != "city"]
    uscc = Uscc(rng)
    write_sheet(out / "carriers" / "节水载体台账_2022.xlsx", "节水载体台账（截至2022年底）", CARRIER_HEADERS,
                carrier_rows(assessed, uscc))
    write_sheet(out / "inspections" / f"监督检查台账_{INSPECTION_YEAR}.xlsx",
                f"{INSPECTION_YEAR}年度取用水监督检查台账", INSPECTION_HEADERS, inspection_rows(assessed, uscc, rng))
