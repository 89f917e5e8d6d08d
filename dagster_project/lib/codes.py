"""Unified social credit code (统一社会信用代码, GB 32100-2015) check character, for the demo
generator's codes and the deployment's registers. Received codes are validated in SQL by ws_is_valid_uscc (sql/functions.sql),
the one validator the row checks and dbt use; tests/lib/test_codes.py checks the two agree."""
from __future__ import annotations

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """The 18th character: 31 - (sum of weight x value mod 31), with 31 mapped to '0'."""
    if len(first17) != 17 or any(ch not in USCC_ALPHABET for ch in first17):
        raise ValueError(f"USCC body must be 17 characters of {USCC_ALPHABET!r}: {first17!r}")
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """18 characters of the alphabet with the right check character (for deployment registers, read in
    Python; received rows are checked in SQL by ws_is_valid_uscc)."""
    code = (code or "").strip().upper()
    return len(code) == 18 and all(ch in USCC_ALPHABET for ch in code) and uscc_check_char(code[:17]) == code[17]
