"""What BackupRun's agents look up and write during one engine batch (core.batch).

A batch's services and tasks are loaded together on its first lookup (three queries, from the
due work it claimed) and kept here, because the session's identity map lets go of unchanged
rows. Services stay ORM rows, written by the batch's flush. A task started in the batch is a
plain row buffered with it: its later states change that row in place, and it is written once,
with the messages tasks write, by the batch's executemany. `running` keeps, per service looked
up, the ids of its tasks not ended, so a daily run asks no query whether one is still going.

On the request path (no batch) every lookup is a query and every row goes through the ORM.
A world's build replays its history into a batch of its own (fixtures/backuprun.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlmodel import col, select

from emulator.core.batch import blank_row
from emulator.core.engine import Ctx
from emulator.vendors.backuprun.call import in_world
from emulator.vendors.backuprun.models import BrService, BrTask

__all__ = ["ENDED", "Lookups", "forget_service", "keep", "load", "lookups", "new_row", "running",
           "service", "started", "task"]

ENDED = ("FINISHED", "ERROR")
_STATE = "backuprun"


@dataclass
class Lookups:
    """Rows of one world looked up during one engine batch, by per-world id (None: none)."""

    services: dict[int, BrService | None] = field(default_factory=dict)
    tasks: dict[int, Any] = field(default_factory=dict)
    """BrTask rows loaded, and plain rows (SimpleNamespace) of tasks started in the batch."""
    running: dict[int, set[int]] = field(default_factory=dict)
    """A service's tasks not ended when it was looked up, and those started since."""
    removed: set[int] = field(default_factory=set)
    """Services deleted in the batch (written at its end): their tasks are gone too."""
    loaded: bool = False
    """Whether the batch's claimed work was loaded (agents' prefetch, on the first lookup)."""


def lookups(ctx: Ctx) -> Lookups | None:
    """The batch's lookups (None on the request path)."""
    return None if ctx.batch is None else ctx.batch.remember(_STATE, Lookups)


def load(ctx: Ctx, found: Lookups, task_ids: Iterable[int], service_ids: Iterable[int]) -> None:
    """Load the named tasks, their services and `service_ids`, and those services' running
    tasks: three queries for all the work a batch claimed."""
    w = ctx.world_id
    wanted = sorted(set(task_ids) - set(found.tasks))
    with ctx.session.no_autoflush:  # a lookup: the batch's own changes are in `found`
        for ident in wanted:
            found.tasks[ident] = None
        for row in ctx.session.exec(select(BrTask).where(
                BrTask.world_id == w, col(BrTask.id).in_(wanted))).all():
            found.tasks[row.id] = row
        sc_ids = {t.sc_id for t in found.tasks.values() if t is not None}
        _load_services(ctx, found, sorted((sc_ids | set(service_ids)) - set(found.services)))


def _load_services(ctx: Ctx, found: Lookups, ids: list[int]) -> None:
    if not ids:
        return
    w = ctx.world_id
    for ident in ids:
        found.services[ident] = None
        found.running[ident] = set()
    for row in ctx.session.exec(select(BrService).where(
            BrService.world_id == w, col(BrService.id).in_(ids))).all():
        found.services[row.id] = row
    for task_id, sc_id in ctx.session.exec(select(BrTask.id, BrTask.sc_id).where(
            BrTask.world_id == w, col(BrTask.sc_id).in_(ids),
            col(BrTask.state).not_in(ENDED))).all():
        found.running[sc_id].add(task_id)


def service(ctx: Ctx, sc_id: int) -> BrService | None:
    """The service with per-world id `sc_id` (whatever its create_status)."""
    found = lookups(ctx)
    if found is None:
        return in_world(ctx.session, BrService, ctx.world_id, sc_id)
    if sc_id not in found.services:
        with ctx.session.no_autoflush:
            _load_services(ctx, found, [sc_id])
    return found.services[sc_id]


def task(ctx: Ctx, task_id: int) -> Any:
    """The task with per-world id `task_id`: a BrTask, or a plain row started in the batch."""
    found = lookups(ctx)
    if found is None:
        return in_world(ctx.session, BrTask, ctx.world_id, task_id)
    if task_id not in found.tasks:
        load(ctx, found, [task_id], ())
    row = found.tasks[task_id]
    return None if row is None or row.sc_id in found.removed else row


def running(ctx: Ctx, sc_id: int) -> bool:
    """Whether a task of the service is not ended yet."""
    found = lookups(ctx)
    if found is None:
        return ctx.session.exec(select(BrTask.id).where(
            BrTask.world_id == ctx.world_id, BrTask.sc_id == sc_id,
            col(BrTask.state).not_in(ENDED))).first() is not None
    if sc_id not in found.services:
        service(ctx, sc_id)
    tasks = found.tasks
    # A task the batch did not touch still has the state it was loaded with: not ended.
    return any(ident not in tasks or (tasks[ident] is not None and tasks[ident].state not in ENDED)
               for ident in found.running.get(sc_id, ()))


def new_row(table: Any, **values: Any) -> SimpleNamespace:
    """A new row of `table` with every column (defaults for those not given)."""
    return SimpleNamespace(**{**blank_row(table), **values})


def started(ctx: Ctx, row: SimpleNamespace) -> None:
    """A task started in the batch: kept for its later steps and buffered to be written."""
    found = lookups(ctx)
    assert found is not None and ctx.batch is not None
    found.tasks[row.id] = row
    found.running.setdefault(row.sc_id, set()).add(row.id)
    ctx.batch.insert(BrTask.__table__, vars(row))  # type: ignore[attr-defined]


def keep(ctx: Ctx, row: Any) -> None:
    """Make sure `row`'s changes are written: in a batch its rows already are (ORM rows it
    loaded by the flush, plain rows by their buffer); on the request path, by the session."""
    if ctx.batch is None:
        ctx.session.add(row)


def forget_service(ctx: Ctx, sc_id: int) -> None:
    """The service and its tasks are deleted (when the batch writes): later lookups find none."""
    found = lookups(ctx)
    if found is None:
        return
    found.services[sc_id] = None
    found.running.pop(sc_id, None)
    found.removed.add(sc_id)
