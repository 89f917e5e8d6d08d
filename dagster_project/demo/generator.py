"""Deterministic demo data for a city modelled on Nantong 2020–2022, in the formats offices receive.

Calibration: each unit's 2021 total equals the figure published in seed 000 (the reference seed
table dagster_project/demo/deployment/reference_figures.csv), and the city's economic series are derived so
that 万元GDP用水量, 万元工业增加值用水量 and their declines land on the published values.
Every survey record is drawn at random and then rescaled so the parts sum to those totals.

Units differ as real ones do: each draws its own per-capita domestic rate (its domestic use is its
population at that rate, so a central district's use follows its residents), its own 亩均 on
farmland, and its own growth and intensity declines (2020 and 2022 use follow from them), all
within the ranges Jiangsu's published figures show.

Planted defects (for the quality checks): duplicated meter rows, a meter replacement (reset), a
totalizer rollover, a six-hour gap, a late file re-sent for a past day, a station with no permit,
a return reported in 万m³ instead of m³, a re-issued permit number, an expired permit still
drawing water.
"""
from __future__ import annotations

import csv
import math
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from dagster_project.demo.ledgers_tasks import write_task_ledgers
from dagster_project.demo import ledgers_plans
from dagster_project.lib.codes import USCC_ALPHABET, uscc_check_char
from dagster_project.lib.partition_keys import CST
from dagster_project.lib.deployment import DEMO_DEPLOYMENT
from dagster_project.demo import ledgers_audits

YEARS = (2020, 2021, 2022)
BASE_YEAR, CALIBRATION_YEAR = 2020, 2021
M3_PER_100M = 1e8
# Year-on-year factors per sector relative to 2021 (2020 → 2021 → 2022 trends).
SECTOR_YEAR_FACTOR = {
    2020: {"agriculture": 1.02, "industry": 0.99, "domestic": 0.98, "ecological": 0.95},
    2021: {"agriculture": 1.0, "industry": 1.0, "domestic": 1.0, "ecological": 1.0},
    2022: {"agriculture": 0.975, "industry": 1.01, "domestic": 1.01, "ecological": 1.04},
}
# Agriculture and ecological shares of each unit's 2021 total, by unit type; domestic use is the
# unit's population at its per-capita rate, industry the rest, but at least INDUSTRY_MIN_SHARE
# (a populous county with little water farms less of it).
SECTOR_SHARES = {
    "county": (0.68, 0.02),
    "central_city": (0.05, 0.05),
    "320671": (0.05, 0.03),
    "320672": (0.10, 0.03),
    "320673": (0.45, 0.03),
}
# Per-capita domestic use incl. public (L/(人·d)) a unit draws, by unit type: Jiangsu units lie
# around the national 176 (2021 bulletin), higher where services concentrate (the central district).
DOMESTIC_L_PER_CAPITA_DAY = {"county": (140, 200), "development_zone": (160, 230), "central_city": (200, 245)}
INDUSTRY_MIN_SHARE = 0.18
FARMLAND_M3_PER_MU = (340, 500)  # rice–wheat plain irrigation (national 2021: 355); a unit's 亩均
# A unit's 万元GDP / 万元工业增加值用水量 decline on the year before (%), and its GDP index around the city's.
INTENSITY_DECLINE_PCT = {2021: (6.5, 14.0), 2022: (1.5, 8.0)}
GDP_SHARE = {"320685": 0.116, "320682": 0.118, "320623": 0.097, "320681": 0.118, "320612": 0.12,
             "320614": 0.128, "320671": 0.085, "320672": 0.02, "320673": 0.018, "320613": 0.18}
POP_SHARE = {"320685": 0.112, "320682": 0.165, "320623": 0.113, "320681": 0.115, "320612": 0.148,
             "320614": 0.112, "320671": 0.045, "320672": 0.012, "320673": 0.02, "320613": 0.158}
CITY_GDP_2020_100M = 10036.3  # Nantong 2020 GDP, 亿元 (current prices)
CITY_POP_2021_10K = 772.7
GDP_GROWTH_CURRENT = {2020: 1.0, 2021: None, 2022: 1.032}  # 2021 is derived from the intensity
# GDP volume index (上年=100): the city's for 2020 and 2022 (2021's is derived from its published
# decline), the centre of the units' own indices every year (2021: ≈ the city's real growth).
GDP_INDEX = {2020: 103.7, 2021: 108.9, 2022: 102.1}
IND_INDEX_2022 = 104.0
IRRIGATION_ETA = {"大型": 0.60, "中型": 0.625, "小型": 0.66, "纯井": 0.78}
TARGET_ETA_2021 = 0.649
AG_SUBSECTORS = (("林果地灌溉", 0.03), ("鱼塘补水", 0.07), ("牲畜用水", 0.02))  # rest: 耕地灌溉
METER_DAYS = 7
# Share of a unit's domestic use that rural residents draw from village wells (quota-estimated),
# by unit type: the rural population is 40% in counties, 5% elsewhere.
RURAL_SELF_SUPPLIED_SHARE = {"county": 0.3, "central_city": 0.03, "development_zone": 0.03}
# seed 000: 如皋/启东/通州 first tier; 海门/如东/海安/经开区/通州湾 second; 苏锡通 third.
SEED_000_TIERS = {"320682": 1, "320681": 1, "320612": 1, "320614": 2, "320623": 2, "320685": 2,
                  "320671": 2, "320673": 2, "320672": 3}
METER_LAST_DAY = date(2022, 12, 31)
# A firm's unconventional water is of one type (the industrial return's typed columns, in this
# order): reclaimed water from the treatment plants most often, then brackish, rain, desalinated
# seawater on the coast, and rarely mine water.
UNCONVENTIONAL_TYPES = ("再生水", "集蓄雨水", "海水淡化水", "微咸水", "矿坑(井)水")
UNCONVENTIONAL_TYPE_WEIGHTS = (0.55, 0.15, 0.10, 0.15, 0.05)
# Treatment plants per unit type, and a unit's 再生水利用率 (reclaimed used / treated, %) drawn around
# the 30% the provinces set (seed 003), and the share of domestic use that reaches a plant as sewage.
PLANTS_PER_UNIT = {"county": 2, "central_city": 3, "development_zone": 1}
RECLAIMED_USE_RATE_PCT = (22.0, 42.0)
SEWAGE_SHARE_OF_DOMESTIC = 0.75
CENTRAL_DISTRICT = "320613"  # 崇川区
# The years before the demo's returns: yearbooks with GDP and VA and their indices only, so the
# declines chain back to the 十三五 base (2015). The city's indices (上年=100) and a flat deflator.
HISTORY_YEARS = (2015, 2016, 2017, 2018, 2019)
HISTORY_GDP_INDEX = {2016: 109.4, 2017: 107.8, 2018: 107.2, 2019: 106.2}
HISTORY_VA_INDEX = {2016: 109.0, 2017: 107.5, 2018: 106.0, 2019: 105.1}
HISTORY_DEFLATOR = 1.02
# Control sections of the demo deployment's ecological_flow_sections.csv: seasonal mean flow
# (m³/s, low in winter) and the days of a planted dry spell (start month/day, days) below the minimum.
FLOW_YEAR = 2022
SECTION_FLOWS = {"HD01": (42.0, None), "HD02": (18.0, ((8, 10), 12)), "HD03": (9.5, ((1, 20), 3))}


@dataclass
class Region:
    code: str
    name: str
    short: str
    unit_type: str
    published_total_100m_m3: float | None = None


def unit_profile(level: str, code: str) -> str:
    """The demo's kind of unit, which shapes its generated data: the city, the central district
    (崇川), development zones, and counties (county-level cities and suburban districts alike)."""
    if code == CENTRAL_DISTRICT:
        return "central_city"
    return {"city": "city", "zone": "development_zone"}.get(level, "county")


def load_regions() -> list[Region]:
    """The units of the demo deployment's register in use in the demo years (not replaced codes)."""
    with open(DEMO_DEPLOYMENT / "regions.csv", encoding="utf-8") as f:
        regions = [Region(r["region_code"], r["region_name_zh"], r["short_name_zh"],
                          unit_profile(r["level"], r["region_code"]))
                   for r in csv.DictReader(f) if not r["successor_code"]]
    with open(DEMO_DEPLOYMENT / "reference_figures.csv", encoding="utf-8") as f:
        totals = {r["region_code"]: float(r["value"]) for r in csv.DictReader(f)
                  if r["indicator_code"] == "total_water_use" and r["report_year"] == "2021"}
    for r in regions:
        r.published_total_100m_m3 = totals.get(r.code)
    return regions


def published_indicator(code: str) -> float:
    with open(DEMO_DEPLOYMENT / "reference_figures.csv", encoding="utf-8") as f:
        return next(float(r["value"]) for r in csv.DictReader(f)
                    if r["indicator_code"] == code and r["region_code"] == "320600")


class Uscc:
    """Deterministic, valid unified social credit codes."""

    def __init__(self, rng: np.random.Generator):
        self.rng, self.seen = rng, set()

    def new(self, region_code: str, org_type: str = "91") -> str:
        while True:
            body = org_type + region_code + "".join(
                USCC_ALPHABET[i] for i in self.rng.integers(0, 31, size=9))
            code = body + uscc_check_char(body)
            if code not in self.seen:
                self.seen.add(code)
                return code


def split(total: float, n: int, rng: np.random.Generator, concentration: float = 1.0) -> np.ndarray:
    """n positive parts summing exactly to total (a skewed Dirichlet draw, like real registers)."""
    w = rng.dirichlet(np.full(n, concentration))
    return w * total


# ----------------------------------------------------------------------------------------------
# Excel writing in the layouts offices receive: a title row, (merged) headers, optional notes.
# ----------------------------------------------------------------------------------------------
def write_sheet(path: Path, title: str, headers: list, rows: list[list], notes: list[str] = ()):
    """headers: a list of str or (parent, [children]) tuples → two merged header rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    two_rows = any(isinstance(h, tuple) for h in headers)
    width = sum(len(h[1]) if isinstance(h, tuple) else 1 for h in headers)
    ws.cell(1, 1, title).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    col = 1
    for h in headers:
        if isinstance(h, tuple):
            parent, children = h
            ws.cell(2, col, parent)
            ws.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + len(children) - 1)
            for i, child in enumerate(children):
                ws.cell(3, col + i, child)
            col += len(children)
        else:
            ws.cell(2, col, h)
            if two_rows:
                ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
            col += 1
    for cell in ws[2]:
        cell.alignment = Alignment(horizontal="center", vertical="center")
    start = 4 if two_rows else 3
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            ws.cell(start + i, j + 1, v)
    for k, note in enumerate(notes):
        ws.cell(start + len(rows) + 1 + k, 1, note)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


class DemoCity:
    def __init__(self, out: Path, seed: int = 20211231, points: int = 2000,
                 interval_minutes: int = 60, days: int = METER_DAYS):
        self.out, self.rng = out, np.random.default_rng(seed)
        self.points, self.interval, self.days = points, interval_minutes, days
        self.regions = load_regions()
        self.units = [r for r in self.regions if r.unit_type != "city"]
        self.city = next(r for r in self.regions if r.unit_type == "city")
        self.uscc = Uscc(self.rng)
        self.sector_volumes: dict[tuple[str, int], dict[str, float]] = {}
        self.firms: list[dict] = []
        self.suppliers: list[dict] = []
        self.districts: list[dict] = []
        self.plants: list[dict] = []
        self.firm_use: dict[tuple[str, int], tuple[float, float]] = {}  # (self-supplied, total new water)
        self.unit_va: dict[tuple[str, int], float] = {}  # 万元, before scaling to the city's VA
        self.seed = seed
        self.farmland_m3_per_mu: dict[str, float] = {}
        self.unit_growth: dict[tuple[str, int], dict] = {}  # GDP index, intensity declines, irrigated-area drift

    # -- totals ---------------------------------------------------------------------------------
    def plan_sector_volumes(self) -> None:
        """Each unit's sectors: 2021 on its published total; 2020 and 2022 from the unit's own GDP
        index and intensity decline (W_t = W_t−1 × (1 − decline) × index/100), in the sectors'
        year-on-year pattern. Draws from their own stream, so the register's draws stay as they were."""
        rng = np.random.default_rng([self.seed, 1])
        for u in self.units:
            ag_share, eco_share = SECTOR_SHARES.get(u.code) or SECTOR_SHARES[u.unit_type]
            total = u.published_total_100m_m3 * M3_PER_100M
            residents = CITY_POP_2021_10K * POP_SHARE[u.code] * 1e4
            domestic = residents * rng.uniform(*DOMESTIC_L_PER_CAPITA_DAY[u.unit_type]) * 365 / 1000
            ag_share = min(ag_share, 1 - eco_share - INDUSTRY_MIN_SHARE - domestic / total)
            base = {"agriculture": total * ag_share, "industry": total * (1 - ag_share - eco_share) - domestic,
                    "domestic": domestic, "ecological": total * eco_share}
            self.farmland_m3_per_mu[u.code] = float(rng.uniform(*FARMLAND_M3_PER_MU))
            growth = {y: {"gdp_idx": round(GDP_INDEX[y] + rng.normal(0, 1.0), 1),
                          "decline": rng.uniform(*INTENSITY_DECLINE_PCT.get(y, (0, 0))) / 100,
                          "ind_decline": rng.uniform(*INTENSITY_DECLINE_PCT.get(y, (0, 0))) / 100,
                          "area_drift": 1.0 if y == CALIBRATION_YEAR else float(rng.uniform(0.97, 1.03))}
                      for y in YEARS}
            self.unit_growth.update({(u.code, y): g for y, g in growth.items()})
            step = {y: (1 - growth[y]["decline"]) * growth[y]["gdp_idx"] / 100 for y in YEARS}
            unit_total = {2020: total / step[2021], 2021: total, 2022: total * step[2022]}
            for y in YEARS:
                pattern = {s: v * SECTOR_YEAR_FACTOR[y][s] for s, v in base.items()}
                k = unit_total[y] / sum(pattern.values())
                self.sector_volumes[(u.code, y)] = {s: v * k for s, v in pattern.items()}

    def city_sector(self, year: int, sector: str | None = None) -> float:
        return sum(v for (code, y), sv in self.sector_volumes.items() if y == year
                   for s, v in sv.items() if sector in (None, s))

    # -- economy --------------------------------------------------------------------------------
    def economy(self) -> tuple[dict[int, dict[str, dict]], dict[int, float]]:
        """GDP/VA levels and indices so the city's published intensities and declines hold.

        Industrial VA per unit is the survey's (enumerated firms plus the small-firm population at
        the sample's intensity), scaled by one factor per year so the city row gives 25.46 m³/万元.
        Returns the rows per year and that factor (applied to the firms' VA on the returns).
        """
        w = {y: self.city_sector(y) for y in YEARS}
        w_ind = {y: self.city_sector(y, "industry") for y in YEARS}
        gdp21 = w[2021] / published_indicator("water_use_per_10k_gdp") / 1e4  # 亿元
        va21 = w_ind[2021] / published_indicator("water_use_per_10k_industry_va") / 1e4
        d_gdp = published_indicator("water_use_per_10k_gdp_decline_yoy") / 100
        d_ind = published_indicator("water_use_per_10k_industry_va_decline_yoy") / 100
        gdp = {2020: CITY_GDP_2020_100M, 2021: gdp21, 2022: gdp21 * GDP_GROWTH_CURRENT[2022]}
        va = {2020: va21 / 1.16, 2021: va21, 2022: va21 * 1.05}
        gdp_idx = {**GDP_INDEX, 2021: round(w[2021] / w[2020] / (1 - d_gdp) * 100, 1)}
        va_idx = {2020: 103.1, 2021: round(w_ind[2021] / w_ind[2020] / (1 - d_ind) * 100, 1),
                  2022: IND_INDEX_2022}
        unit_gdp = self.unit_gdp(gdp)
        out: dict[int, dict[str, dict]] = {}
        scale: dict[int, float] = {}
        for y in YEARS:
            scale[y] = va[y] * 1e4 / sum(self.unit_va[(u.code, y)] for u in self.units)
            pop = CITY_POP_2021_10K * (1 + 0.002 * (y - 2021))
            rows = {self.city.code: {"gdp": gdp[y], "gdp_idx": gdp_idx[y], "va": va[y], "va_idx": va_idx[y],
                                     "urban": 0.72, "pop": pop}}
            for u in self.units:
                g = self.unit_growth[(u.code, y)]
                if y == BASE_YEAR:
                    ind_idx = round(va_idx[y] + g["gdp_idx"] - GDP_INDEX[y], 1)
                else:  # the index that gives the unit its drawn decline in 万元工业增加值用水量
                    ind_ratio = self.sector_volumes[(u.code, y)]["industry"] / self.sector_volumes[(u.code, y - 1)]["industry"]
                    ind_idx = round(ind_ratio / (1 - g["ind_decline"]) * 100, 1)
                rows[u.code] = {"gdp": unit_gdp[(u.code, y)], "gdp_idx": g["gdp_idx"],
                                "va": self.unit_va[(u.code, y)] * scale[y] / 1e4, "va_idx": ind_idx,
                                "urban": 0.95 if u.unit_type != "county" else 0.6, "pop": pop * POP_SHARE[u.code]}
            out[y] = rows
        return out, scale

    def unit_gdp(self, city_gdp: dict[int, float]) -> dict[tuple[str, int], float]:
        """Units' GDP at current prices: 2021 by their shares of the city, other years moved by each
        unit's own volume index, then scaled so the units still add up to the city."""
        raw = {(u.code, CALIBRATION_YEAR): city_gdp[CALIBRATION_YEAR] * GDP_SHARE[u.code] for u in self.units}
        for y in (2020, 2022):
            for u in self.units:
                index = self.unit_growth[(u.code, max(y, CALIBRATION_YEAR))]["gdp_idx"] / 100
                raw[(u.code, y)] = raw[(u.code, CALIBRATION_YEAR)] * (index if y > CALIBRATION_YEAR else 1 / index)
        return {(code, y): v * city_gdp[y] / sum(w for (_, yy), w in raw.items() if yy == y)
                for (code, y), v in raw.items()}

    # -- survey returns -------------------------------------------------------------------------
    def build_units(self) -> None:
        """The register: firms, suppliers and irrigation districts per unit (stable across years)."""
        rng = self.rng
        for u in self.units:
            n_firms = {"county": 70, "central_city": 90, "development_zone": 60}[u.unit_type]
            weights = rng.lognormal(0, 1.3, n_firms)
            for i in range(n_firms):
                self.firms.append({
                    "region": u.code, "uscc": self.uscc.new(u.code), "name": f"{u.short}企业{i + 1:03d}",
                    "weight": weights[i], "industry_code": str(rng.choice(["C17", "C26", "C30", "C33", "C39", "B06"])),
                    "tap_share": float(rng.uniform(0.1, 0.6)), "ground_share": float(rng.uniform(0, 0.1)),
                    "uncon_share": float(rng.choice([0, 0, 0, rng.uniform(0.02, 0.15)])),
                    "reuse_rate": float(rng.uniform(0.80, 0.975)), "is_above_scale": weights[i] > 0.5,
                    "intensity": float(rng.uniform(18, 40)), "sampled": i == 0 or rng.uniform() < 0.35,
                    "cooling": False})
            if u.code in ("320613", "320673"):  # coastal thermal power plants with once-through cooling
                self.firms.append({"region": u.code, "uscc": self.uscc.new(u.code), "name": f"{u.short}发电厂",
                                   "weight": n_firms * 0.9, "industry_code": "D4411", "tap_share": 0.0,
                                   "ground_share": 0.0, "uncon_share": 0.0, "reuse_rate": 0.0,
                                   "is_above_scale": True, "intensity": 400.0, "sampled": True, "cooling": True})
            for i in range({"county": 2, "central_city": 3, "development_zone": 1}[u.unit_type]):
                self.suppliers.append({"region": u.code, "uscc": self.uscc.new(u.code),
                                       "name": f"{u.short}自来水公司{i + 1}" if i else f"{u.short}水务有限公司",
                                       "weight": float(rng.uniform(0.5, 1.5)), "ground": float(rng.uniform(0, 0.05)),
                                       "loss_rate": float(rng.uniform(0.09, 0.14)), "r": float(rng.uniform(0.3, 0.5)),
                                       "pressure": float(rng.choice([0.28, 0.32, 0.38, 0.45])),
                                       "km_per_10k_m3": float(rng.uniform(0.05, 0.1)),
                                       "reports_audit": i != 1, "grades": [int(g) for g in rng.integers(5, 11, 4)]})
            classes = (["大型"] if u.unit_type == "county" and u.code in ("320682", "320623", "320685") else []) \
                + ["中型"] * (6 if u.unit_type == "county" else 1) + ["小型"] * (14 if u.unit_type == "county" else 3) \
                + ["纯井"] * (3 if u.unit_type == "county" else 0)
            for i, cls in enumerate(classes):
                self.districts.append({
                    "region": u.code, "code": f"{u.code}G{i + 1:03d}", "name": f"{u.short}{cls}灌区{i + 1}",
                    "class": cls, "weight": {"大型": 8, "中型": 2.5, "小型": 0.4, "纯井": 0.2}[cls] * rng.uniform(0.6, 1.4),
                    "is_sample": cls == "大型" or rng.uniform() < 0.45,
                    "eta": IRRIGATION_ETA[cls] + rng.normal(0, 0.02), "ground": 1.0 if cls == "纯井" else 0.02,
                    "m3_per_mu": self.farmland_m3_per_mu[u.code] * rng.uniform(330, 430) / 380})
        self.build_plants()

    def build_plants(self) -> None:
        """Firms' unconventional water types and the wastewater treatment plants, from their own
        random stream, so the register's draws stay as they were."""
        rng = np.random.default_rng([self.seed, 2])
        for f in self.firms:
            f["uncon_type"] = str(rng.choice(UNCONVENTIONAL_TYPES, p=UNCONVENTIONAL_TYPE_WEIGHTS))
        uscc = Uscc(rng)
        uscc.seen = self.uscc.seen  # no code twice across the registers
        for u in self.units:
            rate = float(rng.uniform(*RECLAIMED_USE_RATE_PCT)) / 100
            for i in range(PLANTS_PER_UNIT[u.unit_type]):
                self.plants.append({"region": u.code, "uscc": uscc.new(u.code), "name": f"{u.short}污水处理厂{i + 1}",
                                    "weight": float(rng.uniform(0.5, 1.5)), "rate": rate * float(rng.uniform(0.8, 1.2)),
                                    "municipal": float(rng.uniform(0.2, 0.5)), "spare": float(rng.uniform(1.05, 1.3))})

    def survey_rows(self, year: int) -> dict[str, list[list]]:
        rng = np.random.default_rng(year)
        ind_rows, sup_rows, irr_rows, sum_rows, plant_rows = [], [], [], [], []
        for u in self.units:
            sv = self.sector_volumes[(u.code, year)]
            # industry: split the sector volume over the unit's firms by weight
            firms = [f for f in self.firms if f["region"] == u.code]
            w = np.array([f["weight"] * rng.uniform(0.9, 1.1) for f in firms])
            vols = w / w.sum() * sv["industry"]
            tap_total = reclaimed_total = 0.0
            va_enumerated = small_all = small_sample_w = small_sample_va = 0.0
            for f, v in zip(firms, vols):
                tap, ground, uncon = v * f["tap_share"], v * f["ground_share"], v * f["uncon_share"]
                surface = v - tap - ground - uncon
                tap_total += tap
                reclaimed_total += uncon if f["uncon_type"] == "再生水" else 0.0
                self.firm_use[(f["uscc"], year)] = (surface + ground, v)
                reused = v * f["reuse_rate"] / (1 - f["reuse_rate"]) if f["reuse_rate"] else 0.0
                va = v / f["intensity"]  # 万元
                is_small = not f["is_above_scale"]
                small_all += v if is_small else 0.0
                if is_small and not f["sampled"]:
                    continue  # outside the typical-survey sample: no return, covered by extrapolation
                if is_small:
                    small_sample_w, small_sample_va = small_sample_w + v, small_sample_va + va
                else:
                    va_enumerated += va
                unit = "m³"
                values = [surface, ground, tap, *(uncon if f["uncon_type"] == t else 0.0 for t in UNCONVENTIONAL_TYPES),
                          reused]
                if f["name"].endswith("企业007") and year == 2022:  # planted: a return in 万m³
                    unit, values = "万m³", [x / 1e4 for x in values]
                ind_rows.append([year, f["uscc"], f["name"], u.code, f["industry_code"],
                                 "是" if f["is_above_scale"] else "否", "是" if f["cooling"] else "否",
                                 *[round(x, 2 if unit == "m³" else 4) for x in values], va, unit])
            # the value added the yearbook must show so that I_S × uncovered VA recovers the small firms
            self.unit_va[(u.code, year)] = va_enumerated + small_all / (small_sample_w / small_sample_va)
            # public supply: what is not sold to industry or ecology counts as 生活 (incl. losses)
            sups = [s for s in self.suppliers if s["region"] == u.code]
            sw = np.array([s["weight"] for s in sups]) / sum(s["weight"] for s in sups)
            eco_supply = sv["ecological"] * 0.6
            for s, share in zip(sups, sw):
                ind_sales, eco_sales = tap_total * share, eco_supply * share
                domestic = sv["domestic"] * (1 - RURAL_SELF_SUPPLIED_SHARE[u.unit_type]) * share
                q_s = ind_sales + eco_sales + domestic
                self.firm_use[(s["uscc"], year)] = (q_s, q_s)
                losses, unbilled = q_s * s["loss_rate"], q_s * 0.012
                res_pub = domestic - losses - unbilled
                res, pub = res_pub * 0.64, res_pub * 0.36
                ground = q_s * s["ground"]
                billed = res + pub + ind_sales + eco_sales
                sup_rows.append([year, s["uscc"], s["name"], u.code, round(q_s - ground, 0), round(ground, 0), 0,
                                 round(billed * 0.985, 0), round(billed * 0.015, 0), round(unbilled * 0.6, 0),
                                 round(unbilled * 0.4, 0), round(res, 0), round(pub, 0), round(ind_sales, 0),
                                 round(eco_sales, 0), round(min(res, q_s * s["r"]), 0),
                                 round(q_s / 1e4 * s["km_per_10k_m3"], 1), s["pressure"], 0.3,
                                 *self._audit_columns(s, q_s, losses), "m³"])
            # irrigation districts: 耕地灌溉 share of agriculture, η rescaled to the city target later
            dists = [d for d in self.districts if d["region"] == u.code]
            field = sv["agriculture"] * (1 - sum(x for _, x in AG_SUBSECTORS))
            dw = np.array([d["weight"] * rng.uniform(0.9, 1.1) for d in dists])
            for d, gross in zip(dists, dw / dw.sum() * field):
                self.firm_use[(d["code"], year)] = (gross, gross)
                ground = gross * d["ground"]
                area = gross / d["m3_per_mu"] / 1e4
                irr_rows.append([year, d["code"], d["name"], u.code, d["class"], "是" if d["is_sample"] else "否",
                                 round(gross - ground, 0), round(ground, 0), d["eta"] * gross, round(area, 3), "m³"])
            # county summary: agriculture sub-classes, rural self-supplied domestic, river replenishment
            for sub, share in AG_SUBSECTORS:
                sum_rows.append([year, u.code, sub, "地表水", round(sv["agriculture"] * share / 1e4, 2), "典型调查推算"])
            sum_rows.append([year, u.code, "农村居民生活", "地下水",
                             round(sv["domestic"] * RURAL_SELF_SUPPLIED_SHARE[u.unit_type] / 1e4, 2), "定额推算"])
            sum_rows.append([year, u.code, "河湖补水", "地表水", round(sv["ecological"] * 0.4 / 1e4 * 0.8, 2), "工程计量"])
            sum_rows.append([year, u.code, "河湖补水", "再生水", round(sv["ecological"] * 0.4 / 1e4 * 0.2, 2), "工程计量"])
            plant_rows += self.plant_rows(u.code, year, reclaimed_total, sv["ecological"] * 0.4 * 0.2, sv["domestic"])
        self._calibrate_eta(irr_rows, TARGET_ETA_2021 + 0.004 * (year - CALIBRATION_YEAR))
        return {"industrial": ind_rows, "supply": sup_rows, "irrigation": irr_rows, "county_summary": sum_rows,
                "wastewater": plant_rows}

    def plant_rows(self, region: str, year: int, industry: float, ecological: float, domestic: float) -> list[list]:
        """The unit's treatment plants: sewage from domestic use, reclaimed water used at the plant's
        rate: at least what the unit's firms and its river replenishment report (the housing
        department also counts landscape and river water the water survey does not), the rest
        municipal and ecological, split over the plants by weight."""
        plants = [p for p in self.plants if p["region"] == region]
        weights = np.array([p["weight"] for p in plants]) / sum(p["weight"] for p in plants)
        rows = []
        for p, w in zip(plants, weights):
            treated = domestic * SEWAGE_SHARE_OF_DOMESTIC * w
            rate = p["rate"] * (1 + 0.04 * (year - CALIBRATION_YEAR))  # rising, as plans require
            rest = max(treated * rate - (industry + ecological) * w, 0.0)
            used = {"industry": industry * w, "municipal": rest * p["municipal"],
                    "ecological": ecological * w + rest * (1 - p["municipal"])}
            total = sum(used.values())
            treated = max(treated, total * 2)
            rows.append([year, p["uscc"], p["name"], region, round(treated / 1e4, 2),
                         round(min(total * p["spare"], treated) / 1e4, 2), round(used["industry"] / 1e4, 2),
                         round(used["municipal"] / 1e4, 2), round(used["ecological"] / 1e4, 2), "万m³"])
        return rows

    @staticmethod
    def _audit_columns(s: dict, q_s: float, losses: float) -> list:
        """IWA inputs (connections, lengths, pressure, loss split) and self-graded validity (1–10)."""
        if not s["reports_audit"]:
            return [None] * 11
        mains_km = q_s / 1e4 * s["km_per_10k_m3"] * 1.6
        connections = int(mains_km * 45)
        return [connections, round(mains_km, 1), round(connections * 0.012, 1), round(s["pressure"] * 102 * 0.8, 1),
                round(losses * 0.7, 0), round(losses * 0.2, 0), round(losses * 0.1, 0), *s["grades"]]

    def _calibrate_eta(self, irr_rows: list[list], target: float) -> None:
        """Scale net water so the head–tail aggregate lands on the published coefficient."""
        by_class: dict[str, list] = {}
        for r in irr_rows:
            by_class.setdefault(r[4], []).append(r)
        num = den = 0.0
        for rows in by_class.values():
            gross_all = sum(r[6] + r[7] for r in rows)
            sample = [r for r in rows if r[5] == "是"]
            eta_c = sum(r[8] for r in sample) / sum(r[6] + r[7] for r in sample)
            num, den = num + eta_c * gross_all, den + gross_all
        factor = target / (num / den)
        for r in irr_rows:
            r[8] = round(r[8] * factor, 0) if r[5] == "是" else None

    # -- writers --------------------------------------------------------------------------------
    def write_annual(self) -> None:
        surveys = {y: self.survey_rows(y) for y in YEARS}
        econ, va_scale = self.economy()
        for y in YEARS:
            rows = []
            for r in self.regions:
                e = econ[y][r.code]
                label = "全市" if r.unit_type == "city" else r.name
                rows.append([label, round(e["gdp"], 2), e["gdp_idx"], round(e["va"], 2), e["va_idx"],
                             round(e["pop"], 2), round(e["pop"] * e["urban"], 2),
                             round(e["pop"] * (1 - e["urban"]), 2), None, None])
            rows = self._fill_irrigated_area(rows, y)
            write_sheet(self.out / "economy" / f"统计年鉴_分地区主要指标_{y}.xlsx",
                        f"{y}年南通市分地区主要经济社会指标",
                        ["地区", ("地区生产总值", ["现价(亿元)", "指数(上年=100)"]),
                         ("工业增加值", ["现价(亿元)", "指数(上年=100)"]), "年平均常住人口(万人)",
                         "城镇人口(万人)", "乡村人口(万人)", "有效灌溉面积(万亩)", "耕地实际灌溉面积(万亩)"],
                        rows, notes=["注：1.地区生产总值、工业增加值按当年价格计算，指数按可比价格计算。",
                                     "2.开发区、园区数据由各管委会提供。", "资料来源：市统计局。"])
            s = surveys[y]
            for row in s["industrial"]:
                row[16] = round(row[16] * va_scale[y], 1)
            write_sheet(self.out / "survey" / f"industrial_{y}.xlsx", f"{y}年度工业企业用水统计调查表",
                        ["统计年度", "统一社会信用代码", "单位名称", "行政区划代码", "行业代码", "是否规模以上",
                         "是否火(核)电直流冷却", ("取用新水量", ["地表水", "地下水", "自来水", *UNCONVENTIONAL_TYPES]),
                         "重复利用水量", "工业增加值(万元)", "计量单位"], s["industrial"])
            write_sheet(self.out / "survey" / f"supply_{y}.xlsx", f"{y}年度公共供水企业用水统计调查表",
                        ["统计年度", "统一社会信用代码", "单位名称", "行政区划代码", ("自产供水量", ["地表水", "地下水"]),
                         "外购供水量", "计费计量用水量", "计费未计量用水量", "免费计量用水量", "免费未计量用水量",
                         ("售水量", ["居民生活", "公共服务", "工业", "生态环境"]), "居民抄表到户水量",
                         "DN75及以上管道长度(km)", "年平均出厂压力(MPa)", "最大冻土深度(m)",
                         "用户接管点数(个)", "管网总长度(km)", "户表前管道长度(km)", "平均运行压力(m)",
                         ("漏损水量", ["漏失水量", "计量损失水量", "其他损失水量"]),
                         ("数据可靠性自评(1-10)", ["供水总量", "注册用户用水量", "管道长度", "压力"]), "计量单位"],
                        s["supply"])
            write_sheet(self.out / "survey" / f"irrigation_{y}.xlsx", f"{y}年度灌区用水统计调查表",
                        ["统计年度", "灌区编码", "灌区名称", "行政区划代码", "灌区类型", "是否样点灌区",
                         ("毛灌溉用水量", ["地表水", "地下水"]), "净灌溉用水量", "实际灌溉面积(万亩)", "计量单位"],
                        s["irrigation"])
            write_sheet(self.out / "survey" / f"wastewater_{y}.xlsx", f"{y}年度污水处理厂运行统计表",
                        ["统计年度", "统一社会信用代码", "污水处理厂名称", "行政区划代码", "污水处理量", "再生水生产量",
                         ("再生水利用量", ["工业", "市政杂用及景观", "生态补水"]), "计量单位"], s["wastewater"])
            write_sheet(self.out / "survey" / f"county_summary_{y}.xlsx", f"{y}年度区县用水汇总表",
                        ["统计年度", "行政区划代码", "用水类别", "水源类型", "用水量(万m³)", "推算方法"],
                        s["county_summary"])
        self.write_inspection_scores()
        self.write_groundwater(surveys)
        self.write_history_economy(econ[BASE_YEAR])

    def write_groundwater(self, surveys: dict[int, dict[str, list[list]]]) -> None:
        """Groundwater abstraction by aquifer (each unit's groundwater on its returns, split between the
        aquifers of the deployment's register) and twelve monthly depth-to-water observations per well."""
        aquifers = [r["aquifer_code"] for r in csv.DictReader(open(DEMO_DEPLOYMENT / "aquifers.csv", encoding="utf-8"))]
        rng = np.random.default_rng(19)
        shallow_share = {u.code: float(rng.uniform(0.45, 0.8)) for u in self.units}
        base_depth = {(u.code, a): float(rng.uniform(2, 6) if i == 0 else rng.uniform(12, 30))
                      for u in self.units for i, a in enumerate(aquifers)}
        for y in YEARS:
            ground = groundwater_by_unit(surveys[y])
            rows, levels = [], []
            for u in self.units:
                shares = [shallow_share[u.code], 1 - shallow_share[u.code]]
                for a, share in zip(aquifers, shares):
                    rows.append([y, u.code, a, round(ground.get(u.code, 0.0) * share / 1e4, 2), "取水计量与定额推算"])
                    for w in range(2):
                        drift = 0.3 * (y - BASE_YEAR)  # levels fall a little each year
                        for m in range(1, 13):
                            depth = base_depth[(u.code, a)] + drift + 0.8 * math.sin(m / 12 * 2 * math.pi) \
                                + float(rng.normal(0, 0.2))
                            levels.append([f"{u.code}{a[0].upper()}{w + 1:02d}", f"{u.short}{a}监测井{w + 1}", u.code, a,
                                           date(y, m, 26), round(max(depth, 0.1), 2)])
            write_sheet(self.out / "groundwater" / f"abstraction_{y}.xlsx", f"{y}年度地下水开采量统计表",
                        ["统计年度", "行政区划代码", "含水层", "开采量(万m³)", "核算方法"], rows)
            write_sheet(self.out / "groundwater" / f"levels_{y}.xlsx", f"{y}年度地下水监测井水位观测记录",
                        ["测井编码", "测井名称", "行政区划代码", "含水层", "监测日期", "地下水埋深(m)"], levels)

    def write_permit_applications(self) -> None:
        """A few applications of 2022 in the permit system, pending and decided, in every county."""
        counties = [u for u in self.units if u.unit_type == "county"]
        rng = np.random.default_rng(22)  # its own draws: the other files stay as they were
        uscc = Uscc(rng)
        rows = []
        for i, u in enumerate(counties):
            for j, (src, status) in enumerate((("地下水", "受理中"), ("地表水", "审查中"), ("地下水", "已批准"))):
                k = i * 3 + j + 1
                rows.append([f"SQ2022{k:04d}", f"{u.short}申请单位{k:02d}", uscc.new(u.code), u.code, src,
                             round(float(rng.uniform(2, 40)), 2), date(2022, 3 + k % 9, 10 + k % 15), status])
        write_sheet(self.out / "permit_applications" / "取水许可申请台账_2022.xlsx", "取水许可申请台账（2022年）",
                    ["申请编号", "申请人", "统一社会信用代码", "行政区划代码", "水源类型", "申请水量(万m³/年)",
                     "申请日期", "办理状态"], rows)

    def write_inspection_scores(self) -> None:
        """考核检查评分: 制度建设 and 措施落实 points from the inspection teams (seed 000's four groups)."""
        tier_points = {1: (29.0, 34.0), 2: (26.5, 30.5), 3: (21.0, 25.0)}
        rows = []
        for u in self.units:
            tier = SEED_000_TIERS.get(u.code)
            if tier is None:
                continue  # the central city is not one of the assessed units in seed 000
            system, measures = tier_points[tier]
            rows.append([CALIBRATION_YEAR, u.code, u.name, system, measures, 0, "否"])
        write_sheet(self.out / "assessment" / f"考核检查评分_{CALIBRATION_YEAR}.xlsx",
                    f"{CALIBRATION_YEAR}年度实行最严格水资源管理制度考核检查评分表",
                    ["考核年度", "行政区划代码", "被考核单位", "制度建设得分", "措施落实得分", "创新加分", "一票否决"], rows)

    def _fill_irrigated_area(self, rows: list[list], year: int) -> list[list]:
        """Irrigated area (万亩): the unit's 2021 farmland irrigation at its own 亩均, drifting a little
        from year to year (the 亩均 moves with the weather)."""
        field_area = {}
        for u in self.units:
            field = self.sector_volumes[(u.code, CALIBRATION_YEAR)]["agriculture"] * (1 - sum(x for _, x in AG_SUBSECTORS))
            drift = self.unit_growth[(u.code, year)]["area_drift"]
            field_area[u.code] = field / self.farmland_m3_per_mu[u.code] * drift / 1e4
        city_area = sum(field_area.values())
        for row, r in zip(rows, self.regions):
            a = city_area if r.unit_type == "city" else field_area[r.code]
            row[8], row[9] = round(a * 1.12, 2), round(a, 2)
        return rows

    def write_permits_and_plans(self) -> list[dict]:
        """Permit register (≈1,117 permits) and intakes; returns the intakes for the meter export."""
        rng = self.rng
        holders = ([(f, "工业", "地表水" if f["ground_share"] < 0.05 else "地下水") for f in self.firms]
                   + [(s, "公共供水", "地表水") for s in self.suppliers]
                   + [({"region": d["region"], "uscc": self.uscc.new(d["region"], "12"), "name": d["name"] + "管理所",
                        "weight": d["weight"], "use_key": d["code"]}, "农业灌溉", "地下水" if d["class"] == "纯井" else "地表水")
                      for d in self.districts])
        # ≈1,117 permits as in seed 000, more when a larger meter network is asked for
        n_extra = max(0, 1117 - len(holders), math.ceil(self.points / 1.8) - len(holders))
        for i in range(n_extra):  # small self-supplied service users and well owners
            u = self.units[i % len(self.units)]
            holders.append(({"region": u.code, "uscc": self.uscc.new(u.code), "name": f"{u.short}服务业用户{i + 1:03d}",
                             "weight": 0.05}, "服务业", "地下水"))
        permits, intakes = [], []
        surnames = "王李张刘陈杨黄赵吴周徐孙朱马胡郭何高林罗"
        for k, (h, purpose, src) in enumerate(holders):
            region = h["region"]
            no = f"取水(苏通){'A' if src == '地表水' else 'B'}字[{2019 + k % 3}]第{k + 1:05d}号"
            start = date(2019 + k % 3, 1 + k % 12, 1)
            status, end = "有效", start.replace(year=start.year + 5) - timedelta(days=1)
            if k % 97 == 5:  # planted: expired permit whose intake still reports readings
                end, status = date(2022, 6, 30), "过期"
            used = self.firm_use.get((h.get("use_key", h["uscc"]), CALIBRATION_YEAR), (None,))[0]
            headroom = 0.9 if k % 20 == 9 else float(rng.uniform(1.05, 1.5))  # planted: 5% above their permit
            volume = max(0.5, used * headroom / 1e4 if used else h["weight"] * float(rng.uniform(20, 60)))  # 万m³/年
            n_intakes = 1 + int(rng.uniform() < 0.8) + int(rng.uniform() < 0.05)
            codes = [f"{region}Q{k + 1:05d}{j}" for j in range(n_intakes)]
            for code in codes:
                intakes.append({"intake": code, "region": region, "annual_m3": volume * 1e4 / n_intakes})
            location = None if k % 25 == 3 else f"{h['name']}厂区"  # planted: incomplete register records
            industry = None if k % 20 == 7 else h.get("industry_code", "D4610" if purpose == "公共供水" else "A0511")
            permits.append([no, h["name"], h["uscc"], region, location, "；".join(codes), src, purpose,
                            industry, round(volume, 2), start, end, status, surnames[k % len(surnames)] + "工",
                            f"1{3 + k % 6}{k:09d}"[:11]])
        reissued = list(permits[10])  # planted: a permit re-issued under the same number
        reissued[10], reissued[11], reissued[9] = date(2022, 1, 1), date(2026, 12, 31), round(reissued[9] * 1.1, 2)
        permits[10][11], permits[10][12] = date(2021, 12, 31), "注销"
        permits.append(reissued)
        write_sheet(self.out / "permits" / "取水许可台账_2022.xlsx", "南通市取水许可证台账（截至2022年12月31日）",
                    ["取水许可证编号", "取水权人名称", "统一社会信用代码", "行政区划代码", "取水地点", "取水口编码",
                     "水源类型", "取水用途", "行业代码", "许可水量(万m³/年)", ("有效期", ["起", "止"]), "状态",
                     "联系人", "联系电话"], permits)
        for y in YEARS:
            plan_rows = []
            for f in self.firms:  # every industrial user above the plan threshold gets a plan
                used = self.firm_use[(f["uscc"], y)][1] / 1e4
                if used >= 0.6:
                    annual = used * float(rng.uniform(0.93, 1.25))  # some finish the year over plan
                    monthly = split(annual, 12, rng, 40)
                    p = [None, f["name"], f["uscc"], f["region"]]
                    plan_rows.append([p[2], p[1], p[3], y, round(annual, 3), *[round(m, 4) for m in monthly]])
            write_sheet(self.out / "plans" / f"计划用水_{y}.xlsx", f"{y}年度计划用水户用水计划下达表",
                        ["统一社会信用代码", "用水户名称", "行政区划代码", "计划年度", "年计划水量(万m³)",
                         ("月度计划", [f"{m}月" for m in range(1, 13)])], plan_rows)
        return intakes

    def write_meter_readings(self, intakes: list[dict]) -> dict:
        rng = np.random.default_rng(7)
        n = min(self.points, len(intakes))
        chosen = [intakes[i] for i in sorted(rng.choice(len(intakes), n, replace=False))]
        stations = [f"ST{c['intake'][:6]}{i:05d}" for i, c in enumerate(chosen)]
        intake_codes = [c["intake"] for c in chosen]
        for j in range(3):  # planted: stations whose intake has no permit
            intake_codes[-1 - j] = f"{chosen[-1 - j]['region']}Q9{j:04d}X"
        steps_per_day = 24 * 60 // self.interval
        total_steps = steps_per_day * self.days
        hourly = np.array([c["annual_m3"] for c in chosen]) / (365 * steps_per_day)
        diurnal = 0.6 + 0.8 * np.sin(np.linspace(0, 2 * np.pi, steps_per_day, endpoint=False) - 1.2) ** 2
        incr = hourly[:, None] * np.tile(diurnal, self.days)[None, :] * rng.uniform(0.8, 1.2, (n, total_steps))
        start_total = rng.uniform(1e3, 9e5, n)
        defects = {"rollover": 1, "reset": 2, "gap": 3, "late": 4, "outlier": 5, "stuck": 6, "duplicates_day": 2}
        start_total[defects["rollover"]] = 1e7 - hourly[defects["rollover"]] * steps_per_day * 1.5  # 7-digit register
        totals = start_total[:, None] + np.cumsum(incr, axis=1)
        totals[defects["rollover"]] = np.mod(totals[defects["rollover"]], 1e7)
        def at(step: int) -> int:  # defects planted later in the week land earlier when fewer days are asked for
            return min(step, total_steps - 8)

        reset_at = at(steps_per_day * 3 + 10)
        totals[defects["reset"], reset_at:] = 3.0 + np.cumsum(incr[defects["reset"], reset_at:])
        stuck_from = at(steps_per_day + 6)  # planted: register frozen for six readings while flow is reported
        totals[defects["stuck"], stuck_from:stuck_from + 6] = totals[defects["stuck"], stuck_from - 1]
        totals[defects["stuck"], stuck_from + 6:] -= incr[defects["stuck"], stuck_from:stuck_from + 6].sum()
        outlier_at = at(steps_per_day * 2 + 14)
        clean_outlier = totals[defects["outlier"], outlier_at]
        totals[defects["outlier"], outlier_at] = clean_outlier * 50  # planted: one garbled reading
        first = datetime.combine(METER_LAST_DAY - timedelta(days=self.days - 1), datetime.min.time())
        gap_steps = set(range(at(steps_per_day * 4 + 8), at(steps_per_day * 4 + 8) + 6 * 60 // self.interval))
        out = self.out / "meter_readings"
        out.mkdir(parents=True, exist_ok=True)
        late_day = self.days - 3
        dtu_down_after = steps_per_day // 2  # the late station's DTU dropped at noon; the rest came later
        for day in range(self.days):
            d = (first + timedelta(days=day)).date()
            gbk = day % 2 == 1
            unit = "m3" if gbk else "m³"  # GBK has no superscript three
            header = ["测站编码", "测站名称", "取水口编码", "时间", f"累计流量({unit})", f"瞬时流量({unit}/h)", "数据标识"]
            lines = [",".join(header)]
            late_lines = [",".join(header)]
            for s in range(day * steps_per_day, (day + 1) * steps_per_day):
                ts = first + timedelta(minutes=self.interval * s)
                stamp = ts.strftime("%Y/%-m/%-d %-H:%M") if gbk else ts.strftime("%Y-%m-%dT%H:%M:%S+08:00")
                flow = incr[:, s] * 60 / self.interval
                for i in range(n):
                    if i == defects["gap"] and s in gap_steps:
                        continue
                    line = f"{stations[i]},{stations[i]}站,{intake_codes[i]},{stamp},{totals[i, s]:.2f},{flow[i]:.3f},N"
                    if day == late_day and i == defects["late"]:
                        late_lines.append(line)  # re-sent in full later; the day file has the morning
                        if s - day * steps_per_day >= dtu_down_after:
                            continue
                    lines.append(line)
                    if day == defects["duplicates_day"] and i % 40 == 0:
                        lines.append(line)  # planted: duplicated rows
            if day == self.days - 1:  # planted: a reading stamped in the future by a bad station clock
                lines.append(f"{stations[7]},{stations[7]}站,{intake_codes[7]},2099-01-01T00:00:00+08:00,1.00,0.000,N")
            name = out / f"{d:%Y%m%d}.csv"
            name.write_bytes("\n".join(lines).encode("gbk" if gbk else "utf-8") + b"\n")
            if day == late_day:
                (out / f"{d:%Y%m%d}_补传_{METER_LAST_DAY + timedelta(days=1):%Y%m%d}.csv").write_bytes(
                    "\n".join(late_lines).encode("utf-8") + b"\n")
        return {"stations": n, "rows_per_day": n * steps_per_day, "days": self.days, "future_station": stations[7],
                "defects": {k: stations[v] if k != "duplicates_day" else v for k, v in defects.items()}}

    def write_history_economy(self, econ_2020: dict[str, dict]) -> None:
        """Yearbooks 2015–2019 with GDP and industrial VA and their indices, back-cast from 2020 by
        each unit's own index around the city's (its own random stream: the other draws stay)."""
        rng = np.random.default_rng([self.seed, 2])
        level = {code: (e["gdp"], e["va"]) for code, e in econ_2020.items()}
        rows_by_year: dict[int, list[list]] = {}
        for y in sorted(HISTORY_YEARS, reverse=True):
            rows = []
            for r in self.regions:
                gdp_idx = HISTORY_GDP_INDEX.get(y) and round(HISTORY_GDP_INDEX[y] + rng.normal(0, 0.8), 1)
                va_idx = HISTORY_VA_INDEX.get(y) and round(HISTORY_VA_INDEX[y] + rng.normal(0, 1.0), 1)
                nxt = econ_2020[r.code] if y == 2019 else None
                gdp_next, va_next = level[r.code]
                step_gdp = (nxt["gdp_idx"] if nxt else prev[r.code][0]) / 100 * HISTORY_DEFLATOR
                step_va = (nxt["va_idx"] if nxt else prev[r.code][1]) / 100 * HISTORY_DEFLATOR
                level[r.code] = (gdp_next / step_gdp, va_next / step_va)
                label = "全市" if r.unit_type == "city" else ("海门市" if r.code == "320614" else r.name)
                rows.append([label, round(level[r.code][0], 2), gdp_idx, round(level[r.code][1], 2), va_idx])
            prev = {r.code: (row[2], row[4]) for r, row in zip(self.regions, rows)}
            rows_by_year[y] = rows
        for y, rows in rows_by_year.items():
            write_sheet(self.out / "economy" / f"统计年鉴_分地区主要指标_{y}.xlsx", f"{y}年南通市分地区主要经济社会指标",
                        ["地区", ("地区生产总值", ["现价(亿元)", "指数(上年=100)"]),
                         ("工业增加值", ["现价(亿元)", "指数(上年=100)"])], rows,
                        notes=["注：地区生产总值、工业增加值按当年价格计算，指数按可比价格计算。", "资料来源：市统计局。"])

    def write_ecological_flows(self) -> None:
        """A year of daily mean flows at the control sections: a seasonal curve with noise, and a
        planted dry spell below the minimum at two of them (their own random stream)."""
        rng = np.random.default_rng([self.seed, 3])
        with open(DEMO_DEPLOYMENT / "ecological_flow_sections.csv", encoding="utf-8") as f:
            sections = {r["section_code"]: r for r in csv.DictReader(f)}
        day0 = date(FLOW_YEAR, 1, 1)
        lines = [["断面编码", "断面名称", "所在河流", "日期", "日均流量(m³/s)"]]
        for code, (mean, spell) in SECTION_FLOWS.items():
            minimum = float(sections[code]["min_flow_m3s"])
            dry = set()
            if spell:
                start = date(FLOW_YEAR, *spell[0])
                dry = {start + timedelta(days=k) for k in range(spell[1])}
            for k in range((date(FLOW_YEAR, 12, 31) - day0).days + 1):
                day = day0 + timedelta(days=k)
                seasonal = mean * (1 + 0.45 * math.sin(2 * math.pi * (k - 100) / 365))
                flow = max(seasonal * float(rng.lognormal(0, 0.12)), minimum * 1.3)
                if day in dry:
                    flow = minimum * float(rng.uniform(0.55, 0.95))
                lines.append([code, sections[code]["section_name_zh"], sections[code]["river_zh"], day.isoformat(),
                              f"{flow:.2f}"])
        path = self.out / "ecological_flow" / f"生态流量日报_{FLOW_YEAR}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(lines)

    def generate(self) -> dict:
        self.plan_sector_volumes()
        self.build_units()
        self.write_annual()
        self.write_ecological_flows()
        intakes = self.write_permits_and_plans()
        self.write_permit_applications()
        write_task_ledgers(self.out, self.units)
        ledgers_audits.write_audit_and_quota_ledgers(self)
        ledgers_plans.write(self)
        return self.write_meter_readings(intakes)


def generate(out: Path, seed: int = 20211231, points: int = 2000, interval_minutes: int = 60,
             days: int = METER_DAYS) -> dict:
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    info = DemoCity(out, seed, points, interval_minutes, days).generate()
    stamp_as_received([p for p in out.rglob("*") if p.is_file() and before.get(p) != p.stat().st_mtime_ns])
    return info


def groundwater_by_unit(survey: dict[str, list[list]]) -> dict[str, float]:
    """Each unit's groundwater (m³) on its returns: firms', suppliers' and districts' own wells and
    the county summary's 地下水 rows."""
    ground: dict[str, float] = {}
    def add(code: str, m3: float) -> None:
        ground[code] = ground.get(code, 0.0) + m3
    for r in survey["industrial"]:
        add(r[3], r[8] * (1e4 if r[-1] == "万m³" else 1))
    for r in survey["supply"]:
        add(r[3], r[5])
    for r in survey["irrigation"]:
        add(r[3], r[7])
    for r in survey["county_summary"]:
        if r[3] == "地下水":
            add(r[1], r[4] * 1e4)
    return ground


def stamp_as_received(paths: list[Path]) -> None:
    """Date each written file when it would have arrived: a meter export just after the last day in
    its name, everything else the morning after the last meter day. A real raw/ holds files that
    finished arriving long ago, which the loader's settle rule (raw_file_settle_seconds) reads at
    once; files written this second would wait for it."""
    for path in paths:
        days = re.findall(r"(?<!\d)(20\d{6})(?!\d)", path.name) if path.parent.name == "meter_readings" else []
        day = datetime.strptime(days[-1], "%Y%m%d").date() if days else METER_LAST_DAY
        when = datetime.combine(day + timedelta(days=1), datetime.min.time(), CST) + timedelta(
            minutes=30 if days else 9 * 60)
        os.utime(path, (when.timestamp(), when.timestamp()))
