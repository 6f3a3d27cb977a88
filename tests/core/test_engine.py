"""The simulation engine: due transitions applied in time order, on any clock movement."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from emulator.core.clock import Clock
from emulator.core.engine import Ctx, DueTransition, on_due
from emulator.core.runtime import Emulator
from emulator.core.timeutil import iso_z, parse_iso
from emulator.core.world import DEFAULT_WORLD_ID, World
from emulator.fixtures import world as world_fixtures
from tests.conftest import T0, make_settings

APPLIED: list[tuple[str, str]] = []


@on_due("test.record")
def _record(ctx: Ctx, due: DueTransition) -> None:
    APPLIED.append((due.payload["label"], iso_z(ctx.now)))


@on_due("test.hourly")
def _hourly(ctx: Ctx, due: DueTransition) -> None:
    APPLIED.append(("hourly", iso_z(ctx.now)))
    ctx.schedule("test.hourly", due.entity_id, after=3600)


@on_due("test.present")
def _present(ctx: Ctx, due: DueTransition) -> None:
    APPLIED.append((iso_z(ctx.now), iso_z(ctx.present)))


@on_due("test.broken")
def _broken(ctx: Ctx, due: DueTransition) -> None:
    ctx.schedule("test.record", "x", after=0, payload={"label": "written by broken"})
    raise RuntimeError("handler bug")


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    # The engine alone: a default world without vendor data, so no vendor work is due.
    monkeypatch.setattr(world_fixtures, "POPULATORS", [])
    APPLIED.clear()
    emulator = Emulator(make_settings())
    emulator.open()
    # Its clocks are moved by hand, in this process's memory only (never saved): on a store
    # others may share (EMULATOR_TEST_DB), the engine would hold due work to the stored
    # clock, as it must when another process may have moved it (Simulation.run_chunk).
    emulator.shared = False
    yield emulator
    emulator.db.dispose()


def _advance(emu: Emulator, seconds: float) -> int:
    clock = emu.clock(DEFAULT_WORLD_ID)
    clock.advance(seconds)
    with emu.db.session() as session:
        world = session.get(World, DEFAULT_WORLD_ID)
        assert world is not None
        return emu.sim.run_due(session, world, clock.now())


def test_one_big_jump_applies_transitions_in_due_order(emu: Emulator) -> None:
    with emu.db.session() as session:
        ctx = emu.ctx(session, DEFAULT_WORLD_ID)
        # scheduled out of order, two at the same time (ties keep scheduling order)
        for label, after in [("c", 300), ("a", 100), ("b1", 200), ("b2", 200), ("late", 10**6)]:
            ctx.schedule("test.record", label, after=after, payload={"label": label})
        session.commit()
    assert _advance(emu, 3600) == 4
    start = parse_iso(T0)
    assert [
        ("a", iso_z(start + timedelta(seconds=100))),
        ("b1", iso_z(start + timedelta(seconds=200))),
        ("b2", iso_z(start + timedelta(seconds=200))),
        ("c", iso_z(start + timedelta(seconds=300))),
    ] == APPLIED
    with emu.db.session() as session:
        left = session.exec(select(DueTransition)).all()
    assert [row.payload["label"] for row in left] == ["late"]


def test_work_scheduled_inside_a_jump_runs_inside_it(emu: Emulator) -> None:
    with emu.db.session() as session:
        emu.ctx(session, DEFAULT_WORLD_ID).schedule("test.hourly", "job", after=3600)
        session.commit()
    assert _advance(emu, 24 * 3600) == 24
    start = parse_iso(T0)
    assert [t for _, t in APPLIED] == [iso_z(start + timedelta(hours=h)) for h in range(1, 25)]


def test_nothing_runs_before_it_is_due(emu: Emulator) -> None:
    with emu.db.session() as session:
        ctx = emu.ctx(session, DEFAULT_WORLD_ID)
        ctx.schedule("test.record", "x", after=60, payload={"label": "x"})
        session.commit()
    assert _advance(emu, 59.999) == 0
    assert APPLIED == []
    assert _advance(emu, 0.001) == 1


def test_a_failing_handler_is_rolled_back_and_dropped(emu: Emulator) -> None:
    with emu.db.session() as session:
        ctx = emu.ctx(session, DEFAULT_WORLD_ID)
        ctx.schedule("test.broken", "x", after=10)
        ctx.schedule("test.record", "y", after=20, payload={"label": "after"})
        session.commit()
    assert _advance(emu, 60) == 2
    assert [label for label, _ in APPLIED] == ["after"]  # not "written by broken"
    with emu.db.session() as session:
        assert session.exec(select(DueTransition)).all() == []


def test_scheduling_an_unknown_kind_fails_loudly(emu: Emulator) -> None:
    with emu.db.session() as session, pytest.raises(LookupError):
        emu.ctx(session, DEFAULT_WORLD_ID).schedule("no.such.kind", 1, after=1)


def test_background_tick_applies_due_work_of_running_clocks_only(emu: Emulator) -> None:
    real = [1000.0]
    start = parse_iso(T0)
    with emu.db.session() as session:
        ctx = emu.ctx(session, DEFAULT_WORLD_ID)
        ctx.schedule("test.record", "x", after=30, payload={"label": "x"})
        session.commit()
    frozen = emu.clock(DEFAULT_WORLD_ID)
    assert emu.tick() == 0  # frozen: the background never moves it
    emu.clocks[DEFAULT_WORLD_ID] = Clock(
        type(frozen.state)(start, 1000.0, speed=2.0, frozen=False), real=lambda: real[0])
    real[0] += 14.9  # 29.8 virtual seconds
    assert emu.tick() == 0
    real[0] += 0.1
    assert emu.tick() == 1
    assert [("x", iso_z(start + timedelta(seconds=30)))] == APPLIED


def test_clock_advance_over_http_applies_due_transitions_before_answering(
        fake_client: TestClient) -> None:
    probes = fake_client.get("/fake/probes", headers={"X-World": "default"}).json()
    assert {p["state"] for p in probes} == {"Queued"}
    fake_client.post("/_emulator/clock", json={"advance_seconds": 7 * 24 * 3600})
    # read straight from the store, so no request-time catch-up can hide a lazy engine
    emu = fake_client.app.state.emulator  # type: ignore[attr-defined]
    from tests.fakevendor import Probe

    with emu.db.session() as session:
        states = {p.state for p in session.exec(select(Probe)).all()}
    assert states == {"Done"}
    history = fake_client.get("/fake/probes", headers={"X-World": "default"}).json()[0]["history"]
    assert history == "Queued@2026-01-05T09:00:00.000Z;Running@2026-01-05T09:00:10.000Z;" \
                      "Done@2026-01-05T09:01:00.000Z;"


def test_virtual_times_are_exact_not_the_jump_end(fake_client: TestClient) -> None:
    fake_client.post("/_emulator/clock", json={"advance_seconds": 15})
    probes = fake_client.get("/fake/probes", headers={"X-World": "default"}).json()
    assert {p["state"] for p in probes} == {"Running"}
    assert all(p["history"].endswith("Running@2026-01-05T09:00:10.000Z;") for p in probes)
    assert isinstance(parse_iso("2026-01-05T09:00:10.000Z"), datetime)


def test_a_handler_sees_its_due_time_and_the_present_it_is_catching_up_to(emu: Emulator) -> None:
    with emu.db.session() as session:
        ctx = emu.ctx(session, DEFAULT_WORLD_ID)
        assert ctx.present == ctx.now  # a request's context: no catching up
        ctx.schedule("test.present", "p", after=60)
        session.commit()
    assert _advance(emu, 86400) == 1
    start = parse_iso(T0)
    expected = [(iso_z(start + timedelta(seconds=60)), iso_z(start + timedelta(seconds=86400)))]
    assert expected == APPLIED
