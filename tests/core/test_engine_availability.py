"""Due work off the request path: a world catching up never holds up another world.

Driven deterministically: the engine awaits `Emulator.between_chunks` between two chunks of a
world's due work, and these tests hold it there on an event while they send other requests.
No sleeping: requests go through the ASGI app on the test's own event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from emulator.app import create_app
from emulator.core.engine import Ctx, DueTransition, on_due
from emulator.core.runtime import Emulator
from emulator.core.timeutil import iso_z, parse_iso
from emulator.core.world import DEFAULT_WORLD_ID
from emulator.fixtures import world as world_fixtures
from tests import fakevendor
from tests.conftest import T0, make_settings

pytestmark = pytest.mark.anyio

APPLIED: list[tuple[str, str]] = []
"""(label, due time) of every transition applied, in the order the engine applied them."""


@on_due("test.avail.tick")
def _tick(ctx: Ctx, due: DueTransition) -> None:
    APPLIED.append((due.entity_id, iso_z(ctx.now)))
    n = int(due.payload["n"])
    if n > 0:
        # Every run schedules the next in 15 minutes and an immediate follow-up that must be
        # applied before anything later, even though the batch in hand holds later rows.
        ctx.schedule("test.avail.tick", due.entity_id, after=900, payload={"n": n - 1})
        ctx.schedule("test.avail.echo", due.entity_id, after=0)


@on_due("test.avail.echo")
def _echo(ctx: Ctx, due: DueTransition) -> None:
    APPLIED.append((f"echo:{due.entity_id}", iso_z(ctx.now)))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Rig:
    app: FastAPI
    emu: Emulator
    client: httpx.AsyncClient


@pytest.fixture
async def rig(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Rig]:
    monkeypatch.setattr(world_fixtures, "POPULATORS", [("fake", fakevendor.populate)])
    APPLIED.clear()
    app = create_app(make_settings())
    fakevendor.install(app)
    emu: Emulator = app.state.emulator
    emu.open()
    emu.chunk_seconds = 0  # one transition per chunk: the most interleaving there can be
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield Rig(app, emu, client)
    await emu.close()


def _schedule_ticks(emu: Emulator, world_id: str, jobs: int, runs: int) -> None:
    with emu.db.session() as session:
        ctx = emu.ctx(session, world_id)
        for job in range(jobs):
            ctx.schedule("test.avail.tick", f"j{job}", after=60 + job, payload={"n": runs})
        session.commit()


class Gate:
    """Holds the engine between two chunks until released; counts how often it was there."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self.release = asyncio.Event()
        self.passes = 0

    async def __call__(self) -> None:
        self.passes += 1
        self.reached.set()
        await self.release.wait()


async def _advance(client: httpx.AsyncClient, seconds: float,
                   world: str | None = None) -> httpx.Response:
    path = "/_emulator/clock" if world is None else f"/_emulator/sandboxes/{world}/clock"
    return await client.post(path, json={"advance_seconds": seconds})


async def test_other_worlds_and_health_answer_while_a_world_advances(rig: Rig) -> None:
    created = await rig.client.post("/_emulator/sandboxes", json={})
    assert created.status_code == 201
    sandbox = created.json()["id"]
    _schedule_ticks(rig.emu, DEFAULT_WORLD_ID, jobs=4, runs=40)
    gate = Gate()
    rig.emu.between_chunks = gate

    advance = asyncio.create_task(_advance(rig.client, 86400))
    await gate.reached.wait()
    assert not advance.done()

    health = await rig.client.get("/_emulator/health")
    assert health.status_code == 200
    theirs = await rig.client.get("/fake/probes", headers={"X-World": sandbox})
    assert theirs.status_code == 200
    assert all(p["state"] == "Queued" for p in theirs.json())  # their clock did not move
    sandbox_clock = await rig.client.get(f"/_emulator/sandboxes/{sandbox}/clock")
    assert sandbox_clock.json()["now"] == T0
    assert not advance.done()  # all of that was served while the advance was held
    assert gate.passes == 1

    gate.release.set()
    answer = await advance
    assert answer.status_code == 200
    ticks = [label for label, _ in APPLIED if not label.startswith("echo:")]
    assert len(ticks) == 4 * 41  # every run of every job, each applied once
    mine = await rig.client.get("/fake/probes", headers={"X-World": DEFAULT_WORLD_ID})
    assert all(p["state"] in ("Done", "Failed") for p in mine.json())


async def test_a_world_mid_advance_is_seen_where_its_engine_has_got_to(rig: Rig) -> None:
    gate = Gate()
    rig.emu.between_chunks = gate
    # The populator's probes: Queued -> Running at T0+10 s -> Done at T0+60 s.
    advance = asyncio.create_task(_advance(rig.client, 3600))
    await gate.reached.wait()  # the first transition (a probe started Running) is applied
    seen = (await rig.client.get("/fake/probes",
                                 headers={"X-World": DEFAULT_WORLD_ID})).json()
    assert [p["state"] for p in seen].count("Running") == 1
    assert [p["state"] for p in seen].count("Queued") == 2
    created = await rig.client.post("/fake/probes", json={"name": "mid-advance"},
                                    headers={"X-World": DEFAULT_WORLD_ID})
    assert created.status_code == 201
    # A write made meanwhile is stamped with the time the world has reached, and its due
    # work joins the same queue: it is applied by the advance in order with the rest.
    start = parse_iso(T0)
    assert created.json()["history"] == f"Queued@{iso_z(start.replace(second=10))};"
    gate.release.set()
    assert (await advance).status_code == 200
    after = (await rig.client.get("/fake/probes", headers={"X-World": DEFAULT_WORLD_ID})).json()
    assert all(p["state"] == "Done" for p in after)
    assert after[-1]["history"].startswith(f"Queued@{iso_z(start.replace(second=10))};Running@")


async def test_transitions_apply_in_due_order_across_chunks_and_concurrent_advances(
        rig: Rig) -> None:
    _schedule_ticks(rig.emu, DEFAULT_WORLD_ID, jobs=5, runs=30)
    gate = Gate()
    rig.emu.between_chunks = gate
    first = asyncio.create_task(_advance(rig.client, 4 * 3600))
    await gate.reached.wait()
    second = asyncio.create_task(_advance(rig.client, 4 * 3600))  # same world: waits its turn
    await asyncio.sleep(0)
    gate.release.set()
    answers = await asyncio.gather(first, second)
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[1].json()["now"] == iso_z(parse_iso(T0).replace(hour=17))
    _assert_in_due_order(APPLIED)
    # Every tick due in the 8 hours ran once, each followed at once by its echo (scheduled
    # at the tick's own time, ahead of rows the engine had already read).
    ticks = [a for a in APPLIED if not a[0].startswith("echo:")]
    assert len(ticks) == len(set(ticks)) == 5 * 31
    echoes = [i for i, (label, _) in enumerate(APPLIED) if label.startswith("echo:")]
    assert len(echoes) == 5 * 30  # every run but the last scheduled one
    for i in echoes:
        label, when = APPLIED[i]
        assert APPLIED[i - 1] == (label.removeprefix("echo:"), when)


def _assert_in_due_order(applied: list[tuple[str, str]],
                         key: Callable[[tuple[str, str]], str] = lambda a: a[1]) -> None:
    times = [key(a) for a in applied]
    assert times == sorted(times)


async def test_without_a_hold_other_requests_are_answered_between_chunks(rig: Rig) -> None:
    """The engine's own pause between chunks (no test gate) lets health and another world's
    read through long before the advance is done."""
    created = await rig.client.post("/_emulator/sandboxes", json={})
    sandbox = created.json()["id"]
    _schedule_ticks(rig.emu, DEFAULT_WORLD_ID, jobs=4, runs=40)
    advance = asyncio.create_task(_advance(rig.client, 86400))
    while not APPLIED:
        await asyncio.sleep(0)
    health = await rig.client.get("/_emulator/health")
    theirs = await rig.client.get("/fake/probes", headers={"X-World": sandbox})
    assert (health.status_code, theirs.status_code) == (200, 200)
    assert not advance.done()
    assert len(APPLIED) < 4 * 41  # answered while the world was still being caught up
    assert (await advance).status_code == 200
    assert len([a for a in APPLIED if not a[0].startswith("echo:")]) == 4 * 41
