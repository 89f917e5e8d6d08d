"""The engines dbt can run on: DuckDB (default, in the build file) and Spark (docs/engines.md)."""
