"""Example: a CleverFox job poller, tested on a sandbox whose clock the test moves.

Written as a client developer would: the client class is the code under test, the plugin's
`emulator_sandbox` fixture gives it a world of its own, and time passes only when asked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from emulator.testing import EmulatorClient, Sandbox


class CleverFoxClient:
    """A tiny partner-API client: devices, jobs, and a poller for a run's log."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.http = httpx.Client(base_url=f"{base_url}/api", auth=(api_key, ""), timeout=10)

    def _data(self, response: httpx.Response) -> Any:
        if response.is_error:  # CleverFox says what was wrong in {"Message": ...}
            raise RuntimeError(f"{response.status_code}: {response.json()['Message']}")
        return response.json()["data"]

    def create_device(self, name: str, time_zone: str) -> int:
        """A new device of company 1 on subscription 1; its DeviceId."""
        body = {"data": {"CompanyId": 1, "SubscriptionId": 1, "Name": name,
                         "TimeZoneId": time_zone, "IsInactive": False}}
        return int(self._data(self.http.post("/devices", json=body))["DeviceId"])

    def create_daily_job(self, device_id: int, next_run: str, folder: str) -> int:
        """A daily file backup of `folder`, first run at `next_run` (device local time)."""
        job = self._data(self.http.post("/jobs", json={"data": {
            "DeviceId": device_id, "Name": "Nightly", "Frequency": "Daily", "Every": 1,
            "DayOfMonth": 1, "NextRunOn": next_run, "ExpireOn": None, "LateAfter": 60,
            "CloudKeepLast": 30, "LocalKeepLast": 1, "IsInactive": False}}))
        self._data(self.http.post("/jobitems", json={"data": {
            "JobId": job["JobId"], "Name": "Files", "BackupTypeId": 1, "BaseFolder": folder,
            "IncludeSubFolders": True, "SearchPatterns": "*.*"}}))
        return int(job["JobId"])

    def run_now(self, device_id: int) -> list[int]:
        """Ask the device's agent to start what is due; the ids of the logs it started."""
        data = self._data(self.http.post(f"/devices/{device_id}/ExecuteGetNextJob"))
        return [int(log_id) for log_id in data["LogIds"]]

    def wait_for_log(self, log_id: int, wait: Callable[[], object],
                     attempts: int = 20) -> Iterator[str]:
        """Poll for a run's log, calling `wait` between polls, until it appears (a run in
        progress has no log yet: 404); yields "running" per poll, then the final JobStatus
        (in production `wait` sleeps; in a test it moves time)."""
        for _ in range(attempts):
            response = self.http.get(f"/logs/{log_id}")
            if response.status_code != 404:
                yield str(self._data(response)["JobStatus"])
                return
            yield "running"
            wait()
        raise TimeoutError(f"log {log_id} still running after {attempts} polls")


@pytest.fixture
def cleverfox(emulator_sandbox: Sandbox) -> Iterator[CleverFoxClient]:
    client = CleverFoxClient(emulator_sandbox.base_url, emulator_sandbox.cleverfox_auth[0])
    yield client
    client.http.close()


# 09:00 UTC is 04:00 in "Eastern Standard Time", the device's zone.
@pytest.mark.emulator_sandbox(now="2026-01-05T09:00:00Z")
def test_the_poller_waits_for_the_log_of_a_completed_run(
        cleverfox: CleverFoxClient, emulator_sandbox: Sandbox) -> None:
    device = cleverfox.create_device("File server", "Eastern Standard Time")
    cleverfox.create_daily_job(device, "2026-01-05T04:01:00.000", r"D:\Shares")
    assert cleverfox.run_now(device) == []  # not due yet: the sandbox's clock is frozen
    emulator_sandbox.advance(90)
    (log_id,) = cleverfox.run_now(device)

    statuses = list(cleverfox.wait_for_log(log_id, wait=lambda: emulator_sandbox.advance(300)))

    # A run lasts 0.5 to 25 minutes: seen running at least once, then Completed.
    assert statuses[0] == "running"
    assert statuses[-1] == "Completed"
    assert set(statuses[:-1]) == {"running"}
    assert emulator_sandbox.clock()["now"] < "2026-01-05T09:30"


@pytest.mark.emulator_sandbox(now="2026-01-05T09:00:00Z")
def test_the_poller_reports_a_failed_run(cleverfox: CleverFoxClient,
                                         emulator_sandbox: Sandbox) -> None:
    device = cleverfox.create_device("SQL server", "Eastern Standard Time")
    cleverfox.create_daily_job(device, "2026-01-05T04:01:00.000", r"E:\Data")
    # The vendor's own test controls take the sandbox as ?sandbox=.
    emulator_sandbox.client.call("POST", f"/cleverfox/devices/{device}/agent",
                                 json={"fail_next_runs": 1, "fail_message": "Disk full"},
                                 params={"sandbox": emulator_sandbox.id})
    emulator_sandbox.advance(90)
    (log_id,) = cleverfox.run_now(device)

    statuses = list(cleverfox.wait_for_log(log_id, wait=lambda: emulator_sandbox.advance(300)))

    assert statuses[-1] == "Failed"
    assert "Disk full" in cleverfox.http.get(f"/logs/{log_id}").json()["data"]["ErrorMessages"]


# Preparing a world once and putting it back before each test: a sandbox snapshot.


@pytest.fixture(scope="module")
def prepared(backup_emulator: EmulatorClient) -> Iterator[tuple[Sandbox, str, list[int]]]:
    """A sandbox with three new devices, saved once; snapshot names are server-wide, so the
    name carries the sandbox id (other xdist workers may share the server)."""
    sandbox = backup_emulator.sandbox(freeze=True, name="cleverfox prepared")
    client = CleverFoxClient(sandbox.base_url, sandbox.cleverfox_auth[0])
    devices = [client.create_device(f"Branch {n}", "UTC") for n in range(3)]
    client.http.close()
    name = f"prepared-{sandbox.id}"
    sandbox.snapshot(name)
    yield sandbox, name, devices
    backup_emulator.delete_snapshot(name)
    sandbox.delete()


@pytest.fixture
def branches(prepared: tuple[Sandbox, str, list[int]]) -> Iterator[tuple[CleverFoxClient,
                                                                         list[int]]]:
    sandbox, name, devices = prepared
    sandbox.restore(name)
    client = CleverFoxClient(sandbox.base_url, sandbox.cleverfox_auth[0])
    yield client, devices
    client.http.close()


@pytest.mark.parametrize("victim", [0, 1])
def test_each_test_starts_from_the_prepared_devices(
        branches: tuple[CleverFoxClient, list[int]], victim: int) -> None:
    client, devices = branches
    listed = {d["DeviceId"] for d in client.http.get("/devices").json()["data"]}
    assert set(devices) <= listed  # whatever the test before deleted is back
    assert client.http.delete(f"/devices/{devices[victim]}").status_code == 200
