"""The control routes under /_emulator/rackspace/..."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.vendors.rackspace.conftest import Rax, advance, tenants


def test_tenants_lists_both_tenants_with_credentials(client: TestClient) -> None:
    creds = client.get("/_emulator/credentials").json()["rackspace"]
    rows = tenants(client)
    assert rows[0]["username"] == creds["username"] and rows[0]["api_key"] == creds["api_key"]
    assert rows[1]["tenant_id"] != rows[0]["tenant_id"]
    assert len(rows[0]["agents"]) == 4 and len(rows[1]["agents"]) == 1
    assert client.get("/_emulator/rackspace/tenants",
                      params={"sandbox": "sb-nope"}).status_code == 404


def test_offline_agent_refuses_work_and_ignores_wakeups(client: TestClient, rax: Rax) -> None:
    agent_id = rax.agents[0]
    response = client.post(f"/_emulator/rackspace/agents/{agent_id}/offline")
    assert response.status_code == 200 and response.json()["reachable"] is False
    assert rax.get(f"/agent/{agent_id}").json()["Status"] == "Offline"
    rax.call("POST", "/user/wakeupagents")
    advance(client, 30)
    assert rax.get(f"/agent/{agent_id}").json()["Status"] == "Offline"
    config = rax.get(f"/backup-configuration/system/{agent_id}").json()[0]
    start = {"Action": "StartManual", "Id": config["BackupConfigurationId"]}
    assert rax.call("POST", "/backup/action-requested", start).status_code == 403
    client.post(f"/_emulator/rackspace/agents/{agent_id}/online")
    assert rax.call("POST", "/backup/action-requested", start).status_code == 200


def test_forced_outcomes_are_used_once(client: TestClient, rax: Rax) -> None:
    agent_id = rax.agents[2]
    response = client.post(f"/_emulator/rackspace/agents/{agent_id}/next-backup",
                           json={"outcome": "Failed"})
    assert response.json()["next_backup"] == "Failed"
    bad = client.post(f"/_emulator/rackspace/agents/{agent_id}/next-backup",
                      json={"outcome": "Exploded"})
    assert bad.status_code == 422 and "outcome" in bad.json()["message"]
    assert client.post("/_emulator/rackspace/agents/999999/offline").status_code == 404
    config_id = rax.get(f"/backup-configuration/system/{agent_id}").json()[0][
        "BackupConfigurationId"]
    start = {"Action": "StartManual", "Id": config_id}
    first = int(rax.call("POST", "/backup/action-requested", start).content)
    advance(client, 3600)
    assert rax.get(f"/backup/{first}").json()["CurrentState"] == "Failed"
    state = client.post(f"/_emulator/rackspace/agents/{agent_id}/next-restore",
                        json={"outcome": "Failed"}).json()
    assert state["next_backup"] is None and state["next_restore"] == "Failed"
