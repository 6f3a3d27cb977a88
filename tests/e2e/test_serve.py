"""`backup-emulator serve` as a user runs it: start, health, banner, restart, clean stop."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.server import serve

pytestmark = pytest.mark.e2e


def test_serve_starts_answers_health_and_stops_cleanly(tmp_path: Path) -> None:
    with serve(tmp_path, "--seed", "7", "--freeze") as server:
        health = httpx.get(f"{server.base_url}/_emulator/health", timeout=5)
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        creds = httpx.get(f"{server.base_url}/_emulator/credentials", timeout=5).json()
        docs = httpx.get(f"{server.base_url}/docs", timeout=5)
        assert docs.status_code == 200 and "swagger" in docs.text.lower()
        code = server.stop()
    assert code == 0
    # the banner: URL, the default world's credentials, where the docs are
    assert f"listening on {server.base_url}" in server.text
    assert creds["cleverfox"]["api_key"] in server.text
    assert creds["backuprun"]["email"] in server.text
    assert f"{server.base_url}/docs" in server.text
    assert "Application shutdown complete" in server.text


def test_state_survives_a_restart_on_a_file(tmp_path: Path) -> None:
    with serve(tmp_path, "--freeze", "--now", "2026-03-01T00:00:00Z") as server:
        sandbox = httpx.post(f"{server.base_url}/_emulator/sandboxes", timeout=5).json()
        clock = httpx.post(f"{server.base_url}/_emulator/clock",
                           json={"advance_seconds": 3600}, timeout=5).json()
        creds = httpx.get(f"{server.base_url}/_emulator/credentials", timeout=5).json()
        assert server.stop() == 0
    assert clock["now"] == "2026-03-01T01:00:00.000Z"
    with serve(tmp_path, "--freeze", "--seed", "999") as server:
        url = server.base_url
        assert httpx.get(f"{url}/_emulator/credentials", timeout=5).json() == creds
        assert httpx.get(f"{url}/_emulator/clock", timeout=5).json()["now"] == clock["now"]
        again = httpx.get(f"{url}/_emulator/sandboxes/{sandbox['id']}", timeout=5)
        assert again.status_code == 200
        assert again.json()["credentials"] == sandbox["credentials"]


def test_environment_variables_configure_serve(tmp_path: Path) -> None:
    env = {"EMULATOR_FREEZE": "true", "EMULATOR_NOW": "2027-07-07T07:07:07Z",
           "EMULATOR_SPEED": "30"}
    with serve(tmp_path, env=env) as server:
        clock = httpx.get(f"{server.base_url}/_emulator/clock", timeout=5).json()
    assert clock == {"now": "2027-07-07T07:07:07.000Z", "frozen": True, "speed": 30.0}


def test_flags_override_environment_variables(tmp_path: Path) -> None:
    with serve(tmp_path, "--no-freeze", env={"EMULATOR_FREEZE": "true"}) as server:
        clock = httpx.get(f"{server.base_url}/_emulator/clock", timeout=5).json()
    assert clock["frozen"] is False
