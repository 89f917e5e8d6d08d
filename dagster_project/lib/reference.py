"""The repo's universal reference tables (dbt seeds), read by Python where a rule in them is
applied outside dbt too: the loader's row rules and the GE suites take an indicator's plausible
range from seeds/indicator_catalog.csv, the same bounds dq_balance_failures applies."""
from __future__ import annotations

import csv
from functools import cache

from dagster_project.lib.repo_paths import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"


@cache
def plausible_ranges() -> dict[str, tuple[float | None, float | None]]:
    """indicator_code → (plausible_min, plausible_max), either None when only one side is bounded,
    for the indicators that have a bound."""
    def bound(text: str) -> float | None:
        return float(text) if text.strip() else None

    with open(SEEDS_DIR / "indicator_catalog.csv", encoding="utf-8", newline="") as f:
        return {r["indicator_code"]: (bound(r["plausible_min"]), bound(r["plausible_max"]))
                for r in csv.DictReader(f) if r["plausible_min"].strip() or r["plausible_max"].strip()}


@cache
def use_sector_codes() -> frozenset[str]:
    """Every sector and sub-sector code of seeds/sector_map.csv but the unspecified ones: the codes
    a deployment may key a per-sector rule on (e.g. its consumption coefficients)."""
    with open(SEEDS_DIR / "sector_map.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return frozenset({r["sector_code"] for r in rows} | {r["sub_sector_code"] for r in rows}) - {"unspecified"}


@cache
def carrier_types() -> tuple[str, ...]:
    """The water-saving carrier types (节水型载体) of seeds/carrier_types.csv, in their order: the
    names a carrier register and a deployment's base counts may use."""
    with open(SEEDS_DIR / "carrier_types.csv", encoding="utf-8", newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: int(r["sort_order"]))
    return tuple(r["carrier_type_zh"] for r in rows)
