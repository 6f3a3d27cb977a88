"""Agent and user operations: details, quirks, wake-up, enable, behaviour, logging, delete."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.vendors.rackspace.conftest import Rax, advance

# Keys of the page's "List agent details" example (BackupContainer is in its table).
AGENT_KEYS = {"AgentVersion", "Architecture", "Flavor", "BackupVaultSize", "BackupContainer",
              "CleanupAllowed", "Datacenter", "IPAddress", "IsDisabled", "IsEncrypted",
              "MachineAgentId", "MachineName", "OperatingSystem", "OperatingSystemVersion",
              "PublicKey", "Status", "TimeOfLastSuccessfulBackup", "UseServiceNet",
              "HostServerId"}


def _agents(rax: Rax) -> list[dict]:
    return [rax.get(f"/agent/{i}").json() for i in rax.agents]


def test_agent_details_have_every_documented_key(rax: Rax) -> None:
    agents = _agents(rax)
    for agent in agents:
        assert set(agent) == AGENT_KEYS
        assert set(agent["PublicKey"]) == {"ModulusHex", "ExponentHex"}
        assert agent["Flavor"] == "RaxCloudServer"
        assert agent["BackupVaultSize"].split()[1] in ("B", "KB", "MB", "GB", "TB")
    systems = {a["OperatingSystem"].split()[0] for a in agents}
    assert "Windows" in systems and len(systems) > 1
    assert sum(a["IsEncrypted"] for a in agents) == 1
    assert sum(a["IsDisabled"] for a in agents) == 1
    online = [a for a in agents if not a["IsDisabled"]]
    assert all(a["Status"] == "Online" for a in online)
    assert all(a["TimeOfLastSuccessfulBackup"].startswith("/Date(") for a in online)


def test_user_agents_always_say_offline(rax: Rax) -> None:
    listed = rax.get("/user/agents").json()
    assert [a["MachineAgentId"] for a in listed] == rax.agents
    assert {a["Status"] for a in listed} == {"Offline"}
    assert {a["TimeOfLastSuccessfulBackup"] for a in listed} == {None}
    assert rax.get(f"/agent/{rax.agents[0]}").json()["Status"] == "Online"


def test_agent_by_host_server_id(rax: Rax) -> None:
    agent = rax.get(f"/agent/{rax.agents[1]}").json()
    found = rax.get(f"/agent/server/{agent['HostServerId']}")
    assert found.status_code == 200 and found.json() == agent
    assert rax.get("/agent/server/not-a-server").status_code == 404


def test_agents_idle_offline_and_wake_up_10_to_20_seconds_later(client: TestClient,
                                                                rax: Rax) -> None:
    agent_id = rax.agents[0]
    advance(client, 3 * 3600)  # idle for longer than an agent keeps posting heartbeats
    assert rax.get(f"/agent/{agent_id}").json()["Status"] == "Offline"
    config = rax.get(f"/backup-configuration/system/{agent_id}").json()[0]
    start = {"Action": "StartManual", "Id": config["BackupConfigurationId"]}
    refused = rax.call("POST", "/backup/action-requested", start)
    assert refused.status_code == 403 and "wake" in refused.json()["forbidden"]["message"]
    assert rax.call("POST", "/user/wakeupagents").status_code == 200
    advance(client, 9)
    assert rax.get(f"/agent/{agent_id}").json()["Status"] == "Offline"
    advance(client, 11)
    assert rax.get(f"/agent/{agent_id}").json()["Status"] == "Online"
    assert rax.call("POST", "/backup/action-requested", start).status_code == 200


def test_enable_and_disable_agent(rax: Rax) -> None:
    agent_id = rax.agents[0]
    response = rax.call("POST", "/agent/enable", {"MachineAgentId": agent_id, "Enable": False})
    assert response.status_code == 204 and response.content == b""
    assert rax.get(f"/agent/{agent_id}").json()["IsDisabled"] is True
    config = rax.get(f"/backup-configuration/system/{agent_id}").json()[0]
    start = {"Action": "StartManual", "Id": config["BackupConfigurationId"]}
    assert rax.call("POST", "/backup/action-requested", start).status_code == 403
    rax.call("POST", "/agent/enable", {"MachineAgentId": agent_id, "Enable": "true"})
    assert rax.get(f"/agent/{agent_id}").json()["IsDisabled"] is False
    bad = rax.call("POST", "/agent/enable", {"MachineAgentId": agent_id})
    assert bad.status_code == 400 and "Enable" in bad.json()["badRequest"]["message"]


def test_update_backup_behavior(rax: Rax) -> None:
    agent_id = rax.agents[0]
    centers = {a["Datacenter"] for a in _agents(rax)}
    target = sorted(centers)[0]
    response = rax.call("POST", f"/agent/{agent_id}",
                        {"BackupDataCenter": target, "UseServiceNet": False})
    assert response.status_code == 200
    body = response.json()
    assert body["BackupDataCenter"] == target and body["UseServiceNet"] is False
    assert "UseFailoverUri" in body
    missing = ({"DFW", "ORD", "IAD", "LON", "HKG", "SYD"} - centers).pop()
    refused = rax.call("POST", f"/agent/{agent_id}",
                       {"BackupDataCenter": missing, "UseServiceNet": True})
    assert refused.status_code == 400
    assert "BackupDataCenter" in refused.json()["badRequest"]["message"]
    assert rax.get(f"/agent/{agent_id}").json()["UseServiceNet"] is False


def test_logging_level_takes_the_form_encoded_body(client: TestClient, rax: Rax) -> None:
    agent_id = rax.agents[0]
    headers = {**rax.headers, "content-type": "application/x-www-form-urlencoded"}
    ok = client.put(rax.url("/agent/logging"), headers=headers,
                    content=f"MachineAgentId={agent_id}&LoggingLevelId=6")
    assert ok.status_code == 200
    bad = client.put(rax.url("/agent/logging"), headers=headers,
                     content=f"MachineAgentId={agent_id}&LoggingLevelId=9")
    assert bad.status_code == 400 and "LoggingLevelId" in bad.json()["badRequest"]["message"]
    other = client.put(rax.url("/agent/logging"), headers=headers,
                       content="MachineAgentId=999999&LoggingLevelId=2")
    assert other.status_code == 404
    # past the id column (PostgreSQL's INTEGER) an agent never issued too, on every store
    for ident in (2**31, 2**63 - 1):
        past = client.put(rax.url("/agent/logging"), headers=headers,
                          content=f"MachineAgentId={ident}&LoggingLevelId=2")
        assert past.status_code == 404 and "itemNotFound" in past.json(), past.text
    level = client.put(rax.url("/agent/logging"), headers=headers,
                       content=f"MachineAgentId={agent_id}&LoggingLevelId={2**31}")
    assert level.status_code == 400 and "from 1 (FATAL) to 6" in level.text


def test_delete_agent_removes_it_and_its_data(rax: Rax) -> None:
    agent_id = rax.agents[0]
    configs = rax.get(f"/backup-configuration/system/{agent_id}").json()
    config_id = configs[0]["BackupConfigurationId"]
    backup_id = rax.get(f"/backup/completed/{config_id}").json()[0]["BackupId"]
    response = rax.call("POST", "/agent/delete", {"MachineAgentId": agent_id})
    assert response.status_code == 204
    for path in (f"/agent/{agent_id}", f"/backup-configuration/{config_id}",
                 f"/backup/{backup_id}", f"/backup/report/{backup_id}",
                 f"/system/activity/{agent_id}"):
        assert rax.get(path).status_code == 404, path
    assert agent_id not in [a["MachineAgentId"] for a in rax.get("/user/agents").json()]
    assert all(a["SourceMachineAgentId"] != agent_id for a in rax.get("/activity").json())
    again = rax.call("POST", "/agent/delete", {"MachineAgentId": agent_id})
    assert again.status_code == 404


def test_activity_lists_backups_restores_and_cleanups(rax: Rax) -> None:
    entries = rax.get("/activity").json()
    assert {e["Type"] for e in entries} == {"Backup", "Restore", "Cleanup"}
    times = [int(e["TimeOfActivity"][6:-2]) for e in entries]
    assert times == sorted(times, reverse=True)
    restore = next(e for e in entries if e["Type"] == "Restore")
    assert restore["DestinationMachineAgentId"] == rax.agents[0]
    assert restore["BackupId"] > 0
    per_agent = rax.get(f"/system/activity/{rax.agents[1]}").json()
    assert per_agent and all(rax.agents[1] in (e["SourceMachineAgentId"],
                                               e["DestinationMachineAgentId"])
                             for e in per_agent)
    keys = {"ID", "Type", "ParentId", "DisplayName", "IsBackupConfigurationDeleted",
            "SourceMachineAgentId", "SourceMachineName", "DestinationMachineAgentId",
            "DestinationMachineName", "CurrentState", "TimeOfActivity", "BackupId"}
    assert all(set(e) == keys for e in entries)
