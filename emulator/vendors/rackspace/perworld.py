"""Rackspace rows by vendor id within a world, and state machines that name them that way.

Ids (MachineAgentId, BackupId ...) are numbered per world (models.py), so a row is only ever
found by its world and its id together: `by_id`. The core StateMachine names an entity by its
table's primary key, the internal `pk`, which differs between same-seed worlds and between a
world and a copy of it; its draws (delays, outcomes) are keyed on that name. `WorldMachine`
names an entity by its vendor id instead, in its due transitions and in its draws, and finds it
again within the due transition's world.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import event, inspect
from sqlmodel import Session, select

from emulator.core.engine import Ctx, DueTransition
from emulator.core.statemachine import StateMachine
from emulator.vendors.rackspace.models import RaxRow

__all__ = ["WorldMachine", "by_id", "storable"]

R = TypeVar("R", bound=RaxRow)


def storable(ident: int) -> bool:
    """Whether an id fits the store's integers (larger ones exist nowhere: 404, not 500)."""
    return 0 < ident < 2**63


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


class WorldMachine(StateMachine):
    """A state machine over a Rackspace table, naming each entity by its per-world vendor id.

    The due transition's entity id and its payload's "pk" hold the vendor id; the due
    transition itself belongs to the entity's world.
    """

    def _pk(self, ctx: Ctx, entity: Any) -> Any:
        return entity.id

    def _on_due(self, ctx: Ctx, due: DueTransition) -> None:
        entity = by_id(ctx, self.model, int(due.payload["pk"]))  # type: ignore[type-var]
        if entity is None or self.state_of(entity) != due.payload["source"]:
            return  # deleted meanwhile, or stale: an event moved it on first
        self._enter(ctx, entity, due.payload["source"], due.payload["target"], pending=False)
