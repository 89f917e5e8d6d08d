"""The ws_* parsers a raw value goes through (dbt/macros/ws_functions.sql), run in DuckDB as the
loader and dbt run them: hand-worked values, and the plain-cast fast path giving exactly what the
general way gives, for every kind of value the sources send."""
from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from dagster_project.lib.sql_functions import ws_functions_sql


@pytest.fixture(scope="module")
def con():
    with duckdb.connect() as con:
        con.execute(ws_functions_sql())
        yield con


NUMBERS = {  # text as sent → the number (hand-read)
    "100.5": 100.5, "0": 0.0, "-3.25": -3.25, "1e3": 1000.0, " 12 ": 12.0, "12\t": 12.0,
    "1,234.5": 1234.5, "1,234,567": 1234567.0, "１００.５": 100.5, "１，２３４": 1234.0, "３．５": 3.5,
    "": None, "   ": None, "abc": None, "12 m3": None, "1.2.3": None, None: None,
}

TIMESTAMPS = {  # platform text → China Standard Time wall clock (hand-converted)
    "2022-12-26 01:00:00": datetime(2022, 12, 26, 1), "2022-12-26T01:00:00": datetime(2022, 12, 26, 1),
    "2022-12-26 01:00": datetime(2022, 12, 26, 1), " 2022-12-26 01:00:00 ": datetime(2022, 12, 26, 1),
    "２０２２-12-26 01:00": datetime(2022, 12, 26, 1), "2022-12-26 01:00:00.5": datetime(2022, 12, 26, 1, 0, 0, 500000),
    "2022-12-26T01:00:00+08:00": datetime(2022, 12, 26, 1), "2022-12-25T17:00:00Z": datetime(2022, 12, 26, 1),
    "2022-12-25T19:00:00+02:00": datetime(2022, 12, 26, 1), "2022-12-26T09:30:00+08:30": datetime(2022, 12, 26, 9),
    "2022-12-26 01:00:00-05": datetime(2022, 12, 26, 14),
    "2022-12-26": None, "2022-13-26 01:00:00": None, "2022-12-26 25:00:00": None, "2022-12-26 01:00:0x": None,
    "": None, "yesterday": None, None: None,
}


@pytest.mark.parametrize("text, expected", NUMBERS.items())
def test_number(con, text, expected):
    fast, general = con.execute("select ws_parse_number(?), ws_parse_number_general(?)", [text, text]).fetchone()
    assert fast == expected and general == expected


@pytest.mark.parametrize("text, expected", TIMESTAMPS.items())
def test_platform_timestamp(con, text, expected):
    fast, general = con.execute("select ws_parse_cst_timestamp(?), ws_parse_cst_timestamp_general(?)",
                                [text, text]).fetchone()
    assert fast == expected and general == expected


def test_the_fast_path_gives_the_general_value_for_every_shape(con):
    """Clean values, and every 19-character string the fast path's shape test lets through with a
    character changed (space, sign, letter, full-width digit, Z) at each position."""
    clean = "2022-12-26 01:00:00"
    variants = {clean[:i] + c + clean[i + 1:] for i in range(len(clean)) for c in " +-TZz:/.０9"}
    numbers = {f"{sign}{digits}{suffix}" for sign in ("", "-", "+", " ") for digits in ("7", "1,000", "0.5", "１2", "inf", "nan", "0x10", "1_000")
               for suffix in ("", " ", "e2", ",", ".")}
    diff = con.execute("""select x, ws_parse_cst_timestamp(x), ws_parse_cst_timestamp_general(x)
                          from unnest(?) t(x)
                          where ws_parse_cst_timestamp(x) is distinct from ws_parse_cst_timestamp_general(x)""",
                       [sorted(variants | {clean})]).fetchall()
    assert not diff
    diff = con.execute("""select x from unnest(?) t(x)
                          where ws_parse_number(x) is distinct from ws_parse_number_general(x)""",
                       [sorted(numbers)]).fetchall()
    assert not diff
    # most of the variants are still read (a few) or refused (most): the corpus is not all nulls
    read = con.execute("select count(ws_parse_cst_timestamp(x)) from unnest(?) t(x)", [sorted(variants)]).fetchone()[0]
    assert 0 < read < len(variants)
