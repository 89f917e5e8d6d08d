"""WaterStat: water-resources statistics warehouse (Dagster + dbt, on DuckDB or Spark)."""
import warnings

# Great Expectations imports pyspark whenever it is installed (the `spark` extra), and pyspark warns
# about pandas 3 at import, on every DuckDB run too. The warning concerns pyspark's pandas API, which
# nothing here uses (dbt-spark sends SQL); dbt's own Spark process filters it the same way.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
