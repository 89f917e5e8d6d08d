"""The DQ report's words for statistics staff, each from one place.

A check's name, rule and what to do are in seeds/dq_checks.csv; its {placeholders} are filled
with the values in force in the warehouse (the deployment's rules as loaded with this build, the
indicator catalog seed, the deployment's minimum_returns). A quarantine or rejection reason's
words are in seeds/input_reasons.csv; the numbers come from the contract registry that applies them.
"""
from __future__ import annotations

import csv
import json
import re
from functools import cache

import duckdb

from dagster_project.lib.contracts import EARLIEST_DATE, SOURCES_BY_NAME, VOLUME_UNITS, Source
from dagster_project.lib.deployment import VINTAGE_BASES
from dagster_project.lib.reference import SEEDS_DIR
from dagster_project.lib.tables import table_exists


def number(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def plausible_range(low: float | None, high: float | None) -> str:
    if low is None:
        return f"≤{number(high)}"
    return f"≥{number(low)}" if high is None else f"{number(low)}～{number(high)}"


def rule_values(con: duckdb.DuckDBPyConnection) -> dict:
    """Every value a check's rule_zh may name: the rules in force (deployment.settings `rules.*`),
    the indicators' plausible ranges, the indicators compared with peers and the minimum rows per year."""
    values = {k.removeprefix("rules."): json.loads(v) for k, v in con.execute(
        "select key, value from deployment.settings where key like 'rules.%'").fetchall()}
    if table_exists(con, "ref", "indicator_catalog"):
        values["indicator_ranges"] = "，".join(
            f"{name} {plausible_range(lo, hi)}{'' if unit in (None, '', '1') else unit}"
            for name, lo, hi, unit in con.execute("""
                select indicator_name_zh, plausible_min, plausible_max, unit from ref.indicator_catalog
                where plausible_min is not null or plausible_max is not null order by sort_order""").fetchall())
        values["peer_indicators"] = "、".join(name for (name,) in con.execute(
            "select indicator_name_zh from ref.indicator_catalog where compare_with_peers order by sort_order").fetchall())
    values["minimum_returns"] = "，".join(
        f"{SOURCES_BY_NAME[s].title_zh if s in SOURCES_BY_NAME else s} {n}行"
        for s, n in con.execute("select source_name, min_rows_per_year from deployment.minimum_returns "
                                "order by min_rows_per_year desc, source_name").fetchall())
    return values


def check_rule(template: str, values: dict) -> str:
    """A check's rule_zh with its placeholders filled; a placeholder with no value is an error."""
    return template.format_map(values)


@cache
def input_reasons() -> dict[str, dict]:
    with open(SEEDS_DIR / "input_reasons.csv", encoding="utf-8", newline="") as f:
        return {r["reason"]: r for r in csv.DictReader(f)}


def row_reason(code: str, source: Source | None) -> tuple[str, str]:
    """(the rule broken, what to do) for a quarantine reason code such as below_minimum:gdp_100m_yuan."""
    kind, _, column_name = code.partition(":")
    entry = input_reasons()[kind]
    columns = {c.name: c for c in source.columns} if source else {}
    rules = {r.reason: r for r in source.row_rules} if source else {}
    column = columns.get(column_name)
    values = {"column": column.aliases[0] if column else column_name, "earliest": EARLIEST_DATE,
              "min": number(column.min_value) if column else "", "max": number(column.max_value) if column else "",
              "threshold": number(rules[kind].threshold) if kind in rules else "",
              "units": "、".join(VOLUME_UNITS), "bases": "、".join(VINTAGE_BASES),
              "choices": "、".join(column.choices) if column else ""}
    return entry["rule_zh"].format_map(values), entry["action_zh"]


FILE_RULE = re.compile(r"\[([a-z_]+)\]")


def file_reason(message: str) -> tuple[str, str] | None:
    """(the rule broken, what to do) for a rejected file's load-log message ("name: [rule] detail")."""
    match = FILE_RULE.search(message or "")
    entry = input_reasons().get(match.group(1)) if match else None
    return (entry["rule_zh"], entry["action_zh"]) if entry else None
