"""`run_emulator()`: a real emulator on a free loopback port for the length of a `with` block.

    with run_emulator() as server:               # uvicorn in a daemon thread of this process
        server.client.sandbox(...)
    with run_emulator("subprocess") as server:   # `backup-emulator serve` in a child process
        ...
    with run_emulator("subprocess", db="state.db", workers=2):  # two worker processes
        ...

Both serve with the uvicorn settings of `backup-emulator serve` (emulator.core.transport), so
fault rules that drop or cut connections behave as on a deployed server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Literal

import httpx

from emulator.testing.client import TOKEN_VARIABLE, EmulatorClient, iso8601

__all__ = ["RunningEmulator", "console_script", "free_port", "run_emulator", "stop_process"]

Mode = Literal["thread", "subprocess"]
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


@dataclass
class RunningEmulator:
    """A started server: where it listens and a control client on it."""

    base_url: str
    client: EmulatorClient
    mode: Mode
    process: subprocess.Popen[Any] | None = None
    """The `backup-emulator serve` process (subprocess mode), e.g. to kill it."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (another process may take it before you do)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def console_script() -> str:
    """The installed `backup-emulator` beside this interpreter, else the one on PATH."""
    beside = Path(sys.executable).with_name("backup-emulator")
    if beside.exists():
        return str(beside)
    found = shutil.which("backup-emulator")
    if found is None:
        raise RuntimeError("backup-emulator is not installed: pip install backup-emulator")
    return found


@contextlib.contextmanager
def run_emulator(mode: Mode = "thread", *, db: str = ":memory:", seed: int | None = None,
                 now: datetime | str | None = None, freeze: bool = False,
                 port: int = 0, control_token: str | None = None, workers: int = 1,
                 env: dict[str, str] | None = None) -> Iterator[RunningEmulator]:
    """Start an emulator on 127.0.0.1 (`port` 0: a free one), wait until healthy, stop it after.

    `seed`, `now` and `freeze` shape the default world as `backup-emulator serve` flags do;
    `control_token` guards its control plane (EMULATOR_CONTROL_TOKEN) and the returned client
    sends it; other settings come from EMULATOR_* variables as usual, and in subprocess mode
    from `env` too (added to this process's environment). `workers` > 1 (subprocess mode, a
    database file or URL) serves with that many processes, as `serve --workers` does.
    """
    token = control_token if control_token is not None else os.environ.get(TOKEN_VARIABLE)
    runner: contextlib.AbstractContextManager[tuple[str, subprocess.Popen[Any] | None]]
    if mode == "thread":
        if workers != 1 or env:
            raise ValueError("workers and env need mode='subprocess'")
        runner = _in_thread(db=db, seed=seed, now=now, freeze=freeze, port=port, token=token)
    elif mode == "subprocess":
        runner = _in_subprocess(db=db, seed=seed, now=now, freeze=freeze, port=port,
                                token=token, workers=workers, env=env or {})
    else:
        raise ValueError(f"mode must be 'thread' or 'subprocess', not {mode!r}")
    with runner as (base_url, process), EmulatorClient(base_url, token=token) as client:
        yield RunningEmulator(base_url, client, mode, process)


def _wait_healthy(base_url: str, alive: Callable[[], bool], why: Callable[[], str]) -> None:
    """Poll /_emulator/health until it answers ok; fail early if the server died."""
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(timeout=2.0) as http:
        while True:
            if not alive():
                raise RuntimeError(f"the emulator stopped while starting{why()}")
            with contextlib.suppress(httpx.TransportError):
                if http.get(f"{base_url}/_emulator/health").status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the emulator did not answer within {START_TIMEOUT} s{why()}")
            time.sleep(0.02)


@contextlib.contextmanager
def _in_thread(*, db: str, seed: int | None, now: datetime | str | None, freeze: bool,
               port: int, token: str | None
               ) -> Iterator[tuple[str, subprocess.Popen[Any] | None]]:
    """uvicorn.Server in a daemon thread on a socket bound here (so port 0 cannot race)."""
    import uvicorn

    from emulator.app import create_app
    from emulator.core.transport import uvicorn_config
    from emulator.settings import Settings

    values: dict[str, Any] = {"db": db, "freeze": freeze, "host": "127.0.0.1", "port": port,
                              "log_level": "warning", "control_token": token or None}
    if seed is not None:
        values["seed"] = seed
    if now is not None:
        values["now"] = iso8601(now)
    settings = Settings(**values)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    # Off the main thread uvicorn installs no signal handlers (uvicorn >= 0.29).
    server = uvicorn.Server(uvicorn_config(create_app(settings), host="127.0.0.1",
                                           port=port, log_level="warning",
                                           header_timeout=settings.header_timeout))
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # SystemExit when the app fails to start
            failure.append(exc)

    thread = threading.Thread(target=serve, name="backup-emulator", daemon=True)
    thread.start()
    try:
        _wait_healthy(base_url, thread.is_alive, lambda: f": {failure!r}" if failure else "")
        yield base_url, None
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT)
        sock.close()


@contextlib.contextmanager
def _in_subprocess(*, db: str, seed: int | None, now: datetime | str | None, freeze: bool,
                   port: int, token: str | None, workers: int, env: dict[str, str]
                   ) -> Iterator[tuple[str, subprocess.Popen[Any] | None]]:
    """`backup-emulator serve` in a child process, its output kept in a temporary file."""
    port = port or free_port()
    command = [console_script(), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--db", db, "--log-level", "warning", "--freeze" if freeze else "--no-freeze",
               "--workers", str(workers)]
    if seed is not None:
        command += ["--seed", str(seed)]
    if now is not None:
        command += ["--now", iso8601(now)]
    with tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                   env={**_child_env(token), **env})
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(base_url, lambda: process.poll() is None,
                          lambda: f":\n{_read(output)}")
            yield base_url, process
        finally:
            stop_process(process)


def _child_env(token: str | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop(TOKEN_VARIABLE, None)
    if token:
        env[TOKEN_VARIABLE] = token
    return env


def _read(output: IO[str]) -> str:
    output.seek(0)
    return output.read()


def stop_process(process: subprocess.Popen[Any]) -> None:
    """SIGINT as Ctrl-C sends (a clean shutdown), then SIGKILL if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
