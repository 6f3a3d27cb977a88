"""Reaching a world from BackupRun code: its context, with work held back at build time armed.

A new world's populator runs on a DeferredSimulation, so what it schedules (service creation
steps, daily backups) waits in backuprun_pending. The first BackupRun request or control call
against the world moves it to the engine at its original due times and replays what is due.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from emulator.core.clock import Clock
from emulator.core.engine import Ctx, DueTransition, Simulation
from emulator.core.runtime import Emulator
from emulator.core.world import World
from emulator.vendors.backuprun.models import BrPending

__all__ = ["DeferredSimulation", "world_ctx", "world_now"]


class DeferredSimulation(Simulation):
    """A simulation whose schedule and cancel go to backuprun_pending (for populators)."""

    def schedule(self, session: Session, world_id: str, kind: str, entity_id: str,
                 due_at: datetime, payload: dict[str, Any]) -> DueTransition:
        session.add(BrPending(world_id=world_id, kind=kind, entity_id=entity_id, due_at=due_at,
                              payload=payload))
        return DueTransition(world_id=world_id, due_at=due_at, kind=kind, entity_id=entity_id,
                             payload=payload)

    def cancel(self, session: Session, world_id: str, kind: str, entity_id: str) -> int:
        session.flush()
        result = session.execute(delete(BrPending).where(
            col(BrPending.world_id) == world_id, col(BrPending.kind) == kind,
            col(BrPending.entity_id) == entity_id))
        return int(getattr(result, "rowcount", 0) or 0)


# World id -> the World object (emu.worlds' copy) already armed. A reset or a rebuilt sandbox
# registers a new object, so an entry left from before never matches it.
_ARMED: dict[str, World] = {}


def world_ctx(emu: Emulator, session: Session, world_id: str) -> Ctx:
    """emu.ctx for a world, after arming the work its populator held back (once)."""
    ctx = emu.ctx(session, world_id)
    if _ARMED.get(world_id) is ctx.world:
        return ctx
    pending = session.exec(select(BrPending).where(BrPending.world_id == world_id)
                           .order_by(col(BrPending.id))).all()
    if pending:
        for row in pending:
            ctx.schedule(row.kind, row.entity_id, at=row.due_at, payload=row.payload)
            session.delete(row)
        session.commit()
        emu.sim.run_due(session, ctx.world, ctx.now)
    _ARMED[world_id] = ctx.world
    return ctx


def world_now(ctx: Ctx) -> datetime:
    """Where the world's clock is now (a handler's ctx.now is its due time, maybe far behind)."""
    world = ctx.session.get(World, ctx.world_id)
    return ctx.now if world is None else max(ctx.now, Clock(world.clock_state).now())
