"""Reaching a world from BackupRun code: its context, and where its clock stands."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from emulator.core.clock import Clock
from emulator.core.engine import Ctx
from emulator.core.runtime import Emulator
from emulator.core.world import World

__all__ = ["world_ctx", "world_now"]


def world_ctx(emu: Emulator, session: Session, world_id: str) -> Ctx:
    """The world's context, with every transition due up to its now applied."""
    return emu.ctx(session, world_id)

def world_now(ctx: Ctx) -> datetime:
    """Where the world's clock is now (a handler's ctx.now is its due time, maybe far behind)."""
    world = ctx.session.get(World, ctx.world_id)
    return ctx.now if world is None else max(ctx.now, Clock(world.clock_state).now())
