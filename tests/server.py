"""Starting the real `backup-emulator serve` in a subprocess, as a user would."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from emulator.testing.server import console_script, free_port, stop_process

READY_LINE = "Application startup complete"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


@dataclass
class Server:
    process: subprocess.Popen[str]
    base_url: str
    output: list[str] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)
    ended: threading.Event = field(default_factory=threading.Event)

    @property
    def text(self) -> str:
        return "".join(self.output)

    def stop(self, sig: signal.Signals = signal.SIGINT) -> int:
        """SIGINT as Ctrl-C sends, or SIGTERM as `docker stop` does; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=STOP_TIMEOUT)
        self.ended.wait(STOP_TIMEOUT)
        return code


def _pump(server: Server) -> None:
    assert server.process.stdout is not None
    for line in server.process.stdout:
        server.output.append(line)
        if READY_LINE in line:
            server.ready.set()
    server.ended.set()


@contextmanager
def running(command: Sequence[str], *, port: int, env: Mapping[str, str] | None = None,
            cwd: Path | None = None) -> Iterator[Server]:
    """Run `command`, wait until uvicorn says it is ready, stop it on the way out."""
    full_env = {**os.environ, **(env or {})}
    process = subprocess.Popen(list(command), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=full_env, cwd=cwd)
    server = Server(process, f"http://127.0.0.1:{port}")
    threading.Thread(target=_pump, args=(server,), daemon=True).start()
    try:
        # Whichever comes first: ready, the process ended, or the deadline.
        deadline = time.monotonic() + START_TIMEOUT
        while not server.ready.wait(0.05):
            if server.ended.is_set() or time.monotonic() > deadline:
                break
        assert server.ready.is_set(), f"server did not start:\n{server.text}"
        yield server
    finally:
        stop_process(process)


@contextmanager
def serve(tmp_path: Path, *args: str, env: Mapping[str, str] | None = None) -> Iterator[Server]:
    """`backup-emulator serve` on a free port with a SQLite file in `tmp_path`."""
    port = free_port()
    command = [console_script(), "serve", "--port", str(port), "--db",
               str(tmp_path / "state.db"), *args]
    with running(command, port=port, env=env, cwd=tmp_path) as server:
        yield server
