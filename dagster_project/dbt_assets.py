"""dbt models as Dagster assets; dbt tests become asset checks (`dbt build`)."""

import os

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

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
    yield from dbt.cli(["build"], context=context).stream()
