"""Where a world's clock stands, seen from a due handler (whose ctx.now is its due time)."""

from __future__ import annotations

from datetime import datetime

from emulator.core.clock import Clock
from emulator.core.engine import Ctx
from emulator.core.world import World

__all__ = ["world_now"]


def world_now(ctx: Ctx) -> datetime:
    """Where the world's clock is now (a handler's ctx.now is its due time, maybe far behind)."""
    world = ctx.session.get(World, ctx.world_id)
    return ctx.now if world is None else max(ctx.now, Clock(world.clock_state).now())
