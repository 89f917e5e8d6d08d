"""The demo city's plan-adjustment and permit-event ledgers (issue 18), derived from the plan sheets
and the permit register the generator has just written, so the three agree.

Planted: a plan addition dated after its plan year ended (quarantined), and a permit renewed a
month after it lapsed (loaded: a late renewal is real; the gap days are judged unpermitted).
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
from openpyxl import load_workbook

FIRST_DATA_ROW = 4  # title row and two header rows (merged 月度计划 / 有效期 parents)
PERMIT_TERM_YEARS = 5
E_LICENCE_YEAR = 2021  # the year the demo city converted its permits (seed 000: 1,117 converted)
LATE_RENEWAL_START = date(2021, 9, 1)  # the planted lapse: its previous validity ended a month early


def sheet_rows(path: Path) -> list[tuple]:
    ws = load_workbook(path, read_only=True).active
    return [r for r in ws.iter_rows(min_row=FIRST_DATA_ROW, values_only=True) if r and r[0]]


def as_date(value) -> date:
    return value.date() if hasattr(value, "date") else value


def write(city) -> None:
    """Both ledgers into city.out (called by DemoCity.generate after the register and the plans)."""
    from dagster_project.demo.generator import write_sheet  # here: the generator imports this module

    rng = np.random.default_rng(18)  # own draws: the other files stay as they were
    write_plan_adjustments(city.out, rng, write_sheet)
    write_permit_events(city.out, rng, write_sheet)


def write_plan_adjustments(out: Path, rng: np.random.Generator, write_sheet) -> None:
    """A few additions and reductions per plan year, by formal document; one addition dated after
    its plan year ended (the planted defect, last in the 2021 file)."""
    for year in (2021, 2022):
        plans = sheet_rows(out / "plans" / f"计划用水_{year}.xlsx")
        rows = []
        for i, p in enumerate(plans[3::37]):  # a handful of users, spread over the units
            uscc, name, region, _, annual = p[:5]
            kind = "追加" if i % 3 != 2 else "核减"
            volume = round(annual * float(rng.uniform(0.05, 0.2)), 3)
            effective = date(year, 4 + (i * 2) % 8, 1 + i % 20)
            rows.append([uscc, name, region, year, kind, volume, effective,
                         f"通水计〔{year}〕{i + 11}号", "新增产能" if kind == "追加" else "停产减产"])
        if year == 2021:
            uscc, name, region, _, annual = plans[5][:5]
            rows.append([uscc, name, region, year, "追加", round(annual * 0.1, 3), date(2022, 1, 20),
                         "通水计〔2022〕3号", "年度结束后补办追加"])
        write_sheet(out / "plan_adjustments" / f"计划用水调整台账_{year}.xlsx", f"{year}年度计划用水调整（追加/核减）台账",
                    ["统一社会信用代码", "用水户名称", "行政区划代码", "计划年度", "调整类型", "调整水量(万m³)",
                     "生效日期", "文号", "调整原因"], rows)


def write_permit_events(out: Path, rng: np.random.Generator, write_sheet) -> None:
    """Every decision behind the register: each current validity renews a term issued five years
    before; the register's cancelled-and-reissued number gets its 注销 and its new 发证; permits in
    force in the conversion year get an electronic licence (a few pending)."""
    register = sheet_rows(out / "permits" / "取水许可台账_2022.xlsx")
    rows, planted = [], False
    for k, r in enumerate(register):
        no, holder, uscc, region = r[:4]
        volume, start, end, status = r[9], as_date(r[10]), as_date(r[11]), r[12]
        converted = None if k % 41 == 17 else date(E_LICENCE_YEAR, 3 + k % 7, 1 + k % 28)
        if status == "注销":  # the register shows it cut short: the issue granted the full term
            end = start.replace(year=start.year + PERMIT_TERM_YEARS) - timedelta(days=1)
        if start.year == E_LICENCE_YEAR + 1:  # re-issued under the same number after its cancellation
            rows.append([no, holder, uscc, region, "注销", start, None, None, None, None, f"通水许注〔{start.year}〕{k + 1}号"])
            rows.append([no, holder, uscc, region, "发证", start, start, end, volume, start, f"通水许〔{start.year}〕{k + 1}号"])
            continue
        # a renewal: the first term ran the five years before (the register shows the current one)
        first = start.replace(year=start.year - PERMIT_TERM_YEARS)
        first_end = start - timedelta(days=1)
        decided = start - timedelta(days=int(rng.integers(20, 60)))
        if start == LATE_RENEWAL_START and not planted:
            first_end = start.replace(month=start.month - 1) - timedelta(days=1)  # lapsed a month before
            decided, planted = start, True
        rows.append([no, holder, uscc, region, "发证", first, first, first_end, volume, None, f"通水许〔{first.year}〕{k + 1}号"])
        rows.append([no, holder, uscc, region, "延续", decided, start, end, volume, converted and max(converted, start),
                     f"通水许延〔{start.year}〕{k + 1}号"])
    assert planted, "the register has no permit renewed on the planted date"
    write_sheet(out / "permit_events" / "取水许可事项台账_2022.xlsx", "取水许可事项办理台账（截至2022年12月31日）",
                ["取水许可证编号", "取水权人名称", "统一社会信用代码", "行政区划代码", "事项类型", "办理日期",
                 ("有效期", ["起", "止"]), "许可水量(万m³/年)", "电子证照转换日期", "决定书文号"], rows)
