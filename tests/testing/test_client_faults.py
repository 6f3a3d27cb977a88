"""EmulatorClient and Sandbox: fault rules and the request journal, on a real server."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
import pytest

from emulator.testing import ControlError, EmulatorClient, RunningEmulator, Sandbox


@pytest.fixture
def emu(server: RunningEmulator) -> Iterator[EmulatorClient]:
    yield server.client
    server.client.clear_faults()


@pytest.fixture
def pair(emu: EmulatorClient) -> Iterator[tuple[Sandbox, Sandbox]]:
    a, b = emu.sandbox(freeze=True), emu.sandbox(freeze=True)
    yield a, b
    for sandbox in (a, b):
        with contextlib.suppress(ControlError):
            sandbox.delete()


def _partners(sandbox: Sandbox) -> httpx.Response:
    return sandbox.http.get("/api/partners", auth=sandbox.cleverfox_auth)


def test_a_rule_is_added_listed_read_counted_and_removed(emu: EmulatorClient,
                                                         pair: tuple[Sandbox, Sandbox]) -> None:
    sandbox = pair[0]
    rule = emu.add_fault(vendor="cleverfox", path="/api/partners", action="error", status=502,
                         times=2)
    assert (rule["fired"], rule["remaining"], rule["action"]) == (0, 2, "error")
    assert [r["id"] for r in emu.faults()] == [rule["id"]]
    assert _partners(sandbox).status_code == 502
    assert emu.fault(rule["id"])["fired"] == 1
    emu.remove_fault(rule["id"])
    assert _partners(sandbox).status_code == 200
    assert emu.faults() == []
    with pytest.raises(ControlError) as caught:
        emu.fault(rule["id"])
    assert caught.value.status == 404


def test_a_bad_rule_is_a_control_error_naming_the_field(emu: EmulatorClient) -> None:
    with pytest.raises(ControlError) as caught:
        emu.add_fault(action="throttle", status=500)
    assert caught.value.status == 422
    assert "429 or 503" in caught.value.message


def test_a_sandbox_fault_fires_only_on_that_sandbox(emu: EmulatorClient,
                                                    pair: tuple[Sandbox, Sandbox]) -> None:
    a, b = pair
    mine = a.add_fault(vendor="cleverfox", action="throttle", retry_after=3)
    emu.add_fault(vendor="code42", action="error")
    assert mine["sandbox"] == a.id
    assert [r["id"] for r in a.faults()] == [mine["id"]]
    assert b.faults() == []
    assert len(emu.faults()) == 2
    throttled = _partners(a)
    assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "3")
    assert _partners(b).status_code == 200
    a.clear_faults()
    assert _partners(a).status_code == 200
    assert [r["vendor"] for r in emu.faults()] == ["code42"]
    emu.clear_faults()
    assert emu.faults() == []


def test_deleting_a_sandbox_removes_its_rules(emu: EmulatorClient,
                                              pair: tuple[Sandbox, Sandbox]) -> None:
    a, _ = pair
    a.add_fault(action="drop")
    a.delete()
    assert emu.faults() == []
    with pytest.raises(ControlError):
        emu.faults(sandbox=a.id)


def test_a_sandbox_reads_only_its_own_requests(emu: EmulatorClient,
                                               pair: tuple[Sandbox, Sandbox]) -> None:
    a, b = pair
    a.add_fault(vendor="cleverfox", path="/api/partners", action="error", status=503, times=1)
    for _ in range(2):
        _partners(a)
    _partners(b)
    seen = a.requests()
    assert [(e["path"], e["status"], e["sandbox"]) for e in seen] == [
        ("/api/partners", 503, a.id), ("/api/partners", 200, a.id)]
    assert seen[0]["faults"][0]["action"] == "error"
    assert [e["sandbox"] for e in b.requests()] == [b.id]
    # Filters go through as query parameters (booleans lower case).
    assert [e["status"] for e in a.requests(fault=True)] == [503]
    assert [e["status"] for e in a.requests(fault=False, vendor="cleverfox")] == [200]
    assert a.requests(after=seen[0]["id"]) == [seen[1]]
    assert emu.request(seen[0]["id"])["id"] == seen[0]["id"]
    page = emu.journal(sandbox=a.id, limit=1)
    assert (page["total"], [e["id"] for e in page["data"]]) == (2, [seen[1]["id"]])


def test_secrets_are_masked_in_the_journal(pair: tuple[Sandbox, Sandbox]) -> None:
    a, _ = pair
    token = a.rackspace_token()
    (entry,) = a.requests(vendor="rackspace")
    assert entry["path"] == "/v2.0/tokens"
    assert a.credentials["rackspace"]["api_key"] not in str(entry)
    assert token not in str(entry)


def test_clearing_requests_is_scoped_and_the_ring_is_configurable(
        emu: EmulatorClient, pair: tuple[Sandbox, Sandbox]) -> None:
    a, b = pair
    _partners(a)
    _partners(b)
    a.clear_requests()
    assert a.requests() == []
    assert len(b.requests()) == 1
    before = emu.journal_config()
    try:
        assert emu.configure_journal(body_bytes=16)["body_bytes"] == 16
        assert emu.journal_config()["capacity"] == before["capacity"]
    finally:
        emu.configure_journal(body_bytes=before["body_bytes"])
    emu.clear_requests()
    assert emu.journal()["total"] == 0
