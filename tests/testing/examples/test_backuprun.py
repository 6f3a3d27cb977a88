"""Example: a BackupRun client that logs in and survives a dropped or cut connection.

`drop` closes the connection without an answer; `truncate` sends part of one. Both are what a
flaky network does; the client retries read-only calls once.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import httpx
import pytest

from emulator.testing import Sandbox

READ_ONLY = {"getStatus", "getBackupStatus", "getTaskDetailById"}


class BackupRunError(Exception):
    """A `<status value="error">` answer."""


class BackupRunClient:
    """POST /api.php with apiCALL; the PHPSESSID cookie lives in the httpx cookie jar."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10)

    def call(self, api_call: str, **params: str) -> ET.Element:
        """One call; retried once after a broken connection when it only reads."""
        attempts = 2 if api_call in READ_ONLY else 1
        for attempt in range(attempts):
            try:
                response = self.http.post("/api.php", data={"apiCALL": api_call, **params})
                break
            except httpx.TransportError:
                if attempt + 1 == attempts:
                    raise
        root = ET.fromstring(response.content)
        status = root.find("status")
        if status is None or status.get("value") != "ok":
            error = root.find("error")
            raise BackupRunError(error.get("message") if error is not None else response.text)
        return root

    def login(self, email: str, password: str) -> None:
        self.call("login", email=email, password=password)

    def services(self) -> dict[str, str]:
        """service_id -> name of every service getStatus lists."""
        return {agent.get("service_id", ""): agent.get("name", "")
                for agent in self.call("getStatus").iter("agent")}


@pytest.fixture
def backuprun(emulator_sandbox: Sandbox) -> Iterator[BackupRunClient]:
    client = BackupRunClient(emulator_sandbox.base_url)
    creds = emulator_sandbox.credentials["backuprun"]
    client.login(creds["email"], creds["password"])
    yield client
    client.http.close()


@pytest.mark.parametrize("action", ["drop", "truncate"])
def test_a_broken_connection_is_retried_once(action: str, backuprun: BackupRunClient,
                                             emulator_sandbox: Sandbox) -> None:
    expected = backuprun.services()
    emulator_sandbox.add_fault(vendor="backuprun", api_call="getStatus", action=action, times=1)

    assert backuprun.services() == expected

    calls = emulator_sandbox.requests(api_call="getStatus")
    assert [[f["action"] for f in c["faults"]] for c in calls] == [[], [action], []]
    assert calls[-1]["status"] == 200
    if action == "drop":
        assert calls[1]["status"] is None


def test_a_broken_connection_twice_is_an_error(backuprun: BackupRunClient,
                                               emulator_sandbox: Sandbox) -> None:
    emulator_sandbox.add_fault(vendor="backuprun", api_call="getStatus", action="drop", times=2)
    with pytest.raises(httpx.TransportError):
        backuprun.services()


def test_a_bad_login_is_the_vendors_error(emulator_sandbox: Sandbox) -> None:
    client = BackupRunClient(emulator_sandbox.base_url)
    with client.http, pytest.raises(BackupRunError, match="wrong email or password"):
        client.login(emulator_sandbox.credentials["backuprun"]["email"], "wrong")
