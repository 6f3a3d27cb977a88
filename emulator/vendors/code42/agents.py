"""Simulated Code42 agents on the virtual clock.

Two mechanisms, chosen so that a world of 100,000 devices advances a week in seconds:
- A device's connection is a state machine (online, offline, deactivated) moved by events from
  the control plane. Its lastConnectedDate and alert state are not scheduled per device: they
  follow from the stored last connection and the world's `now` when a request reads them.
- Backup progress and archive growth of every online device are applied in bulk, one
  SWEEP_INTERVAL at a time on a fixed grid, by `catch_up` before anything reads or changes
  devices (no due transition per device, nor per world).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, Numeric, case, cast, func, literal, update
from sqlmodel import select

from emulator.core.db import UTCDateTime
from emulator.core.engine import Ctx
from emulator.core.statemachine import Edge, StateMachine
from emulator.vendors.code42.models import ONLINE, Code42Device, Code42Sweep
from emulator.vendors.code42.timing import SWEEP_INTERVAL, floor_backup

__all__ = ["CONNECTION", "catch_up", "start", "sweep"]


def _entered(ctx: Ctx, device: Any, source: str, target: str) -> None:
    """Keep the stored columns in step with the connection state."""
    if source == "online" and target != "online":  # it stops connecting now
        device.last_connected = ctx.now
        device.last_activity = ctx.now
        if device.last_completed_backup == ONLINE:
            device.last_completed_backup = floor_backup(ctx.now)
    device.online = target == "online"
    device.active = target != "deactivated"
    device.cold_storage = target == "deactivated"
    if target == "online":
        device.last_connected = ONLINE
        device.last_activity = ONLINE
        if device.backup_pct >= 100:
            device.last_completed_backup = ONLINE


CONNECTION = StateMachine(
    "code42.connection",
    Code42Device,
    [
        Edge("online", "offline", event="disconnect"),
        Edge("offline", "online", event="connect"),
        Edge("online", "deactivated", event="deactivate"),
        Edge("offline", "deactivated", event="deactivate"),
        Edge("deactivated", "online", event="reactivate"),
    ],
    on_enter=_entered,
    key="id",
)


def start(ctx: Ctx) -> None:
    """Start a new world's backup sweeps from its creation time."""
    ctx.session.add(Code42Sweep(world_id=ctx.world_id, swept_until=ctx.now))


# world id -> (the world object, when its next sweep is due), so that most requests skip the
# query; a reset or a new sandbox brings a new world object, which invalidates the entry.
_NEXT_SWEEP: dict[str, tuple[Any, datetime]] = {}


def catch_up(ctx: Ctx) -> int:
    """Apply every sweep interval that has passed by ctx.now, in one bulk update.

    Growth is linear and progress is capped, so k intervals applied at once equal k intervals
    in a row; a clock set centuries ahead costs one update, not a million. Called before a
    request reads devices and before a device changes state, so results do not depend on when
    the updates ran. Returns how many intervals were applied (the caller commits).
    """
    known = _NEXT_SWEEP.get(ctx.world_id)
    if known is not None and known[0] is ctx.world and not ctx.time.reached(known[1]):
        return 0
    marker = ctx.session.exec(select(Code42Sweep).where(
        Code42Sweep.world_id == ctx.world_id)).first()
    if marker is None:
        return 0
    if not ctx.time.reached(marker.swept_until + SWEEP_INTERVAL):
        _NEXT_SWEEP[ctx.world_id] = (ctx.world, marker.swept_until + SWEEP_INTERVAL)
        return 0
    # Due: the world's write lock, then the marker as stored, so a sweep another process
    # applied meanwhile is not applied again.
    ctx.lock()
    marker = ctx.session.exec(select(Code42Sweep).where(
        Code42Sweep.world_id == ctx.world_id).execution_options(populate_existing=True)).first()
    if marker is None or not ctx.time.reached(marker.swept_until + SWEEP_INTERVAL):
        return 0
    intervals = int((ctx.now - marker.swept_until) / SWEEP_INTERVAL)
    sweep(ctx, intervals)
    marker.swept_until = marker.swept_until + SWEEP_INTERVAL * intervals
    ctx.session.add(marker)
    return intervals


def sweep(ctx: Ctx, intervals: int = 1) -> None:
    """Apply `intervals` of backup progress and growth to every online device, in bulk."""
    share = intervals * SWEEP_INTERVAL.total_seconds() / 86400
    table = Code42Device.__table__  # type: ignore[attr-defined]
    c = table.c
    mine = (c.world_id == ctx.world_id) & c.online
    wanted, left = c.pct_per_day * share, 100.0 - c.backup_pct
    step = case((wanted < left, wanted), else_=left)  # min() of two: SQLite only (PG: least)
    ctx.session.execute(
        update(table).where(mine & (c.backup_pct < 100.0)).values(
            archive_bytes=c.archive_bytes + cast(c.selected_bytes * step / 100.0 * 0.7, BigInteger),
            # round(x, 1) of a double is SQLite's; PostgreSQL rounds numerics only
            backup_pct=cast(func.round(cast(c.backup_pct + step, Numeric), 1), Float),
        ))
    grow = cast(c.growth_per_day * share, BigInteger)
    ctx.session.execute(
        update(table).where(mine).values(
            selected_bytes=c.selected_bytes + grow,
            archive_bytes=c.archive_bytes + cast(grow * 0.7, BigInteger),
            last_completed_backup=case((c.backup_pct >= 100.0, literal(ONLINE, UTCDateTime)),
                                       else_=c.last_completed_backup),
        ))
