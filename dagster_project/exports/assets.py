"""Export assets: the bulletin workbooks and the published read-only snapshot."""

import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.exports.bulletin import available_years, write_bulletin
from dagster_project.quality.gate import blocking_failures, reasons_for_year
from dagster_project.quality.report import build_report
from dagster_project.resources import WarehouseResource
from dagster_project.settings import dbt_vars

MART_DEPS = [dg.AssetKey(["marts", name]) for name in
             ("mart_water_use_by_region", "fct_indicators", "dim_regions")]
DQ_RESULTS = dg.AssetKey(["quality", "dq_check_results"])


class BulletinConfig(dg.Config):
    # default from dbt var bulletin_rounding_mode (GB/T 8170 half_even); overridable per run
    rounding_mode: str = dbt_vars()["bulletin_rounding_mode"]


@dg.asset(group_name="exports", deps=[*MART_DEPS, DQ_RESULTS], kinds={"excel"},
          check_specs=[dg.AssetCheckSpec("every_year_exported", asset="bulletin_workbooks",
                                         description="No report year was held back by a blocking quality check.")],
          description="水资源公报 tables per report year (exports/水资源公报表_YYYY.xlsx); a year with a "
                      "blocking quality failure is not exported and gets a .blocked.txt note saying why.")
def bulletin_workbooks(context: dg.AssetExecutionContext, config: BulletinConfig, warehouse: WarehouseResource):
    exports = Path(warehouse.exports_dir)
    written, blocked = [], {}
    with warehouse.connect(read_only=True) as con:
        failures = blocking_failures(con)
        for year in available_years(con):
            note = exports / f"水资源公报表_{year}.blocked.txt"
            reasons = reasons_for_year(failures, year)
            if reasons:
                blocked[year] = reasons
                # an older workbook for this year must not look like tonight's figures
                (exports / f"水资源公报表_{year}.xlsx").unlink(missing_ok=True)
                exports.mkdir(parents=True, exist_ok=True)
                note.write_text(f"{year}年公报表未导出：数据质量检查未通过。\n" + "\n".join(reasons) + "\n",
                                encoding="utf-8")
                context.log.error(f"Bulletin {year} not exported: " + "; ".join(reasons))
                continue
            note.unlink(missing_ok=True)
            written.append(write_bulletin(con, year, exports, config.rounding_mode))
            context.log.info(f"Wrote {written[-1]}")
    yield dg.MaterializeResult(metadata={"files": dg.MetadataValue.json([str(p) for p in written]),
                                         "blocked_years": dg.MetadataValue.json(blocked)})
    yield dg.AssetCheckResult(check_name="every_year_exported", passed=not blocked,
                              severity=dg.AssetCheckSeverity.ERROR,
                              metadata={"blocked_years": dg.MetadataValue.json(blocked)})


@dg.asset(group_name="quality", deps=[*MART_DEPS, DQ_RESULTS], kinds={"html"},
          description="The data-quality report (exports/dq/dq_report.html): files, quarantine, checks, GE, dbt tests.")
def dq_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as con:
        summary = build_report(con, Path(warehouse.exports_dir) / "dq")
    context.log.info(f"Wrote {summary.path}")
    return dg.MaterializeResult(metadata={"path": str(summary.path), "files_rejected": summary.files_rejected,
                                          "rows_quarantined": summary.rows_quarantined,
                                          "blocked_years": dg.MetadataValue.json(
                                              {str(k): v for k, v in summary.blocked_years.items()})})


PERSONAL_DATA = ("raw.permits", "raw.permits__quarantine")  # tables with contact names and phone numbers


def publish_snapshot(build: Path, published: Path) -> Path:
    """Copy the closed build file next to the published one, then swap it in atomically.

    Readers that still hold the old file keep their consistent (older) view; new readers see
    the new one; nobody ever opens the file the pipeline writes.
    """
    con = duckdb.connect(str(build))
    con.execute("checkpoint")
    con.close()
    published.parent.mkdir(parents=True, exist_ok=True)
    tmp = published.with_name(published.name + ".part")
    shutil.copyfile(build, tmp)
    with duckdb.connect(str(tmp)) as snap:
        for table in PERSONAL_DATA:  # personal data never reaches analysts (staging drops it too)
            snap.execute(f"alter table {table} drop column contact_name")
            snap.execute(f"alter table {table} drop column contact_phone")
        snap.execute("checkpoint")
    os.replace(tmp, published)
    return published


@dg.asset(group_name="exports", deps=[bulletin_workbooks, dq_report], kinds={"duckdb"},
          description="Read-only snapshot of the warehouse for analysts (waterstat sql).")
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    path = publish_snapshot(Path(warehouse.database), Path(warehouse.published_database))
    context.log.info(f"Published {path}")
    return dg.MaterializeResult(metadata={"path": str(path), "bytes": path.stat().st_size})
