import pytest

from dagster_project.lib.rounding import round_for_bulletin


@pytest.mark.parametrize("value, decimals, expected", [
    # GB/T 8170-2008 examples: 四舍六入五成双 when the discarded part is exactly 5
    (2.25, 1, 2.2), (2.35, 1, 2.4), (0.5, 0, 0.0), (1.5, 0, 2.0),
    (2.675, 2, 2.68), (2.665, 2, 2.66),  # the decimal as written, not its binary neighbour
    (12.3451, 2, 12.35),  # more than half: up
    (-2.25, 1, -2.2),  # negatives by absolute value
    (0.6494, 3, 0.649),
])
def test_half_even_is_the_default(value, decimals, expected):
    assert round_for_bulletin(value, decimals) == expected


def test_half_up_is_available_as_a_rule():
    assert round_for_bulletin(2.25, 1, "half_up") == 2.3
    assert round_for_bulletin(0.5, 0, "half_up") == 1.0


def test_none_stays_none_and_unknown_modes_are_refused():
    assert round_for_bulletin(None, 2) is None
    with pytest.raises(ValueError, match="unknown rounding mode"):
        round_for_bulletin(1.0, 1, "bankers")
