"""Same seed, frozen clock, same requests: byte-identical Rackspace answers."""

from __future__ import annotations

from fastapi.testclient import TestClient

from emulator.app import create_app
from tests.conftest import make_settings
from tests.vendors.rackspace.conftest import as_tenant


def _session() -> list[bytes]:
    with TestClient(create_app(make_settings())) as client:
        sandbox = client.post("/_emulator/sandboxes").json()["id"]
        answers = []
        for world in (None, sandbox):
            rax = as_tenant(client, sandbox=world)
            answers.append(rax.token.encode())
            config_id = rax.get("/backup-configuration").json()[0]["BackupConfigurationId"]
            started = rax.call("POST", "/backup/action-requested",
                               {"Action": "StartManual", "Id": config_id})
            answers.append(started.content)
            client.post("/_emulator/clock", json={"advance_seconds": 2 * 86400 - 60})
            if world:
                client.post(f"/_emulator/sandboxes/{world}/clock",
                            json={"advance_seconds": 2 * 86400 - 60})
            rax.relogin()
            for path in ("/user/agents", "/backup-configuration", "/activity",
                         f"/backup/report/{int(started.content)}",
                         "/backup/availableforrestore"):
                answers.append(rax.get(path).content)
        return answers


def test_same_requests_same_bytes() -> None:
    first, second = _session(), _session()
    assert first == second
    assert b"Completed" in first[5] or b"Failed" in first[5]
