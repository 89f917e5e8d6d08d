"""USCC validation as production does it: the SQL macro ws_is_valid_uscc (dbt/macros/ws_functions.sql,
which the row checks and the dbt models call), run in an in-memory DuckDB after creating the ws_*
functions as the loader does (ingest/loader.py ensure_raw_schema)."""
import duckdb
import numpy as np
import pytest

from dagster_project.demo.generator import Uscc
from dagster_project.lib.codes import USCC_ALPHABET
from dagster_project.lib.sql_functions import ws_functions_sql

# 91350100M000100Y43 is the example USCC printed in GB 32100-2015 explanations (its check char is 3).
PUBLISHED_EXAMPLE = "91350100M000100Y43"


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect(":memory:")
    con.execute(ws_functions_sql())
    yield con
    con.close()


def is_valid_uscc(con, code) -> bool:
    return con.execute("select ws_is_valid_uscc(?)", [code]).fetchone()[0]


def accepted_check_chars(con, first17: str) -> list[str]:
    """Every 18th character the macro accepts after this body: the check character alone."""
    return [c for c in USCC_ALPHABET if is_valid_uscc(con, first17 + c)]


def test_published_example_has_a_valid_check_character(con):
    assert accepted_check_chars(con, PUBLISHED_EXAMPLE[:17]) == ["3"]
    assert is_valid_uscc(con, PUBLISHED_EXAMPLE) is True


def test_a_changed_character_breaks_the_check(con):
    assert is_valid_uscc(con, PUBLISHED_EXAMPLE[:17] + "4") is False
    assert is_valid_uscc(con, "91350100M000100Y4") is False  # too short
    assert is_valid_uscc(con, PUBLISHED_EXAMPLE + "3") is False  # too long
    assert is_valid_uscc(con, "91350100M000100I43") is False  # I is not in the alphabet
    assert is_valid_uscc(con, "91350100N000100Y43") is False  # one body character changed
    assert is_valid_uscc(con, None) is False  # no code is not a valid one (the row check skips nulls itself)


def test_check_value_31_maps_to_zero(con):
    # body chosen by hand so that sum(w*v) mod 31 == 0: all zeros → 31 - 0 = 31 → '0'
    assert accepted_check_chars(con, "0" * 17) == ["0"]


def test_the_demo_codes_pass_the_production_check(con):
    """The demo generator's check character (lib/codes.py) is the one production accepts."""
    uscc = Uscc(np.random.default_rng(16))
    codes = [uscc.new(region) for region in ("320685", "320612", "320600") for _ in range(100)]
    assert all(is_valid_uscc(con, code) for code in codes)
    assert not any(is_valid_uscc(con, code[:17] + next(c for c in USCC_ALPHABET if c != code[17])) for code in codes)


def test_the_python_check_of_a_register_agrees_with_the_sql_one(con):
    from dagster_project.lib.codes import is_valid_uscc as python_check

    rng = np.random.default_rng(7)
    codes = [Uscc(rng).new("320612") for _ in range(20)] + [PUBLISHED_EXAMPLE, PUBLISHED_EXAMPLE[:17] + "4",
                                                             PUBLISHED_EXAMPLE[:17], "91350100M000100YI3", ""]
    assert [python_check(c) for c in codes] == [is_valid_uscc(con, c) for c in codes]
    assert sum(map(python_check, codes)) == 21  # the 20 generated and the published example
