"""Rackspace rows by vendor id within a world.

Ids (MachineAgentId, BackupId ...) are numbered per world (models.py), so a row is only ever
found by its world and its id together: `by_id`. The state machines name their entities the
same way (core StateMachine with key="id"), never by the internal `pk`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import event, inspect
from sqlmodel import Session, select

from emulator.core.engine import Ctx
from emulator.core.numbers import names_a_row
from emulator.vendors.rackspace.models import RaxRow

__all__ = ["by_id", "storable"]

R = TypeVar("R", bound=RaxRow)


def storable(ident: int) -> bool:
    """Whether an id fits its column (larger ones exist nowhere: 404, not 500; core.numbers)."""
    return ident > 0 and names_a_row(ident)


_KEY = "rackspace.rows"


def by_id(ctx: Ctx, model: type[R], ident: int) -> R | None:
    """The row of `model` with vendor id `ident` in ctx's world, or None.

    A row found is remembered for the session's transaction, as the identity map remembers a
    row by primary key: the engine's due work looks the same agent and configuration up at
    every step of a backup, and a query (with its autoflush) each time was most of its cost.
    """
    if not storable(ident):
        return None
    cache: dict[tuple[type, str, int], Any] = ctx.session.info.setdefault(_KEY, {})
    key = (model, ctx.world_id, ident)
    row = cache.get(key)
    if row is not None:
        state = inspect(row)
        if not (state.deleted or state.detached or state.was_deleted):
            return row
    row = ctx.session.exec(select(model).where(
        model.world_id == ctx.world_id, model.id == ident)).first()
    if row is not None:
        cache[key] = row
    return row


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    # Only the end of the outermost transaction (commit or rollback): see core.sequence.
    if transaction.parent is None:
        session.info.pop(_KEY, None)
