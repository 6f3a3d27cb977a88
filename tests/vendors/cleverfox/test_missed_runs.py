"""Every scheduled run that does not happen is one Missed log (issue 13)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.vendors.cleverfox.helpers import advance, auth, new_device, new_job

HOUR = 3600
# The clock starts at 2026-01-05T09:00Z, 04:00 in "Eastern Standard Time".


def _logs(client: TestClient, headers: dict[str, str], device_id: int) -> list[dict]:
    data: list[dict] = client.get(f"/api/devices/{device_id}/logs", params={"PageSize": 1000},
                                  headers=headers).json()["data"]
    return data


def _offline(client: TestClient, device_id: int, online: bool = False) -> None:
    response = client.post(f"/_emulator/cleverfox/devices/{device_id}/agent",
                           json={"online": online})
    assert response.status_code == 200, response.text


def test_an_hourly_job_offline_six_hours_logs_six_missed_runs(client: TestClient) -> None:
    headers = auth(client)
    ident = new_device(client, headers)["DeviceId"]
    new_job(client, headers, ident, "2026-01-05T05:00:00.000", Frequency="Hourly", LateAfter=60)
    _offline(client, ident)
    # Runs at 05:00 .. 10:00 local are due; the last is logged Missed at 11:00 local.
    advance(client, HOUR + 6 * HOUR + 60)
    logs = _logs(client, headers, ident)
    assert [log["JobStatus"] for log in logs] == ["Missed"] * 6
    assert sorted(log["NextRunOn"] for log in logs) == [
        f"2026-01-05T{h:02d}:00:00.000" for h in range(5, 11)]
    job = client.get(f"/api/devices/{ident}/jobs", headers=headers).json()["data"][0]
    assert job["NextRunOn"] == "2026-01-05T11:00:00.000"


def test_late_after_longer_than_the_interval_still_logs_each_run(client: TestClient) -> None:
    headers = auth(client)
    ident = new_device(client, headers)["DeviceId"]
    new_job(client, headers, ident, "2026-01-05T05:00:00.000", Frequency="Hourly",
            LateAfter=240)
    _offline(client, ident)
    advance(client, HOUR + 10 * HOUR)  # 15:00 local: runs 05:00 .. 11:00 are past LateAfter
    runs = sorted(log["NextRunOn"] for log in _logs(client, headers, ident))
    assert runs == [f"2026-01-05T{h:02d}:00:00.000" for h in range(5, 12)]


def test_an_agent_back_after_several_due_runs_runs_the_latest_and_misses_the_rest(
        client: TestClient) -> None:
    headers = auth(client)
    ident = new_device(client, headers)["DeviceId"]
    new_job(client, headers, ident, "2026-01-05T05:00:00.000", Frequency="Hourly",
            LateAfter=240)
    _offline(client, ident)
    advance(client, HOUR + 3 * HOUR + 30 * 60)  # 08:30 local: 05, 06, 07, 08 due, none late
    assert _logs(client, headers, ident) == []
    _offline(client, ident, online=True)
    advance(client, 29 * 60)  # 08:59: the run started at 08:30 has ended
    logs = _logs(client, headers, ident)
    by_run = {log["NextRunOn"][11:16]: log["JobStatus"] for log in logs}
    assert by_run == {"05:00": "Missed", "06:00": "Missed", "07:00": "Missed",
                      "08:00": "Completed"}
    assert len(logs) == 4


def test_runs_before_the_job_existed_are_not_missed(client: TestClient) -> None:
    headers = auth(client)
    ident = new_device(client, headers)["DeviceId"]
    _offline(client, ident)
    # Created at 04:00 local with a NextRunOn two days back: only runs from now on count.
    new_job(client, headers, ident, "2026-01-03T04:30:00.000", Frequency="Hourly", LateAfter=60)
    advance(client, 3 * HOUR + 60)  # 07:01 local: the 04:30 and 05:30 runs are late
    runs = sorted(log["NextRunOn"] for log in _logs(client, headers, ident))
    assert runs == ["2026-01-05T04:30:00.000", "2026-01-05T05:30:00.000"]
