"""Runs that never finished: a run whose process died (SIGKILL, a crashed host) stays STARTED in
the Dagster instance for ever. The CLI tags each run with its process; a STARTED run whose
process is gone on this host is interrupted, shown by `waterstat status` and closed as failed by
the next `waterstat run`."""
from __future__ import annotations

import os
import socket

import dagster as dg

PID_TAG, HOST_TAG = "waterstat/pid", "waterstat/host"
IN_FLIGHT = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]


def process_tags() -> dict[str, str]:
    """Tags naming the process that executes a run in-process (the CLI)."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def interrupted_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """In-flight runs whose process on this host no longer exists."""
    runs = instance.get_runs(dg.RunsFilter(statuses=IN_FLIGHT))
    return [r for r in runs if r.tags.get(HOST_TAG) == socket.gethostname() and PID_TAG in r.tags
            and not _alive(int(r.tags[PID_TAG]))]


def close_interrupted_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """Record each interrupted run as failed, so the UI and `status` stop showing it as running."""
    runs = interrupted_runs(instance)
    for run in runs:
        instance.report_run_failed(run, message=f"process {run.tags[PID_TAG]} on {run.tags[HOST_TAG]} ended "
                                                "without finishing the run (killed or crashed)")
    return runs
