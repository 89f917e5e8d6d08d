import duckdb

from dagster_project.lib.fingerprint import warehouse_fingerprint


def _warehouse(rows, loaded_at):
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.t (k varchar, v double, _loaded_at timestamp)")
    con.executemany("insert into marts.t values (?, ?, ?)", [[k, v, loaded_at] for k, v in rows])
    con.execute("create schema raw")
    con.execute("create table raw.load_log (run_id varchar)")
    con.execute("insert into raw.load_log values (?)", [loaded_at])
    return con


def test_equal_data_in_any_order_with_float_noise_has_one_fingerprint():
    # 0.1 + 0.2 = 0.30000000000000004: the last-bit noise of a different summation order
    a = warehouse_fingerprint(_warehouse([("x", 0.1 + 0.2), ("y", 1.0)], "2026-01-01"))
    b = warehouse_fingerprint(_warehouse([("y", 1.0), ("x", 0.3)], "2026-02-02"))  # other load time, other log
    assert a == b and set(a) == {"marts.t"}  # the load log is a run record, not data


def test_a_changed_value_or_an_extra_row_changes_the_fingerprint():
    base = warehouse_fingerprint(_warehouse([("x", 0.3), ("y", 1.0)], "2026-01-01"))
    assert warehouse_fingerprint(_warehouse([("x", 0.3001), ("y", 1.0)], "2026-01-01")) != base
    assert warehouse_fingerprint(_warehouse([("x", 0.3), ("y", 1.0), ("y", 1.0)], "2026-01-01")) != base


def test_exact_sum_gives_the_same_bits_in_any_row_order():
    # The macro as dbt renders it on DuckDB (plain Jinja; exact_sum dispatches to default__exact_sum
    # there), over the same values in two orders: DuckDB's float sum differs in the last bits, the
    # exact sum does not.
    from itertools import permutations

    import jinja2

    from dagster_project.settings import DBT_PROJECT_DIR
    macro = (DBT_PROJECT_DIR / "macros" / "exact_sum.sql").read_text(encoding="utf-8")
    select = jinja2.Environment().from_string(macro + "{{ default__exact_sum('v') }}").render().strip()
    con = duckdb.connect()
    values = [0.1, 0.2, 0.3, 1e8, 7.7, 1e-3]
    floats, exacts = set(), set()
    for order in permutations(values):
        floats.add(sum(order))  # Python adds doubles in the order given, as one thread would
        rows = ", ".join(f"({v!r}::double)" for v in order)
        exacts.add(con.execute(f"select {select} from (values {rows}) as t(v)").fetchone()[0])
    assert len(floats) > 1  # the order matters to a float sum of these values
    assert exacts == {100000008.301}
