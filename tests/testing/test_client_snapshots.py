"""EmulatorClient and Sandbox: snapshots, whole-state and per sandbox, on a real server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from emulator.testing import ControlError, EmulatorClient, RunningEmulator


@pytest.fixture
def emu(server: RunningEmulator) -> Iterator[EmulatorClient]:
    yield server.client
    for snapshot in server.client.snapshots():
        server.client.delete_snapshot(snapshot["name"])


def _companies(http: httpx.Client, auth: tuple[str, str]) -> list[str]:
    answer = http.get("/api/companies", params={"PageSize": 1000}, auth=auth)
    assert answer.status_code == 200, answer.text
    return sorted(c["Name"] for c in answer.json()["data"])


def _add_company(http: httpx.Client, auth: tuple[str, str]) -> None:
    body = {"data": {"PartnerId": 1, "PlanTypeId": 1, "Name": "Added After"}}
    assert http.post("/api/companies", json=body, auth=auth).status_code == 201


def test_a_whole_state_snapshot_brings_every_world_back(emu: EmulatorClient) -> None:
    auth = (emu.credentials()["cleverfox"]["api_key"], "")
    before = _companies(emu.http, auth)
    saved = emu.snapshot("whole")
    assert (saved["name"], saved["sandbox"]) == ("whole", None)
    assert "default" in saved["worlds"] and saved["rows"] > 0
    _add_company(emu.http, auth)
    later = emu.sandbox()

    restored = emu.restore("whole")

    assert restored["name"] == "whole"
    assert _companies(emu.http, auth) == before
    assert later.id not in [s.id for s in emu.sandboxes()]
    assert [s["name"] for s in emu.snapshots()] == ["whole"]


def test_names_conflict_unless_replaced_and_deleted_ones_are_gone(emu: EmulatorClient) -> None:
    first = emu.snapshot("same")
    with pytest.raises(ControlError) as conflict:
        emu.snapshot("same")
    assert (conflict.value.status, conflict.value.code) == (409, "conflict")
    emu.advance(60)
    replaced = emu.snapshot("same", replace=True)
    assert replaced["clock"]["now"] > first["clock"]["now"]
    assert emu.get_snapshot("same") == replaced
    emu.delete_snapshot("same")
    with pytest.raises(ControlError) as missing:
        emu.get_snapshot("same")
    assert missing.value.status == 404
    with pytest.raises(ControlError) as bad:
        emu.snapshot("no spaces")
    assert bad.value.status == 422


def test_a_sandbox_snapshot_restores_only_that_sandbox(emu: EmulatorClient) -> None:
    mine, other = emu.sandbox(freeze=True), emu.sandbox(freeze=True)
    saved = mine.snapshot("mine")
    assert (saved["sandbox"], saved["worlds"]) == (mine.id, [mine.id])
    before = _companies(mine.http, mine.cleverfox_auth)
    _add_company(mine.http, mine.cleverfox_auth)
    _add_company(other.http, other.cleverfox_auth)
    mine.advance(7200)

    mine.restore("mine")

    assert _companies(mine.http, mine.cleverfox_auth) == before
    assert mine.clock() == saved["clock"]
    assert "Added After" in _companies(other.http, other.cleverfox_auth)
    # A deleted sandbox comes back with its credentials.
    mine.delete()
    assert mine.http.get("/api/companies", auth=mine.cleverfox_auth).status_code == 404
    assert emu.http.get("/api/companies", auth=mine.cleverfox_auth).status_code == 401
    mine.restore("mine")
    assert _companies(mine.http, mine.cleverfox_auth) == before
    for sandbox in (mine, other):
        sandbox.delete()


def test_a_sandbox_refuses_to_restore_a_snapshot_not_of_itself(emu: EmulatorClient) -> None:
    mine, other = emu.sandbox(freeze=True), emu.sandbox(freeze=True)
    emu.snapshot("everything")
    other.snapshot("theirs")
    _add_company(mine.http, mine.cleverfox_auth)
    third = emu.sandbox(freeze=True)  # made after the whole-state snapshot
    before = _companies(mine.http, mine.cleverfox_auth)
    for name in ("everything", "theirs"):
        with pytest.raises(ControlError) as refused:
            mine.restore(name)
        assert (refused.value.status, refused.value.code) == (409, "conflict")
        assert name in refused.value.message
    # nothing changed: every sandbox is still there, mine as it was
    assert {mine.id, other.id, third.id} <= {s.id for s in emu.sandboxes()}
    assert _companies(mine.http, mine.cleverfox_auth) == before
    for sandbox in (mine, other, third):
        sandbox.delete()
