"""`backup-emulator serve --workers N`: N processes on one port and one store."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from emulator.testing.server import console_script, free_port, run_emulator
from tests.multiprocess.conftest import T0

pytestmark = pytest.mark.e2e


def _workers_of(pid: int) -> list[int]:
    """The worker processes uvicorn's supervisor `pid` started (multiprocessing's spawn)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]


@pytest.mark.parametrize("db", [":memory:", "sqlite://"])
def test_more_than_one_worker_on_memory_is_refused_before_anything_starts(
        db: str, tmp_path: Path) -> None:
    port = free_port()
    done = subprocess.run([console_script(), "serve", "--workers", "2", "--db", db,
                           "--port", str(port)], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path, check=False)
    assert done.returncode == 2
    assert "--workers 2 needs a database the workers share" in done.stderr
    assert done.stdout == ""  # no banner: nothing was built or served
    assert list(tmp_path.iterdir()) == []


def test_two_workers_serve_one_sqlite_file(tmp_path: Path) -> None:
    db = str(tmp_path / "state.db")
    with run_emulator("subprocess", db=db, now=T0, freeze=True, workers=2) as server:
        assert server.process is not None
        assert len(_workers_of(server.process.pid)) == 2
        assert server.client.health()["status"] == "ok"
        assert server.client.clock()["now"] == "2026-01-05T09:00:00.000Z"
