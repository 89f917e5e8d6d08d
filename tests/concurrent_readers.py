"""Analysts read during a load: two reader processes query the published snapshot continuously
while a load rebuilds and republishes it; they must see no lock error and no half-built state.
The load they read through is the late file's restatement (tests/test_operations.py), so the suite
runs that pipeline once for both."""
import json
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager
from typing import Iterator

import pytest

READER = textwrap.dedent("""
    import json, sys, time, duckdb
    path, stop_file, out = sys.argv[1:4]
    answers, errors = [], []
    while True:
        try:
            con = duckdb.connect(path, read_only=True)
            # one snapshot answers both: the city row must equal the sum of its units
            city, units, loads = con.execute('''
                select (select sum(total_m3) from marts.mart_water_use_by_region where region_code = '320600'),
                       (select sum(total_m3) from marts.mart_water_use_by_region where region_code <> '320600'),
                       (select count(*) from raw.load_log)''').fetchone()
            con.close()
            answers.append([city, units, loads])
        except Exception as exc:
            errors.append(repr(exc))
        if __import__('os').path.exists(stop_file):
            break
        time.sleep(0.25)  # often enough to query during every step, without taking a core from the load
    json.dump({"answers": answers, "errors": errors}, open(out, "w"))
""")


@contextmanager
def two_readers(published, tmp_path) -> Iterator[None]:
    """Two reader processes querying the published snapshot for as long as the block runs (and a
    second after, to see what it published); then their checks: no error, the city always the sum of
    its units, and exactly two snapshots seen: the old one and the new one, nothing in between."""
    stop = tmp_path / "stop"
    readers = [subprocess.Popen([sys.executable, "-c", READER, str(published), str(stop), str(tmp_path / f"r{i}.json")])
               for i in range(2)]
    try:
        yield
        time.sleep(1)  # let the readers query the newly published snapshot too
    finally:
        stop.touch()
        for r in readers:
            r.wait(timeout=60)
    for i in range(2):
        result = json.loads((tmp_path / f"r{i}.json").read_text())
        assert result["errors"] == [], result["errors"][:3]
        assert len(result["answers"]) >= 20, "the reader kept querying through the load"
        for city, units, loads in result["answers"]:
            assert city == pytest.approx(units) and loads > 0
        # they saw the old snapshot, then the new one (more load-log rows), and never anything between
        assert len({a[2] for a in result["answers"]}) == 2
