"""Copies and wipes of worlds (core.cloning) run below the session's events: what they must
still guarantee, seen through the control plane and the vendors' own APIs.

The copies' contents (same rows as a build, fresh secrets) are tests/test_templates.py's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from emulator.fixtures import cleverfox as cleverfox_fixtures
from emulator.vendors.cleverfox.models import CfDevice
from tests.conftest import T0, two_servers
from tests.core.test_response_cache import _cache_of


def _cleverfox(credentials: dict[str, Any]) -> dict[str, str]:
    key = credentials["cleverfox"]["api_key"]
    return {"Authorization": httpx.BasicAuth(key, "")._auth_header}


def _default(client: TestClient) -> dict[str, str]:
    return _cleverfox(client.get("/_emulator/credentials").json())


def test_a_reset_that_fails_midway_leaves_the_old_state_standing(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox = client.post("/_emulator/sandboxes").json()
    before = client.get("/_emulator/credentials").json()
    devices = client.get("/api/devices", headers=_cleverfox(before)).content

    def broken(*_args: Any) -> dict[str, Any]:
        raise RuntimeError("drawing a secret failed")

    # The wipe has run and some tables are copied when a redraw fails.
    monkeypatch.setitem(cleverfox_fixtures.SECRETS, CfDevice, broken)
    with pytest.raises(RuntimeError, match="drawing a secret failed"):
        client.post("/_emulator/reset", json={"seed": 99, "now": T0, "freeze": True})
    monkeypatch.undo()

    assert client.get("/_emulator/credentials").json() == before
    assert client.get("/api/devices", headers=_cleverfox(before)).content == devices
    assert [s["id"] for s in client.get("/_emulator/sandboxes").json()] == [sandbox["id"]]
    assert client.get("/api/devices", headers=_cleverfox(sandbox["credentials"])).status_code \
        == 200


def test_a_new_or_deleted_sandbox_leaves_other_worlds_kept_answers_kept(
        client: TestClient) -> None:
    client.post("/_emulator/sandboxes")  # the first builds the template world the next copies
    headers = _default(client)
    kept = client.get("/api/devices", headers=headers)
    cache = _cache_of(client.app)
    sandbox = client.post("/_emulator/sandboxes").json()
    hits = cache.hits
    assert client.get("/api/devices", headers=headers).content == kept.content
    assert cache.hits == hits + 1  # the copy bumped its own world's version, not every world's
    assert client.get("/api/devices", headers=_cleverfox(sandbox["credentials"])).status_code \
        == 200
    assert client.delete(f"/_emulator/sandboxes/{sandbox['id']}").status_code == 204
    assert client.get("/api/devices", headers=headers).content == kept.content
    assert cache.hits == hits + 2
    assert client.get("/api/devices", headers=_cleverfox(sandbox["credentials"])).status_code \
        == 401


def test_a_reset_by_another_process_is_seen_by_a_caching_server(tmp_path: Path) -> None:
    """The wipe and the copy bypass the session's events; the versions they bump must still
    reach a server that keeps answers over the same database."""
    with two_servers(str(tmp_path / "shared.db")) as (one, two):
        headers = _default(one)
        assert one.delete("/api/devices/1", headers=headers).status_code == 200
        assert one.get("/api/devices/1", headers=headers).status_code == 404
        assert one.get("/api/devices/1", headers=headers).status_code == 404  # kept
        assert two.post("/_emulator/reset", json={"now": T0, "freeze": True}).status_code == 200
        assert one.get("/api/devices/1", headers=headers).status_code == 200
