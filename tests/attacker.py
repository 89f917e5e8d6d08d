"""A reader trying to recover withheld ("×") cells of a published table, written apart from the
production code (dagster_project/lib/disclosure.py): the tests give it the relations they read off
the table themselves.

Two attacks: `recover` solves, again and again, any relation with exactly one unknown cell (what the
complementary suppression protects against); `determined` is the linear-algebra reader, who finds
every unknown the whole system of relations pins down, combinations of relations included.
"""
from __future__ import annotations

import numpy as np

WITHHELD, NOT_AVAILABLE = "×", "—"


def _known(published: dict) -> dict:
    return {c: 0.0 if v is None else float(v) for c, v in published.items() if not isinstance(v, str)}


def _usable(published: dict, relations: list) -> list:
    """A relation with a "—" cell is no use: that breakdown is not given at all."""
    return [(t, ps) for t, ps in relations if all(published.get(c) != NOT_AVAILABLE for c in (t, *ps))]


def recover(published: dict, relations: list, ratios: list = ()) -> dict:
    """Cells solved from relations (total, parts) with one unknown, and from ratios
    (ratio, numerator, denominator; ratio = numerator / denominator × 100) with one unknown of the
    two, repeated until nothing new comes out: {cell: value} for every withheld cell recovered."""
    known, found = _known(published), {}
    relations = _usable(published, relations)
    progress = True
    while progress:
        progress = False
        for total, parts in relations:
            unknown = [c for c in (total, *parts) if c not in known]
            if len(unknown) == 1:
                cell = unknown[0]
                others = sum(known[p] for p in parts if p != cell)
                known[cell] = others if cell == total else known[total] - others
                found[cell], progress = known[cell], True
        for ratio, num, den in ratios:
            if ratio in known and (num in known) != (den in known) and known[ratio]:
                cell = den if num in known else num
                known[cell] = known[num] * 100 / known[ratio] if cell == den else known[ratio] * known[den] / 100
                found[cell], progress = known[cell], True
    return {c: v for c, v in found.items() if published.get(c) == WITHHELD}


def determined(published: dict, relations: list) -> set:
    """The withheld cells the linear system of relations fixes: an unknown is determined iff its
    column of the system is independent of the other unknowns' columns (the rank drops without it)."""
    relations = _usable(published, relations)
    unknowns = sorted({c for t, ps in relations for c in (t, *ps) if isinstance(published.get(c), str)})
    if not unknowns:
        return set()
    index = {c: j for j, c in enumerate(unknowns)}
    system = np.zeros((len(relations), len(unknowns)))
    for i, (total, parts) in enumerate(relations):
        for cell, sign in ((total, 1), *((p, -1) for p in parts)):
            if cell in index:
                system[i, index[cell]] += sign
    rank = np.linalg.matrix_rank(system)
    return {c for c in unknowns if published.get(c) == WITHHELD
            and np.linalg.matrix_rank(np.delete(system, index[c], axis=1)) < rank}
