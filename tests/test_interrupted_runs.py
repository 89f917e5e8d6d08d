"""A load killed with SIGKILL (issue 14) at three points in turn: `waterstat status` names the run that
never finished each time, and the re-run after the last gives the warehouse an uninterrupted run
gives (the session's demo build and its fingerprint, tests/conftest.py `demo`).

Each kill point is an event in the run's own output, not a delay: the progress line of a step
starting (dagster_project/progress.py), then optionally the n-th line of a kind after it (dbt's
"N of M OK created …" per model), waited for with a timeout. What the process printed before it
died shows the kill landed where it was meant to: after the lines it must follow, before the one
it must precede.
"""
from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import pytest

from dagster_project import cli
from tests.conftest import isolate, warehouse_fingerprint_of

pytestmark = pytest.mark.pipeline

EVENT_TIMEOUT_S = 600  # a whole run takes under a minute alone, several on a loaded machine


@dataclass(frozen=True)
class KillPoint:
    marker: str  # the progress line after which the kill comes
    then: str = ""  # …at the `nth` line after it matching this pattern (none: at once)
    nth: int = 0
    after: str = ""  # a line the process must have printed before it died (what was done)
    before: str = ""  # a line it must never have printed (what it was in the middle of)


KILL_POINTS = {
    "mid_meter_ingest": KillPoint("▶ ingest_meter_readings", before="✓ ingest_meter_readings"),
    # the 2nd annual step: the first source (county summaries) loaded, the economic statistics loading
    "mid_annual_ingest": KillPoint("▶ ingest_economic_statistics", after="✓ ingest_county_summary_returns",
                                   before="✓ ingest_economic_statistics"),
    # the annual dbt build with five of its models created and the rest not
    "mid_dbt_build": KillPoint("▶ waterstat_dbt_models", then=r"\d+ of \d+ OK created sql (table|view) model ",
                               nth=5, before="✓ waterstat_dbt_models"),
}


def run_and_kill(point: KillPoint) -> list[str]:
    """`waterstat run` in its own process group, SIGKILLed (dbt with it, like a crashed host) at the
    kill point; every line it printed before it died."""
    proc = subprocess.Popen([sys.executable, "-m", "dagster_project.cli", "run"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True, env=os.environ.copy())
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    seen: list[str] = []
    deadline = time.monotonic() + EVENT_TIMEOUT_S
    armed, matched = False, 0
    try:
        while True:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no kill point within {EVENT_TIMEOUT_S} s; last lines:\n" + "\n".join(seen[-20:]))
            if line is None:
                pytest.fail("the run ended before its kill point; last lines:\n" + "\n".join(seen[-20:]))
            seen.append(line)
            if not armed:
                armed = line == point.marker
            elif point.then and re.match(point.then, line):
                matched += 1
            if armed and matched >= point.nth:
                os.killpg(proc.pid, signal.SIGKILL)
                break
        assert proc.wait(timeout=60) == -signal.SIGKILL, "\n".join(seen[-20:])
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
    reader.join(timeout=60)
    while (line := lines.get(timeout=5)) is not None:  # what it printed between the event and its death
        seen.append(line)
    return seen


def printed_line(printed: list[str], start: str) -> bool:
    return any(line.startswith(start) for line in printed)


def test_sigkill_at_each_point_then_rerun_gives_the_uninterrupted_warehouse(demo_raw, request, tmp_path,
                                                                           monkeypatch, capsys):
    """Killed at each point in turn, each re-run killed at the next point, so every recovery starts
    from a killed run's leftovers, and the last re-run let finish: the uninterrupted warehouse. One
    chain rather than three runs to the end: two whole pipeline runs fewer in the suite's budget."""
    paths = isolate(monkeypatch, tmp_path)
    shutil.copytree(demo_raw[0], paths.raw, dirs_exist_ok=True)
    for name, point in KILL_POINTS.items():
        printed = run_and_kill(point)
        # where it died: past its marker (and what had to be done by then), before what it was doing ended
        shown = f"{name}:\n" + "\n".join(printed[-30:])
        assert point.marker in printed and (not point.after or printed_line(printed, point.after)), shown
        assert not printed_line(printed, point.before), shown
        capsys.readouterr()
        cli.main(["status"])
        status = capsys.readouterr().out
        assert re.search(r"NEVER FINISHED \w+ run \w{8}: its process", status) and "Nothing to do" not in status, \
            f"{name}:\n{status}"
    assert cli.run_pipeline(paths)
    uninterrupted = request.getfixturevalue("demo").fingerprint  # the session's build, by now long done
    assert warehouse_fingerprint_of(paths) == uninterrupted
    cli.main(["status"])
    assert "NEVER FINISHED" not in capsys.readouterr().out  # the re-run recorded the killed run as failed
