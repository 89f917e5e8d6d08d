"""The build file appears whole or not at all: a run killed while DuckDB was creating it (CI, a
SIGKILL at the meter load's start) left a file of one header that no later run could open."""
from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import duckdb

from dagster_project.resources import WarehouseResource

# the first write connection of a run, killed the moment DuckDB has opened the new file
KILLED_IN_CREATION = textwrap.dedent("""
    import os, signal, sys
    import duckdb
    from dagster_project import resources
    from tests.test_warehouse_resource import warehouse
    real_connect = duckdb.connect
    def connect_then_die(*args, **kwargs):
        real_connect(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
    resources.duckdb.connect = connect_then_die
    with warehouse(sys.argv[1]).connect():
        pass
""")


def warehouse(path) -> WarehouseResource:
    return WarehouseResource(database=str(path), published_database="", raw_dir="", exports_dir="",
                             quarantine_dir="", deployment_dir="", lake_dir="")


def test_a_run_killed_while_creating_the_build_file_leaves_none_and_the_next_creates_it(tmp_path):
    db = tmp_path / "build" / "waterstat.duckdb"
    killed = subprocess.run([sys.executable, "-c", KILLED_IN_CREATION, str(db)], capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not db.exists()  # nothing half made where the next run looks
    with warehouse(db).connect() as con:  # the next run: starts over, the leftover set aside
        con.execute("create table t as select 1 as x")
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select x from t").fetchall() == [(1,)]
    assert [p.name for p in db.parent.iterdir()] == ["waterstat.duckdb"]


def test_an_existing_build_file_is_opened_not_replaced(tmp_path):
    db = tmp_path / "waterstat.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create table t as select 7 as x")
    with warehouse(db).connect() as con:
        assert con.execute("select x from t").fetchall() == [(7,)]
