"""A miniature vendor for testing the foundation the way real vendors plug into it.

It owns a world-scoped table, a state machine declared as data, a populator for the world
builder and a router whose requests name their world in an X-World header.
"""

from __future__ import annotations

from typing import Annotated, Any

from faker import Faker
from fastapi import APIRouter, FastAPI, Header
from sqlmodel import Field, col, select

from emulator.core.deps import EmulatorDep, SessionDep
from emulator.core.engine import Ctx
from emulator.core.render import json_response
from emulator.core.statemachine import Edge, StateMachine
from emulator.core.timeutil import iso_z
from emulator.core.world import WorldScoped


class Probe(WorldScoped, table=True):
    """A job-like row that runs Queued -> Running -> Done or Failed on the virtual clock."""

    __tablename__ = "test_probe"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    state: str = "Queued"
    history: str = ""  # "state@time;..." as entered, to check order and timing


def _record(ctx: Ctx, probe: Any, _source: str, target: str) -> None:
    probe.history += f"{target}@{iso_z(ctx.now)};"


PROBE = StateMachine(
    "test.probe",
    Probe,
    [
        Edge("Queued", "Running", after=(10, 10)),
        Edge("Running", "Done", after=(50, 50), weight=1),
        Edge("Running", "Failed", after=(50, 50), weight=0.0001),
        Edge("Running", "Stopped", event="stop"),
        Edge("Queued", "Stopped", event="stop"),
    ],
    on_enter=_record,
)


def populate(ctx: Ctx, fake: Faker, scale: int) -> None:
    """Three probes per unit of scale, named by the seeded faker."""
    for _ in range(3 * scale):
        PROBE.start(ctx, Probe(world_id=ctx.world_id, name=fake.name()), "Queued")


router = APIRouter(prefix="/fake", tags=["fake"])
WorldHeader = Annotated[str, Header(alias="X-World")]


def _view(p: Probe) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "state": p.state, "history": p.history}


@router.get("/probes")
async def list_probes(emu: EmulatorDep, session: SessionDep, world: WorldHeader) -> Any:
    ctx = emu.ctx(session, world)
    rows = session.exec(select(Probe).where(Probe.world_id == ctx.world_id)
                        .order_by(col(Probe.id))).all()
    return json_response([_view(p) for p in rows])


@router.post("/probes", status_code=201)
async def create_probe(emu: EmulatorDep, session: SessionDep, world: WorldHeader,
                       body: dict[str, str]) -> Any:
    ctx = emu.ctx(session, world)
    probe = Probe(world_id=ctx.world_id, name=body["name"])
    PROBE.start(ctx, probe, "Queued")
    session.commit()
    return json_response(_view(probe), 201)


@router.post("/probes/{probe_id}/stop")
async def stop_probe(emu: EmulatorDep, session: SessionDep, world: WorldHeader,
                     probe_id: int) -> Any:
    ctx = emu.ctx(session, world)
    probe = session.get(Probe, probe_id)
    assert probe is not None and probe.world_id == ctx.world_id
    PROBE.fire(ctx, probe, "stop")
    session.commit()
    return json_response(_view(probe))


def install(app: FastAPI) -> None:
    app.include_router(router)
