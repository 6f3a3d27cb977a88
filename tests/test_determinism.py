"""With a fixed seed and a frozen clock the same requests give byte-identical responses."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from emulator.app import create_app
from emulator.fixtures import world as world_fixtures
from tests import fakevendor
from tests.conftest import make_settings


def _session_of_requests() -> list[bytes]:
    app = create_app(make_settings())
    fakevendor.install(app)
    answers = []
    with TestClient(app) as client:
        sandbox = client.post("/_emulator/sandboxes", json={"name": "x"})
        sid = sandbox.json()["id"]
        calls = [
            ("GET", "/_emulator/credentials", None, {}),
            ("POST", f"/_emulator/sandboxes/{sid}/clock", {"advance_seconds": 30}, {}),
            ("POST", "/fake/probes", {"name": "mine"}, {"X-World": sid}),
            ("POST", "/_emulator/clock", {"advance_seconds": 3600}, {}),
            ("GET", "/fake/probes", None, {"X-World": "default"}),
            ("GET", "/fake/probes", None, {"X-World": sid}),
            ("POST", "/_emulator/sandboxes", None, {}),
            ("GET", "/_emulator/sandboxes", None, {}),
            ("POST", "/_emulator/reset", None, {}),
            ("GET", "/fake/probes", None, {"X-World": "default"}),
        ]
        answers.append(sandbox.content)
        for method, path, body, headers in calls:
            response = client.request(method, path, json=body, headers=headers)
            assert response.status_code < 400, (path, response.text)
            answers.append(response.content)
    return answers


def test_same_requests_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(world_fixtures, "POPULATORS", [("fake", fakevendor.populate)])
    first = _session_of_requests()
    second = _session_of_requests()
    assert first == second
    assert b"Done@" in first[5]  # the run did exercise the engine
