"""State machines declared as data: events, automatic steps, choice, stale steps."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import select

from emulator.core.engine import Ctx, DueTransition
from emulator.core.runtime import Emulator
from emulator.core.statemachine import Edge, IllegalTransition, StateMachine
from emulator.core.world import DEFAULT_WORLD_ID
from emulator.fixtures import world as world_fixtures
from tests.conftest import make_settings
from tests.fakevendor import PROBE, Probe


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    # The engine alone: a default world without vendor data, so no vendor work is due.
    monkeypatch.setattr(world_fixtures, "POPULATORS", [])
    emulator = Emulator(make_settings())
    emulator.open()
    # Its clocks are moved by hand, in this process's memory only (never saved): on a store
    # others may share (EMULATOR_TEST_DB), the engine would hold due work to the stored
    # clock, as it must when another process may have moved it (Simulation.run_chunk).
    emulator.shared = False
    yield emulator
    emulator.db.dispose()


def test_stop_event_cancels_the_pending_automatic_step(fake_client: TestClient) -> None:
    headers = {"X-World": "default"}
    probe = fake_client.post("/fake/probes", json={"name": "p"}, headers=headers).json()
    stopped = fake_client.post(f"/fake/probes/{probe['id']}/stop", headers=headers)
    assert stopped.status_code == 200
    assert stopped.json()["state"] == "Stopped"
    fake_client.post("/_emulator/clock", json={"advance_seconds": 3600})
    rows = fake_client.get("/fake/probes", headers=headers).json()
    assert next(r for r in rows if r["id"] == probe["id"])["state"] == "Stopped"


def test_an_illegal_event_is_a_typed_409(fake_client: TestClient) -> None:
    headers = {"X-World": "default"}
    probe = fake_client.post("/fake/probes", json={"name": "p"}, headers=headers).json()
    fake_client.post("/_emulator/clock", json={"advance_seconds": 3600})
    response = fake_client.post(f"/fake/probes/{probe['id']}/stop", headers=headers)
    assert response.status_code == 409
    assert response.json() == {"code": "illegal_transition",
                               "message": "test.probe: cannot 'stop' while in state 'Done'"}


def test_illegal_transition_carries_its_facts(emu: Emulator) -> None:
    with emu.db.session() as session:
        ctx = emu.ctx(session, DEFAULT_WORLD_ID)
        probe = Probe(world_id=ctx.world_id, name="p", state="Done")
        session.add(probe)
        assert not PROBE.can(probe, "stop")
        assert PROBE.can(Probe(world_id=ctx.world_id, name="q", state="Running"), "stop")
        with pytest.raises(IllegalTransition) as caught:
            PROBE.fire(ctx, probe, "stop")
    assert (caught.value.machine, caught.value.state, caught.value.event) == \
        ("test.probe", "Done", "stop")
    assert caught.value.status_code == 409


def test_a_stale_step_is_ignored(emu: Emulator) -> None:
    with emu.db.session() as session:
        ctx = emu.ctx(session, DEFAULT_WORLD_ID)
        probe = Probe(world_id=ctx.world_id, name="p")
        PROBE.start(ctx, probe, "Queued")
        session.commit()
        probe.state = "Stopped"  # moved by something that did not cancel the step
        session.add(probe)
        session.commit()
    emu.clock(DEFAULT_WORLD_ID).advance(3600)
    with emu.db.session() as session:
        emu.ctx(session, DEFAULT_WORLD_ID)
        assert session.exec(select(Probe)).all()[-1].state == "Stopped"
        assert session.exec(select(DueTransition)).all() == []


def test_choose_hook_overrides_the_weights(emu: Emulator) -> None:
    def always_fail(_ctx: Ctx, _entity: Any, edges: Sequence[Edge]) -> Edge | None:
        return next(e for e in edges if e.target == "Broken")

    machine = StateMachine("test.choose", Probe, [
        Edge("Queued", "Fine", after=(1, 1), weight=1000),
        Edge("Queued", "Broken", after=(1, 1), weight=0.001),
    ], choose=always_fail)
    with emu.db.session() as session:
        ctx = emu.ctx(session, DEFAULT_WORLD_ID)
        probes = [Probe(world_id=ctx.world_id, name=str(i)) for i in range(5)]
        for probe in probes:
            machine.start(ctx, probe, "Queued")
        session.commit()
    emu.clock(DEFAULT_WORLD_ID).advance(5)
    with emu.db.session() as session:
        emu.ctx(session, DEFAULT_WORLD_ID)
        states = [session.get(Probe, p.id).state for p in probes]  # type: ignore[union-attr]
    assert states == ["Broken"] * 5


def test_weights_and_delays_are_seeded(emu: Emulator) -> None:
    machine = StateMachine("test.weights", Probe, [
        Edge("Queued", "A", after=(1, 100)),
        Edge("Queued", "B", after=(1, 100)),
    ])

    def run() -> list[tuple[str, str]]:
        with emu.db.session() as session:
            ctx = emu.ctx(session, DEFAULT_WORLD_ID)
            for i in range(20):
                machine.start(ctx, Probe(id=1000 + i, world_id=ctx.world_id, name=str(i)),
                              "Queued")
            session.flush()
            rows = session.exec(select(DueTransition)
                                .where(DueTransition.kind == "sm:test.weights")).all()
            result = [(r.payload["target"], r.due_at.isoformat()) for r in rows]
            session.rollback()
            return result

    first, second = run(), run()
    assert first == second
    assert {t for t, _ in first} == {"A", "B"}  # both edges get chosen across 20 entities
    assert len({d for _, d in first}) > 10  # delays spread over the range


def test_edges_are_validated() -> None:
    with pytest.raises(ValueError):
        Edge("A", "B")  # neither event nor after
    with pytest.raises(ValueError):
        Edge("A", "B", event="go", after=(1, 2))
    with pytest.raises(ValueError):
        Edge("A", "B", after=(5, 1))
    with pytest.raises(ValueError):
        StateMachine("test.dup", Probe, [Edge("A", "B", event="go"), Edge("A", "C", event="go")])


def test_start_refuses_an_unknown_state(emu: Emulator) -> None:
    with emu.db.session() as session:
        ctx = emu.ctx(session, DEFAULT_WORLD_ID)
        with pytest.raises(ValueError):
            PROBE.start(ctx, Probe(world_id=ctx.world_id, name="p"), "Nowhere")


def test_find_and_keep_hooks_let_a_machine_move_rows_the_session_does_not_hold(
        emu: Emulator) -> None:
    # Rows a vendor keeps itself (as BackupRun's agents keep rows buffered in the engine's
    # batch): `find` names where a due step looks its entity up, `keep` replaces session.add.
    rows: dict[str, SimpleNamespace] = {}
    kept: list[tuple[str, str]] = []
    machine = StateMachine(
        "test.kept", Probe, [Edge("Queued", "Done", after=(1, 2))], key="name",
        find=lambda _ctx, key: rows.get(key),
        keep=lambda _ctx, row: kept.append((row.name, row.state)))
    with emu.db.session() as session:
        ctx = emu.ctx(session, DEFAULT_WORLD_ID)
        for name in ("a", "b"):
            rows[name] = SimpleNamespace(world_id=ctx.world_id, name=name, state=None)
            machine.start(ctx, rows[name], "Queued")
        assert all(isinstance(row, DueTransition) for row in session.new)  # their steps only
        session.commit()
    del rows["b"]  # gone before its step: the step finds nothing and is dropped
    emu.clock(DEFAULT_WORLD_ID).advance(5)
    with emu.db.session() as session:
        emu.ctx(session, DEFAULT_WORLD_ID)
        assert session.exec(select(DueTransition)).all() == []
    assert rows["a"].state == "Done"
    assert kept == [("a", "Queued"), ("b", "Queued"), ("a", "Done")]


def test_keyed_steps_find_their_entities_in_one_query_and_skip_deleted_ones(
        emu: Emulator) -> None:
    # A machine naming its entities by key loads every entity its claimed steps name in one
    # query per batch (not one, with its autoflush, per step); an entity deleted before its
    # step, in an earlier transaction or in the step's own, is found by none.
    machine = StateMachine("test.keyed", Probe, [Edge("Queued", "Done", after=(1, 2))],
                           key="name")
    with emu.db.session() as session:
        ctx = emu.ctx(session, DEFAULT_WORLD_ID)
        for name in ("a", "b", "c", "d"):
            machine.start(ctx, Probe(world_id=ctx.world_id, name=name, state="Queued"),
                          "Queued")
        session.commit()
    with emu.db.session() as session:
        session.delete(session.exec(select(Probe).where(Probe.name == "b")).one())
        session.commit()
    selects: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "test_probe" in statement:
            selects.append(statement)

    event.listen(emu.db.engine, "before_cursor_execute", seen)
    try:
        with emu.db.session() as session:
            ctx = emu.ctx(session, DEFAULT_WORLD_ID)
            d = session.exec(select(Probe).where(Probe.name == "d")).one()
            machine.start(ctx, d, "Queued")  # found again by its step without a query
            session.delete(d)  # and then deleted in the same transaction, before its step
            session.flush()
            selects.clear()
            until = emu.clock(DEFAULT_WORLD_ID).now() + timedelta(seconds=5)
            emu.sim.run_due(session, emu.worlds[DEFAULT_WORLD_ID], until)
    finally:
        event.remove(emu.db.engine, "before_cursor_execute", seen)
    assert len(selects) == 1, "\n".join(selects)  # one for every entity its steps name
    with emu.db.session() as session:
        states = {p.name: p.state for p in session.exec(select(Probe)).all()}
    assert states == {"a": "Done", "c": "Done"}
