"""Per-world id sequences: DeviceId 1, 2 ... in every world, never reused after a delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlmodel import Session, select

from emulator.core.engine import Ctx
from emulator.vendors.cleverfox.models import CfSequence

__all__ = ["next_id"]

_KEY = "cleverfox.sequences"


def next_id(ctx: Ctx, name: str) -> int:
    """The next id of resource `name` in ctx's world (the caller commits)."""
    # Counter rows are remembered for the session's transaction: building a world numbers
    # hundreds of rows, and a SELECT for each one was most of its cost.
    cache: dict[tuple[str, str], CfSequence] = ctx.session.info.setdefault(_KEY, {})
    row = cache.get((ctx.world_id, name))
    if row is None:
        row = ctx.session.exec(select(CfSequence).where(
            CfSequence.world_id == ctx.world_id, CfSequence.name == name)).first()
        if row is None:
            row = CfSequence(world_id=ctx.world_id, name=name, value=0)
        cache[(ctx.world_id, name)] = row
    row.value += 1
    ctx.session.add(row)
    return row.value


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    # Every flush opens and ends a subtransaction; only the end of the outermost one (commit or
    # rollback) may forget the rows, or the cache would not outlive a single flush.
    if transaction.parent is None:
        session.info.pop(_KEY, None)
