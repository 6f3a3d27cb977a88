"""The /_emulator contract of docs/architecture.md: health, credentials, reset, clock, errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from emulator.fixtures import world as world_fixtures
from tests.conftest import SEED, T0


def test_health_names_every_vendor(client: TestClient) -> None:
    response = client.get("/_emulator/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"]
    assert body["vendors"] == ["cleverfox", "rackspace", "backuprun", "code42"]


def test_credentials_have_the_documented_shape(client: TestClient) -> None:
    creds = client.get("/_emulator/credentials").json()
    assert set(creds) == {"cleverfox", "rackspace", "backuprun", "code42"}
    assert set(creds["cleverfox"]) == {"api_key"}
    assert set(creds["rackspace"]) == {"username", "api_key", "password", "tenant_id"}
    assert creds["rackspace"]["tenant_id"].isdigit()
    assert set(creds["backuprun"]) == {"email", "password"}
    assert "@" in creds["backuprun"]["email"]
    assert set(creds["code42"]) == {"sysadmin", "org_manager", "user", "api_client"}
    assert set(creds["code42"]["api_client"]) == {"client_id", "secret"}
    roles = [creds["code42"][r] for r in ("sysadmin", "org_manager", "user")]
    for role in roles:
        assert set(role) == {"username", "password"} and all(role.values())
    assert len({r["username"] for r in roles}) == 3


def test_reset_rebuilds_the_exact_default_world(fake_client: TestClient) -> None:
    first_creds = fake_client.get("/_emulator/credentials").content
    first_probes = fake_client.get("/fake/probes", headers={"X-World": "default"}).content
    # change the world: advance time (probes move on), add a probe and a sandbox
    fake_client.post("/_emulator/clock", json={"advance_seconds": 3600})
    fake_client.post("/fake/probes", json={"name": "extra"}, headers={"X-World": "default"})
    fake_client.post("/_emulator/sandboxes")

    reset = fake_client.post("/_emulator/reset", json={"seed": SEED, "now": T0, "freeze": True})
    assert reset.status_code == 200
    assert reset.json()["clock"] == {"now": T0, "frozen": True, "speed": 1.0}
    assert reset.json()["seed"] == SEED

    assert fake_client.get("/_emulator/credentials").content == first_creds
    assert fake_client.get("/fake/probes", headers={"X-World": "default"}).content == first_probes
    assert fake_client.get("/_emulator/sandboxes").json() == []


def test_reset_with_another_seed_builds_another_world(fake_client: TestClient) -> None:
    before = fake_client.get("/_emulator/credentials").json()
    probes_before = fake_client.get("/fake/probes", headers={"X-World": "default"}).json()
    fake_client.post("/_emulator/reset", json={"seed": SEED + 1})
    after = fake_client.get("/_emulator/credentials").json()
    probes_after = fake_client.get("/fake/probes", headers={"X-World": "default"}).json()
    assert after != before
    assert [p["name"] for p in probes_after] != [p["name"] for p in probes_before]


def test_reset_without_body_uses_the_start_settings(client: TestClient) -> None:
    client.post("/_emulator/clock", json={"advance_seconds": 10, "freeze": False})
    response = client.post("/_emulator/reset")
    assert response.status_code == 200
    assert response.json()["clock"] == {"now": T0, "frozen": True, "speed": 1.0}


def test_reset_rejects_a_malformed_body(client: TestClient) -> None:
    before = client.get("/_emulator/credentials").json()
    response = client.post("/_emulator/reset", json={"seed": "many"})
    assert response.status_code == 422
    assert "seed" in response.json()["message"]
    response = client.post("/_emulator/reset", json={"sed": 1})
    assert response.status_code == 422
    assert "sed" in response.json()["message"]
    assert client.get("/_emulator/credentials").json() == before


def test_unknown_control_paths_answer_404_json(client: TestClient) -> None:
    response = client.get("/_emulator/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"code": "not_found",
                               "message": "no such path: GET /_emulator/no-such-thing"}


def test_wrong_method_answers_405(client: TestClient) -> None:
    response = client.delete("/_emulator/clock")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_vendor_paths_are_served_from_the_root_without_prefix(client: TestClient) -> None:
    # Each path reaches the vendor that owns it: unauthenticated, it is refused in that vendor's
    # format, never answered by the control plane's 404.
    for path in ("/api/devices", "/v1.0/123/user/agents", "/v2.0/tokens",
                 "/api/DeviceBackupReport", "/api/v3/auth/jwt", "/api.php"):
        response = client.get(path)
        assert response.status_code != 404, path
        assert b"no such path" not in response.content, path
        if response.headers["content-type"].startswith("application/json"):
            body = response.json()
            assert not (isinstance(body, dict) and set(body) == {"code", "message"}), path


def test_a_reset_that_fails_midway_leaves_the_old_state_standing(
        fake_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox = fake_client.post("/_emulator/sandboxes").json()["id"]
    before = fake_client.get("/_emulator/credentials").json()

    def broken(*_args: object) -> None:
        raise RuntimeError("populator bug")

    monkeypatch.setattr(world_fixtures, "POPULATORS", [("broken", broken)])
    with pytest.raises(RuntimeError):
        fake_client.post("/_emulator/reset", json={"seed": 1})
    assert fake_client.get("/_emulator/credentials").json() == before
    assert fake_client.get(f"/_emulator/sandboxes/{sandbox}/clock").status_code == 200
    assert fake_client.get("/fake/probes", headers={"X-World": sandbox}).status_code == 200
