"""Export assets: the bulletin workbooks and the published read-only snapshot."""

from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.catalog import owners, table_metadata
from dagster_project.exports.bulletin import available_years
from dagster_project.exports.release import release_year
from dagster_project.exports.snapshot import publish_snapshot
from dagster_project.lib.deployment import setting
from dagster_project.lib.tables import table_exists
from dagster_project.quality.report import build_report
from dagster_project.resources import WarehouseResource

MART_DEPS = [dg.AssetKey(["marts", name]) for name in
             ("mart_water_use_by_region", "fct_indicators", "dim_regions")]
DQ_RESULTS = dg.AssetKey(["quality", "dq_check_results"])
PUBLICATIONS = dg.AssetKey(["raw", "publications"])


class BulletinConfig(dg.Config):
    # default (None): the deployment's rule bulletin_rounding_mode (GB/T 8170 half_even); overridable per run
    rounding_mode: str | None = None


@dg.asset(group_name="exports", owners=owners("exports"), deps=[*MART_DEPS, DQ_RESULTS], kinds={"excel"},
          check_specs=[dg.AssetCheckSpec("every_year_exported", asset="bulletin_workbooks",
                                         description="No report year was held back by a blocking quality check.")],
          description="Versioned publications per report year (exports/bulletin/<year>/vNNN/: 水资源公报表 and "
                      "考核结果表 workbooks with Excel charts, CSV/Parquet extracts, frozen inputs, diff vs the previous "
                      "version). A year with a blocking quality failure is not published and gets a .blocked.txt.")
def bulletin_workbooks(context: dg.AssetExecutionContext, config: BulletinConfig, warehouse: WarehouseResource):
    exports = Path(warehouse.exports_dir)
    published, blocked = {}, {}
    with warehouse.connect() as con:  # writes raw.publications
        for year in available_years(con):
            # the top unit's bulletin, then one per child unit the deployment asks for
            units = [None, *setting(con, "bulletin.child_units")]
            release = release_year(con, year, exports, units, context.run_id, config.rounding_mode)
            if release.blocked:
                blocked[year] = release.blocked
                context.log.error(f"Bulletin {year} not published: " + "; ".join(release.blocked))
            for unit, pub in release.publications.items():
                label = f"{year}" if unit is None else f"{year} {unit}"
                published[label] = f"v{pub.version:03d}" + (" (new)" if pub.is_new else " (unchanged)")
                context.log.info(f"{label}: {published[label]} in {pub.directory}")
        publications = table_metadata(con, *PUBLICATIONS.path) if table_exists(con, *PUBLICATIONS.path) else None
    if publications:  # the register the releases append to (reported here: no asset outputs it)
        yield dg.AssetMaterialization(asset_key=PUBLICATIONS, metadata=publications)
    yield dg.MaterializeResult(metadata={"versions": dg.MetadataValue.json(published),
                                         "blocked_years": dg.MetadataValue.json(blocked)})
    yield dg.AssetCheckResult(check_name="every_year_exported", passed=not blocked,
                              severity=dg.AssetCheckSeverity.ERROR,
                              metadata={"blocked_years": dg.MetadataValue.json(blocked)})


@dg.asset(group_name="quality", owners=owners("quality"), deps=[*MART_DEPS, DQ_RESULTS], kinds={"html"},
          description="The data-quality report (exports/dq/dq_report.html): files, quarantine, checks, GE, dbt tests.")
def dq_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as con:
        summary = build_report(con, Path(warehouse.exports_dir) / "dq")
    context.log.info(f"Wrote {summary.path}")
    return dg.MaterializeResult(metadata={"path": str(summary.path), "files_rejected": summary.files_rejected,
                                          "rows_quarantined": summary.rows_quarantined,
                                          "blocked_years": dg.MetadataValue.json(
                                              {str(k): v for k, v in summary.blocked_years.items()})})


@dg.asset(group_name="exports", owners=owners("exports"), deps=[bulletin_workbooks, dq_report], kinds={"duckdb"},
          description="Read-only snapshot for analysts (waterstat sql): a new file with the analyst tables "
                      "only (marts, reports, intermediate, ref, deployment, quality, raw.load_log), personal-data columns left out.")
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    path = publish_snapshot(Path(warehouse.database), Path(warehouse.published_database))
    context.log.info(f"Published {path}")
    with duckdb.connect(str(path), read_only=True) as con:
        rows = {f"{schema}.{table}": con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
                for schema, table in con.execute("""select table_schema, table_name from information_schema.tables
                                                     order by all""").fetchall()}
    return dg.MaterializeResult(metadata={"path": str(path), "bytes": path.stat().st_size,
                                          "rows_by_table": dg.MetadataValue.json(rows)})
