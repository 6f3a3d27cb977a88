"""Simulated CleverFox agents on the virtual clock: runs, logs, missed runs, check-ins."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import col, func, select

from emulator.core.engine import DueTransition
from emulator.core.world import DEFAULT_WORLD_ID
from tests.conftest import emulator_of
from tests.vendors.cleverfox.helpers import advance, auth, new_device, new_job

DAY = 86400
# The clock starts at 2026-01-05T09:00Z, 04:00 in "Eastern Standard Time".


def _logs(client: TestClient, headers: dict[str, str], device_id: int) -> list[dict]:
    data: list[dict] = client.get(f"/api/devices/{device_id}/logs", params={"PageSize": 1000},
                                  headers=headers).json()["data"]
    return data


def _agent(client: TestClient, device_id: int, **body: object) -> dict:
    response = client.post(f"/_emulator/cleverfox/devices/{device_id}/agent", json=body)
    assert response.status_code == 200, response.text
    data: dict = response.json()
    return data


def test_a_daily_job_advanced_three_days_writes_three_logs(client: TestClient) -> None:
    headers = auth(client)
    device = new_device(client, headers)
    job = new_job(client, headers, device["DeviceId"], "2026-01-05T05:00:00.000", items=2)
    advance(client, 3 * DAY)
    logs = _logs(client, headers, device["DeviceId"])
    assert len(logs) == 3
    assert [log["NextRunOn"] for log in logs] == [
        "2026-01-07T05:00:00.000", "2026-01-06T05:00:00.000", "2026-01-05T05:00:00.000"]
    for log in logs:
        assert log["JobStatus"] == "Completed" and log["ErrorMessages"] == ""
        assert log["JobStartedOn"][:14] == log["NextRunOn"][:14]  # started within the hour
        assert log["JobCompletedOn"] > log["JobStartedOn"]
        assert len(log["LogItems"]) == 2
        assert all(item["BackupFileSize"] > 0 for item in log["LogItems"])
        assert log["NotificationJobCompletedProcessedOn"] is not None  # UTC, 5 hours ahead
        assert log["NotificationJobCompletedProcessedOn"][11:13] == "10"
    after = client.get(f"/api/jobs/{job['JobId']}", headers=headers).json()["data"]
    assert after["NextRunOn"] == "2026-01-08T05:00:00.000"
    assert after["LastRanOn"].startswith("2026-01-07T05:")
    # One pending transition per job, not a timer per second.
    emu = emulator_of(client)
    with emu.db.session() as session:
        pending = session.exec(select(func.count()).select_from(DueTransition).where(
            DueTransition.world_id == DEFAULT_WORLD_ID,
            col(DueTransition.kind).startswith("cleverfox."))).one()
        jobs = len(client.get("/api/jobs", params={"PageSize": 1000},
                              headers=headers).json()["data"])
    assert pending <= jobs + 2


def test_an_offline_agent_misses_its_run_after_late_after(client: TestClient) -> None:
    headers = auth(client)
    device = new_device(client, headers)
    ident = device["DeviceId"]
    new_job(client, headers, ident, "2026-01-05T05:00:00.000", LateAfter=30)
    assert _agent(client, ident, online=False)["online"] is False
    advance(client, 3600 + 29 * 60)  # 05:29 local: late, not yet missed
    assert _logs(client, headers, ident) == []
    advance(client, 120)
    logs = _logs(client, headers, ident)
    assert [log["JobStatus"] for log in logs] == ["Missed"]
    assert logs[0]["JobStartedOn"] is None and logs[0]["LogItems"] == []
    advance(client, 120)
    missed = _logs(client, headers, ident)[0]
    assert missed["NotificationJobMissedProcessedOn"] is not None
    assert missed["NotificationJobCompletedProcessedOn"] is None
    job = client.get(f"/api/devices/{ident}/jobs", headers=headers).json()["data"][0]
    assert job["NextRunOn"] == "2026-01-06T05:00:00.000" and job["LastRanOn"] is None
    # Offline, the last check-in stands still.
    first = client.get(f"/api/devices/{ident}", headers=headers).json()["data"]
    advance(client, 3600)
    later = client.get(f"/api/devices/{ident}", headers=headers).json()["data"]
    assert later["LastApiCheckAt"] == first["LastApiCheckAt"]


def test_an_agent_back_online_within_late_after_runs_the_job(client: TestClient) -> None:
    headers = auth(client)
    ident = new_device(client, headers)["DeviceId"]
    new_job(client, headers, ident, "2026-01-05T05:00:00.000")
    _agent(client, ident, online=False)
    advance(client, 2 * 3600)
    assert _logs(client, headers, ident) == []
    _agent(client, ident, online=True)
    device = client.get(f"/api/devices/{ident}", headers=headers).json()["data"]
    assert device["LastApiCheckAt"] == "2026-01-05T06:00:00.000"
    advance(client, 1500)  # a run ends within 25 minutes; its log shows then
    logs = _logs(client, headers, ident)
    assert len(logs) == 1 and logs[0]["JobStartedOn"] == "2026-01-05T06:00:00.000"


def test_check_ins_move_on_while_online(client: TestClient) -> None:
    headers = auth(client)
    ident = new_device(client, headers)["DeviceId"]
    advance(client, 3600)
    device = client.get(f"/api/devices/{ident}", headers=headers).json()["data"]
    assert device["LastApiCheckAt"] == "2026-01-05T05:00:00.000"


def test_execute_get_next_job_starts_a_due_job_now(client: TestClient) -> None:
    headers = auth(client)
    ident = new_device(client, headers)["DeviceId"]
    new_job(client, headers, ident, "2026-01-05T04:01:00.000")
    advance(client, 90)  # due, but the agent checks in only every 5 minutes
    assert _logs(client, headers, ident) == []
    response = client.post(f"/api/devices/{ident}/ExecuteGetNextJob", headers=headers)
    assert response.status_code == 200
    # A run in progress has no log yet: the log (with the id announced) shows when it ends.
    assert _logs(client, headers, ident) == []
    advance(client, 1500)
    logs = _logs(client, headers, ident)
    assert len(logs) == 1 and response.json()["data"]["LogIds"] == [logs[0]["LogId"]]
    assert logs[0]["JobStatus"] == "Completed"
    assert logs[0]["JobStartedOn"] == "2026-01-05T04:01:30.000"
    again = client.post(f"/api/devices/{ident}/ExecuteGetNextJob", headers=headers)
    assert again.json()["data"]["LogIds"] == []  # nothing due: nothing starts
    assert client.post("/api/devices/999/ExecuteGetNextJob", headers=headers).status_code == 404


def test_a_run_made_to_fail(client: TestClient) -> None:
    headers = auth(client)
    ident = new_device(client, headers)["DeviceId"]
    new_job(client, headers, ident, "2026-01-05T05:00:00.000")
    state = _agent(client, ident, fail_next_runs=1, fail_message="Disk full")
    assert state["fail_next_runs"] == 1
    advance(client, 2 * DAY)
    logs = _logs(client, headers, ident)
    assert [log["JobStatus"] for log in logs] == ["Completed", "Failed"]
    assert logs[1]["ErrorMessages"] == "Disk full"
    assert logs[1]["NotificationJobFailedProcessedOn"] is not None
    assert logs[1]["LogItems"][0]["BackupFileName"] is None


def test_one_time_expired_and_inactive_jobs(client: TestClient) -> None:
    headers = auth(client)
    ident = new_device(client, headers)["DeviceId"]
    once = new_job(client, headers, ident, "2026-01-05T05:00:00.000", Frequency="One Time")
    expiring = new_job(client, headers, ident, "2026-01-05T06:00:00.000",
                       ExpireOn="2026-01-06T12:00:00.000")
    new_job(client, headers, ident, "2026-01-05T07:00:00.000", IsInactive=True)
    advance(client, 4 * DAY)
    by_job: dict[int, int] = {}
    for log in _logs(client, headers, ident):
        by_job[log["JobId"]] = by_job.get(log["JobId"], 0) + 1
    assert by_job == {once["JobId"]: 1, expiring["JobId"]: 2}
    after = client.get(f"/api/jobs/{once['JobId']}", headers=headers).json()["data"]
    assert after["NextRunOn"] is None


def test_an_inactive_device_does_not_run(client: TestClient) -> None:
    headers = auth(client)
    ident = new_device(client, headers)["DeviceId"]
    new_job(client, headers, ident, "2026-01-05T05:00:00.000")
    client.put(f"/api/devices/{ident}", json={"data": {"IsInactive": True}}, headers=headers)
    advance(client, 2 * DAY)
    assert _logs(client, headers, ident) == []


def test_time_zone_decides_when_a_job_runs(client: TestClient) -> None:
    headers = auth(client)
    ident = new_device(client, headers, TimeZoneId="Tokyo Standard Time")["DeviceId"]
    # 09:00Z is 18:00 in Tokyo; a run at 19:00 Tokyo time is 10:00Z.
    new_job(client, headers, ident, "2026-01-05T19:00:00.000")
    advance(client, 3590)
    assert _logs(client, headers, ident) == []
    advance(client, 600 + 1500)
    assert len(_logs(client, headers, ident)) == 1


def test_the_default_world_has_a_history(client: TestClient) -> None:
    headers = auth(client)
    logs = client.get("/api/logs", params={"PageSize": 1000}, headers=headers).json()["data"]
    assert {"Completed", "Failed", "Missed"} <= {log["JobStatus"] for log in logs}
    devices = client.get("/api/devices", headers=headers).json()["data"]
    assert len({d["TimeZoneId"] for d in devices}) == 6
    items = {i["BackupType"]["EngineId"] for j in client.get(
        "/api/jobs", headers=headers).json()["data"] for i in j["JobItems"]}
    assert items == {"FILE", "MSSQL"}


def test_control_routes_answer_404_for_unknown_devices_and_worlds(client: TestClient) -> None:
    assert client.get("/_emulator/cleverfox/devices/999/agent").status_code == 404
    response = client.get("/_emulator/cleverfox/devices/1/agent", params={"sandbox": "sb-x"})
    assert response.status_code == 404
    assert client.post("/_emulator/cleverfox/devices/1/agent",
                       json={"fail_next_runs": -1}).status_code == 422


def test_same_requests_after_a_reset_give_the_same_bytes(client: TestClient) -> None:
    def session_of_requests() -> list[bytes]:
        headers = auth(client)
        answers = []
        device = client.post("/api/devices", json={"data": {
            "CompanyId": 1, "SubscriptionId": 1, "Name": "d", "TimeZoneId": "UTC"}},
            headers=headers)
        answers.append(device.content)
        ident = device.json()["data"]["DeviceId"]
        answers.append(client.post("/api/jobs", json={"data": {
            "DeviceId": ident, "Name": "j", "Frequency": "Hourly", "Every": 6,
            "NextRunOn": "2026-01-05T10:00:00.000", "LateAfter": 10, "CloudKeepLast": 1,
            "LocalKeepLast": 1}}, headers=headers).content)
        advance(client, DAY)
        for path in ("/api/logs", "/api/devices", "/api/events", "/api/jobs"):
            answers.append(client.get(path, params={"PageSize": 1000}, headers=headers).content)
        # The new device's API key is a secret issued after the reset: new, all else the same.
        key = device.json()["data"]["ApiKey"].encode()
        keys.append(key)
        return [a.replace(key, b"<key>") for a in answers]

    keys: list[bytes] = []
    first = session_of_requests()
    assert client.post("/_emulator/reset").status_code == 200
    assert session_of_requests() == first
    assert keys[0] != keys[1]


# What a run's log and log items take over from their job, device and job items: every key
# they share but these, so a field the vendor adds to both is checked without a new test.
_NOT_COPIED = {
    "job": {"AddedOn", "UpdatedOn", "NextRunOn", "Device"},  # the run's own slot and times
    "device": {"AddedOn", "UpdatedOn", "Name", "Company", "Subscription"},
    "item": {"AddedOn", "UpdatedOn"},
}


def test_a_runs_log_and_items_carry_their_job_device_and_items_values(
        client: TestClient) -> None:
    # Runs replayed long after (the default world's history, a jump of days) and run live
    # (the last hours, ExecuteGetNextJob) alike.
    headers = auth(client)
    device = new_device(client, headers, TimeZoneId="Tokyo Standard Time",
                        SendNotificationOnJobMissed=False, SendNotificationCc="cc@example.com")
    new_job(client, headers, device["DeviceId"], "2026-01-05T19:00:00.000", items=2,
            Name="Nightly SQL", LateAfter=45, LocalKeepLast=9)
    advance(client, 3 * DAY)
    assert client.get(f"/api/devices/{device['DeviceId']}/ExecuteGetNextJob",
                      headers=headers).status_code == 200
    advance(client, 3600)
    logs = client.get("/api/logs", params={"PageSize": 1000}, headers=headers).json()["data"]
    assert sum(log["DeviceId"] == device["DeviceId"] for log in logs) >= 3
    jobs: dict[int, dict] = {}
    devices: dict[int, dict] = {}
    checked = 0
    for log in logs:
        if log["JobStatus"] not in ("Completed", "Failed"):
            continue
        job = jobs.get(log["JobId"]) or jobs.setdefault(log["JobId"], client.get(
            f"/api/jobs/{log['JobId']}", headers=headers).json()["data"])
        dev = devices.get(log["DeviceId"]) or devices.setdefault(log["DeviceId"], client.get(
            f"/api/devices/{log['DeviceId']}", headers=headers).json()["data"])
        for other, kind in ((job, "job"), (dev, "device")):
            shared = (set(log) & set(other)) - _NOT_COPIED[kind]
            assert {k: log[k] for k in shared} == {k: other[k] for k in shared}, (kind, log)
        by_id = {i["JobItemId"]: i for i in job["JobItems"]}
        assert sorted(i["JobItemId"] for i in log["LogItems"]) == sorted(by_id)
        for item in log["LogItems"]:
            source = by_id[item["JobItemId"]]
            shared = (set(item) & set(source)) - _NOT_COPIED["item"]
            assert {k: item[k] for k in shared} == {k: source[k] for k in shared}, item
            assert item["LogId"] == log["LogId"] and item["BackupFolder"].endswith(
                rf"\Backup\Job{log['JobId']}.JobItem{item['JobItemId']}")
        checked += 1
    assert checked >= 10
