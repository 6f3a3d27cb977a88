"""run_emulator: both modes start a real server on a free port and stop it on the way out."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from emulator.testing import run_emulator


def test_subprocess_mode_serves_the_options_and_stops(tmp_path: Path) -> None:
    with run_emulator("subprocess", db=str(tmp_path / "state.db"), seed=7,
                      now="2026-02-01T00:00:00Z", freeze=True) as server:
        assert server.mode == "subprocess"
        assert server.client.health()["status"] == "ok"
        assert server.client.clock() == {"now": "2026-02-01T00:00:00.000Z", "frozen": True,
                                         "speed": 1.0}
        assert server.client.reset()["seed"] == 7
        base_url = server.base_url
    assert (tmp_path / "state.db").exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/_emulator/health")


def test_thread_mode_stops_listening_on_exit() -> None:
    with run_emulator(seed=7, now="2026-02-01T00:00:00Z", freeze=True) as server:
        assert server.mode == "thread"
        assert server.base_url.startswith("http://127.0.0.1:")
        assert server.client.clock()["now"] == "2026-02-01T00:00:00.000Z"
        base_url = server.base_url
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/_emulator/health")


def test_a_server_that_cannot_start_is_an_error_not_a_hang(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "state.db"
    with pytest.raises(RuntimeError, match="stopped while starting"), \
            run_emulator(db=str(missing)):
        pass


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="thread"), run_emulator("docker"):  # type: ignore[arg-type]
        pass
