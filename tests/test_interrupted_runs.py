"""A load killed with SIGKILL (issue 14) at three points: `waterstat status` names the run that never
finished, and a re-run gives the warehouse an uninterrupted run gives (tests/test_operations.py's
reference run and fingerprint; its own module so that xdist runs it beside the other operations tests).
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from dagster_project import cli
from tests.conftest import isolate
from tests.test_operations import demo_raw, fingerprint, reference  # noqa: F401  (session fixtures)


KILL_POINTS = {
    # (line in the progress output, seconds to wait after it): where the process dies
    "mid_meter_ingest": ("▶ ingest_meter_readings", 0.0),
    "mid_annual_ingest": ("▶ ingest_economic_statistics", 0.2),  # the 2nd annual step: one source loaded
    "mid_dbt_build": ("▶ waterstat_dbt_models", 4.0),
}


@pytest.mark.parametrize("kill_point", KILL_POINTS)
def test_sigkill_mid_load_then_rerun_gives_the_uninterrupted_warehouse(kill_point, reference, demo_raw,
                                                                      tmp_path, monkeypatch, capsys):
    _, uninterrupted = reference
    paths = isolate(monkeypatch, tmp_path)
    shutil.copytree(demo_raw, paths.raw, dirs_exist_ok=True)
    marker, delay = KILL_POINTS[kill_point]
    proc = subprocess.Popen([sys.executable, "-m", "dagster_project.cli", "run"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True, env=os.environ.copy())
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith(marker):
            time.sleep(delay)
            os.killpg(proc.pid, signal.SIGKILL)  # the whole group: dbt dies too, like a crashed host
            break
    assert proc.wait(timeout=60) == -signal.SIGKILL, "".join(seen[-20:])
    capsys.readouterr()
    cli.main(["status"])
    status = capsys.readouterr().out
    assert re.search(r"NEVER FINISHED \w+ run \w{8}: its process", status) and "Nothing to do" not in status, status
    assert cli.run_pipeline(paths)
    assert fingerprint(paths) == uninterrupted
    cli.main(["status"])
    assert "NEVER FINISHED" not in capsys.readouterr().out  # the re-run recorded the killed run as failed
