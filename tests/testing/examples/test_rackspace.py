"""Example: a Rackspace Cloud Backup client that waits out 503s and 429s as Retry-After says.

The throttling is a fault rule on the test's own sandbox; the journal shows what went over
the wire. The client never sleeps for real in a test: its `sleep` is injected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from emulator.testing import Sandbox

RETRIED = (429, 503)


class RackspaceBackupClient:
    """Identity v2.0 login, the catalog's Cloud Backup endpoint, and polite retries."""

    def __init__(self, base_url: str, username: str, api_key: str, *, region: str = "DFW",
                 sleep: Callable[[float], object], max_retries: int = 3) -> None:
        self.http = httpx.Client(timeout=10)
        self.sleep = sleep
        self.max_retries = max_retries
        body = {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": username,
                                                         "apiKey": api_key}}}
        access = self._send("POST", f"{base_url}/v2.0/tokens", json=body).json()["access"]
        self.http.headers["X-Auth-Token"] = access["token"]["id"]
        (backup,) = [s for s in access["serviceCatalog"] if s["type"] == "rax:backup"]
        self.endpoint = next(e["publicURL"] for e in backup["endpoints"]
                             if e["region"] == region)

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        for attempt in range(self.max_retries + 1):
            response = self.http.request(method, url, **kwargs)
            if response.status_code not in RETRIED or attempt == self.max_retries:
                break
            self.sleep(float(response.headers.get("Retry-After", "1")))
        response.raise_for_status()
        return response

    def agents(self) -> list[dict[str, Any]]:
        """Every agent of the account (`GET user/agents`)."""
        agents: list[dict[str, Any]] = self._send("GET", f"{self.endpoint}/user/agents").json()
        return agents


@pytest.fixture
def sleeps() -> list[float]:
    """What the client asked to sleep, in seconds."""
    return []


@pytest.fixture
def rackspace(emulator_sandbox: Sandbox, sleeps: list[float]) -> Iterator[RackspaceBackupClient]:
    creds = emulator_sandbox.credentials["rackspace"]
    client = RackspaceBackupClient(emulator_sandbox.base_url, creds["username"],
                                   creds["api_key"], sleep=sleeps.append)
    yield client
    client.http.close()


def test_the_client_waits_as_told_and_gets_its_agents(
        rackspace: RackspaceBackupClient, emulator_sandbox: Sandbox, sleeps: list[float]) -> None:
    rule = emulator_sandbox.add_fault(vendor="rackspace", method="GET",
                                      path="/v1.0/*/user/agents", action="throttle",
                                      status=503, retry_after=2, times=2)

    agents = rackspace.agents()

    assert {a["MachineName"] for a in agents} >= {"web01", "db01", "app01"}
    assert sleeps == [2.0, 2.0]
    calls = emulator_sandbox.requests(vendor="rackspace", path="/v1.0/*/user/agents")
    assert [c["status"] for c in calls] == [503, 503, 200]
    assert [[f["action"] for f in c["faults"]] for c in calls] == [["throttle"], ["throttle"], []]
    assert emulator_sandbox.client.fault(rule["id"])["remaining"] == 0


def test_the_client_gives_up_after_its_retries(
        rackspace: RackspaceBackupClient, emulator_sandbox: Sandbox, sleeps: list[float]) -> None:
    emulator_sandbox.add_fault(vendor="rackspace", path="/v1.0/*", action="throttle")

    with pytest.raises(httpx.HTTPStatusError) as caught:
        rackspace.agents()

    assert caught.value.response.status_code == 429
    assert sleeps == [1.0, 1.0, 1.0]
    assert len(emulator_sandbox.requests(path="/v1.0/*")) == 4
