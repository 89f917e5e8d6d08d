"""dbt commands started warm (dagster_project/dbt_zygote.py): the launcher's output, exit status and
signals are those of the dbt command it hands over; without a zygote it is dbt itself; the zygote
dies with the process that started it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dagster_project.dbt_zygote import ZYGOTE_VARIABLE
from dagster_project.resources import build_resources, dbt_executable, dbt_launcher
from dagster_project.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.xdist_group("dbt_zygote")

LAUNCHER = dbt_launcher()
STARTS_ZYGOTE = textwrap.dedent("""
    import os, sys, time
    from dagster_project import dbt_zygote
    dbt_zygote.start()
    print(dbt_zygote._started.pid, os.environ[dbt_zygote.ZYGOTE_VARIABLE], flush=True)
    time.sleep(600)
""")


def wait_for(condition, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s")
        time.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.fixture(scope="module")
def zygote():
    """A process that started a zygote (as a run's resource does), and the zygote's socket."""
    parent = subprocess.Popen([sys.executable, "-c", STARTS_ZYGOTE], stdout=subprocess.PIPE, text=True)
    pid, socket_path = parent.stdout.readline().split()
    wait_for(lambda: os.path.exists(socket_path))
    yield parent, int(pid), socket_path
    parent.kill()
    parent.wait()


def dbt(command: list[str], socket_path: str | None, **kwargs) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != ZYGOTE_VARIABLE}
    if socket_path:
        env[ZYGOTE_VARIABLE] = socket_path
    return subprocess.run([LAUNCHER, *command], env=env, capture_output=True, text=True, **kwargs)


def forked_from(zygote_pid: int) -> list[int]:
    """The dbt children the zygote is running now."""
    return [int(p) for p in subprocess.run(["pgrep", "-P", str(zygote_pid)], capture_output=True, text=True).stdout.split()]


def run_through(zygote, command: list[str], env: dict, **kwargs) -> tuple[subprocess.Popen, str]:
    """A command of a few seconds started by the launcher, seen running as the zygote's child (not
    the launcher become dbt: its output alone would not tell), then its output."""
    _, zygote_pid, socket_path = zygote
    launcher = subprocess.Popen([LAUNCHER, *command], env={**env, ZYGOTE_VARIABLE: socket_path},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    wait_for(lambda: forked_from(zygote_pid) or launcher.poll() is not None)
    assert forked_from(zygote_pid), "the command ended without a child of the zygote: the launcher ran dbt cold"
    out, err = launcher.communicate(timeout=120)
    return launcher, out + err


def test_the_pipeline_starts_dbt_through_the_launcher():
    assert build_resources()["dbt"].dbt_executable == LAUNCHER
    assert Path(LAUNCHER).name == "waterstat-dbt" and Path(LAUNCHER).parent == Path(dbt_executable()).parent


def test_a_command_handed_to_the_zygote_runs_in_the_launchers_folder_and_environment(zygote, tmp_path):
    # no --project-dir: dbt finds the project in the launcher's folder; no --target-path: dbt takes
    # it from the launcher's DBT_TARGET_PATH
    launcher, output = run_through(zygote, ["parse", "--quiet", "--profiles-dir", str(DBT_PROJECT_DIR)],
                                   {**os.environ, "DBT_TARGET_PATH": str(tmp_path / "target")}, cwd=DBT_PROJECT_DIR)
    assert launcher.returncode == 0, output
    assert (tmp_path / "target" / "manifest.json").exists()
    assert output == ""  # nothing of the zygote's own (no leaked semaphores reported at the child's exit)


def test_a_command_handed_to_the_zygote_prints_and_exits_as_dbt_does(zygote):
    _, _, socket_path = zygote
    unknown = dbt(["no-such-command"], socket_path)
    assert unknown.returncode == 2 and "No such command 'no-such-command'" in unknown.stderr
    assert unknown.stderr.startswith("Usage: dbt ")  # dbt's own name, not the zygote's module
    assert unknown.stderr == dbt(["no-such-command"], None).stderr


def test_a_signal_to_the_launcher_reaches_the_dbt_command(zygote, tmp_path):
    _, zygote_pid, socket_path = zygote
    env = {**os.environ, ZYGOTE_VARIABLE: socket_path}
    # a full parse takes seconds: time enough to interrupt it
    launcher = subprocess.Popen([LAUNCHER, "parse", "--no-partial-parse", "--project-dir", str(DBT_PROJECT_DIR),
                                 "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(tmp_path / "target")],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_for(lambda: forked_from(zygote_pid))
    child = forked_from(zygote_pid)[0]
    launcher.send_signal(signal.SIGINT)
    output = launcher.communicate(timeout=60)[0]
    assert launcher.returncode != 0 and "KeyboardInterrupt" in output
    wait_for(lambda: not alive(child), 10)
    assert not (tmp_path / "target" / "manifest.json").exists()


def test_without_a_zygote_the_launcher_is_dbt_itself(tmp_path):
    # (not --version: dbt asks PyPI for its latest release, and tests use no network)
    missing = dbt(["--help"], str(tmp_path / "no.sock"))
    assert missing.returncode == 0 and missing.stdout.startswith("Usage: dbt ")
    assert missing.stdout == subprocess.run([dbt_executable(), "--help"], capture_output=True, text=True).stdout


def test_the_zygote_dies_with_the_process_that_started_it():
    parent = subprocess.Popen([sys.executable, "-c", STARTS_ZYGOTE], stdout=subprocess.PIPE, text=True)
    pid = int(parent.stdout.readline().split()[0])
    assert alive(pid)
    parent.kill()  # SIGKILL: no exit handler of the parent's runs
    parent.wait()
    wait_for(lambda: not alive(pid), 30)
