"""Export assets: the bulletin workbooks and the published read-only snapshot."""

import os
import shutil
from pathlib import Path

import dagster as dg

from dagster_project.exports.bulletin import available_years, write_bulletin
from dagster_project.resources import WarehouseResource
from dagster_project.settings import dbt_vars

MART_DEPS = [dg.AssetKey(["marts", name]) for name in
             ("mart_water_use_by_region", "fct_indicators", "dim_regions")]


class BulletinConfig(dg.Config):
    # default from dbt var bulletin_rounding_mode (GB/T 8170 half_even); overridable per run
    rounding_mode: str = dbt_vars()["bulletin_rounding_mode"]


@dg.asset(group_name="exports", deps=MART_DEPS, kinds={"excel"},
          description="水资源公报 tables per report year (exports/水资源公报表_YYYY.xlsx).")
def bulletin_workbooks(context: dg.AssetExecutionContext, config: BulletinConfig,
                       warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as con:
        paths = [write_bulletin(con, y, Path(warehouse.exports_dir), config.rounding_mode)
                 for y in available_years(con)]
    for p in paths:
        context.log.info(f"Wrote {p}")
    return dg.MaterializeResult(metadata={"files": dg.MetadataValue.json([str(p) for p in paths])})


def publish_snapshot(build: Path, published: Path) -> Path:
    """Copy the closed build file next to the published one, then swap it in atomically.

    Readers that still hold the old file keep their consistent (older) view; new readers see
    the new one; nobody ever opens the file the pipeline writes.
    """
    import duckdb

    con = duckdb.connect(str(build))
    con.execute("checkpoint")
    con.close()
    published.parent.mkdir(parents=True, exist_ok=True)
    tmp = published.with_name(published.name + ".part")
    shutil.copyfile(build, tmp)
    os.replace(tmp, published)
    return published


@dg.asset(group_name="exports", deps=[bulletin_workbooks], kinds={"duckdb"},
          description="Read-only snapshot of the warehouse for analysts (waterstat sql).")
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    path = publish_snapshot(Path(warehouse.database), Path(warehouse.published_database))
    context.log.info(f"Published {path}")
    return dg.MaterializeResult(metadata={"path": str(path), "bytes": path.stat().st_size})
