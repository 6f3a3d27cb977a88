"""Clients writing at once through HTTP against a SQLite file lose nothing, kill -9 included."""

from __future__ import annotations

import itertools
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from emulator.core.timeutil import iso_z, parse_iso
from tests.server import serve

pytestmark = pytest.mark.e2e

CLIENTS = 8
SANDBOXES_EACH = 4
SANDBOX_ADVANCES = 3
DEFAULT_ADVANCES_EACH = 10
T0 = "2026-04-01T00:00:00.000Z"


def _writer(base_url: str) -> list[tuple[dict[str, object], int]]:
    created: list[tuple[dict[str, object], int]] = []
    with httpx.Client(base_url=base_url, timeout=30) as http:
        for _ in range(SANDBOXES_EACH):
            response = http.post("/_emulator/sandboxes", json={"freeze": True})
            assert response.status_code == 201, response.text
            sandbox = response.json()
            for _ in range(SANDBOX_ADVANCES):
                moved = http.post(f"/_emulator/sandboxes/{sandbox['id']}/clock",
                                  json={"advance_seconds": 60})
                assert moved.status_code == 200, moved.text
            created.append((sandbox, SANDBOX_ADVANCES * 60))
        for _ in range(DEFAULT_ADVANCES_EACH):
            moved = http.post("/_emulator/clock", json={"advance_seconds": 1})
            assert moved.status_code == 200, moved.text
    return created


def test_eight_concurrent_writers_lose_no_writes(tmp_path: Path) -> None:
    with serve(tmp_path, "--freeze", "--now", T0) as server:
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = list(pool.map(_writer, [server.base_url] * CLIENTS))
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            listed = http.get("/_emulator/sandboxes").json()
            default_now = http.get("/_emulator/clock").json()["now"]
            clocks = {s["id"]: s["clock"]["now"] for s in listed}
        assert server.stop() == 0
    created = [item for result in results for item in result]
    assert len(created) == CLIENTS * SANDBOXES_EACH
    assert {s["id"] for s, _ in created} == set(clocks)
    # every advance landed: no lost update on any clock
    for sandbox, seconds in created:
        started = parse_iso(str(sandbox["created_at"]))
        assert clocks[str(sandbox["id"])] == iso_z(started + timedelta(seconds=seconds))
    expected = parse_iso(T0) + timedelta(seconds=CLIENTS * DEFAULT_ADVANCES_EACH)
    assert default_now == iso_z(expected)
    assert "database is locked" not in server.text
    assert "Traceback" not in server.text


KILL_ROUNDS = 2
KILL_WRITERS = 4
KILL_AFTER = 8  # acknowledged creates per round before the SIGKILL


def _create_and_delete(base_url: str, acked: list[str], deleting: list[str],
                       deleted: list[str], enough: threading.Event, target: int) -> None:
    """Create sandboxes (every third one deleted again) until the server dies."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        try:
            for count in itertools.count(1):
                response = http.post("/_emulator/sandboxes", json={"freeze": True})
                assert response.status_code == 201, response.text
                made = response.json()["id"]
                acked.append(made)
                if count % 3 == 0:
                    deleting.append(made)  # in doubt until acknowledged
                    gone = http.delete(f"/_emulator/sandboxes/{made}")
                    assert gone.status_code == 204, gone.text
                    deleted.append(made)
                if len(acked) >= target:
                    enough.set()
        except httpx.TransportError:
            return  # the server was killed


def test_kill_9_loses_no_acknowledged_create_and_resurrects_no_delete(tmp_path: Path) -> None:
    acked: list[str] = []
    deleting: list[str] = []
    deleted: list[str] = []
    for round_no in range(KILL_ROUNDS):
        with serve(tmp_path, "--freeze", "--now", T0) as server:
            with httpx.Client(transport=httpx.HTTPTransport(retries=20), timeout=5) as http:
                assert http.get(f"{server.base_url}/_emulator/health").status_code == 200
            enough = threading.Event()
            writers = [threading.Thread(target=_create_and_delete,
                                        args=(server.base_url, acked, deleting, deleted, enough,
                                              (round_no + 1) * KILL_AFTER))
                       for _ in range(KILL_WRITERS)]
            for writer in writers:
                writer.start()
            assert enough.wait(120), server.text[-2000:]
            server.process.send_signal(signal.SIGKILL)
            server.process.wait(timeout=15)
            for writer in writers:
                writer.join(30)
    with serve(tmp_path, "--freeze") as server:
        with httpx.Client(transport=httpx.HTTPTransport(retries=20), timeout=30) as http:
            listed = {s["id"] for s in http.get(f"{server.base_url}/_emulator/sandboxes").json()}
        assert server.stop() == 0
    assert len(acked) >= KILL_ROUNDS * KILL_AFTER
    assert set(acked) - set(deleting) <= listed, "an acknowledged create was lost"
    assert not set(deleted) & listed, "an acknowledged delete came back"
