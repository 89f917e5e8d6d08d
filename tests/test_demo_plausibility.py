"""The demo city's units differ as real ones do (issue 20), and every indicator passes the
plausibility checks: declines, 亩均 and per-capita figures spread between units, each within the
catalog's range and within dq_peer_factor of its neighbours' median.

Works on this test's copy of the session's demo (tests/conftest.py `demo_copy`).
"""
import duckdb
import pytest

from dagster_project.lib.reference import plausible_ranges
from tests.conftest import table_rows

pytestmark = pytest.mark.pipeline


def column(rows: dict, *words: str) -> dict[str, float]:
    """Each unit's value in the column whose header contains every word (the city row left out)."""
    header = next(h for h in next(iter(rows.values())) if all(w in h for w in words))
    return {unit: row[header] for unit, row in rows.items() if unit != "全市"}


def test_units_differ_as_real_ones_do(demo_copy):
    rows = table_rows(demo_copy.exports / "水资源公报表_2021.xlsx", "表3 主要用水指标")
    assert len(rows) == 11  # the city and its ten units
    for words, min_spread in ((("万元GDP用水量下降率", "较上年"), 3), (("万元GDP用水量下降率", "较2020年"), 3),
                              (("万元工业增加值用水量下降率", "较上年"), 3), (("亩均",), 50),
                              (("人均生活用水量(含公共)",), 40)):
        values = column(rows, *words)
        assert len(set(values.values())) >= 6, (words, values)  # not one figure for every unit
        assert max(values.values()) - min(values.values()) >= min_spread, (words, values)


def test_every_indicator_is_plausible_and_like_its_neighbours(demo_copy):
    ranges = plausible_ranges()
    with duckdb.connect(str(demo_copy.warehouse), read_only=True) as con:
        indicators = con.execute("select region_code, report_year, indicator_code, value from marts.fct_indicators"
                                 ).fetchall()
        checks = con.execute("""select check_name, report_year, n_failing from quality.dq_check_results
                                where check_name in ('indicator_out_of_range', 'indicator_vs_peers')""").fetchall()
    per_capita = [(r, y, code, v) for r, y, code, v in indicators if code.endswith(("per_capita", "per_capita_legacy"))]
    assert len(per_capita) >= 5 * 11 * 3  # five per-capita indicators, 11 regions, three years
    for region, year, code, value in per_capita:
        low, high = ranges[code]
        assert low <= value <= high, (region, year, code, value)
    assert {(name, year) for name, year, _ in checks} == {
        (name, year) for name in ('indicator_out_of_range', 'indicator_vs_peers') for year in (2020, 2021, 2022, None)}
    assert all(n == 0 for _, _, n in checks), checks
