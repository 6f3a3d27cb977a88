"""Restores: create, update while Creating, files, the numeric state machine, reports."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.vendors.rackspace.conftest import Rax, advance

RESTORE_KEYS = {"RestoreId", "BackupId", "DestinationMachineId", "OverwriteFiles",
                "BackupConfigurationId", "BackupConfigurationName", "BackupRestorePoint",
                "BackupMachineId", "BackupMachineName", "BackupFlavor", "DestinationMachineName",
                "DestinationPath", "BackupDataCenter", "IsEncrypted", "EncryptedPassword",
                "PublicKey", "RestoreStateId", "MachineAgentId", "Inclusions", "Exclusions"}
REPORT_KEYS = {"BackupConfigurationId", "BackupConfigurationName", "BackupReportId",
               "RestorePoint", "StartTime", "CompletedTime", "Duration",
               "OriginatingComputerName", "State", "NumFilesRestored", "NumBytesRestored",
               "RestoreDestination", "RestoreDestinationMachineId", "NumErrors", "Reason",
               "Diagnostics", "ErrorList"}
NAMES = {0: "Creating", 1: "Queued", 2: "InProgress", 3: "Completed", 4: "Stopped", 5: "Failed",
         6: "StartRequested", 7: "StopRequested", 8: "CompletedWithErrors", 9: "Preparing"}


def _available(rax: Rax, encrypted: bool = False) -> dict[str, Any]:
    entry: dict[str, Any] = next(a for a in rax.get("/backup/availableforrestore").json()
                                 if a["IsEncrypted"] is encrypted)
    return entry


def _create(rax: Rax, encrypted: bool = False, **changes: Any) -> dict[str, Any]:
    entry = _available(rax, encrypted)
    backup = rax.get(f"/backup/completed/{entry['BackupConfigurationId']}").json()[0]
    body = {"BackupId": backup["BackupId"], "BackupMachineId": entry["MachineAgentId"],
            "DestinationMachineId": entry["MachineAgentId"],
            "DestinationPath": "C:\\FolderPathForRestore\\", "BackupDataCenter": "DFW",
            "OverwriteFiles": False, **changes}
    response = rax.call("PUT", "/restore", body)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def test_available_for_restore_lists_configurations_with_a_good_backup(rax: Rax) -> None:
    entries = rax.get("/backup/availableforrestore").json()
    assert entries
    assert all(set(e) == {"BackupConfigurationId", "BackupConfigurationName", "MachineName",
                          "MachineAgentId", "IsEncrypted", "PublicKeyHex", "PublicKeyMod",
                          "Flavor", "LastSuccessfulBackupTime"} for e in entries)
    config_id = entries[0]["BackupConfigurationId"]
    rax.call("DELETE", f"/backup-configuration/{config_id}")
    assert config_id not in [e["BackupConfigurationId"]
                             for e in rax.get("/backup/availableforrestore").json()]


def test_full_restore_lifecycle(client: TestClient, rax: Rax) -> None:
    created = _create(rax)
    assert set(created) == RESTORE_KEYS
    assert created["RestoreStateId"] == 0 and created["BackupDataCenter"] == "DFW"
    restore_id = created["RestoreId"]
    assert rax.get(f"/restore/{restore_id}").json() == created
    add = rax.call("PUT", "/restore/files", {"FilePath": "C:\\ImportantFile.txt", "Filter": "1",
                                             "ParentId": restore_id, "FileItemType": "0"})
    assert add.status_code == 200 and add.content == b""
    rax.call("PUT", "/restore/files", {"FilePath": "/boot", "Filter": 2,
                                       "ParentId": restore_id, "FileItemType": 1})
    files = rax.get(f"/restore/files/{restore_id}").json()
    assert files[1] == {"FilePath": "/boot", "Filter": 2, "RestoreId": restore_id,
                        "FileItemType": 1, "FileId": files[1]["FileId"]}
    assert [f["FilePath"] for f in rax.get(f"/restore/{restore_id}").json()["Inclusions"]] == \
        ["C:\\ImportantFile.txt"]
    update = {"RestoreId": restore_id, "BackupConfigurationId": created["BackupConfigurationId"],
              "RestoreStateId": 0, "BackupMachineId": created["BackupMachineId"],
              "DestinationMachineId": created["DestinationMachineId"],
              "DestinationPath": "C:\\RestoredPath", "BackupDataCenter": "DFW",
              "BackupId": created["BackupId"], "OverwriteFiles": True}
    response = rax.call("POST", "/restore", update)
    assert response.status_code == 204
    assert rax.get(f"/restore/{restore_id}").json()["DestinationPath"] == "C:\\RestoredPath"

    client.post(f"/_emulator/rackspace/agents/{created['DestinationMachineId']}/next-restore",
                json={"outcome": "CompletedWithErrors"})
    start = rax.call("POST", "/restore/action-requested", {"Action": "StartManual",
                                                           "Id": restore_id})
    assert start.status_code == 204
    seen: list[int] = []
    for _ in range(300):
        state = rax.get(f"/restore/{restore_id}").json()["RestoreStateId"]
        if not seen or seen[-1] != state:
            seen.append(state)
        if state in (3, 5, 8):
            break
        advance(client, 60 if state == 2 else 2)
    assert [NAMES[s] for s in seen] == ["StartRequested", "Queued", "Preparing", "InProgress",
                                        "CompletedWithErrors"]
    report = rax.get(f"/restore/report/{restore_id}").json()
    assert set(report) == REPORT_KEYS
    assert report["State"] == "CompletedWithErrors"
    assert report["NumErrors"] == str(len(report["ErrorList"])) != "0"
    assert report["RestoreDestinationMachineId"] == created["DestinationMachineId"]
    assert report["NumFilesRestored"].isdigit()
    # Finished: no more updates, files or starts.
    assert rax.call("POST", "/restore", update).status_code == 403
    assert rax.call("PUT", "/restore/files", {"FilePath": "/x", "Filter": 1,
                                              "ParentId": restore_id,
                                              "FileItemType": 0}).status_code == 403
    assert rax.call("POST", "/restore/action-requested",
                    {"Action": "StartManual", "Id": restore_id}).status_code == 409
    activity = [a for a in rax.get("/activity").json()
                if a["Type"] == "Restore" and a["ID"] == restore_id]
    assert activity and activity[0]["CurrentState"] == "CompletedWithErrors"


def test_restore_stop_path(client: TestClient, rax: Rax) -> None:
    restore_id = _create(rax)["RestoreId"]
    rax.call("POST", "/restore/action-requested", {"Action": "StartManual", "Id": restore_id})
    advance(client, 10)
    stop = rax.call("POST", "/restore/action-requested", {"Action": "StopManual",
                                                          "Id": restore_id})
    assert stop.status_code == 204
    assert rax.get(f"/restore/{restore_id}").json()["RestoreStateId"] == 7
    advance(client, 20)
    assert rax.get(f"/restore/{restore_id}").json()["RestoreStateId"] == 4
    assert rax.get(f"/restore/report/{restore_id}").json()["State"] == "Stopped"


def test_encrypted_restore_needs_the_password(client: TestClient, rax: Rax) -> None:
    created = _create(rax, encrypted=True)
    assert created["IsEncrypted"] is True
    start = {"Action": "StartManual", "Id": created["RestoreId"]}
    refused = rax.call("POST", "/restore/action-requested", start)
    assert refused.status_code == 400
    assert "EncryptedPassword" in refused.json()["badRequest"]["message"]
    assert rax.get(f"/restore/{created['RestoreId']}").json()["RestoreStateId"] == 0
    ok = rax.call("POST", "/restore/action-requested",
                  {**start, "EncryptedPassword": "myencryptedpassword"})
    assert ok.status_code == 204
    assert rax.get(f"/restore/{created['RestoreId']}").json()["RestoreStateId"] == 6


def test_update_with_state_1_queues_the_restore(rax: Rax) -> None:
    created = _create(rax)
    update = {key: created[key] for key in ("RestoreId", "BackupId", "BackupMachineId",
                                            "DestinationMachineId", "DestinationPath",
                                            "OverwriteFiles", "BackupConfigurationId")}
    assert rax.call("POST", "/restore", {**update, "RestoreStateId": 5}).status_code == 400
    assert rax.call("POST", "/restore", {**update, "RestoreStateId": 1}).status_code == 204
    assert rax.get(f"/restore/{created['RestoreId']}").json()["RestoreStateId"] == 6


def test_restore_validation(rax: Rax, other: Rax) -> None:
    entry = _available(rax)
    backup = rax.get(f"/backup/completed/{entry['BackupConfigurationId']}").json()[0]
    good = {"BackupId": backup["BackupId"], "BackupMachineId": entry["MachineAgentId"],
            "DestinationMachineId": entry["MachineAgentId"], "DestinationPath": "/restore",
            "OverwriteFiles": True}
    cases: list[tuple[dict[str, Any], int, str]] = [
             ({"BackupMachineId": rax.agents[3]}, 400, "BackupMachineId"),
             ({"DestinationPath": " "}, 400, "DestinationPath"),
             ({"BackupDataCenter": "MARS"}, 400, "BackupDataCenter"),
             ({"OverwriteFiles": None}, 400, "OverwriteFiles"),
             ({"BackupId": 999999}, 404, "999999"),
             ({"DestinationMachineId": other.agents[0]}, 404, str(other.agents[0]))]
    for change, status, text in cases:
        response = rax.call("PUT", "/restore", {**good, **change})
        assert response.status_code == status, (change, response.text)
        assert text in response.text
    restore_id = _create(rax)["RestoreId"]
    bad_files: list[tuple[dict[str, Any], str]] = [
        ({"Filter": 3}, "Filter"), ({"FileItemType": 4}, "FileItemType"),
        ({"FilePath": ""}, "FilePath")]
    for body, field in bad_files:
        add = {"FilePath": "/etc", "Filter": 1, "ParentId": restore_id, "FileItemType": 1,
               **body}
        response = rax.call("PUT", "/restore/files", add)
        assert response.status_code == 400 and field in response.text
    assert rax.get(f"/restore/files/{restore_id}").json() == []
    assert other.get(f"/restore/{restore_id}").status_code == 404


def test_delete_restore_files(rax: Rax) -> None:
    restore_id = _create(rax)["RestoreId"]
    rax.call("PUT", "/restore/files", {"FilePath": "/etc", "Filter": 1, "ParentId": restore_id,
                                       "FileItemType": 1})
    response = rax.call("DELETE", f"/restore/files/{restore_id}")
    assert response.status_code == 204
    assert rax.get(f"/restore/files/{restore_id}").json() == []
    assert rax.get(f"/restore/{restore_id}").json()["RestoreStateId"] == 0


def test_the_default_world_has_a_finished_restore(rax: Rax) -> None:
    restores = [a for a in rax.get("/activity").json() if a["Type"] == "Restore"]
    assert restores
    report = rax.get(f"/restore/report/{restores[0]['ID']}").json()
    assert report["State"] == "Completed" and report["Duration"] != "00:00:00"
