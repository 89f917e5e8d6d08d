"""Complementary suppression on hand-made tables, attacked by a reader (tests/attacker.py) who solves
every relation with one unknown cell, and by one who solves the whole linear system.

The table: a unit U and its children A, B, C; columns x, y, z and their total t (t = x + y + z in
every row; U = A + B + C in every column). B has no y (0).
"""
import pytest

from dagster_project.lib.disclosure import complements, holding, table_relations
from tests.attacker import determined, recover

ROWS = {"U": {"x": 10, "y": 5, "z": 15, "t": 30},
        "A": {"x": 5, "y": 3, "z": 2, "t": 10},
        "B": {"x": 4, "y": 0, "z": 6, "t": 10},
        "C": {"x": 1, "y": 2, "z": 7, "t": 10}}
COLUMNS = ("x", "y", "z", "t")
TOLERANCE = 0.005  # half a unit of two printed decimals


def figures(rows=ROWS):
    return {(r, c): v for r, row in rows.items() for c, v in row.items()}


def relations(within_row=True):
    return table_relations(list(ROWS), "U", {"t": ("x", "y", "z")} if within_row else {}, COLUMNS)


def reader_relations():
    """The relations as the reader states them from the layout, not from lib/disclosure.py."""
    rows = [((r, "t"), ((r, "x"), (r, "y"), (r, "z"))) for r in ROWS]
    columns = [(("U", c), tuple((r, c) for r in "ABC")) for c in COLUMNS]
    return rows + columns


def published(withheld, unavailable=(), rows=ROWS):
    values = figures(rows)
    values.update({c: "×" for c in withheld})
    values.update({c: "—" for c in unavailable})
    return values


def test_primary_suppression_alone_gives_the_cell_away():
    """The attack works: A's y is A's total less its x and z (and U's y less B's and C's)."""
    assert recover(published({("A", "y")}), reader_relations()) == {("A", "y"): 3}


def test_a_row_with_one_withheld_cell_gets_its_smallest_non_zero_cell_withheld():
    # only the row relation (no children): A's cells besides y are x 5, z 2, t 10 → z
    chosen = complements(table_relations(["A"], "A", {"t": ("x", "y", "z")}, COLUMNS),
                         figures({"A": ROWS["A"]}), {("A", "y")}, set(), TOLERANCE)
    assert chosen == [("A", "z")]


def test_a_column_with_one_withheld_cell_gets_its_smallest_non_zero_cell_withheld():
    # only the column relations: column x besides A is U 10, B 4, C 1 → C
    assert complements(relations(within_row=False), figures(), {("A", "x")}, set(), TOLERANCE) == [("C", "x")]


def test_a_cascade_ends_with_no_cell_recoverable_by_either_reader():
    # rows are checked first, then columns: A.y → A.z (row A: x 5, z 2, t 10) → C.y (column y: U 5,
    # B 0 protects nothing, C 2) → C.x (row C) → B.x (column x: U 10, A 5, B 4) → B.z (row B, its y
    # being 0): a cycle of six cells, two in every row and column it touches
    chosen = complements(relations(), figures(), {("A", "y")}, set(), TOLERANCE)
    assert chosen == [("A", "z"), ("C", "y"), ("C", "x"), ("B", "x"), ("B", "z")]
    table = published({("A", "y"), *chosen})
    assert recover(table, reader_relations()) == {}
    assert determined(table, reader_relations()) == set()
    # without the last complement, row B gives B.x away, column z gives A.z, row A then A.y, …
    assert set(recover(published({("A", "y"), *chosen[:-1]}), reader_relations())) == {
        ("B", "x"), ("A", "z"), ("A", "y"), ("C", "y"), ("C", "x")}


def test_zero_cells_are_never_complements_while_a_non_zero_one_is_there():
    chosen = complements(relations(), figures(), {("A", "y")}, set(), TOLERANCE)
    assert all(figures()[c] != 0 for c in chosen) and ("B", "y") not in chosen
    # a cell that prints as 0.00 counts as zero too
    rows = {**ROWS, "B": {"x": 4, "y": 0.004, "z": 5.996, "t": 10}}
    assert ("B", "y") not in complements(relations(), figures(rows), {("A", "y")}, set(), TOLERANCE)


def test_a_relation_with_a_not_available_cell_is_not_used():
    # B's return gives no breakdown: its x, y, z read "—", so row B and columns x, y, z do not hold
    unavailable = {("B", c) for c in "xyz"}
    chosen = complements(relations(), figures(), {("A", "y")}, unavailable, TOLERANCE)
    assert chosen == [("A", "z")]
    table = published({("A", "y"), *chosen}, unavailable)
    assert recover(table, reader_relations()) == {} and determined(table, reader_relations()) == set()


def test_a_sum_with_a_part_no_row_shows_is_not_a_relation():
    # U has 2 of x of its own (data at the unit's code): column x does not add up
    rows = {**ROWS, "U": {"x": 12, "y": 5, "z": 15, "t": 32}}
    kept = holding(relations(), figures(rows), TOLERANCE)
    assert (("U", "x")) not in {r.total for r in kept} and ("U", "y") in {r.total for r in kept}
    assert complements(relations(within_row=False), figures(rows), {("A", "x")}, set(), TOLERANCE) == []
    # within rounding it still holds: a reader cannot tell a difference below half a printed unit
    rows = {**ROWS, "U": {"x": 10.004, "y": 5, "z": 15, "t": 30.004}}
    assert complements(relations(within_row=False), figures(rows), {("A", "x")}, set(), TOLERANCE) == [("C", "x")]


def test_figures_must_be_given_before_marking():
    with pytest.raises(ValueError, match="before suppression"):
        holding(relations(), published({("A", "y")}), TOLERANCE)
