"""Issue 13: what python-cloudbackup-sdk and a careful reader of the page still hit.

GET /backup/{id} names its data centers; backups that cannot be restored say so and are
refused; a disabled configuration shows no next run; encrypting an encrypted agent is a no-op.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from emulator.vendors.rackspace.identity import REGIONS
from tests.vendors.rackspace.conftest import Rax, advance

DAY = 86400


def _configs(rax: Rax) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = rax.get("/backup-configuration").json()
    return rows


def _daily(rax: Rax) -> dict[str, Any]:
    return next(c for c in _configs(rax) if c["Frequency"] == "Daily")


def _restore_body(backup: dict[str, Any]) -> dict[str, Any]:
    return {"BackupId": backup["BackupId"], "BackupMachineId": backup["MachineAgentId"],
            "DestinationMachineId": backup["MachineAgentId"], "DestinationPath": "C:\\R\\",
            "OverwriteFiles": False}


def test_backup_details_and_report_name_both_data_centers(rax: Rax) -> None:
    config = _daily(rax)
    agent = rax.get(f"/agent/{config['MachineAgentId']}").json()
    for backup in rax.get(f"/backup/completed/{config['BackupConfigurationId']}").json():
        for path in (f"/backup/{backup['BackupId']}", f"/backup/report/{backup['BackupId']}"):
            body = rax.get(path).json()
            assert body["Datacenter"] == agent["Datacenter"], path
            assert body["BackupDatacenter"] in REGIONS, path
    # The agent's backup data center moves: later reads follow it.
    moved = rax.call("POST", f"/agent/{agent['MachineAgentId']}",
                     {"BackupDataCenter": "ORD", "UseServiceNet": False})
    assert moved.status_code in (200, 204), moved.text
    assert rax.get(f"/backup/{backup['BackupId']}").json()["BackupDatacenter"] == "ORD"
    assert rax.get(f"/backup/report/{backup['BackupId']}").json()["BackupDatacenter"] == "ORD"


def test_a_backup_of_a_deleted_configuration_cannot_be_restored(rax: Rax) -> None:
    config = _daily(rax)
    backups = rax.get(f"/backup/completed/{config['BackupConfigurationId']}").json()
    early = rax.call("PUT", "/restore", _restore_body(backups[0]))
    assert early.status_code == 200, early.text
    assert rax.call("DELETE", f"/backup-configuration/{config['BackupConfigurationId']}"
                    ).status_code in (200, 204)
    for backup in backups:
        report = rax.get(f"/backup/report/{backup['BackupId']}").json()
        assert report["BackupConfigurationIsDeleted"] is True
        assert report["CanRestore"] is False
        refused = rax.call("PUT", "/restore", _restore_body(backup))
        assert refused.status_code == 400, refused.text
        message = refused.json()["badRequest"]["message"]
        assert "BackupId" in message and "deleted" in message
    # A restore configured before the deletion cannot start any more.
    start = rax.call("POST", "/restore/action-requested",
                     {"Action": "StartManual", "Id": early.json()["RestoreId"]})
    assert start.status_code == 403 and "deleted" in start.json()["forbidden"]["message"]
    assert rax.get(f"/restore/{early.json()['RestoreId']}").json()["RestoreStateId"] == 0
    assert config["BackupConfigurationId"] not in {
        a["BackupConfigurationId"] for a in rax.get("/backup/availableforrestore").json()}


def test_a_backup_past_version_retention_cannot_be_restored(client: TestClient,
                                                            rax: Rax) -> None:
    config = _daily(rax)
    assert config["VersionRetention"] == 30
    cid = config["BackupConfigurationId"]
    seeded = {b["BackupId"] for b in rax.get(f"/backup/completed/{cid}").json()}
    advance(client, 31 * DAY)
    rax.relogin()
    still = {b["BackupId"] for b in rax.get(f"/backup/completed/{cid}").json()}
    expired = seeded - still
    assert expired, "the seeded backups are older than 30 days now"
    for backup_id in expired:
        report = rax.get(f"/backup/report/{backup_id}").json()
        assert report["State"] in ("Completed", "CompletedWithErrors")
        assert report["CanRestore"] is False
        body = _restore_body({"BackupId": backup_id, "MachineAgentId": report["MachineAgentId"]})
        refused = rax.call("PUT", "/restore", body)
        assert refused.status_code == 400, refused.text
        assert "VersionRetention" in refused.json()["badRequest"]["message"]
    for backup_id in still:
        assert rax.get(f"/backup/report/{backup_id}").json()["CanRestore"] is True


def test_a_disabled_configuration_has_no_next_run(rax: Rax) -> None:
    for config in _configs(rax):
        if config["Frequency"] == "Manually":
            continue
        cid = config["BackupConfigurationId"]
        assert config["NextScheduledRunTime"] is not None
        off = rax.call("POST", f"/backup-configuration/enable/{cid}", {"Enable": False})
        assert off.status_code == 200 and off.json()["NextScheduledRunTime"] is None
        listed = {c["BackupConfigurationId"]: c for c in _configs(rax)}[cid]
        assert listed["IsActive"] is False and listed["NextScheduledRunTime"] is None
        on = rax.call("POST", f"/backup-configuration/enable/{cid}", {"Enabled": True})
        assert on.status_code == 200 and on.json()["NextScheduledRunTime"] is not None
        # The same through an update with IsActive false.
        body = {**rax.get(f"/backup-configuration/{cid}").json(), "IsActive": False}
        put = rax.call("PUT", f"/backup-configuration/{cid}", body)
        assert put.status_code == 200, put.text
        assert rax.get(f"/backup-configuration/{cid}").json()["NextScheduledRunTime"] is None


def test_every_configuration_round_trips_through_put(rax: Rax) -> None:
    for config in _configs(rax):
        cid = config["BackupConfigurationId"]
        got = rax.get(f"/backup-configuration/{cid}").json()
        put = rax.call("PUT", f"/backup-configuration/{cid}", got)
        assert put.status_code == 200, (cid, put.text)
        assert _without_file_ids(rax.get(f"/backup-configuration/{cid}").json()) == \
            _without_file_ids(got)


def _without_file_ids(config: dict[str, Any]) -> dict[str, Any]:
    """A configuration without its file ids (an update replaces the file entries)."""
    return {**config, **{key: [{k: v for k, v in f.items() if k != "FileId"}
                               for f in config[key]] for key in ("Inclusions", "Exclusions")}}


def test_a_restore_in_creating_round_trips_through_post(rax: Rax) -> None:
    config = _daily(rax)
    backup = rax.get(f"/backup/completed/{config['BackupConfigurationId']}").json()[0]
    created = rax.call("PUT", "/restore", _restore_body(backup)).json()
    got = rax.get(f"/restore/{created['RestoreId']}").json()
    assert rax.call("POST", "/restore", got).status_code == 204
    assert rax.get(f"/restore/{created['RestoreId']}").json() == got
