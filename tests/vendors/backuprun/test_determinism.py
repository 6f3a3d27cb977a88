"""Same seed, frozen clock, same calls: byte-identical BackupRun answers and session ids."""

from __future__ import annotations

from fastapi.testclient import TestClient

from emulator.app import create_app
from tests.conftest import make_settings


def _run() -> list[bytes]:
    out: list[bytes] = []
    with TestClient(create_app(make_settings())) as client:
        creds = client.get("/_emulator/credentials").json()["backuprun"]

        def call(**fields: str) -> None:
            response = client.post("/api.php", data=fields)
            out.append(response.content + response.headers.get("set-cookie", "").encode())

        call(apiCALL="login", remember="1", **creds)
        call(apiCALL="addService", type="VDS", location="529", name="d", agent="h",
             agent_port="1167")
        client.post("/_emulator/clock", json={"advance_seconds": 120})
        call(apiCALL="runPolicy", service_id="V15772")
        client.post("/_emulator/clock", json={"advance_seconds": 86400 * 2})
        call(apiCALL="getStatus")
        call(apiCALL="recoverPassword", email=creds["email"])
        out.append(client.get("/_emulator/backuprun/outbox").content)
    return out


def test_same_calls_same_bytes() -> None:
    first, second = _run(), _run()
    assert first == second
    assert b"V15772" in first[3] and b"FINISHED" in first[3]
