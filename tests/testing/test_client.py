"""EmulatorClient and Sandbox against a real server, through HTTP as a test suite uses them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from emulator.testing import ControlError, EmulatorClient, RunningEmulator, Sandbox
from tests.conftest import SEED, T0


@pytest.fixture
def emu(server: RunningEmulator) -> EmulatorClient:
    return server.client


@pytest.fixture
def sandbox(emu: EmulatorClient) -> Iterator[Sandbox]:
    sandbox = emu.sandbox(freeze=True, name="client test")
    yield sandbox
    with contextlib.suppress(ControlError):
        sandbox.delete()


def test_health_names_the_four_vendors(emu: EmulatorClient) -> None:
    health = emu.health()
    assert health["status"] == "ok"
    assert health["vendors"] == ["cleverfox", "rackspace", "backuprun", "code42"]


def test_credentials_are_the_default_worlds(emu: EmulatorClient) -> None:
    credentials = emu.credentials()
    assert set(credentials) == {"cleverfox", "rackspace", "backuprun", "code42"}
    partners = emu.http.get("/api/partners", auth=(credentials["cleverfox"]["api_key"], ""))
    assert partners.status_code == 200


def test_an_error_answer_raises_control_error_with_status_code_and_message(
        emu: EmulatorClient) -> None:
    with pytest.raises(ControlError) as caught:
        emu.get_sandbox("sb-nope")
    assert caught.value.status == 404
    assert caught.value.code == "not_found"
    assert "sb-nope" in caught.value.message
    with pytest.raises(ControlError) as invalid:
        emu.sandbox(name="x" * 201)
    assert invalid.value.status == 422


def test_the_default_clock_freezes_advances_and_jumps(emu: EmulatorClient) -> None:
    start = datetime.fromisoformat(emu.clock()["now"])
    assert emu.freeze()["frozen"] is True
    assert emu.advance(90)["now"] == _iso_ms(start.timestamp() + 90)
    # A naive datetime is UTC.
    later = datetime(2030, 1, 1, 12, 0, 0)
    assert emu.set_time(later)["now"] == "2030-01-01T12:00:00.000Z"
    assert emu.set_time("2030-01-02T00:00:00Z")["now"] == "2030-01-02T00:00:00.000Z"
    assert emu.set_speed(60)["speed"] == 60
    assert emu.clock() == {"now": "2030-01-02T00:00:00.000Z", "frozen": True, "speed": 60}


def test_reset_rebuilds_the_default_world_with_new_options(emu: EmulatorClient) -> None:
    before = emu.credentials()
    sandbox = emu.sandbox()
    reset = emu.reset(seed=SEED + 1, now="2027-03-01T00:00:00Z", freeze=True)
    assert reset["seed"] == SEED + 1
    assert reset["clock"]["now"] == "2027-03-01T00:00:00.000Z"
    assert reset["credentials"] != before
    assert reset["credentials"] == emu.credentials()
    assert sandbox.id not in [s.id for s in emu.sandboxes()]
    # Back to the module's world for the tests that follow.
    assert emu.reset(seed=SEED, now=T0, freeze=True)["credentials"] == before


def test_a_sandbox_has_its_own_options_clock_and_credentials(emu: EmulatorClient) -> None:
    sandbox = emu.sandbox(seed=7, now="2026-06-01T08:00:00Z", freeze=True, name="mine")
    assert sandbox.id.startswith("sb-")
    assert (sandbox.seed, sandbox.name) == (7, "mine")
    assert sandbox.base_url == f"{emu.base_url}/sandbox/{sandbox.id}"
    assert sandbox.credentials != emu.credentials()
    assert sandbox.clock() == {"now": "2026-06-01T08:00:00.000Z", "frozen": True, "speed": 1.0}
    default_now = emu.clock()["now"]
    assert sandbox.advance(3600)["now"] == "2026-06-01T09:00:00.000Z"
    assert sandbox.set_time(datetime(2026, 6, 2))["now"] == "2026-06-02T00:00:00.000Z"
    assert sandbox.freeze(False)["frozen"] is False
    assert emu.clock()["now"] == default_now
    assert sandbox.id in [s.id for s in emu.sandboxes()]
    assert emu.get_sandbox(sandbox.id).credentials == sandbox.credentials
    sandbox.delete()


def test_a_deleted_sandbox_is_gone_and_its_credentials_fail(sandbox: Sandbox,
                                                            emu: EmulatorClient) -> None:
    sandbox.delete()
    with pytest.raises(ControlError) as caught:
        emu.get_sandbox(sandbox.id)
    assert caught.value.status == 404
    assert emu.http.get("/api/partners", auth=sandbox.cleverfox_auth).status_code == 401
    # its base URL is gone too: a 404 naming it, in the vendor's format
    with pytest.raises(ControlError) as token:
        sandbox.rackspace_token()
    assert token.value.status == 404 and sandbox.id in token.value.message
    with httpx.Client() as http, pytest.raises(ControlError) as login:
        sandbox.backuprun_login(http)
    assert login.value.code == "not_found" and sandbox.id in login.value.message


def test_cleverfox_auth_is_the_sandboxs_partner(sandbox: Sandbox, emu: EmulatorClient) -> None:
    mine = emu.http.get("/api/partners", auth=sandbox.cleverfox_auth).json()["data"]
    default = emu.http.get("/api/partners", auth=(emu.credentials()["cleverfox"]["api_key"], ""))
    assert [p["PartnerId"] for p in mine] == [p["PartnerId"] for p in default.json()["data"]]
    # Same seed (the default world's), same data, but the sandbox's own: a write shows there only
    made = emu.http.post("/api/companies", auth=sandbox.cleverfox_auth, json={
        "data": {"PartnerId": 1, "PlanTypeId": 1, "Name": "Only In The Sandbox"}})
    assert made.status_code == 201, made.text

    def names(auth: tuple[str, str]) -> list[str]:
        return [c["Name"] for c in emu.http.get("/api/companies", params={"PageSize": 1000},
                                                auth=auth).json()["data"]]

    assert "Only In The Sandbox" in names(sandbox.cleverfox_auth)
    assert "Only In The Sandbox" not in names((emu.credentials()["cleverfox"]["api_key"], ""))


def test_rackspace_token_opens_the_sandboxs_tenant(sandbox: Sandbox, emu: EmulatorClient) -> None:
    token = sandbox.rackspace_token()
    agents = emu.http.get(f"/v1.0/{sandbox.rackspace_tenant}/user/agents",
                          headers={"X-Auth-Token": token})
    assert agents.status_code == 200
    assert agents.json()


def test_backuprun_login_keeps_the_session_cookie(sandbox: Sandbox) -> None:
    with httpx.Client(base_url=sandbox.base_url) as http:
        sandbox.backuprun_login(http, remember=True)
        assert "PHPSESSID" in http.cookies
        status = http.post("/api.php", data={"apiCALL": "getStatus"})
    assert '<status value="ok">' in status.text


def test_code42_auth_reads_the_report_per_role(sandbox: Sandbox, emu: EmulatorClient) -> None:
    counts = {}
    for role in ("sysadmin", "org_manager", "user"):
        report = emu.http.get("/api/DeviceBackupReport", auth=sandbox.code42_auth(role))
        assert report.status_code == 200, role
        counts[role] = len(report.json()["data"])
    assert counts["sysadmin"] > counts["org_manager"] > counts["user"] > 0


def _iso_ms(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
