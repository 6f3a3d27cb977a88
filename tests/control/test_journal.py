"""/_emulator/requests: every vendor request recorded, secrets masked, bounded, queryable."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.vendors.rackspace.conftest import login as rackspace_login


def creds(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/_emulator/credentials").json()
    return body


def journal(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/_emulator/requests", params=params)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["data"]
    return entries


def secrets_of(c: dict[str, Any]) -> list[str]:
    code42 = c["code42"]
    return [c["cleverfox"]["api_key"], c["rackspace"]["api_key"], c["rackspace"]["password"],
            c["backuprun"]["password"], code42["sysadmin"]["password"],
            code42["api_client"]["secret"]]


def test_every_vendor_request_is_recorded_and_control_calls_are_not(client: TestClient) -> None:
    c = creds(client)
    client.get("/api/devices/1", params={"x": "1"}, auth=(c["cleverfox"]["api_key"], ""))
    client.post("/api.php?apiCALL=getStatus")
    client.get("/_emulator/clock")
    entries = journal(client)
    assert [(e["vendor"], e["method"], e["path"], e["status"]) for e in entries] == [
        ("cleverfox", "GET", "/api/devices/1", 200), ("backuprun", "POST", "/api.php", 200)]
    first, second = entries
    assert first["query"] == "x=1" and first["sandbox"] is None
    assert first["world"] == "default" and first["time"] == "2026-01-05T09:00:00.000Z"
    assert first["duration_ms"] > 0 and first["real_time"].endswith("Z")
    assert first["response"]["headers"]["content-type"] == "application/json"
    assert '"DeviceId":1' in first["response"]["body"]
    assert second["api_call"] == "getStatus"
    assert second["world"] is None  # no session: the request never reached a world
    assert second["id"] == first["id"] + 1


def test_secrets_are_masked_in_every_vendor(client: TestClient) -> None:
    c = creds(client)
    rax = c["rackspace"]
    token = rackspace_login(client, rax["username"], rax["api_key"])
    client.post("/v2.0/tokens", json={"auth": {"passwordCredentials": {
        "username": rax["username"], "password": rax["password"]}}})
    client.get(f"/v1.0/{rax['tenant_id']}/user/agents", headers={"X-Auth-Token": token})
    client.get("/api/devices/1", auth=(c["cleverfox"]["api_key"], ""))
    login = client.post("/api.php", data={"apiCALL": "login", **c["backuprun"]})
    client.post("/api.php", data={"apiCALL": "getStatus"})  # with the session cookie
    admin = c["code42"]["sysadmin"]
    client.get("/api/DeviceBackupReport", params={"pgSize": 1},
               auth=(admin["username"], admin["password"]))
    api = c["code42"]["api_client"]
    client.post("/api/v3/oauth/token", params={"grant_type": "client_credentials"},
                auth=(api["client_id"], api["secret"]))
    client.get("/api/devices", params={"password": "hunter2", "PageSize": 1})
    response = client.get("/_emulator/requests", params={"limit": 100})
    text = response.text
    for secret in [*secrets_of(c), token, login.cookies["PHPSESSID"], "hunter2"]:
        assert secret not in text
    entries = response.json()["data"]
    tokens = [e for e in entries if e["path"] == "/v2.0/tokens"]
    assert '"apiKey":"***"' in tokens[0]["request"]["body"]
    assert rax["username"] in tokens[0]["request"]["body"]  # only the secret is masked
    assert '"token":"***"' in tokens[0]["response"]["body"]
    assert "password=***" in next(e for e in entries if e["api_call"] == "login")["request"][
        "body"]
    status = next(e for e in entries if e["api_call"] == "getStatus")
    assert status["request"]["headers"]["cookie"].startswith("PHPSESSID=***")
    assert next(e["request"]["headers"]["authorization"] for e in entries
            if e["vendor"] == "code42") == "Basic ***"
    assert [e["query"] for e in entries if e["path"] == "/api/devices"] == [
        "password=***&PageSize=1"]


def test_the_journal_keeps_the_newest_n(client: TestClient) -> None:
    assert client.put("/_emulator/requests/config", json={"capacity": 5}).json()["capacity"] == 5
    for n in range(8):
        client.get(f"/api/devices/{n}")
    entries = journal(client)
    assert [e["path"] for e in entries] == [f"/api/devices/{n}" for n in range(3, 8)]
    assert client.get("/_emulator/requests/config").json() == {"capacity": 5, "body_bytes": 2048,
                                                                "size": 5}
    gone = client.get(f"/_emulator/requests/{entries[0]['id'] - 1}")
    assert gone.status_code == 404 and "newest 5" in gone.json()["message"]
    assert client.get(f"/_emulator/requests/{entries[0]['id']}").json()["path"] == \
        "/api/devices/3"
    bad = client.put("/_emulator/requests/config", json={"capacity": -1})
    assert bad.status_code == 422 and "capacity" in bad.json()["message"]


def test_bodies_are_kept_up_to_the_cap(client: TestClient) -> None:
    client.put("/_emulator/requests/config", json={"body_bytes": 64})
    c = creds(client)
    client.get("/api/devices", auth=(c["cleverfox"]["api_key"], ""))
    entry = journal(client)[-1]
    response = entry["response"]
    assert response["truncated"] is True and response["size"] > 64
    assert len(response["body"]) <= 64
    assert response["body"].startswith('{"data":[{"DeviceId":')


def test_filters(client: TestClient) -> None:
    c = creds(client)
    auth = (c["cleverfox"]["api_key"], "")
    sandbox = client.post("/_emulator/sandboxes", json={}).json()
    client.get("/api/devices/1", auth=auth)
    client.post("/_emulator/clock", json={"advance_seconds": 3600})
    client.get("/api/devices/2", auth=auth)
    client.get("/api/devices/999", auth=auth)
    client.get("/api/devices/1", auth=(sandbox["credentials"]["cleverfox"]["api_key"], ""))
    client.post("/_emulator/faults", json={"action": "error", "path": "/api/jobs", "times": 1})
    client.get("/api/jobs", auth=auth)
    client.post("/api.php?apiCALL=getStatus")

    def paths(**params: Any) -> list[str]:
        return [e["path"] for e in journal(client, **params)]

    assert paths(vendor="backuprun") == ["/api.php"]
    assert paths(status=404) == ["/api/devices/999"]
    assert paths(path="/api/devices/*", sandbox="default") == [
        "/api/devices/1", "/api/devices/2", "/api/devices/999"]
    assert paths(sandbox=sandbox["id"]) == ["/api/devices/1"]
    assert paths(since="2026-01-05T09:30:00Z", sandbox="default") == [
        "/api/devices/2", "/api/devices/999"]
    # A rule without a sandbox answers before the credentials are read: no world is known.
    assert [e["world"] for e in journal(client, fault="true")] == [None]
    assert paths(until="2026-01-05T09:30:00Z") == ["/api/devices/1", "/api/devices/1"]
    assert paths(fault="true") == ["/api/jobs"]
    assert paths(api_call="getStatus", method="post") == ["/api.php"]
    everything = journal(client)
    assert paths(after=everything[-3]["id"]) == ["/api/jobs", "/api.php"]
    limited = client.get("/_emulator/requests", params={"limit": 2}).json()
    assert [e["path"] for e in limited["data"]] == ["/api/jobs", "/api.php"]
    assert limited["total"] == 6 and limited["capacity"] == 10_000
    assert client.get("/_emulator/requests", params={"sandbox": "sb-nope"}).json()["data"] == []
    assert client.get("/_emulator/requests", params={"status": "x"}).status_code == 422


def test_clearing_all_or_one_sandbox(client: TestClient) -> None:
    sandbox = client.post("/_emulator/sandboxes", json={}).json()
    c = creds(client)
    client.get("/api/devices/1", auth=(c["cleverfox"]["api_key"], ""))
    client.get("/api/devices/1", auth=(sandbox["credentials"]["cleverfox"]["api_key"], ""))
    cleared = client.delete("/_emulator/requests", params={"sandbox": sandbox["id"]})
    assert cleared.status_code == 204
    assert [e["world"] for e in journal(client)] == ["default"]
    assert client.delete("/_emulator/requests").status_code == 204
    assert journal(client) == []
    assert client.delete("/_emulator/requests", params={"sandbox": "sb-nope"}).status_code == 404
