"""Frozen, versioned publications of a year's bulletin and assessment tables.

A publication first freezes its inputs — the mart and rule tables the tables are built from,
filtered to the year — as Parquet files (a bundle), then builds every output from that bundle
alone: the bulletin and assessment workbooks (charts included, as Excel charts) and CSV/Parquet
extracts. So:

- publishing again with unchanged inputs writes nothing new (same bundle hash → same version);
- a correction changes the bundle, which writes version N+1 and a diff report against N
  (which figures changed, and which input files changed to cause it);
- any version can be rebuilt byte for byte from its own bundle (`regenerate`).

Layout: exports/bulletin/<year>/v001/{inputs/, 水资源公报表_<year>.xlsx, 考核结果表_<year>.xlsx,
extracts/, manifest.json, diff_vs_v000.md}; exports/水资源公报表_<year>.xlsx is a copy of
the latest version for convenience.
"""
from __future__ import annotations

import csv
import filecmp
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from dagster_project.exports.bulletin import (NOT_AVAILABLE, assessment_tables, bulletin_notes, bulletin_tables,
                                              top_unit)
from dagster_project.exports.charts import bulletin_charts
from dagster_project.exports.workbook import TableSpec, write_workbook
from dagster_project.ingest.loader import CURRENT_FILES_SQL
from dagster_project.lib.fingerprint import canonical_select
from dagster_project.lib.rounding import round_for_bulletin
from dagster_project.lib.tables import sql_text

# (schema, table, filter): what a year's publication reads; {year} is the report year
BUNDLE = (
    # the report models the tables are laid out from (dbt schema `reports`)
    *(("reports", f"rpt_{table}", "report_year = {year}") for table in (
        "bulletin_use_by_sector", "bulletin_use_by_source", "bulletin_unconventional_by_type",
        "bulletin_indicators", "bulletin_leakage", "bulletin_industrial_reuse", "bulletin_consumption",
        "assessment_targets", "assessment_scores", "assessment_tasks", "bulletin_unconventional",
        "bulletin_groundwater", "bulletin_intensity_declines", "bulletin_ecological_flow",
        "assessment_management_targets", "assessment_carriers", "assessment_supervision",
        "assessment_permits_plans", "assessment_audits_quotas")),
    # what the charts and the cell marks read
    ("marts", "dim_regions", "true"),
    ("marts", "mart_water_use_by_region", "report_year = {year}"),
    ("marts", "fct_indicators", "report_year <= {year}"),
    ("marts", "fct_public_supply_leakage", "report_year = {year}"),
    ("marts", "fct_disclosure_cells", "report_year = {year} and is_suppressed"),
    ("deployment", "assessment_targets", "report_year = {year}"),
    ("deployment", "base_years", "true"),
    ("deployment", "assessment_grades", "true"),
    ("deployment", "precision", "true"),
    ("deployment", "region_ancestors", "true"),
    ("deployment", "settings", "key like 'bulletin.%' or key in ('office_zh', 'rules.disclosure_secondary_suppression', "
                                  "'rules.groundwater_level_basis', 'rules.carrying_capacity_critical_ratio')"),
)


@dataclass
class Publication:
    year: int
    version: int
    directory: Path
    files: list[Path]
    is_new: bool
    diff_report: Path | None


def _version_dir(root: Path, year: int, version: int) -> Path:
    return root / "bulletin" / str(year) / f"v{version:03d}"


def _latest_version(root: Path, year: int) -> int:
    """Only complete versions count: a version directory appears (by rename) with its manifest."""
    versions = [int(p.name[1:]) for p in (root / "bulletin" / str(year)).glob("v[0-9][0-9][0-9]")
                if (p / "manifest.json").exists()]
    return max(versions, default=0)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def freeze_inputs(con: duckdb.DuckDBPyConnection, year: int, out: Path) -> str:
    """Write the bundle (sorted, doubles canonicalised so that the last-bit noise of parallel float
    sums does not count as a change: equal data gives equal bytes); return its hash."""
    out.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    for schema, table, where in BUNDLE:
        select = canonical_select(con, schema, table)
        arrow = con.execute(f"select {select} from {schema}.{table} where {where.format(year=year)} "
                            f"order by all").arrow()
        path = out / f"{schema}.{table}.parquet"
        pq.write_table(arrow if isinstance(arrow, pa.Table) else arrow.read_all(), path)
        digest.update(path.name.encode() + _sha256(path).encode())
    return digest.hexdigest()


def open_bundle(inputs: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose marts/ref schemas are the frozen inputs."""
    con = duckdb.connect()
    for schema, table, _ in BUNDLE:
        con.execute(f"create schema if not exists {schema}")
        path = sql_text(str(inputs / f"{schema}.{table}.parquet"))
        con.execute(f"create view {schema}.{table} as select * from read_parquet({path})")
    return con


def _flat_header(col) -> str:
    return "/".join(col.header) if isinstance(col.header, tuple) else col.header


def write_extracts(specs: list[TableSpec], out: Path, rounding_mode: str) -> list[Path]:
    """Each published table as CSV (UTF-8 with BOM, opens in Excel) and Parquet, values as published."""
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for spec in specs:
        headers = [_flat_header(c) for c in spec.columns]
        published = [[r.get(c.key) if c.decimals is None or isinstance(r.get(c.key), str)
                      else round_for_bulletin(r.get(c.key), c.decimals, rounding_mode) for c in spec.columns]
                     for r in spec.rows]
        stem = spec.sheet.replace(" ", "_")
        with open(out / f"{stem}.csv", "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(headers)
            writer.writerows(published)
        # Parquet keeps numbers numeric: a suppressed cell is null, named in the _suppressed column
        columns = {}
        for j, (col, name) in enumerate(zip(spec.columns, headers)):
            values = [row[j] for row in published]
            if col.decimals is not None and all(v is None or isinstance(v, (int, float)) or v in ("×", NOT_AVAILABLE)
                                                for v in values):
                columns[name] = pa.array([None if isinstance(v, str) else v for v in values], pa.float64())
            else:
                columns[name] = pa.array([None if v is None else str(v) for v in values], pa.string())
        columns["_suppressed"] = pa.array([",".join(h for h, v in zip(headers, row) if v == "×") or None
                                           for row in published], pa.string())
        pq.write_table(pa.table(columns), out / f"{stem}.parquet")
        files += [out / f"{stem}.csv", out / f"{stem}.parquet"]
    return files


def build_outputs(inputs: Path, year: int, out: Path, rounding_mode: str, unit: str | None = None) -> list[Path]:
    """Every output of a publication for a unit (default: the deployment's top unit), from its
    frozen inputs only."""
    con = open_bundle(inputs)
    stamp = datetime(year + 1, 1, 1)  # inside-the-file times depend on the year only: reproducible
    try:
        unit = unit or top_unit(con)
        charts = bulletin_charts(con, year, unit)
        bulletin = bulletin_tables(con, year, unit)
        assessment = assessment_tables(con, year, unit)
        notes = bulletin_notes(con, year, unit, rounding_mode)
        files = [
            write_workbook(out / f"水资源公报表_{year}.xlsx", bulletin, ("说明", notes), rounding_mode, charts, stamp),
            write_workbook(out / f"考核结果表_{year}.xlsx", assessment, None, rounding_mode, stamp=stamp),
            *write_extracts(bulletin + assessment, out / "extracts", rounding_mode),
        ]
    finally:
        con.close()
    return files


def _input_files(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The raw files (and their SHA-256) the warehouse holds now: the 'why' of a diff."""
    return dict(con.execute(f"select source_file, file_sha256 from ({CURRENT_FILES_SQL}) order by 1").fetchall())


def _diff(previous: Path, current: Path, prev_manifest: dict, manifest: dict) -> Path:
    """Which published figures changed between two versions, and which input files changed."""
    lines = [f"# {manifest['year']}年公报表 v{manifest['version']:03d} 与 v{prev_manifest['version']:03d} 的差异", ""]
    changed = []
    for new_csv in sorted((current / "extracts").glob("*.csv")):
        old_csv = previous / "extracts" / new_csv.name
        old = _keyed_rows(old_csv) if old_csv.exists() else {}
        new = _keyed_rows(new_csv)
        header = next(csv.reader(open(new_csv, encoding="utf-8-sig")))
        for key, row in new.items():
            before = old.get(key)
            for j, value in enumerate(row[1:], start=1):
                was = before[j] if before and j < len(before) else "(无)"
                if was != value:
                    changed.append((new_csv.stem, key, header[j], was, value))
    lines.append(f"## 变化的数据（{len(changed)} 项）")
    lines += ["", "| 表 | 行 | 列 | 原值 | 新值 |", "|---|---|---|---|---|"]
    lines += [f"| {t} | {r} | {c} | {a} | {b} |" for t, r, c, a, b in changed]
    old_files, new_files = prev_manifest["input_files"], manifest["input_files"]
    why = sorted({f for f in old_files.keys() | new_files.keys() if old_files.get(f) != new_files.get(f)})
    lines += ["", "## 原因：变化的输入文件", ""]
    lines += [f"- `{f}`: {'新增' if f not in old_files else '删除' if f not in new_files else '内容更正'}" for f in why]
    if not why:
        lines.append("- 输入文件未变；变化来自规则或口径调整（见 manifest.json 的 bundle 哈希）。")
    path = current / f"diff_vs_v{prev_manifest['version']:03d}.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _keyed_rows(path: Path) -> dict[str, list[str]]:
    """Rows keyed by their first column, numbered when it repeats (rows are in a fixed order)."""
    keyed, seen = {}, {}
    for row in list(csv.reader(open(path, encoding="utf-8-sig")))[1:]:
        seen[row[0]] = seen.get(row[0], 0) + 1
        keyed[row[0] if seen[row[0]] == 1 else f"{row[0]} #{seen[row[0]]}"] = row
    return keyed


def publish(con: duckdb.DuckDBPyConnection, year: int, exports: Path, rounding_mode: str,
            unit: str | None = None) -> Publication:
    """Publish the year's tables for a unit (default: the top unit, into `exports`; a child unit's
    go to exports/units/<code>/): reuse the latest version if its inputs are unchanged, else a new one."""
    if unit is not None and unit != top_unit(con):
        exports = exports / "units" / unit
        exports.mkdir(parents=True, exist_ok=True)
    latest = _latest_version(exports, year)
    with tempfile.TemporaryDirectory() as tmp:
        bundle_hash = freeze_inputs(con, year, Path(tmp) / "inputs")
        if latest:
            prev_dir = _version_dir(exports, year, latest)
            prev_manifest = json.loads((prev_dir / "manifest.json").read_text(encoding="utf-8"))
            if prev_manifest["bundle_sha256"] == bundle_hash and prev_manifest["rounding_mode"] == rounding_mode:
                files = [prev_dir / f for f in prev_manifest["files"]]
                _copy_latest(prev_dir, exports, year)
                return Publication(year, latest, prev_dir, files, False, None)
        version_dir = _version_dir(exports, year, latest + 1)
        # build next to the final place, then rename: a crash never leaves a half-written version
        staging = version_dir.with_name(version_dir.name + ".part")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        shutil.copytree(Path(tmp) / "inputs", staging / "inputs")
    files = [version_dir / f.relative_to(staging)
             for f in build_outputs(staging / "inputs", year, staging, rounding_mode, unit)]
    manifest = {
        "year": year, "unit": unit, "version": latest + 1, "published_at": datetime.now().isoformat(timespec="seconds"),
        "bundle_sha256": bundle_hash, "rounding_mode": rounding_mode,
        "files": [str(f.relative_to(version_dir)) for f in files],
        "file_sha256": {str(f.relative_to(version_dir)): _sha256(staging / f.relative_to(version_dir)) for f in files},
        "input_files": _input_files(con),
    }
    diff = None
    if latest:
        diff = version_dir / _diff(_version_dir(exports, year, latest), staging, prev_manifest, manifest).name
        manifest["diff_report"] = diff.name
    (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    staging.rename(version_dir)
    _copy_latest(version_dir, exports, year)
    return Publication(year, latest + 1, version_dir, files, True, diff)


def record_publication(con: duckdb.DuckDBPyConnection, pub: Publication, unit: str | None, run_id: str) -> None:
    """A new version in raw.publications: the first one fixes which statistics vintage the year keeps
    (int_region_economy_vintages)."""
    if pub.is_new:
        manifest = json.loads((pub.directory / "manifest.json").read_text(encoding="utf-8"))
        con.execute("insert into raw.publications values (?, ?, ?, ?, ?, ?)",
                    [pub.year, unit or top_unit(con), pub.version, manifest["published_at"],
                     manifest["bundle_sha256"], run_id])


def _copy_latest(version_dir: Path, exports: Path, year: int) -> None:
    for name in (f"水资源公报表_{year}.xlsx", f"考核结果表_{year}.xlsx"):
        shutil.copyfile(version_dir / name, exports / name)


def regenerate(version_dir: Path) -> list[str]:
    """Rebuild a published version from its own inputs; return the files that differ (none = identical)."""
    manifest = json.loads((version_dir / "manifest.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        build_outputs(version_dir / "inputs", manifest["year"], Path(tmp), manifest["rounding_mode"],
                      manifest.get("unit"))
        return [f for f in manifest["files"] if not filecmp.cmp(version_dir / f, Path(tmp) / f, shallow=False)]
