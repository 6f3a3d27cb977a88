"""The Rackspace SDKs' request sequences, replayed with httpx against a live server.

Neither public client installs on Python 3.11: python-cloudbackup-sdk 0.20.0 ships only a
Python 2 wheel, and rackspace-backup-client 0.19.3 needs pycrypto, which no longer builds. So
their calls are reproduced here as they make them (paths, headers, bodies, and the keys they
read from each answer, where a missing key is their KeyError), waiting on the virtual clock
instead of sleeping.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server import Server, serve

pytestmark = pytest.mark.e2e

STOP = ("Completed", "Skipped", "Missed", "Stopped", "Failed", "CompletedWithErrors")
"""MonitorBackupProgress's stop list (API v1)."""
REPORT_KEYS = {"CanRestore", "ComputerName", "BytesSearched", "Diagnostics",
               "BackupConfigurationId", "Datacenter", "BytesBackedUp", "FilesBackedUp",
               "FilesSearched", "State", "CompletedTime", "BackupConfigurationIsDeleted",
               "BackupConfigurationName", "Reason", "StartTime", "MachineAgentId", "Duration",
               "BackupId", "ErrorList", "NumErrors", "BackupDatacenter"}
"""The keys of GetBackupReport's documented answer in python-cloudbackup-sdk."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path: Path = tmp_path_factory.mktemp("rax-sdk")
    with serve(path, "--freeze", "--seed", "11", "--now", "2026-01-05T09:00:00Z") as running:
        yield running


class Sdk:
    """One sandbox's tenant, logged in as the SDKs do (Identity v2.0, API key)."""

    def __init__(self, server: Server) -> None:
        self.base = server.base_url
        made = httpx.post(f"{self.base}/_emulator/sandboxes", json={}, timeout=30)
        assert made.status_code == 201, made.text
        self.sandbox = made.json()["id"]
        creds = made.json()["credentials"]["rackspace"]
        body = {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": creds["username"],
                                                         "apiKey": creds["api_key"]}}}
        access = httpx.post(f"{self.base}/v2.0/tokens", json=body,
                            headers={"content-type": "application/json"}, timeout=10)
        assert access.status_code == 200, access.text
        self.access = access.json()["access"]
        self.token = self.access["token"]["id"]
        self.tenant = self.access["token"]["tenant"]["id"]

    def endpoint(self, region: str) -> str:
        """rackspace-backup-client: the rax:backup endpoint of a region, its last segment cut."""
        entry = next(e for e in self.access["serviceCatalog"] if e["type"] == "rax:backup")
        url: str = next(p["publicURL"] for p in entry["endpoints"]
                        if p["region"].upper() == region.upper())
        return url[:url.rfind("/")]

    def call(self, method: str, url: str, body: Any = None) -> httpx.Response:
        headers = {"X-Auth-Token": self.token, "Content-Type": "application/json",
                   "user-agent": "python-cloudbackup-sdk"}
        data = None if body is None else json.dumps(body)
        return httpx.request(method, url, headers=headers, content=data, timeout=30)

    def v1(self, method: str, path: str, body: Any = None) -> httpx.Response:
        """python-cloudbackup-sdk (API v1): tenant-less /v1.0/... paths."""
        return self.call(method, f"{self.base}/v1.0{path}", body)

    def advance(self, seconds: float) -> None:
        moved = httpx.post(f"{self.base}/_emulator/sandboxes/{self.sandbox}/clock",
                           json={"advance_seconds": seconds}, timeout=60)
        assert moved.status_code == 200, moved.text


@pytest.fixture
def sdk(server: Server) -> Iterator[Sdk]:
    client = Sdk(server)
    yield client
    httpx.delete(f"{server.base_url}/_emulator/sandboxes/{client.sandbox}", timeout=30)


def _scheduled_config(sdk: Sdk) -> dict[str, Any]:
    configs = sdk.v1("GET", "/backup-configuration").json()
    return next(c for c in configs if c["Frequency"] == "Daily")


def test_cloudbackup_sdk_start_monitor_and_report(sdk: Sdk) -> None:
    config = _scheduled_config(sdk)
    # StartBackup: a plain-text backup id; 403 means "wake the agent and retry".
    started = sdk.v1("POST", "/backup/action-requested",
                     {"Action": "StartManual", "Id": config["BackupConfigurationId"]})
    for _ in range(20):
        if started.status_code != 403:
            break
        sdk.v1("POST", "/user/wakeupagents")
        sdk.advance(1)
        started = sdk.v1("POST", "/backup/action-requested",
                         {"Action": "StartManual", "Id": config["BackupConfigurationId"]})
    assert started.status_code == 200, started.text
    snapshot_id = started.text
    # MonitorBackupProgress: every key it logs on every poll, until a final state.
    state = None
    for _ in range(100):
        sdk.advance(15)  # MonitorBackupProgress's pausePeriod, on the virtual clock
        status = sdk.v1("GET", f"/backup/{snapshot_id}")
        assert status.status_code == 200
        data = status.json()
        for key in ("BackupId", "CurrentState", "BackupConfigurationId",
                    "BackupConfigurationName", "MachineAgentId", "MachineName", "Datacenter",
                    "BackupDatacenter", "StateChangeTime", "IsEncrypted"):
            assert key in data, key
        assert {"ModulusHex", "ExponentHex"} <= set(data["EncryptionKey"])
        state = data["CurrentState"]
        if state in STOP:
            break
    assert state in STOP
    report = sdk.v1("GET", f"/backup/report/{snapshot_id}")
    assert report.status_code == 200
    assert set(report.json()) >= REPORT_KEYS
    assert report.json()["CanRestore"] is (state in ("Completed", "CompletedWithErrors"))


def test_cloudbackup_sdk_retrieve_update_and_toggle_a_configuration(sdk: Sdk) -> None:
    cid = _scheduled_config(sdk)["BackupConfigurationId"]
    # RetrieveBackupConfiguration + BackupConfiguration.from_dict(source='backup-configuration').
    got = sdk.v1("GET", f"/backup-configuration/{cid}").json()
    assert isinstance(got["StartTimeAmPm"], str)  # from_dict calls len() on it
    assert got["VersionRetention"] in (0, 30, 60) and got["MissedBackupActionId"] in (1, 2)
    copied = ("BackupConfigurationScheduleId", "BackupPostscript", "BackupPrescript",
              "Datacenter", "EncryptionKey", "Exclusions", "Flavor", "Inclusions", "IsDeleted",
              "IsEncrypted", "LastRunBackupReportId", "LastRunTime", "NextScheduledRunTime")
    update = {"BackupConfigurationScheduled": None,
              **{k: got[k] for k in ("BackupConfigurationId", "BackupConfigurationName",
                                     "MachineAgentId", "IsActive", "VersionRetention",
                                     "MissedBackupActionId", "Frequency", "StartTimeHour",
                                     "StartTimeMinute", "StartTimeAmPm", "DayOfWeekId",
                                     "HourInterval", "TimeZoneId", "NotifyRecipients",
                                     "NotifySuccess", "NotifyFailure")},
              **{k: got[k] for k in copied}}
    # to_update_dict drops these two; the rest goes back as it came.
    del update["LastRunBackupReportId"], update["LastRunTime"]
    update["BackupConfigurationName"] = "Renamed by the SDK"
    put = sdk.v1("PUT", f"/backup-configuration/{cid}", update)
    assert put.status_code == 200, put.text
    assert sdk.v1("GET", f"/backup-configuration/{cid}").json()["BackupConfigurationName"] == \
        "Renamed by the SDK"
    # EnableDisableBackupConfiguration (v1) sends {"Enabled": ...} to the tenant path.
    url = f"{sdk.base}/v1.0/{sdk.tenant}/backup-configuration/enable/{cid}"
    off = sdk.call("POST", url, {"Enabled": False})
    assert off.status_code == 200 and off.json()["IsActive"] is False
    assert off.json()["NextScheduledRunTime"] is None
    on = sdk.call("POST", url, {"Enabled": True})
    assert on.status_code == 200 and on.json()["NextScheduledRunTime"] is not None


def test_backup_client_restore_of_a_deleted_configuration_is_refused(sdk: Sdk) -> None:
    config = _scheduled_config(sdk)
    agent = sdk.v1("GET", f"/agent/{config['MachineAgentId']}").json()
    host = sdk.endpoint(agent["Datacenter"])  # rackspace-backup-client: .../v1.0, no tenant
    cid = config["BackupConfigurationId"]
    completed = sdk.call("GET", f"{host}/backup/completed/{cid}").json()
    backup_id = completed[0]["BackupId"]
    report = sdk.call("GET", f"{host}/backup/report/{backup_id}").json()
    assert report["CanRestore"] is True and int(report["FilesSearched"]) >= 0
    assert sdk.v1("DELETE", f"/backup-configuration/{cid}").status_code in (200, 204)
    # BackupReport.from_dict reads CanRestore as "restorable".
    report = sdk.call("GET", f"{host}/backup/report/{backup_id}").json()
    assert report["CanRestore"] is False
    # Client.create_restore: PUT restore; raise_for_status turns the refusal into HTTPError.
    body = {"BackupId": backup_id, "BackupMachineId": agent["MachineAgentId"],
            "DestinationMachineId": agent["MachineAgentId"], "DestinationPath": "C:\\R",
            "OverwriteFiles": False}
    refused = sdk.call("PUT", f"{host}/restore", body)
    assert refused.status_code == 400
    assert "deleted" in refused.json()["badRequest"]["message"]


def test_backup_client_encrypts_an_agent_twice(sdk: Sdk) -> None:
    agents = sdk.v1("GET", "/user/agents").json()
    agent = next(a for a in agents if a["IsEncrypted"])  # the world has an encrypted agent
    host = sdk.endpoint(agent["Datacenter"])
    # Agent.encrypt: POST agent/encrypt, raise_for_status; "only enables if not enabled".
    again = sdk.call("POST", f"{host}/agent/encrypt",
                     {"MachineAgentId": agent["MachineAgentId"], "EncryptedPasswordHex": "0bff42"})
    assert again.status_code == 200, again.text
    assert sdk.call("GET", f"{host}/agent/{agent['MachineAgentId']}").json()["IsEncrypted"]


def _rcbu_to_json(got: dict[str, Any]) -> dict[str, Any]:
    """rackspace-backup-client: backup_configuration.from_dict then to_json, as it rebuilds
    the body (its schedule reads a 24-hour clock from StartTimeHour/StartTimeAmPm and writes
    it back as 12-hour)."""
    hour = got["StartTimeHour"]
    if hour is not None and got["StartTimeAmPm"] == "PM":
        hour += 12
    body = {k: got[k] for k in ("MachineAgentId", "BackupConfigurationName", "IsActive",
                                "VersionRetention", "MissedBackupActionId", "TimeZoneId",
                                "NotifyRecipients", "NotifySuccess", "NotifyFailure")}
    body["Inclusions"] = [{"FilePath": f["FilePath"], "FileItemType": f["FileItemType"]}
                          for f in got["Inclusions"]]
    body["Exclusions"] = [{"FilePath": f["FilePath"], "FileItemType": f["FileItemType"]}
                          for f in got["Exclusions"]]
    body.update({"Frequency": got["Frequency"], "StartTimeMinute": got["StartTimeMinute"],
                 "StartTimeHour": None if hour is None else (hour if hour < 12 else hour - 12),
                 "StartTimeAmPm": None if hour is None else ("AM" if hour < 12 else "PM"),
                 "DayOfWeekId": got["DayOfWeekId"], "HourInterval": got["HourInterval"]})
    return body


def test_backup_client_reloads_updates_and_toggles_every_configuration(sdk: Sdk) -> None:
    for config in sdk.v1("GET", "/backup-configuration").json():
        agent = sdk.v1("GET", f"/agent/{config['MachineAgentId']}").json()
        host = sdk.endpoint(agent["Datacenter"])
        url = f"{host}/backup-configuration/{config['BackupConfigurationId']}"
        got = sdk.call("GET", url).json()
        if got["StartTimeHour"] == 12:
            continue  # the client itself cannot represent noon or midnight (hour 24 / 0)
        put = sdk.call("PUT", url, _rcbu_to_json(got))
        assert put.status_code == 200, put.text
        again = sdk.call("GET", url).json()
        assert {k: again[k] for k in ("Frequency", "StartTimeHour", "StartTimeMinute",
                                      "StartTimeAmPm", "DayOfWeekId", "HourInterval")} == \
            {k: got[k] for k in ("Frequency", "StartTimeHour", "StartTimeMinute",
                                 "StartTimeAmPm", "DayOfWeekId", "HourInterval")}
        cid = config["BackupConfigurationId"]
        for enabled in (False, True):  # BackupConfiguration._toggle asserts IsActive back
            toggled = sdk.call("POST", f"{host}/backup-configuration/enable/{cid}",
                               {"Enable": enabled})
            assert toggled.status_code == 200 and toggled.json()["IsActive"] is enabled
            assert (toggled.json()["NextScheduledRunTime"] is None) is (
                not enabled or got["Frequency"] == "Manually")
