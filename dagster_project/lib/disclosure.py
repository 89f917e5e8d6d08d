"""Complementary (secondary) suppression: no withheld cell of a published table may be derivable
from the cells printed next to it.

A table is additive along relations: a total equals the sum of its parts (within a row: 用水总量 =
Σ sectors, a sector = Σ its sub-sectors; across rows: the report unit's row = Σ its children's).
A reader who sees every cell of a relation but one recovers that one, up to rounding. So after
primary suppression, while some relation has exactly one withheld cell, a second cell of that
relation is withheld too: the smallest published non-zero one (τ-ARGUS's minimum-value cost: the
least information lost; a zero protects nothing, since a reader can take a withheld 0.00 as 0).
Relations and candidates are taken in table order, so the same table always gets the same marks.

Pure Python rather than dbt: the relations are those of the printed layout (which columns sit
under which header, which rows a unit's table shows), and a table has a few dozen cells.
"""
from __future__ import annotations

from dataclasses import dataclass

Cell = tuple[str, str]  # (row key, column key)


@dataclass(frozen=True)
class Relation:
    total: Cell
    parts: tuple[Cell, ...]

    @property
    def cells(self) -> tuple[Cell, ...]:
        return (self.total, *self.parts)


def table_relations(row_keys: list[str], unit: str, within_row: dict[str, tuple[str, ...]],
                    columns: tuple[str, ...]) -> list[Relation]:
    """Every relation of a unit's table: within each row, each `within_row` total = Σ its parts;
    across rows, for every column, the unit's row = Σ the other rows (its children), when the
    table has the unit's row and a child's."""
    rows = [Relation((r, total), tuple((r, p) for p in parts)) for r in row_keys for total, parts in within_row.items()]
    children = [r for r in row_keys if r != unit]
    if unit not in row_keys or not children:
        return rows
    return rows + [Relation((unit, c), tuple((child, c) for child in children)) for c in columns]


def number(value) -> float | None:
    """A cell's value as a reader can use it: a blank is none of it (0); a mark ("×", "—") is unknown."""
    if value is None:
        return 0.0
    return None if isinstance(value, str) else float(value)


def holding(relations: list[Relation], values: dict[Cell, object], tolerance: float) -> list[Relation]:
    """The relations a reader can use: every cell a number or withheld, none "not available" (a
    "—" stands for a breakdown the unit's returns do not give, so the relation does not hold), and
    the full-precision figures adding up to within `tolerance` (half a unit of the last printed
    digit: a sum that is off by more has a part the table does not show — a unit's own data no
    child row carries — like 工业 and its unpublished non-cooling part)."""
    kept = []
    for rel in relations:
        figures = [values.get(c) for c in rel.cells]
        if any(isinstance(v, str) for v in figures):
            raise ValueError(f"relation {rel} checked on marked cells: pass the figures before suppression")
        total, *parts = (number(v) for v in figures)
        if abs(total - sum(parts)) <= tolerance:
            kept.append(rel)
    return kept


def complements(relations: list[Relation], values: dict[Cell, object], suppressed: set[Cell],
                unavailable: set[Cell], tolerance: float) -> list[Cell]:
    """The cells to withhold besides `suppressed` so that no relation has exactly one withheld
    cell, in the order chosen. `values` are the full-precision figures; a relation with a cell in
    `unavailable` ("—") is not one a reader can use. A candidate is published, and non-zero when the
    relation has such a cell (|value| > tolerance: it does not print as 0.00)."""
    usable = [r for r in holding(relations, values, tolerance) if not unavailable.intersection(r.cells)]
    order = {cell: i for i, cell in enumerate(values)}
    withheld, chosen = set(suppressed), []
    while True:
        exposed = next((r for r in usable if len(withheld.intersection(r.cells)) == 1), None)
        if exposed is None:
            return chosen
        candidates = [c for c in exposed.cells if c not in withheld]
        pick = min(candidates, key=lambda c: (abs(number(values.get(c))) <= tolerance, abs(number(values.get(c))),
                                              order.get(c, len(order))))
        withheld.add(pick)
        chosen.append(pick)
