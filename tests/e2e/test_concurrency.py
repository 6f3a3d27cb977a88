"""Eight clients writing at once through HTTP against a SQLite file lose nothing."""

from __future__ import annotations

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
