"""Pure helpers (no I/O): codes, rounding, indicator formulas. Unit-tested in tests/lib."""
