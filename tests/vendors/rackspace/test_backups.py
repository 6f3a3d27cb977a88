"""Backups: manual start and stop, the state machine, reports, schedules firing, faults."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.vendors.rackspace.conftest import Rax, advance
from tests.vendors.rackspace.test_configurations import _body

REPORT_KEYS = {"BackupId", "BackupConfigurationId", "BackupConfigurationName",
               "BackupConfigurationIsDeleted", "ComputerName", "MachineAgentId", "State",
               "CanRestore", "StartTime", "CompletedTime", "Duration", "FilesSearched",
               "BytesSearched", "FilesBackedUp", "BytesBackedUp", "NumErrors", "Reason",
               "Diagnostics", "ErrorList", "Datacenter", "BackupDatacenter"}
ERROR_KEYS = {"BackupReportID", "ListIndex", "ErrorType", "ErrorDesc", "ExceptionDesc",
              "ExceptionDetails", "ExceptionCode", "Path"}
FINAL = {"Completed", "CompletedWithErrors", "Failed"}


def _config(rax: Rax, agent_index: int = 0) -> dict[str, Any]:
    configs = rax.get(f"/backup-configuration/system/{rax.agents[agent_index]}").json()
    config: dict[str, Any] = configs[0]
    return config


def _start(rax: Rax, config_id: int) -> int:
    response = rax.call("POST", "/backup/action-requested",
                        {"Action": "StartManual", "Id": config_id})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert response.content.isdigit()
    return int(response.content)


def _force(client: TestClient, agent_id: int, outcome: str) -> None:
    response = client.post(f"/_emulator/rackspace/agents/{agent_id}/next-backup",
                           json={"outcome": outcome})
    assert response.status_code == 200


def test_manual_backup_walks_the_documented_states(client: TestClient, rax: Rax) -> None:
    config = _config(rax)
    _force(client, config["MachineAgentId"], "Completed")
    vault_before = rax.get(f"/agent/{config['MachineAgentId']}").json()["BackupVaultSize"]
    backup_id = _start(rax, config["BackupConfigurationId"])
    seen: list[str] = []
    for _ in range(400):
        state = rax.get(f"/backup/{backup_id}").json()["CurrentState"]
        if not seen or seen[-1] != state:
            seen.append(state)
        if state in FINAL:
            break
        advance(client, 60 if state == "InProgress" else 2)
    assert seen == ["StartRequested", "Queued", "Preparing", "InProgress", "Completed"]
    details = rax.get(f"/backup/{backup_id}").json()
    assert set(details) == {"BackupId", "BackupConfigurationId", "CurrentState",
                            "BackupConfigurationName", "MachineAgentId", "MachineName",
                            "StateChangeTime", "IsEncrypted", "EncryptionKey", "Datacenter",
                            "BackupDatacenter"}
    report = rax.get(f"/backup/report/{backup_id}").json()
    assert set(report) == REPORT_KEYS
    assert report["State"] == "Completed" and report["CanRestore"] is True
    assert report["NumErrors"] == 0 and report["ErrorList"] == []
    hh, mm, ss = (int(x) for x in report["Duration"].split(":"))
    assert 0 < hh * 3600 + mm * 60 + ss < 3600
    assert report["FilesSearched"].isdigit() and report["BytesSearched"][-2:] in ("MB", "GB")
    fetched = rax.get(f"/backup-configuration/{config['BackupConfigurationId']}").json()
    assert fetched["LastRunBackupReportId"] == backup_id
    assert fetched["LastRunTime"] == report["CompletedTime"]
    completed = rax.get(f"/backup/completed/{config['BackupConfigurationId']}").json()
    assert completed[0]["BackupId"] == backup_id
    assert set(completed[0]) == {"BackupId", "BackupConfigurationId", "BackupConfigurationName",
                                 "MachineName", "MachineAgentId", "CompletedTime",
                                 "BytesSearched", "NumErrors"}
    agent = rax.get(f"/agent/{config['MachineAgentId']}").json()
    assert agent["TimeOfLastSuccessfulBackup"] == report["CompletedTime"]
    assert agent["BackupVaultSize"] != vault_before


def test_dates_are_written_with_escaped_slashes(client: TestClient, rax: Rax) -> None:
    backup_id = _start(rax, _config(rax)["BackupConfigurationId"])
    raw = rax.get(f"/backup/{backup_id}").content
    assert b'"StateChangeTime":"\\/Date(1767603600000)\\/"' in raw
    assert rax.get(f"/backup/{backup_id}").json()["StateChangeTime"] == "/Date(1767603600000)/"


def test_stop_path(client: TestClient, rax: Rax) -> None:
    backup_id = _start(rax, _config(rax)["BackupConfigurationId"])
    advance(client, 10)
    stop = rax.call("POST", "/backup/action-requested", {"Action": "StopManual", "Id": backup_id})
    assert stop.status_code == 204 and stop.content == b""
    assert rax.get(f"/backup/{backup_id}").json()["CurrentState"] == "StopRequested"
    advance(client, 20)
    assert rax.get(f"/backup/{backup_id}").json()["CurrentState"] == "Stopped"
    again = rax.call("POST", "/backup/action-requested", {"Action": "StopManual",
                                                          "Id": backup_id})
    assert again.status_code == 409 and "conflict" in again.json()
    assert rax.get(f"/backup/report/{backup_id}").json()["CanRestore"] is False


def test_starting_a_running_configuration_is_skipped(rax: Rax) -> None:
    config_id = _config(rax)["BackupConfigurationId"]
    first = _start(rax, config_id)
    second = _start(rax, config_id)
    assert second != first
    assert rax.get(f"/backup/{second}").json()["CurrentState"] == "Skipped"
    assert rax.get(f"/backup/{first}").json()["CurrentState"] == "StartRequested"
    listed = {c["BackupConfigurationId"]: c for c in rax.get("/backup-configuration").json()}
    assert listed[config_id]["BackupState"] == "Skipped"


def test_forced_failure_and_errors(client: TestClient, rax: Rax) -> None:
    config = _config(rax)
    agent_id = config["MachineAgentId"]
    _force(client, agent_id, "Failed")
    failed = _start(rax, config["BackupConfigurationId"])
    advance(client, 3600)
    report = rax.get(f"/backup/report/{failed}").json()
    assert report["State"] == "Failed" and report["CanRestore"] is False
    assert report["NumErrors"] >= 1
    _force(client, agent_id, "CompletedWithErrors")
    partial = _start(rax, config["BackupConfigurationId"])
    advance(client, 3600)
    report = rax.get(f"/backup/report/{partial}").json()
    assert report["State"] == "CompletedWithErrors" and report["CanRestore"] is True
    assert report["NumErrors"] == len(report["ErrorList"]) >= 1
    assert all(set(e) == ERROR_KEYS and e["BackupReportID"] == partial
               for e in report["ErrorList"])


def test_bad_actions_are_400_and_unknown_ids_404(rax: Rax) -> None:
    bad = rax.call("POST", "/backup/action-requested", {"Action": "Pause", "Id": 1})
    assert bad.status_code == 400 and "Action" in bad.json()["badRequest"]["message"]
    assert rax.call("POST", "/backup/action-requested",
                    {"Action": "StartManual", "Id": 999999}).status_code == 404
    assert rax.get("/backup/999999").status_code == 404
    assert rax.get("/backup/report/999999").status_code == 404


def test_weekly_schedule_advanced_two_weeks_runs_twice(client: TestClient, rax: Rax) -> None:
    created = rax.call("POST", "/backup-configuration", _body(rax)).json()
    config_id = created["BackupConfigurationId"]
    first_run = int(created["NextScheduledRunTime"][6:-2])
    advance(client, 14 * 24 * 3600)
    rax.relogin()
    runs = [a for a in rax.get(f"/system/activity/{rax.agents[2]}").json()
            if a["Type"] == "Backup" and a["ParentId"] == config_id]
    assert len(runs) == 2
    assert {r["CurrentState"] for r in runs} <= FINAL
    week_ms = 7 * 24 * 3600 * 1000
    for run, due in zip(sorted(runs, key=lambda r: r["ID"]), (first_run, first_run + week_ms),
                        strict=True):
        report = rax.get(f"/backup/report/{run['BackupId']}").json()
        started, ended = (int(report[k][6:-2]) for k in ("StartTime", "CompletedTime"))
        assert due < started < ended < due + 3600 * 1000  # ran at its scheduled time
        assert report["Duration"] != "00:00:00"
    fetched = rax.get(f"/backup-configuration/{config_id}").json()
    week = 7 * 24 * 3600 * 1000
    assert int(fetched["NextScheduledRunTime"][6:-2]) == first_run + 2 * week
    assert int(fetched["LastRunTime"][6:-2]) > first_run + week


def test_scheduled_run_on_a_disabled_or_offline_agent_is_missed(client: TestClient,
                                                                rax: Rax) -> None:
    created = rax.call("POST", "/backup-configuration",
                       _body(rax, Frequency="Hourly", HourInterval=1)).json()
    config_id = created["BackupConfigurationId"]
    agent_id = rax.agents[2]
    rax.call("POST", "/agent/enable", {"MachineAgentId": agent_id, "Enable": False})
    advance(client, 3600)
    client.post(f"/_emulator/rackspace/agents/{agent_id}/offline")
    rax.call("POST", "/agent/enable", {"MachineAgentId": agent_id, "Enable": True})
    advance(client, 3600)
    runs = [a["CurrentState"] for a in rax.get(f"/system/activity/{agent_id}").json()
            if a["Type"] == "Backup" and a["ParentId"] == config_id]
    assert runs == ["Missed", "Missed"]
    assert rax.get(f"/agent/{agent_id}").json()["Status"] == "Offline"
    client.post(f"/_emulator/rackspace/agents/{agent_id}/online")
    assert rax.get(f"/agent/{agent_id}").json()["Status"] == "Online"
