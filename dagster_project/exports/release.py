"""A year's release: the quality gate, then its publication (the bulletin asset and `waterstat bulletin`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dagster_project.exports.publication import Publication, publish, record_publication
from dagster_project.lib.deployment import setting
from dagster_project.quality.gate import blocking_failures, reasons_for_year


@dataclass
class Release:
    year: int
    blocked: list[str] = field(default_factory=list)  # the gate's reasons; then nothing is published
    note: Path | None = None  # the .blocked.txt saying why
    publications: dict[str | None, Publication] = field(default_factory=dict)  # by unit (None: the top unit)


def blocked_note(exports: Path, year: int) -> Path:
    return exports / f"水资源公报表_{year}.blocked.txt"


def hold_back(exports: Path, year: int, reasons: list[str]) -> Path:
    """A blocked year: no current workbook in exports/ may disagree with tonight's data; say why."""
    for name in (f"水资源公报表_{year}.xlsx", f"考核结果表_{year}.xlsx"):
        (exports / name).unlink(missing_ok=True)  # published versions stay under exports/bulletin/
    exports.mkdir(parents=True, exist_ok=True)
    note = blocked_note(exports, year)
    note.write_text(f"{year}年公报表未导出：数据质量检查未通过。\n" + "\n".join(reasons) + "\n", encoding="utf-8")
    return note


def release_year(con: duckdb.DuckDBPyConnection, year: int, exports: Path, units: list[str | None], run_id: str,
                 rounding_mode: str | None = None) -> Release:
    """Hold the year back if a blocking check fails for it, else publish it for each unit (None: the
    top unit) and record each new version. Rounding: the deployment's rule unless overridden."""
    reasons = reasons_for_year(blocking_failures(con), year)
    if reasons:
        return Release(year, reasons, hold_back(exports, year, reasons))
    blocked_note(exports, year).unlink(missing_ok=True)
    rounding = rounding_mode or setting(con, "rules.bulletin_rounding_mode")
    release = Release(year)
    for unit in units:
        release.publications[unit] = publish(con, year, exports, rounding, unit)
        record_publication(con, release.publications[unit], unit, run_id)
    return release
