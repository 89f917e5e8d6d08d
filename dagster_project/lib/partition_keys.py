"""Which partition a raw file belongs to, and which days a changed meter file touches.

Meter files are daily exports named by the day they report: `meter_readings/YYYYMMDD….csv`
(a re-sent file keeps its day first: `20221229_补传_20230101.csv`). Annual files carry their
report year as the last four-digit number in the name: `survey/industrial_2021.xlsx`.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

DAILY_SOURCES = frozenset({"meter_readings"})
CST = timezone(timedelta(hours=8))  # China Standard Time: the day a meter file reports
_DAY = re.compile(r"^(\d{4})(\d{2})(\d{2})(?!\d)")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def is_daily(source_name: str) -> bool:
    return source_name in DAILY_SOURCES


def file_partition_key(source_name: str, file_name: str) -> str | None:
    """'YYYY-MM-DD' for a meter file, 'YYYY' for an annual one, None if the name carries neither."""
    stem = file_name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if is_daily(source_name):
        m = _DAY.match(stem)
        if not m:
            return None
        try:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:  # 20221332
            return None
    years = _YEAR.findall(stem)
    return years[-1] if years else None


def today_cst() -> date:
    return datetime.now(CST).date()


def is_future(source_name: str, key: str | None, today: date) -> bool:
    """Whether the file is named for a day (or report year) after today: no export can report it yet."""
    return key is not None and key > (today.isoformat() if is_daily(source_name) else str(today.year))


def naming_rule(source_name: str) -> str:
    if is_daily(source_name):
        return "meter files are named by the day they report: YYYYMMDD.csv (e.g. 20221229.csv, 20221229_补传_20230101.csv)"
    return "annual files carry their report year in the name, e.g. industrial_2021.xlsx"


def affected_day_ranges(days: set[str], first: str, last: str) -> list[tuple[str, str]]:
    """The day ranges to recompute when the files of `days` change, clipped to [first, last].

    A day's volume depends on the readings of the day before and after it (the interval across
    midnight, a reading's neighbours), so each changed day D re-runs D − 1 … D + 1; overlapping
    or adjacent ranges are merged into one run.
    """
    return day_ranges(affected_days(days, first, last))


def affected_days(days: set[str], first: str, last: str) -> set[str]:
    """Each of `days` with the day before and after it, within [first, last]."""
    lo, hi = date.fromisoformat(first), date.fromisoformat(last)
    around = {d + timedelta(days=k) for d in map(date.fromisoformat, days) for k in (-1, 0, 1)}
    return {d.isoformat() for d in around if lo <= d <= hi}


def day_ranges(days: set[str]) -> list[tuple[str, str]]:
    """Days ('YYYY-MM-DD') as runs of consecutive days: [(first, last), …] in order."""
    merged: list[list[date]] = []
    for d in sorted(map(date.fromisoformat, days)):
        if merged and d == merged[-1][1] + timedelta(days=1):
            merged[-1][1] = d
        else:
            merged.append([d, d])
    return [(s.isoformat(), e.isoformat()) for s, e in merged]


def changed_partitions(before: dict[str, list], after: dict[str, list],
                       fallback_key: dict[str, str]) -> dict[str, set[str]]:
    """Partition keys per source whose files were added, changed or removed between two scans.

    A scan maps a file's path under raw/ to [source name, size, mtime_ns]. A file whose name has
    no partition key maps to `fallback_key[source]` (the latest partition), so a run still sees it
    and rejects it with the naming rule.
    """
    changed: dict[str, set[str]] = {}
    for rel in before.keys() | after.keys():
        if before.get(rel) == after.get(rel):
            continue
        source = (after.get(rel) or before[rel])[0]
        key = file_partition_key(source, rel) or fallback_key[source]
        changed.setdefault(source, set()).add(key)
    return changed


def day_chunks(first: str, last: str, size: int) -> list[tuple[str, str]]:
    """[first, last] cut into consecutive ranges of at most `size` days (the last one shorter)."""
    lo, hi = date.fromisoformat(first), date.fromisoformat(last)
    chunks = []
    while lo <= hi:
        end = min(hi, lo + timedelta(days=size - 1))
        chunks.append((lo.isoformat(), end.isoformat()))
        lo = end + timedelta(days=1)
    return chunks
