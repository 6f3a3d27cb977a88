"""Per-world id sequences: vendor ids 1, 2 ... in every world, never reused after a delete.

A vendor whose ids must read the same in same-seed worlds (issue 12) gives each table an internal
primary key and a vendor id numbered here, per world and per named sequence ("cleverfox.device",
"rackspace.agent" ...). Rows then point at each other by vendor id within their world, which also
lets a world be copied table by table without renumbering anything.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm.attributes import set_attribute
from sqlmodel import Field, Session, select

from emulator.core.engine import Ctx
from emulator.core.world import WorldScoped

__all__ = ["WorldSequence", "next_id"]

_KEY = "world.sequences"


class WorldSequence(WorldScoped, table=True):
    """Per-world id counters, one row per (world, sequence name)."""

    __tablename__ = "world_sequence"

    pk: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60)
    value: int = 0


def next_id(ctx: Ctx, name: str) -> int:
    """The next id of sequence `name` ("vendor.resource") in ctx's world; the caller commits."""
    # Counter rows are remembered for the session's transaction: building a world numbers
    # hundreds of rows, and a SELECT for each one was most of its cost.
    cache: dict[tuple[str, str], WorldSequence] = ctx.session.info.setdefault(_KEY, {})
    row = cache.get((ctx.world_id, name))
    if row is None:
        if (ctx.world_id, "") not in cache:  # every counter of the world, in one query
            # The world's write lock before the read: another process numbering in this
            # world waits until this transaction ends, then reads what it wrote (a read
            # first, and two processes would both hand out the same next id).
            ctx.lock()
            cache[(ctx.world_id, "")] = WorldSequence(world_id=ctx.world_id, name="")
            with ctx.session.no_autoflush:  # the transaction's new counters are in the cache
                for found in ctx.session.exec(select(WorldSequence).where(
                        WorldSequence.world_id == ctx.world_id)).all():
                    cache.setdefault((ctx.world_id, found.name), found)
        row = cache.get((ctx.world_id, name))
        if row is None:
            row = WorldSequence(world_id=ctx.world_id, name=name, value=0)
            ctx.session.add(row)
        cache[(ctx.world_id, name)] = row
    # A row the session holds: its change is flushed with the rest. Set on the instrumented
    # attribute alone (SQLModel's __setattr__ adds pydantic's bookkeeping, a tenth of a run).
    value = row.value + 1
    set_attribute(row, "value", value)
    return value


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    # Every flush opens and ends a subtransaction; only the end of the outermost one (commit or
    # rollback) may forget the rows, or the cache would not outlive a single flush.
    if transaction.parent is None:
        session.info.pop(_KEY, None)
