"""Presentation rounding. Figures are stored at full precision and rounded once, here.

GB/T 8170-2008 (四舍六入五成双) is round-half-even on the exact decimal value; 'half_up' is
offered because whether bulletins use it is not settled (METHODS §8 [VERIFY]).
"""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

ROUNDING_MODES = {"half_even": ROUND_HALF_EVEN, "half_up": ROUND_HALF_UP}


def round_for_bulletin(value: float | None, decimals: int, mode: str = "half_even") -> float | None:
    """Round a stored value for display; negatives are rounded by absolute value (symmetric)."""
    if value is None:
        return None
    try:
        rounding = ROUNDING_MODES[mode]
    except KeyError:
        raise ValueError(f"unknown rounding mode {mode!r}; use one of {sorted(ROUNDING_MODES)}") from None
    # repr() gives the shortest decimal that round-trips, so 2.675 is treated as written.
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=rounding))
