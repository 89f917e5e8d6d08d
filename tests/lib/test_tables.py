import duckdb

from dagster_project.lib.tables import sql_text


def test_text_with_quotes_reads_back_unchanged_as_a_sql_literal():
    value = "raw/survey/O'Brien's ''补传''.xlsx"
    assert duckdb.sql(f"select {sql_text(value)}").fetchone()[0] == value
