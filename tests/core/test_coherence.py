"""Two servers on one store, as two processes are: what one does to worlds and clocks, the other
sees at its next request (core.coherence), and due work is applied once, in order."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import SQLModel, func, select

from emulator.app import create_app
from emulator.core.engine import DueTransition
from emulator.core.runtime import Emulator
from emulator.core.world import World
from emulator.fixtures import world as world_fixtures
from tests import fakevendor
from tests.conftest import (
    TEST_DB,
    default_world_rows,
    empty_shared_database,
    emulator_of,
    make_settings,
    two_servers,
)

# Its servers share one store: on PostgreSQL, the suite's database (conftest).
pytestmark = pytest.mark.shared_store


def shared_store(tmp_path: Path) -> str:
    """The store two servers share: the suite's database when it is one (PostgreSQL), else a
    SQLite file."""
    return TEST_DB if TEST_DB != ":memory:" else str(tmp_path / "shared.db")


def _basic(key: str) -> dict[str, str]:
    return {"Authorization": httpx.BasicAuth(key, "")._auth_header}


def _cf_key(client: TestClient, sandbox: dict[str, object] | None = None) -> dict[str, str]:
    creds = sandbox["credentials"] if sandbox else client.get("/_emulator/credentials").json()
    return _basic(creds["cleverfox"]["api_key"])  # type: ignore[index]


def test_a_sandbox_made_through_one_is_served_by_the_other(tmp_path: Path) -> None:
    with two_servers(shared_store(tmp_path)) as (one, two):
        made = one.post("/_emulator/sandboxes", json={"name": "shared"})
        assert made.status_code == 201
        sandbox = made.json()
        assert two.get(f"/_emulator/sandboxes/{sandbox['id']}").json()["name"] == "shared"
        devices = two.get("/api/devices", headers=_cf_key(two, sandbox))
        assert devices.status_code == 200, devices.text
        assert devices.json() == one.get("/api/devices", headers=_cf_key(one, sandbox)).json()
        # Dropped through the second: the first stops taking its key at once.
        assert two.delete(f"/_emulator/sandboxes/{sandbox['id']}").status_code == 204
        assert one.get("/api/devices", headers=_cf_key(one, sandbox)).status_code == 401


def test_sandboxes_made_through_both_never_share_an_ordinal_or_a_key(tmp_path: Path) -> None:
    with two_servers(shared_store(tmp_path)) as (one, two):
        made = [(one if i % 2 else two).post("/_emulator/sandboxes", json={}).json()
                for i in range(4)]
        keys = {m["credentials"]["cleverfox"]["api_key"] for m in made}
        assert len(keys) == 4
        listed = [s["id"] for s in one.get("/_emulator/sandboxes").json()]
        assert listed == [m["id"] for m in made]
        assert listed == [s["id"] for s in two.get("/_emulator/sandboxes").json()]


def test_a_clock_moved_through_one_is_the_others_clock(tmp_path: Path) -> None:
    with two_servers(shared_store(tmp_path)) as (one, two):
        moved = one.post("/_emulator/clock", json={"advance_seconds": 3600}).json()
        assert two.get("/_emulator/clock").json() == moved
        # Moved on from where the other left it, not from this one's older copy.
        again = two.post("/_emulator/clock", json={"advance_seconds": 60}).json()
        assert again["now"] > moved["now"]
        assert one.get("/_emulator/clock").json() == again


def test_a_reset_through_one_gives_the_other_the_new_world(tmp_path: Path) -> None:
    with two_servers(shared_store(tmp_path)) as (one, two):
        old = _cf_key(two)
        assert two.get("/api/devices", headers=old).status_code == 200
        assert one.post("/_emulator/reset", json={"seed": 7}).status_code == 200
        assert two.get("/_emulator/credentials").json() == one.get(
            "/_emulator/credentials").json()
        new = _cf_key(two)
        assert new != old
        assert two.get("/api/devices", headers=old).status_code == 401
        assert two.get("/api/devices", headers=new).json() == one.get(
            "/api/devices", headers=new).json()


def _world_table(name: str) -> bool:
    return "world_id" in SQLModel.metadata.tables[name].c


def _new_job(client: TestClient) -> None:
    """A job whose first run is due ten minutes after the first step (09:00 + 2 h, UTC)."""
    body = {"data": {"DeviceId": 1, "Name": "Shared", "IsInactive": False,
                     "Frequency": "Daily", "NextRunOn": "2026-01-05T06:10:00.000",
                     "LateAfter": 240, "Every": 1, "DayOfMonth": 1, "ExpireOn": None,
                     "CloudKeepLast": 30, "LocalKeepLast": 1}}
    made = client.post("/api/jobs", json=body, headers=_cf_key(client))
    assert made.status_code == 201, made.text


def _advance(client: TestClient, seconds: int) -> None:
    assert client.post("/_emulator/clock", json={"advance_seconds": seconds}).status_code == 200


def _live(one: TestClient, two: TestClient, steps: list[int]) -> None:
    for i, seconds in enumerate(steps):
        _advance(one if i % 2 else two, seconds)
        other = two if i % 2 else one
        # The other reads in between: it applies nothing twice. After the first step it
        # schedules a run that the first must apply, though it remembers no such work.
        assert other.get("/api/jobs", headers=_cf_key(one)).status_code == 200
        if i == 0:
            _new_job(other)


def test_due_work_moved_through_either_is_applied_once_in_order(tmp_path: Path) -> None:
    """Hours lived through two servers taking turns leave the rows one server leaves."""
    steps = [7200, 1800, 5400, 3600, 86_400]
    (tmp_path / "alone").mkdir()
    with two_servers(shared_store(tmp_path / "alone")) as (one, _):
        _live(one, one, steps)
        alone = default_world_rows(one, _world_table)
    empty_shared_database()
    with two_servers(shared_store(tmp_path)) as (one, two):
        _live(one, two, steps)
        assert default_world_rows(one, _world_table) == alone
        emu = emulator_of(one)
        with emu.db.session() as session:
            pending = session.exec(select(func.count()).select_from(DueTransition)).one()
        assert pending > 0  # the comparison covered work still to come, too


def test_two_servers_opening_one_new_store_at_once_build_one_default_world(
        tmp_path: Path) -> None:
    db = shared_store(tmp_path)
    emus = [Emulator(make_settings(db=db)) for _ in range(2)]
    errors: list[BaseException] = []

    def open_one(emu: Emulator) -> None:
        try:
            emu.open()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=open_one, args=(emu,)) for emu in emus]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(emu.built_default_world for emu in emus) == [False, True]
    with emus[0].db.session() as session:
        assert session.exec(select(func.count()).select_from(World)).one() == 1
    assert emus[0].worlds["default"].credentials == emus[1].worlds["default"].credentials
    for emu in emus:
        emu.versions.close()
        emu.db.dispose()


def test_work_scheduled_through_one_is_applied_by_the_other(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The other server remembered "nothing pending" for the world; the store says otherwise,
    and its clock move applies the new work, once."""
    monkeypatch.setattr(world_fixtures, "POPULATORS", [("fake", fakevendor.populate)])
    db = shared_store(tmp_path)
    first = Emulator(make_settings(db=db))
    first.open()
    second = Emulator(make_settings(db=db))
    apps = [create_app(e.settings, emulator=e) for e in (first, second)]
    for app in apps:
        fakevendor.install(app)
    world = {"X-World": "default"}
    with TestClient(apps[0]) as one, TestClient(apps[1]) as two:
        _advance(one, 100)
        assert {p["state"] for p in two.get("/fake/probes", headers=world).json()} == {"Done"}
        made = two.post("/fake/probes", json={"name": "late"}, headers=world).json()
        _advance(one, 100)
        probes = {p["id"]: p for p in one.get("/fake/probes", headers=world).json()}
        assert probes[made["id"]]["history"] == (
            "Queued@2026-01-05T09:01:40.000Z;Running@2026-01-05T09:01:50.000Z;"
            "Done@2026-01-05T09:02:40.000Z;")
        assert two.get("/fake/probes", headers=world).json() == list(probes.values())


def test_two_engines_on_one_store_apply_each_transition_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two servers' engines catching one world up at the same moment, in small batches, take
    turns: every probe moves through each state exactly once, at its due time."""
    monkeypatch.setattr(world_fixtures, "POPULATORS", [
        ("fake", lambda ctx, fake, scale: fakevendor.populate(ctx, fake, 100))])
    db = shared_store(tmp_path)
    emus = [Emulator(make_settings(db=db)) for _ in range(2)]
    for emu in emus:
        emu.open()
        emu.sim.batch_size = 7
    clock = emus[0].clock("default")
    clock.advance(100)
    with emus[0].db.session() as session:
        emus[0].save_clock(session, "default")
        session.commit()
    until = clock.now()
    applied: list[int] = []

    def catch_up(emu: Emulator) -> None:
        with emu.db.session() as session:
            applied.append(emu.sim.run_due(session, emu.worlds["default"], until))

    threads = [threading.Thread(target=catch_up, args=(emu,)) for emu in emus]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with emus[0].db.session() as session:
        probes = session.exec(select(fakevendor.Probe)).all()
    assert len(probes) == 300
    assert sum(applied) == 600  # Queued -> Running, Running -> Done: each once
    assert {p.history for p in probes} == {
        "Queued@2026-01-05T09:00:00.000Z;Running@2026-01-05T09:00:10.000Z;"
        "Done@2026-01-05T09:01:00.000Z;"}
    for emu in emus:
        emu.versions.close()
        emu.db.dispose()


def test_a_chunk_never_runs_past_the_stored_clock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server whose copy of a clock is ahead of the store's (another process froze or set
    it since) applies due work only up to the stored clock's now."""
    monkeypatch.setattr(world_fixtures, "POPULATORS", [("fake", fakevendor.populate)])
    emu = Emulator(make_settings(db=shared_store(tmp_path)))
    emu.open()
    stale = emu.clock("default")
    stale.advance(3600)  # in this process's memory only, never saved
    with emu.db.session() as session:
        emu.ctx(session, "default")  # no event loop: applies what is due by its clock, here
        assert {p.state for p in session.exec(select(fakevendor.Probe)).all()} == {"Queued"}
    emu.versions.close()
    emu.db.dispose()


def test_a_code42_sweep_another_server_applied_is_not_applied_again(tmp_path: Path) -> None:
    """Code42's backup sweeps are applied by whichever request first finds one due. A server
    whose session still holds the sweep marker as it was before another server swept (the
    read a racing process makes) sweeps nothing again: it takes the world's lock and reads the
    marker as stored before it sweeps."""
    from emulator.core.engine import Ctx
    from emulator.vendors.code42 import agents
    from emulator.vendors.code42.models import Code42Device, Code42Sweep
    from emulator.vendors.code42.timing import SWEEP_INTERVAL

    db = shared_store(tmp_path)
    emus = [Emulator(make_settings(db=db)) for _ in range(2)]
    for emu in emus:
        emu.open()
    try:
        later = emus[0].clock("default").now() + SWEEP_INTERVAL * 3
        with emus[0].db.session() as first, emus[1].db.session() as second:
            stale = first.exec(select(Code42Sweep)).one()  # held, as a racing read is
            world = emus[1].worlds["default"]
            assert agents.catch_up(Ctx(second, world, later, emus[1].sim)) == 3
            second.commit()
            grown = {d.guid: d.archive_bytes for d in second.exec(select(Code42Device))}
            assert stale.swept_until < later - SWEEP_INTERVAL  # still the old marker here
            assert agents.catch_up(Ctx(first, emus[0].worlds["default"], later,
                                       emus[0].sim)) == 0
            first.commit()
        with emus[0].db.session() as session:
            after = {d.guid: d.archive_bytes for d in session.exec(select(Code42Device))}
        assert after == grown
    finally:
        for emu in emus:
            emu.versions.close()
            emu.db.dispose()
