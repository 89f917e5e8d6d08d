"""What `waterstat sql` prints: a query's rows as a table to read, or as CSV or JSON for other tools.

Numbers are written in full and without thousands separators (3929000000.0, not 3,929,000,000), so
what is printed can be pasted, compared and parsed back exactly.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import unicodedata
from decimal import Decimal


def plain(value) -> str:
    """A value as text: numbers in full (the shortest text that reads back as the same float; a
    decimal with all its places), dates and times in ISO 8601, NULL as the empty string."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.date, dt.time)):  # datetime is a date
        return value.isoformat()
    return str(value)


def json_value(value):
    """A value JSON can hold: a decimal as a number when a float holds it exactly, else as text."""
    if isinstance(value, Decimal):
        as_float = float(value)
        return as_float if math.isfinite(as_float) and Decimal(repr(as_float)) == value else format(value, "f")
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return plain(value)


def display_width(text: str) -> int:
    """Terminal columns a text takes: wide and full-width (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def as_table(columns: list[str], rows: list[tuple], limit: int) -> str:
    shown = [[plain(v) for v in r] for r in rows[:limit]]
    widths = [max([display_width(c)] + [display_width(r[i]) for r in shown]) for i, c in enumerate(columns)]

    def line(cells):
        return " | ".join(c + " " * (w - display_width(c)) for c, w in zip(cells, widths))

    more = f" (first {limit} shown)" if len(rows) > limit else ""
    return "\n".join([line(columns), "-+-".join("-" * w for w in widths), *map(line, shown),
                      f"({len(rows)} row{'s' if len(rows) != 1 else ''}{more})"]) + "\n"


def as_csv(columns: list[str], rows: list[tuple], _limit: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([plain(v) for v in r] for r in rows)
    return out.getvalue()


def as_json(columns: list[str], rows: list[tuple], _limit: int) -> str:
    records = [{c: json_value(v) for c, v in zip(columns, r)} for r in rows]
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


FORMATS = {"table": as_table, "csv": as_csv, "json": as_json}
