"""Events: one row per change to a CleverFox object, written by the API and by the agents.

An event carries its type (`EventTypeId`, `EventType` such as 32 "Device Modified") and the ids
of the object concerned and of the parents it hangs under, as the vendor's Events page lists.
"""

from __future__ import annotations

from typing import Any

from emulator.core.batch import blank_row
from emulator.core.engine import Ctx
from emulator.core.sequence import next_id
from emulator.vendors.cleverfox.models import CfEvent
from emulator.vendors.cleverfox.resources import RESOURCES, Resource

__all__ = ["ADDED", "DELETED", "MODIFIED", "write_event"]

ADDED, MODIFIED, DELETED = 0, 1, 2
_VERBS = ("Added", "Modified", "Deleted")
_PARENTS = ("company_id", "device_id", "job_id", "subscription_id", "plan_id",
            "backup_type_id", "plan_type_id", "log_id")


def write_event(ctx: Ctx, partner_id: int, resource: str, row: Any, step: int) -> None:
    """Record that `row` of `resource` (an /api/{resource} name) was added, modified or deleted."""
    res = RESOURCES[resource]
    if res.event_base is None or res.event_field is None:
        return
    ids = {attr: getattr(row, attr) for attr in _parents(res)}
    ids["event_partner_id"] = partner_id
    ids[res.event_field] = row.id
    values = dict(world_id=ctx.world_id, id=next_id(ctx, "cleverfox.event"),
                  partner_id=partner_id, added_on=ctx.now, event_type_id=res.event_base + step,
                  event_type=f"{res.label} {_VERBS[step]}", **ids)
    if ctx.batch is not None:  # the engine's agents: one executemany for the batch
        ctx.batch.insert(_EVENTS, {**blank_row(_EVENTS), **values})
    else:
        ctx.session.add(CfEvent(**values))


_EVENTS = CfEvent.__table__  # type: ignore[attr-defined]
_PARENTS_OF: dict[str, tuple[str, ...]] = {}


def _parents(res: Resource) -> tuple[str, ...]:
    """The parent ids a resource's rows carry: its table's columns among _PARENTS (asked of
    the table once, not of each row: a missing attribute costs pydantic an exception)."""
    found = _PARENTS_OF.get(res.name)
    if found is None:
        columns = res.model.__table__.c  # type: ignore[attr-defined]
        found = _PARENTS_OF[res.name] = tuple(a for a in _PARENTS if a in columns)
    return found
