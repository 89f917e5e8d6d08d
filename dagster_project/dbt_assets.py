"""dbt models as Dagster assets; dbt tests become asset checks (`dbt build`)."""
import os

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from dagster_project.quality.dbt_results import record_dbt_results
from dagster_project.resources import WarehouseResource, dbt_project


class WaterstatTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props) -> str:
        # models/<layer>/… → group per layer; seeds → reference
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if dbt_resource_props["resource_type"] == "model" and len(fqn) > 2 else "reference"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=WaterstatTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def waterstat_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    # dbt's profile reads WATERSTAT_WAREHOUSE: point it at the file this run's resource names.
    os.environ["WATERSTAT_WAREHOUSE"] = warehouse.database
    invocation = dbt.cli(["build"], context=context, raise_on_error=False)
    yield from invocation.stream()
    # keep every node's outcome (tests included) for the quality gate and the DQ report
    with warehouse.connect() as con:
        record_dbt_results(con, invocation.get_artifact("run_results.json"), context.run_id)
    if not invocation.is_successful():
        raise dg.Failure("dbt build failed: see the failing models and tests above, or `waterstat check`")
