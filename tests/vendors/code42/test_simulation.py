"""Devices on the virtual clock: connection, alerts, backup progress, cold storage."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.vendors.code42.helpers import report

DAY = 86400


def _device(client: TestClient, uid: str) -> dict[str, Any]:
    [row] = report(client, deviceUid=uid)
    return row


def _control(client: TestClient, uid: str, action: str) -> Any:
    return client.post(f"/_emulator/code42/devices/{uid}/{action}")


def test_offline_device_warns_after_3_days_and_is_critical_after_7(client: TestClient) -> None:
    online = [r for r in report(client) if r["alertStates"] == "OK"
              and r["status"] == "Active" and r["backupCompletePercentage"] == "100.0"]
    gone, staying = online[0]["deviceUid"], online[1]["deviceUid"]
    t0 = client.get("/_emulator/clock").json()["now"]
    assert _control(client, gone, "offline").status_code == 200
    client.post("/_emulator/clock", json={"advance_seconds": 2 * DAY})
    assert _device(client, gone)["alertStates"] == "OK"
    client.post("/_emulator/clock", json={"advance_seconds": 2 * DAY})
    assert _device(client, gone)["alertStates"] == "WarningBackupAlert"
    client.post("/_emulator/clock", json={"advance_seconds": 4 * DAY})
    now = client.get("/_emulator/clock").json()["now"]
    row = _device(client, gone)
    assert row["alertStates"] == "CriticalBackupAlert"
    assert row["lastConnectedDate"] == t0 and row["lastActivity"] == t0
    assert row["lastCompletedBackupDate"] <= t0
    alive = _device(client, staying)
    assert alive["alertStates"] == "OK" and alive["lastConnectedDate"] == now
    assert alive["lastCompletedBackupDate"] == now  # the clock sits on a 15-minute boundary
    assert gone in {r["deviceUid"] for r in report(client, alerted="true")}
    assert staying not in {r["deviceUid"] for r in report(client, alerted="true")}
    # Online again: the alert clears at once.
    _control(client, gone, "online")
    assert _device(client, gone)["alertStates"] == "OK"


def test_backups_progress_and_archives_grow_while_online(client: TestClient) -> None:
    before = {r["deviceUid"]: r for r in report(client)}
    running = [r for r in before.values() if float(r["backupCompletePercentage"]) < 100
               and r["lastConnectedDate"] == r["lastActivity"] and r["status"] == "Active"
               and r["alertStates"] == "OK"]
    assert running
    client.post("/_emulator/clock", json={"advance_seconds": 30 * DAY})
    after = {r["deviceUid"]: r for r in report(client)}
    now = client.get("/_emulator/clock").json()["now"]
    for old in running:
        new = after[old["deviceUid"]]
        if new["lastConnectedDate"] != now:
            continue  # it was offline all along
        assert new["backupCompletePercentage"] == "100.0"
        assert new["lastCompletedBackupDate"] == now
        assert int(new["archiveBytes"]) > int(old["archiveBytes"])
    for uid, old in before.items():
        new = after[uid]
        if new["lastConnectedDate"] == now:  # online: selection grows
            assert int(new["selectedBytes"]) > int(old["selectedBytes"])
        else:  # offline or deactivated: nothing moves
            assert new["selectedBytes"] == old["selectedBytes"]
            assert new["archiveBytes"] == old["archiveBytes"]


def test_deactivated_device_goes_to_cold_storage(client: TestClient) -> None:
    uid = next(r["deviceUid"] for r in report(client, active="true"))
    response = _control(client, uid, "deactivate")
    assert response.status_code == 200 and response.json()["coldStorage"] is True
    row = _device(client, uid)
    assert row["status"] == "Deactivated" and row["coldStorage"] == "true"
    assert uid in {r["deviceUid"] for r in report(client, active="false")}
    client.post("/_emulator/clock", json={"advance_seconds": 10 * DAY})
    assert _device(client, uid)["alertStates"] == "OK"  # deactivated devices do not alert
    _control(client, uid, "reactivate")
    assert _device(client, uid)["coldStorage"] == "false"


def test_control_errors(client: TestClient) -> None:
    assert _control(client, "123", "offline").status_code == 404
    deactivated = next(r["deviceUid"] for r in report(client, active="false"))
    assert _control(client, deactivated, "offline").status_code == 409
    assert client.post(f"/_emulator/code42/devices/{deactivated}/online",
                       params={"sandbox": "sb-nope"}).status_code == 404


def test_a_clock_jump_of_years_is_one_bulk_sweep(client: TestClient) -> None:
    response = client.post("/_emulator/clock", json={"set": "2999-06-01T00:00:00Z"})
    assert response.status_code == 200
    rows = report(client, active="true", alerted="false")
    assert rows and all(r["lastConnectedDate"].startswith("2999-06-01") for r in rows)
