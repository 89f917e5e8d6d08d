"""One ingestion asset per raw source (raw/<source>), generated from the contract registry.

Partitioned like its files: meter readings by day, annual sources by report year. A run loads
the files of its partition range only (dagster_project/lib/partition_keys.py)."""

from pathlib import Path

import dagster as dg

from dagster_project.catalog import owners, table_metadata
from dagster_project.ingest.deployment_load import load_deployment
from dagster_project.ingest.loader import load_source
from dagster_project.lib.deployment import DERIVED_TABLES, TABLES
from dagster_project.lib.contracts import SOURCES, Source
from dagster_project.partitions import partitions_for
from dagster_project.progress import PROGRESS
from dagster_project.resources import WarehouseResource

FILES_ACCEPTED = "files_accepted"
INGEST = "ingest"
LOAD_LOG = dg.AssetKey(["raw", "load_log"])


def build_raw_asset(source: Source) -> dg.AssetsDefinition:
    """raw/<source> (valid rows) and raw/<source>__quarantine (rejected rows) from one load."""
    key = dg.AssetKey(["raw", source.name])
    quarantine_key = dg.AssetKey(["raw", f"{source.name}__quarantine"])
    partitions_def = partitions_for(source.name)

    @dg.multi_asset(
        name=f"ingest_{source.name}",
        group_name=INGEST,
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run(),  # a range of days is one pass over its files
        specs=[
            dg.AssetSpec(key, kinds={"duckdb"}, owners=owners(INGEST),
                         description=f"{source.title_zh}: {source.description or source.grain} "
                                     f"Files: raw/{source.file_glob}."),
            dg.AssetSpec(quarantine_key, kinds={"duckdb"}, owners=owners(INGEST),
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
            descriptions = {c.name: c.description for c in source.columns}
            tables = {t: table_metadata(con, *t.split("."), descriptions)
                      for t in (source.table, source.quarantine_table, "raw.load_log")}
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
            **tables[source.table],
        })
        yield dg.MaterializeResult(asset_key=quarantine_key, metadata={
            "rows_quarantined_this_run": summary.rows_quarantined,
            "reasons": dg.MetadataValue.json({r: n for r, n in reasons}),
            **tables[source.quarantine_table],
        })
        # the load log every ingestion appends to (not an output of any asset: reported, not materialized here)
        yield dg.AssetMaterialization(asset_key=LOAD_LOG, metadata=tables["raw.load_log"])
        yield dg.AssetCheckResult(
            check_name=FILES_ACCEPTED, asset_key=key, passed=not summary.rejected,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"rejected": dg.MetadataValue.json([{"file": o.file, "message": o.message}
                                                         for o in summary.rejected])},
        )

    return _ingest


raw_assets = [build_raw_asset(s) for s in SOURCES]


@dg.multi_asset(
    name="load_deployment", group_name=INGEST,
    specs=[dg.AssetSpec(dg.AssetKey(["deployment", t.name]), kinds={"duckdb"}, description=t.doc, owners=owners(INGEST))
           for t in TABLES] + [dg.AssetSpec(dg.AssetKey(["deployment", name]), kinds={"duckdb"}, description=doc,
                                            owners=owners(INGEST))
                               for name, doc in DERIVED_TABLES.items()],
    description="The office's deployment folder (WATERSTAT_DEPLOYMENT): validated and loaded, every file logged.",
)
def deployment_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect() as con:
        deployment = load_deployment(con, Path(warehouse.deployment_dir), context.run_id)
        docs = {t.name: {c.name: c.doc for c in t.columns} for t in TABLES}
        tables = {t: table_metadata(con, "deployment", t, docs.get(t)) for t in [*docs, *DERIVED_TABLES]}
    context.log.info(f"Deployment {deployment.directory} ({deployment.settings.office_zh}) loaded")
    for name, metadata in tables.items():
        yield dg.MaterializeResult(asset_key=dg.AssetKey(["deployment", name]),
                                   metadata={**metadata, "file": str(deployment.files.get(name, "(derived or absent)"))})

publications = dg.AssetSpec(
    key=dg.AssetKey(["raw", "publications"]), group_name="exports", kinds={"duckdb"}, owners=owners("exports"),
    description="One row per published version (report year, unit, version, time, bundle hash); the bulletin "
                "appends to it, and a year's first row fixes the statistics vintage it keeps.",
)

load_log = dg.AssetSpec(
    key=LOAD_LOG, group_name=INGEST, kinds={"duckdb"}, owners=owners(INGEST),
    description="One row per file per load attempt (loaded / unchanged / rejected / removed / deferred / waiting, "
                "rows read, loaded and quarantined, run id, who started it); every ingestion asset appends to it.",
)
