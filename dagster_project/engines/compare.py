"""One table as two engines built it, compared: the same rows, numbers equal to 10 significant
digits, text and dates equal. Set-based in DuckDB (EXCEPT ALL both ways over normalised rows)."""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

SIGNIFICANT_DIGITS = 10
NUMERIC = ("DOUBLE", "FLOAT", "REAL", "DECIMAL", "HUGEINT", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UBIGINT")


@dataclass(frozen=True)
class Comparison:
    rows_left: int
    rows_right: int
    missing_columns: tuple[str, ...]  # in the left table, not the right
    extra_columns: tuple[str, ...]  # in the right table, not the left
    only_left: int  # rows (normalised) the right table lacks
    only_right: int

    @property
    def equal(self) -> bool:
        return not (self.missing_columns or self.extra_columns or self.only_left or self.only_right
                    or self.rows_left != self.rows_right)


def is_number(data_type: str) -> bool:
    """A numeric type, not a list of numbers (INTEGER[] is compared as text)."""
    return data_type.upper().startswith(NUMERIC) and not data_type.endswith("]")


def normalised(column: str, data_type: str) -> str:
    """A value as compared: a number to 10 significant digits (float sums differ in the last
    bits between engines), anything else as text."""
    q = f'"{column}"'
    if is_number(data_type):
        x = f"cast({q} as double)"
        return (f"case when {x} = 0 or not isfinite({x}) then {x} "
                f"else round({x}, {SIGNIFICANT_DIGITS - 1} - cast(floor(log10(abs({x}))) as integer)) end")
    if data_type.upper().startswith("TIMESTAMP"):
        return f"strftime(cast({q} as timestamp), '%Y-%m-%d %H:%M:%S.%f')"
    return f"cast({q} as varchar)"


def compare_relations(con: duckdb.DuckDBPyConnection, left: str, right: str,
                      ignore: tuple[str, ...] = ()) -> Comparison:
    """`left` and `right` are anything DuckDB can select from (a table, `read_parquet(...)`);
    columns named in `ignore` (e.g. when each side's rows were loaded) are left out of the rows."""
    def columns(rel: str) -> dict[str, str]:
        return {r[0]: r[1] for r in con.sql(f"describe select * from {rel}").fetchall()}
    lcols, rcols = columns(left), columns(right)
    shared = [c for c in lcols if c in rcols and c not in ignore]
    # a column typed as a number on one side and text on the other is compared as a number
    types = {c: lcols[c] if is_number(lcols[c]) else rcols[c] for c in shared}
    select = ", ".join(normalised(c, types[c]) for c in shared) or "1"
    count = lambda sql: con.sql(f"select count(*) from ({sql})").fetchone()[0]  # noqa: E731
    lsel, rsel = f"select {select} from {left}", f"select {select} from {right}"
    return Comparison(rows_left=count(f"select * from {left}"), rows_right=count(f"select * from {right}"),
                      missing_columns=tuple(c for c in lcols if c not in rcols),
                      extra_columns=tuple(c for c in rcols if c not in lcols),
                      only_left=count(f"{lsel} except all {rsel}"), only_right=count(f"{rsel} except all {lsel}"))


def compare_table(con: duckdb.DuckDBPyConnection, table: str, parquet_dir: str) -> Comparison:
    return compare_relations(con, table, f"read_parquet('{parquet_dir}/**/*.parquet', hive_partitioning = true)")
