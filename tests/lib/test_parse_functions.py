"""The ws_* parsers a raw value goes through (dbt/macros/ws_functions.sql), run in DuckDB as the
loader and dbt run them: hand-worked values, and the direct route of a plain ASCII value giving
exactly what the general way gives, for every kind of value the sources send."""
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


# the general way of a timestamp: every value normalised (full-width forms, surrounding spaces)
GENERAL_TIMESTAMP = "ws_parse_cst_timestamp_ascii(trim(ws_ascii(?)))"

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
    "2022-12-26T01:00:00+08:00 ": datetime(2022, 12, 26, 1), "2022/12/26 1:00": datetime(2022, 12, 26, 1),
    "2022-12-26": None, "2022-13-26 01:00:00": None, "2022-12-26 25:00:00": None, "2022-12-26 01:00:0x": None,
    "": None, "yesterday": None, None: None,
}


@pytest.mark.parametrize("text, expected", NUMBERS.items())
def test_number(con, text, expected):
    direct, general = con.execute("select ws_parse_number(?), ws_parse_number_general(?)", [text, text]).fetchone()
    assert direct == expected and general == expected


@pytest.mark.parametrize("text, expected", TIMESTAMPS.items())
def test_platform_timestamp(con, text, expected):
    direct, general = con.execute(f"select ws_parse_cst_timestamp(?), {GENERAL_TIMESTAMP}", [text, text]).fetchone()
    assert direct == expected and general == expected


def test_the_direct_route_gives_the_general_value_for_every_shape(con):
    """Every string one or two characters away from the platforms' shapes (a space, sign, letter,
    Z, separator or full-width digit put in), each shape padded, and numbers in every dress."""
    shapes = ("2022-12-26 01:00:00", "2022-12-26T01:00:00", "2022-12-26 01:00", "2022-12-26T01:00:00+08:00",
              "2022-12-25T17:00:00Z", "2022/12/26 1:00")
    padded = {f"{a}{s}{b}" for s in shapes for a, b in ((" ", ""), ("", " "), ("  ", "\t"), ("\u3000", ""))}
    chars = " +-TZz:/.０9"
    one = {s[:i] + c + s[i + 1:] for s in shapes for i in range(len(s)) for c in chars}
    two = {s[:i] + c + s[i + 1:j] + d + s[j + 1:] for s in shapes for i in range(len(s)) for j in range(i + 1, len(s))
           for c in "Z+:" for d in "Z+-"}
    numbers = {f"{sign}{digits}{suffix}" for sign in ("", "-", "+", " ")
               for digits in ("7", "1,000", "0.5", "１2", "inf", "nan", "0x10", "1_000") for suffix in ("", " ", "e2", ",", ".")}
    general = GENERAL_TIMESTAMP.replace("?", "x")
    diff = con.execute(f"""select x, ws_parse_cst_timestamp(x), {general} from unnest(?) t(x)
                           where ws_parse_cst_timestamp(x) is distinct from {general}""",
                       [sorted(one | two | padded | set(shapes))]).fetchall()
    assert not diff
    diff = con.execute("""select x from unnest(?) t(x)
                          where ws_parse_number(x) is distinct from ws_parse_number_general(x)""",
                       [sorted(numbers)]).fetchall()
    assert not diff
    # the corpus is not all refused: many variants are still read (by either way)
    read = con.execute("select count(ws_parse_cst_timestamp(x)) from unnest(?) t(x)", [sorted(one)]).fetchone()[0]
    assert 0 < read < len(one)


def test_trim_keeps_a_plain_value_and_trims_the_rest_as_duckdb_does(con):
    """ws_trim gives trim's value for any character at either end of a value: every ASCII
    character, the Unicode spaces DuckDB trims (no-break, ideographic, em) and some it keeps."""
    ends = [chr(i) for i in range(1, 128)] + ["\u00a0", "\u3000", "\u2003", "\u200b", "\u2028", "站"]
    values = {f"{a}{core}{b}" for core in ("BM00000001", "南通站", "a b", "") for a in ends + [""] for b in ends + [""]}
    diff = con.execute("select x from unnest(?) t(x) where ws_trim(x) is distinct from trim(x)",
                       [sorted(values)]).fetchall()
    assert not diff
    assert con.execute("select ws_trim(' BM01 '), ws_trim('\u3000南通\u3000'), ws_trim('BM01'), ws_trim(null)"
                       ).fetchone() == ("BM01", "南通", "BM01", None)
