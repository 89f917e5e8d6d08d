"""WaterStat: water-resources statistics warehouse (Dagster + dbt-duckdb)."""
