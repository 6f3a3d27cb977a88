"""POST /_emulator/reset: a default world built before is put back, the same to the byte."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.vendors.rackspace.conftest import login as rackspace_login


def fingerprint(client: TestClient) -> list[bytes]:
    """What a client of each vendor reads of the default world, and the clock."""
    c: dict[str, Any] = client.get("/_emulator/credentials").json()
    cf = (c["cleverfox"]["api_key"], "")
    rax = c["rackspace"]
    token = rackspace_login(client, rax["username"], rax["api_key"])
    admin = c["code42"]["sysadmin"]
    answers = [
        client.get("/_emulator/clock"),
        client.get("/api/devices", params={"PageSize": 1000}, auth=cf),
        client.get("/api/logs", params={"PageSize": 1000}, auth=cf),
        client.get(f"/v1.0/{rax['tenant_id']}/user/agents", headers={"X-Auth-Token": token}),
        client.get("/api/DeviceBackupReport", auth=(admin["username"], admin["password"])),
        client.get("/_emulator/sandboxes"),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
    return [c["cleverfox"]["api_key"].encode(), *(a.content for a in answers)]


def test_a_second_reset_puts_back_exactly_what_the_first_built(client: TestClient) -> None:
    built = client.post("/_emulator/reset", json={"seed": 7})  # built from scratch
    assert built.status_code == 200
    fresh = fingerprint(client)
    # change every kind of state: vendor rows, the clock, sandboxes
    key = client.get("/_emulator/credentials").json()["cleverfox"]["api_key"]
    made = client.post("/api/companies", auth=(key, ""), json={"data": {
        "PartnerId": 1, "PlanTypeId": 1, "Name": "Gone After Reset"}})
    assert made.status_code == 201
    client.post("/_emulator/clock", json={"advance_seconds": 3 * 86400})
    client.post("/_emulator/sandboxes", json={})
    assert fingerprint(client) != fresh

    again = client.post("/_emulator/reset", json={"seed": 7})  # put back from the copy
    assert again.content == built.content
    assert fingerprint(client) == fresh
    # and the world goes on working: ids continue, time runs, sandboxes number from 1 again
    remade = client.post("/api/companies", auth=(key, ""), json={"data": {
        "PartnerId": 1, "PlanTypeId": 1, "Name": "After"}})
    assert remade.json()["data"]["CompanyId"] == made.json()["data"]["CompanyId"]
    sandbox = client.post("/_emulator/sandboxes", json={})
    first_sandbox = client.get("/_emulator/sandboxes").json()[0]
    assert sandbox.json()["id"] == first_sandbox["id"]


def test_another_seed_builds_another_world_and_back_again(client: TestClient) -> None:
    client.post("/_emulator/reset", json={"seed": 7})
    seven = fingerprint(client)
    client.post("/_emulator/reset", json={"seed": 8})
    eight = fingerprint(client)
    assert eight[0] != seven[0]  # other credentials: a world of its own
    client.post("/_emulator/reset", json={"seed": 7})
    assert fingerprint(client) == seven
    client.post("/_emulator/reset", json={"seed": 7, "now": "2026-03-01T00:00:00Z"})
    assert client.get("/_emulator/clock").json()["now"] == "2026-03-01T00:00:00.000Z"
