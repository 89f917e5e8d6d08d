"""What the Dagster UI's catalog shows of each asset: its group and owning team, and, at each
materialization, the table's row count and column schema (names, DuckDB types, descriptions)."""
from __future__ import annotations

from collections.abc import Mapping

import dagster as dg
import duckdb

# The asset groups, in pipeline order, and the team that answers for each: the data engineers for
# loading and shaping the data, the statisticians for the figures they publish and their quality.
DATA_ENGINEERING, STATISTICS = "team:data-engineering", "team:statistics"
GROUP_OWNERS = {"ingest": DATA_ENGINEERING, "staging": DATA_ENGINEERING, "intermediate": DATA_ENGINEERING,
                "marts": STATISTICS, "reports": STATISTICS, "quality": STATISTICS, "exports": STATISTICS}


def owners(group: str) -> list[str]:
    return [GROUP_OWNERS[group]]


def table_metadata(con: duckdb.DuckDBPyConnection, schema: str, table: str,
                   descriptions: Mapping[str, str] | None = None) -> dict[str, dg.MetadataValue]:
    """dagster/row_count and dagster/column_schema of a table or view, as the database has it now."""
    descriptions = descriptions or {}
    columns = con.execute("""select column_name, lower(data_type) from information_schema.columns
                             where table_catalog = current_database() and table_schema = ? and table_name = ?
                             order by ordinal_position""", [schema, table]).fetchall()
    if not columns:
        raise ValueError(f"{schema}.{table} is not in the warehouse")
    rows = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
    schema_value = dg.TableSchema(columns=[dg.TableColumn(name, type_, description=descriptions.get(name) or None)
                                           for name, type_ in columns])
    return {"dagster/row_count": dg.MetadataValue.int(rows),
            "dagster/column_schema": dg.MetadataValue.table_schema(schema_value)}
