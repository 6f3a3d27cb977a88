"""The batch path of the engine cannot drift from applying due work one transition at a time.

The same world (fixed seed, frozen clock, every vendor's agents) is advanced over HTTP once with
the engine's batches and once with batches of one (a write and a fresh claim per transition,
the path the batch design replaced); the vendors' answers must be the same bytes, and every
stored row the same (the internal autoincrement `pk` aside: rows buffered per table may take
their pks in another order). And generated work that schedules (at the same and later times)
and cancels is applied in the same order whatever the batch size.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, text
from sqlmodel import SQLModel, col, select

from emulator.app import create_app
from emulator.core import engine
from emulator.core.batch import _insert_rows
from emulator.core.db import Database
from emulator.core.engine import Ctx, Due, DueTransition, on_due, rng_for
from emulator.core.runtime import Emulator
from emulator.core.timeutil import iso_z
from emulator.core.world import DEFAULT_WORLD_ID, TEMPLATE, World
from emulator.fixtures import world as world_fixtures
from tests.conftest import make_settings
from tests.vendors.cleverfox.helpers import auth

DAYS = 9  # longer than the agents' catch-up window: skipped, replayed and live runs all occur
LISTS = ("logs", "logitems", "events", "jobs", "devices")


def _rows(client: TestClient) -> dict[str, list[tuple[Any, ...]]]:
    emu = client.app.state.emulator  # type: ignore[attr-defined]
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with emu.db.session() as session:
        # Template worlds are named per build (fixtures.templates): not the state compared.
        templates = session.exec(select(World.id).where(World.kind == TEMPLATE)).all()
        for table in SQLModel.metadata.sorted_tables:
            # The internal key, and the wall-clock instant a world's clock was last set at.
            internal = {"pk", "clock_anchor_real"} | ({"id"} if table.name == "due_transition"
                                                      else set())
            query = select(*(c for c in table.columns if c.name not in internal))
            owner = table.c.id if table.name == "world" else table.c.get("world_id")
            if owner is not None:
                query = query.where(owner.not_in(templates))
            rows = session.execute(query).all()
            dump[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    return dump


def _lived(batch: int, monkeypatch: pytest.MonkeyPatch) -> tuple[list[bytes], dict[str, Any]]:
    monkeypatch.setattr(engine, "BATCH", batch)
    with TestClient(create_app(make_settings())) as client:
        headers = auth(client)
        for _ in range(3):  # a jump of days, then two of hours (live runs, notifications)
            hours = DAYS * 24 if _ == 0 else 5
            advanced = client.post("/_emulator/clock", json={"advance_seconds": hours * 3600})
            assert advanced.status_code == 200, advanced.text
        answers = [client.get(f"/api/{name}", params={"PageSize": 1000}, headers=headers).content
                   for name in LISTS]
        return answers, _rows(client)


def test_batched_advance_gives_the_bytes_of_one_transition_at_a_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    batched, batched_rows = _lived(engine.BATCH, monkeypatch)
    single, single_rows = _lived(1, monkeypatch)
    assert batched_rows["cleverfox_log"], "the advance did run jobs"
    assert len(batched_rows["cleverfox_log"]) > 100
    for name, one, other in zip(LISTS, batched, single, strict=True):
        assert one == other, name
    for table, rows in batched_rows.items():
        # Not the toolkit's tables, which outlive resets: the cache's write counters count
        # transactions, the journal keeps real times and durations.
        if not SQLModel.metadata.tables[table].info.get("survives_reset"):
            assert rows == single_rows[table], table


# -- the engine alone: generated work that schedules and cancels, at equal and later times --

APPLIED: list[tuple[str, str]] = []


@on_due("test.batch.step")
def _step(ctx: Ctx, due: Due) -> None:
    label, depth = due.payload["label"], due.payload["depth"]
    APPLIED.append((label, iso_z(ctx.now)))
    rng = rng_for("step", label)
    if rng.random() < 0.2:  # drop another entity's pending step
        ctx.cancel("test.batch.step", rng.randrange(6))
    for n in range(rng.choice((0, 1, 2, 2)) if depth < 5 else 0):
        ctx.schedule("test.batch.step", rng.randrange(6), after=rng.choice((0, 0, 30, 3600)),
                     payload={"label": f"{label}.{n}", "depth": depth + 1})


def _applied_order(batch: int, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    monkeypatch.setattr(engine, "BATCH", batch)
    monkeypatch.setattr(world_fixtures, "POPULATORS", [])
    APPLIED.clear()
    emu = Emulator(make_settings())
    emu.open()
    try:
        with emu.db.session() as session:
            ctx = emu.ctx(session, DEFAULT_WORLD_ID)
            for n in range(40):
                rng = rng_for("seed", n)
                ctx.schedule("test.batch.step", rng.randrange(6), after=rng.choice((0, 60, 600)),
                             payload={"label": str(n), "depth": 0})
            session.commit()
        clock = emu.clock(DEFAULT_WORLD_ID)
        for hours in (1, 30):
            clock.advance(hours * 3600)
            with emu.db.session() as session:
                emu.sim.run_due(session, emu.worlds[DEFAULT_WORLD_ID], clock.now())
        with emu.db.session() as session:
            left = session.execute(select(col(DueTransition.kind))).all()
        assert left == []
        return list(APPLIED)
    finally:
        emu.db.dispose()


def test_any_batch_size_applies_generated_work_in_the_one_at_a_time_order(
        monkeypatch: pytest.MonkeyPatch) -> None:
    single = _applied_order(1, monkeypatch)
    assert len(single) > 60
    assert any(a[1] == b[1] for a, b in itertools.pairwise(single))  # ties on due time occur
    for batch in (2, 7, engine.BATCH):
        assert _applied_order(batch, monkeypatch) == single, batch


def test_the_batch_writer_stores_the_text_the_orm_stores(tmp_path: Path) -> None:
    """Rows written by the batch's driver-level writer (each distinct value converted once per
    column) are stored as SQLAlchemy's own insert stores them: equal instants in other zones,
    naive ones, and JSON values that compare equal but are written differently (True, 1)."""
    db = Database(str(tmp_path / "w.db"))
    db.create_all()
    berlin = ZoneInfo("Europe/Berlin")
    instants = [datetime(2026, 1, 5, 9, tzinfo=UTC), datetime(2026, 1, 5, 10, tzinfo=berlin),
                datetime(2026, 1, 5, 9), datetime(2026, 7, 1, 0, 0, 0, 5, tzinfo=berlin)]
    payloads: list[Any] = [True, 1, 1.0, None]
    table = DueTransition.__table__  # type: ignore[attr-defined]

    def rows(prefix: str) -> list[dict[str, Any]]:
        return [{"world_id": "w", "due_at": at, "kind": "k", "entity_id": f"{prefix}{n}",
                 "payload": payload}
                for n, (at, payload) in enumerate(itertools.product(instants, payloads))]

    with db.session() as session:
        session.add(World(id="w", kind="default", ordinal=0, seed=1, created_at=instants[0],
                          clock_anchor=instants[0], clock_anchor_real=0.0))
        session.flush()
        assert _insert_rows(session, table, rows("batch-")) == {"w"}
        session.execute(insert(table), rows("orm-"))
        stored = session.execute(text(
            "SELECT entity_id, due_at, payload FROM due_transition")).all()
        session.commit()
    db.dispose()
    batch = {e.removeprefix("batch-"): (at, p) for e, at, p in stored if e.startswith("batch-")}
    orm = {e.removeprefix("orm-"): (at, p) for e, at, p in stored if e.startswith("orm-")}
    assert len(batch) == len(instants) * len(payloads)
    assert batch == orm
    # true, 1 and null kept apart (SQLite's numeric affinity makes the text 1.0 the number 1)
    assert {p for _, p in batch.values()} == {"true", 1, "null"}
