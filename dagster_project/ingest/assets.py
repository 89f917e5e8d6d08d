"""One ingestion asset per raw source (raw/<source>), generated from the contract registry.

Partitioned like its files: meter readings by day, annual sources by report year. A run loads
the files of its partition range only (dagster_project/lib/partition_keys.py)."""

from pathlib import Path

import dagster as dg

from dagster_project.ingest.deployment_load import load_deployment
from dagster_project.ingest.loader import load_source
from dagster_project.lib.deployment import DERIVED_TABLES, TABLES
from dagster_project.lib.contracts import SOURCES, Source
from dagster_project.partitions import partitions_for
from dagster_project.progress import PROGRESS
from dagster_project.resources import WarehouseResource

FILES_ACCEPTED = "files_accepted"


def build_raw_asset(source: Source) -> dg.AssetsDefinition:
    """raw/<source> (valid rows) and raw/<source>__quarantine (rejected rows) from one load."""
    key = dg.AssetKey(["raw", source.name])
    quarantine_key = dg.AssetKey(["raw", f"{source.name}__quarantine"])
    partitions_def = partitions_for(source.name)

    @dg.multi_asset(
        name=f"ingest_{source.name}",
        group_name="ingest",
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run(),  # a range of days is one pass over its files
        specs=[
            dg.AssetSpec(key, kinds={"duckdb"},
                         description=f"{source.title_zh}: {source.description or source.grain} "
                                     f"Files: raw/{source.file_glob}."),
            dg.AssetSpec(quarantine_key, kinds={"duckdb"},
                         description=f"{source.title_zh}: rows that failed their row checks, with reason codes."),
        ],
        check_specs=[dg.AssetCheckSpec(FILES_ACCEPTED, asset=key,
                                       description="Every file in this run met its input contract.")],
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        with warehouse.connect() as con:
            summary = load_source(con, source, Path(warehouse.raw_dir), run_id=context.run_id,
                                  quarantine_root=Path(warehouse.quarantine_dir),
                                  partition_keys=set(context.partition_keys),
                                  known_keys=set(partitions_def.get_partition_keys()),
                                  deployment=Path(warehouse.deployment_dir))
            table_rows = con.execute(f"select count(*) from {source.table}").fetchone()[0]
            reasons = con.execute(f"""select reason, count(*) from (select unnest(_reasons) as reason
                                      from {source.quarantine_table}) group by 1 order by 2 desc""").fetchall()
        for o in summary.rejected:
            context.log.warning(f"Rejected {o.file}: {o.message}")
        context.log.info(f"{source.name} [{context.partition_key_range.start} … {context.partition_key_range.end}]: "
                         f"{summary.describe()}", extra=PROGRESS)
        yield dg.MaterializeResult(asset_key=key, metadata={
            "files_loaded": summary.count("loaded"),
            "files_unchanged": summary.count("unchanged"),
            "files_rejected": len(summary.rejected),
            "rows_loaded": summary.rows_loaded,
            "rows_quarantined": summary.rows_quarantined,
            "table_rows": dg.MetadataValue.int(table_rows),
        })
        yield dg.MaterializeResult(asset_key=quarantine_key, metadata={
            "rows_quarantined_this_run": summary.rows_quarantined,
            "reasons": dg.MetadataValue.json({r: n for r, n in reasons}),
        })
        yield dg.AssetCheckResult(
            check_name=FILES_ACCEPTED, asset_key=key, passed=not summary.rejected,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"rejected": dg.MetadataValue.json([{"file": o.file, "message": o.message}
                                                         for o in summary.rejected])},
        )

    return _ingest


raw_assets = [build_raw_asset(s) for s in SOURCES]


@dg.multi_asset(
    name="load_deployment", group_name="deployment",
    specs=[dg.AssetSpec(dg.AssetKey(["deployment", t.name]), kinds={"duckdb"}, description=t.doc)
           for t in TABLES] + [dg.AssetSpec(dg.AssetKey(["deployment", name]), kinds={"duckdb"}, description=doc)
                               for name, doc in DERIVED_TABLES.items()],
    description="The office's deployment folder (WATERSTAT_DEPLOYMENT): validated and loaded, every file logged.",
)
def deployment_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect() as con:
        deployment = load_deployment(con, Path(warehouse.deployment_dir), context.run_id)
        counts = {t: con.execute(f"select count(*) from deployment.{t}").fetchone()[0]
                  for t in [*(t.name for t in TABLES), *DERIVED_TABLES]}
    context.log.info(f"Deployment {deployment.directory} ({deployment.settings.office_zh}) loaded")
    for name, n in counts.items():
        yield dg.MaterializeResult(asset_key=dg.AssetKey(["deployment", name]),
                                   metadata={"rows": dg.MetadataValue.int(n),
                                             "file": str(deployment.files.get(name, "(derived or absent)"))})

publications = dg.AssetSpec(
    key=dg.AssetKey(["raw", "publications"]), group_name="exports", kinds={"duckdb"},
    description="One row per published version (report year, unit, version, time, bundle hash); the bulletin "
                "appends to it, and a year's first row fixes the statistics vintage it keeps.",
)

load_log = dg.AssetSpec(
    key=dg.AssetKey(["raw", "load_log"]), group_name="ingest", kinds={"duckdb"},
    description="One row per file per load attempt (loaded / unchanged / rejected / removed / deferred / waiting, "
                "rows read, loaded and quarantined, run id, who started it); every ingestion asset appends to it.",
)
