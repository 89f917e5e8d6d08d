"""dbt commands started warm: forked from a process that has imported dbt once (a zygote).

Every dbt command of a run is a process (dagster-dbt starts `dbt build`), and each spent about
3.5 s importing dbt and its adapter before it read the project: two commands a night. Here one
process per run imports them once (`serve`) and forks a child for each command. The executable
dagster-dbt starts is `waterstat-dbt` (`launch`): a small process that hands its arguments,
environment, working folder and standard streams to the zygote over a Unix socket. The child
runs dbt's own command line on them, so its output is dbt's, on the launcher's streams, and its
exit status is the launcher's; a signal the launcher receives (dagster-dbt sends SIGINT when a
run is interrupted) is passed on to the child. Without a zygote (none started, or not answering
yet) the launcher becomes dbt itself (exec), exactly as before.

The zygote dies with the process that started it (PR_SET_PDEATHSIG) and shares its process group,
so killing a run's group kills every dbt child too. multiprocessing's forkserver does the same for
Python functions; a dbt command needs its own streams and exit status, which it does not pass.
"""
from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ZYGOTE_VARIABLE = "WATERSTAT_DBT_ZYGOTE"  # the socket the launcher hands a command to
PRELOAD = ("dbt.cli.main", "dbt.adapters.duckdb")  # what every command of the pipeline imports first
MAX_REQUEST = 1 << 20  # arguments and environment of one command (--vars included), bytes
STATUS = struct.Struct("!i")


def real_dbt() -> str:
    """dbt's own executable, beside this interpreter."""
    return str(Path(sys.executable).parent / "dbt")


def launch() -> None:
    """`waterstat-dbt ARGS…`: run `dbt ARGS…` in a child of the zygote, or be dbt if there is none."""
    args = sys.argv[1:]
    try:
        zygote = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        zygote.connect(os.environ[ZYGOTE_VARIABLE])
    except (KeyError, OSError):
        os.execv(real_dbt(), [real_dbt(), *args])
    # a signal that comes before the child is known is held, then passed on (never lost, never
    # Python's KeyboardInterrupt in the launcher while dbt goes on)
    child, held = None, []

    def pass_on(received: int, _frame) -> None:
        if child is None:
            held.append(received)
            return
        with contextlib.suppress(ProcessLookupError):  # it has just ended
            os.kill(child, received)

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, pass_on)
    request = json.dumps({"args": args, "env": dict(os.environ), "cwd": os.getcwd()}).encode()
    socket.send_fds(zygote, [request], [0, 1, 2])
    started = zygote.recv(STATUS.size)
    if started:
        child = STATUS.unpack(started)[0]
        for received in held:
            pass_on(received, None)
    status = zygote.recv(STATUS.size) if started else b""
    # no status: the child was killed before it could say; a killed process's status, as a shell gives it
    sys.exit(STATUS.unpack(status)[0] if status else 128 + signal.SIGKILL)


def serve(path: str) -> None:
    """Import dbt, then fork a child for each command handed over at `path`, until killed."""
    _die_with_parent()
    for module in PRELOAD:
        importlib.import_module(module)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children; nobody waits for them
    server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    server.bind(path + ".binding")
    server.listen(8)
    os.replace(path + ".binding", path)  # the socket appears only once it listens
    sys.stdout.flush()
    sys.stderr.flush()
    while True:
        connection, _ = server.accept()
        if os.fork() == 0:
            server.close()
            # the child exits as a dbt process does (its exit handlers run: multiprocessing's
            # semaphores are released, not reported leaked)
            sys.exit(_run_command(connection))
        connection.close()


def _run_command(connection: socket.socket) -> int:
    """In the forked child: become the launcher's dbt command, run it, report its status."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # dbt may start and wait for processes of its own
    message, fds, _, _ = socket.recv_fds(connection, MAX_REQUEST, 3)
    request = json.loads(message)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    sys.stdout.reconfigure(line_buffering=True)  # dagster-dbt reads dbt's log line by line as it comes
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    connection.sendall(STATUS.pack(os.getpid()))
    code = _dbt(request["args"])
    sys.stdout.flush()
    sys.stderr.flush()
    connection.sendall(STATUS.pack(code))
    return code


def _dbt(args: list[str]) -> int:
    """dbt's command line, as its console script runs it (click exits with the status)."""
    from dbt.cli.main import cli

    try:
        cli.main(args=args, prog_name="dbt")
    except SystemExit as done:
        if isinstance(done.code, str):
            print(done.code, file=sys.stderr)
            return 1
        return done.code or 0
    except KeyboardInterrupt:
        return 130
    return 0


def _die_with_parent() -> None:
    """Linux: the kernel kills this process when the one that started it dies (a run killed with
    SIGKILL leaves no zygote behind). Elsewhere the parent's exit handler stops it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the request took effect
        os._exit(0)


_started: subprocess.Popen | None = None


def start() -> None:
    """Start this process's zygote (once), and point the launcher at it: the variable is set in
    this process's environment, which dagster-dbt copies into every dbt command it starts. It
    imports dbt meanwhile; a command started before it listens runs cold, as before."""
    global _started
    if _started is not None and _started.poll() is None:
        return
    folder = tempfile.mkdtemp(prefix="waterstat-dbt-")  # mode 700: only this user can hand it commands
    path = os.path.join(folder, "zygote.sock")
    _started = subprocess.Popen([sys.executable, "-m", "dagster_project.dbt_zygote", path],
                                stdin=subprocess.DEVNULL)
    os.environ[ZYGOTE_VARIABLE] = path
    atexit.register(_stop, _started, folder)


def _stop(process: subprocess.Popen, folder: str) -> None:
    process.kill()
    process.wait()
    for name in os.listdir(folder):
        os.unlink(os.path.join(folder, name))
    os.rmdir(folder)


if __name__ == "__main__":
    serve(sys.argv[1])
