"""Fault rules with for_seconds: an outage that lasts for virtual time, on its world's clock."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.control.test_faults import add, vendor_call

VENDORS = ("cleverfox", "rackspace", "backuprun", "code42")


@pytest.mark.parametrize("vendor", VENDORS)
def test_an_outage_ends_when_its_minutes_of_virtual_time_have_passed(
        client: TestClient, vendor: str) -> None:
    now = client.get("/_emulator/clock").json()["now"]
    # Rackspace's read logs in first: the outage is on Cloud Backup, not on Identity.
    where = {"path": "/v1.0/*"} if vendor == "rackspace" else {}
    rule = add(client, action="error", status=503, vendor=vendor, for_seconds=900, **where)
    assert rule["until"] > now
    assert vendor_call(client, vendor).status_code == 503
    client.post("/_emulator/clock", json={"advance_seconds": 899})
    assert vendor_call(client, vendor).status_code == 503
    client.post("/_emulator/clock", json={"advance_seconds": 1})
    assert vendor_call(client, vendor).status_code == 200
    assert client.get(f"/_emulator/faults/{rule['id']}").json()["until"] == rule["until"]


def test_a_sandbox_outage_runs_on_the_sandbox_clock(client: TestClient) -> None:
    sandbox = client.post("/_emulator/sandboxes", json={}).json()
    add(client, action="error", status=503, vendor="cleverfox", sandbox=sandbox["id"],
        for_seconds=60)
    client.post("/_emulator/clock", json={"advance_seconds": 3600})  # the default world's
    assert vendor_call(client, "cleverfox", sandbox["credentials"]).status_code == 503
    client.post(f"/_emulator/sandboxes/{sandbox['id']}/clock", json={"advance_seconds": 60})
    assert vendor_call(client, "cleverfox", sandbox["credentials"]).status_code == 200


@pytest.mark.parametrize("value", [0, -5, "soon", 1e12])
def test_a_bad_duration_is_refused_and_adds_no_rule(client: TestClient, value: object) -> None:
    response = client.post("/_emulator/faults", json={"action": "error", "for_seconds": value})
    assert response.status_code == 422
    assert "for_seconds" in response.json()["message"]
    assert client.get("/_emulator/faults").json() == []


def test_a_rule_without_a_duration_has_no_end(client: TestClient) -> None:
    assert add(client, action="error", vendor="code42")["until"] is None
