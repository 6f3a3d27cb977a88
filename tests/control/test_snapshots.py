"""Snapshots over HTTP: save, restore, list and delete, whole-state and per sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from emulator.core import snapshots
from tests.conftest import T0, emulator_of
from tests.control.snapshot_calls import restore as _restore
from tests.control.snapshot_calls import save as _snapshot
from tests.vendors.cleverfox.helpers import basic, new_device, new_job

DAY = 86400
T0_PLUS_HOUR = "2026-01-05T10:00:00.000Z"


def _sandbox(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/_emulator/sandboxes", json=body)
    assert response.status_code == 201
    sandbox: dict[str, Any] = response.json()
    return sandbox


def _cf(creds: dict[str, Any]) -> dict[str, str]:
    return basic(creds["cleverfox"]["api_key"])


def _new_company(client: TestClient, headers: dict[str, str], name: str) -> int:
    response = client.post("/api/companies", json={"data": {
        "PartnerId": 1, "PlanTypeId": 1, "Name": name}}, headers=headers)
    assert response.status_code == 201, response.text
    company_id: int = response.json()["data"]["CompanyId"]
    return company_id


def _advance(client: TestClient, seconds: float, sandbox: str | None = None) -> None:
    path = f"/_emulator/sandboxes/{sandbox}/clock" if sandbox else "/_emulator/clock"
    assert client.post(path, json={"advance_seconds": seconds}).status_code == 200


def _rackspace_token(client: TestClient, creds: dict[str, Any]) -> str:
    rax = creds["rackspace"]
    response = client.post("/v2.0/tokens", json={"auth": {"RAX-KSKEY:apiKeyCredentials": {
        "username": rax["username"], "apiKey": rax["api_key"]}}})
    assert response.status_code == 200, response.text
    token: str = response.json()["access"]["token"]["id"]
    return token


def _observe(client: TestClient, creds: dict[str, Any], sandbox: str | None = None) -> list[bytes]:
    """The bytes a client sees of one world: CleverFox reads and the control views."""
    headers = _cf(creds)
    page = {"PageSize": 1000}
    clock = f"/_emulator/sandboxes/{sandbox}/clock" if sandbox else "/_emulator/clock"
    answers = [client.get(path, params=page, headers=headers)
               for path in ("/api/companies", "/api/devices", "/api/jobs", "/api/logs")]
    answers.append(client.get(clock))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    return [a.content for a in answers]


def _whole(client: TestClient) -> list[bytes]:
    """Every world as a client sees it: the default world, the sandbox list, each sandbox."""
    creds = client.get("/_emulator/credentials").json()
    sandboxes = client.get("/_emulator/sandboxes")
    seen = [*_observe(client, creds), sandboxes.content]
    for sandbox in sandboxes.json():
        seen += _observe(client, sandbox["credentials"], sandbox["id"])
    return seen


def test_a_whole_state_restore_undoes_every_change(client: TestClient) -> None:
    creds = client.get("/_emulator/credentials").json()
    kept = _sandbox(client, name="kept")
    doomed = _sandbox(client, name="deleted later")
    view = _snapshot(client, "base")
    assert view["sandbox"] is None
    assert view["worlds"] == ["default", kept["id"], doomed["id"]]
    assert view["clock"] == {"now": T0, "frozen": True, "speed": 1.0}
    assert view["rows"] > 100
    before = _whole(client)

    company = _new_company(client, _cf(creds), "Made after the snapshot")
    new_job(client, _cf(creds), new_device(client, _cf(creds))["DeviceId"],
            "2026-01-05T05:00:00.000")
    _advance(client, 3 * DAY)
    _new_company(client, _cf(kept["credentials"]), "In the kept sandbox")
    assert client.delete(f"/_emulator/sandboxes/{doomed['id']}").status_code == 204
    _sandbox(client, name="created later")
    assert _whole(client) != before

    assert _restore(client, "base") == view
    assert _whole(client) == before
    assert client.get(f"/api/companies/{company}", headers=_cf(creds)).status_code == 404
    names = [s["name"] for s in client.get("/_emulator/sandboxes").json()]
    assert names == ["kept", "deleted later"]


def test_restoring_twice_gives_identical_bytes(client: TestClient) -> None:
    _sandbox(client)
    _snapshot(client, "twice")
    _restore(client, "twice")
    first = _whole(client)
    creds = client.get("/_emulator/credentials").json()
    _new_company(client, _cf(creds), "noise")
    _advance(client, DAY)
    _sandbox(client)
    _restore(client, "twice")
    assert _whole(client) == first


def test_a_sandbox_restore_leaves_the_default_world_and_other_sandboxes_alone(
        client: TestClient) -> None:
    creds = client.get("/_emulator/credentials").json()
    mine, other = _sandbox(client, name="mine"), _sandbox(client, name="other")
    view = _snapshot(client, "mine", sandbox=mine["id"])
    assert view["sandbox"] == mine["id"] and view["worlds"] == [mine["id"]]
    before = _observe(client, mine["credentials"], mine["id"])

    _new_company(client, _cf(mine["credentials"]), "gone after restore")
    _advance(client, 2 * DAY, mine["id"])
    default_company = _new_company(client, _cf(creds), "stays")
    other_company = _new_company(client, _cf(other["credentials"]), "stays too")
    _advance(client, DAY, other["id"])
    default_after = _observe(client, creds)
    other_after = _observe(client, other["credentials"], other["id"])

    _restore(client, "mine")
    assert _observe(client, mine["credentials"], mine["id"]) == before
    assert _observe(client, creds) == default_after
    assert _observe(client, other["credentials"], other["id"]) == other_after
    assert client.get(f"/api/companies/{default_company}", headers=_cf(creds)).status_code == 200
    assert client.get(f"/api/companies/{other_company}",
                      headers=_cf(other["credentials"])).status_code == 200


def test_restoring_a_deleted_sandbox_brings_back_its_credentials(client: TestClient) -> None:
    sandbox = _sandbox(client, name="phoenix")
    headers = _cf(sandbox["credentials"])
    before = _observe(client, sandbox["credentials"], sandbox["id"])
    _snapshot(client, "phoenix", sandbox=sandbox["id"])
    assert client.delete(f"/_emulator/sandboxes/{sandbox['id']}").status_code == 204
    assert client.get("/api/companies", headers=headers).status_code == 401

    _restore(client, "phoenix")
    assert client.get(f"/_emulator/sandboxes/{sandbox['id']}").json() == sandbox
    assert _observe(client, sandbox["credentials"], sandbox["id"]) == before
    token = _rackspace_token(client, sandbox["credentials"])
    tenant = sandbox["credentials"]["rackspace"]["tenant_id"]
    assert client.get(f"/v1.0/{tenant}/user/agents",
                      headers={"X-Auth-Token": token}).status_code == 200


def test_credentials_of_a_sandbox_made_after_a_whole_snapshot_stop_working(
        client: TestClient) -> None:
    _snapshot(client, "before-sandbox")
    late = _sandbox(client)
    headers = _cf(late["credentials"])
    token = _rackspace_token(client, late["credentials"])
    agents = f"/v1.0/{late['credentials']['rackspace']['tenant_id']}/user/agents"
    # Used once, so each vendor has cached them.
    assert client.get("/api/companies", headers=headers).status_code == 200
    assert client.get(agents, headers={"X-Auth-Token": token}).status_code == 200

    _restore(client, "before-sandbox")
    assert client.get(f"/_emulator/sandboxes/{late['id']}").status_code == 404
    assert client.get("/api/companies", headers=headers).status_code == 401
    assert client.get(agents, headers={"X-Auth-Token": token}).status_code == 401


def test_clocks_resume_at_the_saved_virtual_time(client: TestClient) -> None:
    sandbox = _sandbox(client)
    _advance(client, 3600)
    _advance(client, 3600, sandbox["id"])
    whole = _snapshot(client, "hour")
    assert whole["clock"] == {"now": T0_PLUS_HOUR, "frozen": True, "speed": 1.0}
    assert _snapshot(client, "sandbox-hour", sandbox=sandbox["id"])["clock"] == whole["clock"]
    _advance(client, DAY)
    _advance(client, 2 * DAY, sandbox["id"])

    _restore(client, "sandbox-hour")
    assert client.get(f"/_emulator/sandboxes/{sandbox['id']}/clock").json() == whole["clock"]
    assert client.get("/_emulator/clock").json()["now"] == "2026-01-06T10:00:00.000Z"
    _restore(client, "hour")
    assert client.get("/_emulator/clock").json() == whole["clock"]


def test_a_running_clock_runs_on_after_restore(client: TestClient) -> None:
    assert client.post("/_emulator/clock", json={"freeze": False, "speed": 2}).status_code == 200
    saved = _snapshot(client, "running")["clock"]
    assert saved["frozen"] is False and saved["speed"] == 2
    _advance(client, DAY)
    _restore(client, "running")
    clock = client.get("/_emulator/clock").json()
    assert clock["frozen"] is False and clock["speed"] == 2
    assert saved["now"] <= clock["now"] < "2026-01-06"


def test_a_taken_name_is_a_conflict_unless_replaced(client: TestClient) -> None:
    creds = client.get("/_emulator/credentials").json()
    first = _snapshot(client, "same")
    _snapshot(client, "other")
    again = client.post("/_emulator/snapshots", json={"name": "same"})
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    company = _new_company(client, _cf(creds), "in the replacement")

    second = _snapshot(client, "same", replace=True)
    assert second["rows"] > first["rows"]
    listed = client.get("/_emulator/snapshots").json()
    assert [s["name"] for s in listed] == ["other", "same"]  # the replacement is the newest
    assert listed[1] == second == client.get("/_emulator/snapshots/same").json()
    _restore(client, "other")
    _restore(client, "same")
    assert client.get(f"/api/companies/{company}", headers=_cf(creds)).status_code == 200


def test_delete_forgets_a_snapshot(client: TestClient) -> None:
    _snapshot(client, "short-lived")
    assert client.delete("/_emulator/snapshots/short-lived").status_code == 204
    assert client.get("/_emulator/snapshots").json() == []
    assert client.get("/_emulator/snapshots/short-lived").status_code == 404


def test_unknown_snapshots_and_sandboxes_are_404(client: TestClient) -> None:
    for response in (client.get("/_emulator/snapshots/nope"),
                     client.delete("/_emulator/snapshots/nope"),
                     client.post("/_emulator/snapshots/nope/restore"),
                     client.post("/_emulator/snapshots", json={"name": "x", "sandbox": "sb-0"}),
                     client.post("/_emulator/snapshots", json={"name": "x",
                                                               "sandbox": "default"})):
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "not_found"
    assert client.get("/_emulator/snapshots").json() == []


@pytest.mark.parametrize("body", [{"name": ""}, {"name": "a b"}, {"name": "x" * 101},
                                  {"name": "../up"}, {"name": "caf\u00e9"}, {"name": 7},
                                  {}, {"name": "ok", "extra": 1}])
def test_bad_bodies_are_422(client: TestClient, body: dict[str, Any]) -> None:
    response = client.post("/_emulator/snapshots", json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert response.json()["message"]


def test_a_name_of_100_allowed_characters_is_fine(client: TestClient) -> None:
    name = ("Az09._-" * 15)[:100]
    assert _snapshot(client, name)["name"] == name


def test_reset_keeps_snapshots_and_a_restore_undoes_the_reset(client: TestClient) -> None:
    before = _whole(client)
    creds = client.get("/_emulator/credentials").json()
    _snapshot(client, "pre-reset")
    assert client.post("/_emulator/reset", json={"seed": 7}).status_code == 200
    assert client.get("/_emulator/credentials").json() != creds
    assert [s["name"] for s in client.get("/_emulator/snapshots").json()] == ["pre-reset"]
    _restore(client, "pre-reset")
    assert client.get("/_emulator/credentials").json() == creds
    assert _whole(client) == before


def test_state_after_a_restore_keeps_working(client: TestClient) -> None:
    creds = client.get("/_emulator/credentials").json()
    headers = _cf(creds)
    device = new_device(client, headers)
    job = new_job(client, headers, device["DeviceId"], "2026-01-05T05:00:00.000")
    _snapshot(client, "scheduled")
    _new_company(client, headers, "taken id")
    _advance(client, DAY)
    _restore(client, "scheduled")

    # New rows get fresh ids, and the job scheduled before the snapshot still runs.
    company = _new_company(client, headers, "after restore")
    assert client.get(f"/api/companies/{company}", headers=headers).json()["data"]["Name"] == \
        "after restore"
    second = new_device(client, headers, Name="after restore")
    assert second["DeviceId"] > device["DeviceId"]
    _advance(client, 3 * DAY)
    logs = client.get(f"/api/devices/{device['DeviceId']}/logs", headers=headers).json()["data"]
    assert [log["JobId"] for log in logs] == [job["JobId"]] * 3
    sandbox = _sandbox(client)
    assert client.get("/api/companies", headers=_cf(sandbox["credentials"])).status_code == 200


def test_a_sandbox_restore_that_collides_changes_nothing(client: TestClient) -> None:
    if not emulator_of(client).db.is_sqlite:
        pytest.skip("only SQLite hands a deleted row's id to the next row")
    creds = client.get("/_emulator/credentials").json()
    sandbox = _sandbox(client)
    _snapshot(client, "collides", sandbox=sandbox["id"])
    client.delete(f"/_emulator/sandboxes/{sandbox['id']}")
    for n in range(3):  # rows of the default world take the ids the sandbox's rows had
        _new_company(client, _cf(creds), f"taker {n}")
    before = _whole(client)

    response = client.post("/_emulator/snapshots/collides/restore")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "whole-state snapshot" in response.json()["message"]
    assert _whole(client) == before
    assert client.get(f"/_emulator/sandboxes/{sandbox['id']}").status_code == 404
    assert client.get("/api/companies", headers=_cf(sandbox["credentials"])).status_code == 401


def test_a_restore_that_fails_midway_changes_nothing(client: TestClient,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _sandbox(client)
    _snapshot(client, "half")
    _new_company(client, _cf(client.get("/_emulator/credentials").json()), "survives")
    _sandbox(client)
    before = _whole(client)

    real_insert = snapshots._insert

    def insert_then_fail(*args: Any) -> None:
        real_insert(*args)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(snapshots, "_insert", insert_then_fail)
    with pytest.raises(RuntimeError, match="disk is full"):
        client.post("/_emulator/snapshots/half/restore")
    assert _whole(client) == before
