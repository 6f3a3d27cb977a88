"""Simulated BackupRun agents: service creation, backup tasks and daily schedules as data.

    create_status: 0 -> 1 -> 2 -> 3 -> 4 -> 5 -> 10 over a minute of virtual time;
                   any -> -4 on terminate, then the service is removed after REMOVE_AFTER s.
    task:          INITIALIZING -> RUNNING -> FINISHED (with warnings, or clean)
                   INITIALIZING -> ERROR when the agent cannot be reached ("Connection refused")
                   RUNNING -> ERROR when the control plane asked for errors
A service whose first backup ran (runPolicy) gets one due transition per next daily run; after
a clock jump of more than CATCH_UP_DAYS days only the last CATCH_UP_DAYS runs are replayed.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Executable, Integer, bindparam, delete
from sqlalchemy import select as sa_select
from sqlalchemy.orm.attributes import set_attribute
from sqlmodel import select

from emulator.core import secrets
from emulator.core.batch import blank_row
from emulator.core.engine import Ctx, Due, on_due
from emulator.core.secrets import WorldKeys
from emulator.core.sequence import next_id
from emulator.core.statemachine import Edge, StateMachine
from emulator.vendors.backuprun import lookups
from emulator.vendors.backuprun.lookups import keep
from emulator.vendors.backuprun.messages import Line, task_messages
from emulator.vendors.backuprun.models import BrService, BrTask, BrTaskMessage
from emulator.vendors.backuprun.schemas import WINDOWS_HINTS
from emulator.vendors.backuprun.timefmt import HISTORY_LENGTH, clock_text

__all__ = ["BACKUP_KIND", "CREATE", "DAY", "REMOVE_AFTER", "TASK", "cdp_password",
           "replay_task", "schedule_backups", "start_task", "terminate"]

DAY = 86400.0
CATCH_UP_DAYS = 7  # daily runs replayed after a long clock jump; earlier ones are skipped
REMOVE_AFTER = 60.0  # seconds a terminated service shows create_status -4 before it goes
CREATE_STAGES = ("0", "1", "2", "3", "4", "5", "10")
BACKUP_KIND = "backuprun.backup"
REMOVE_KIND = "backuprun.remove"
CDP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # of the CDP user's password

_TASKS = BrTask.__table__  # type: ignore[attr-defined]
_MESSAGES = BrTaskMessage.__table__  # type: ignore[attr-defined]


def cdp_password(world: WorldKeys, service_id: str) -> str:
    """The password of a service's CDP user (a secret: core.secrets)."""
    return secrets.text_token(world, "backuprun.cdp-user", service_id, length=12,
                              alphabet=CDP_ALPHABET)


def _created(ctx: Ctx, service: BrService, _source: str, target: str) -> None:
    if target == "2" and not service.username:  # "2 if user was created"
        service.username = service.service_id.lower()
        service.password = cdp_password(ctx.world, service.service_id)
    elif target == "-4":
        service.readonly = 1
        service.running = 0


CREATE = StateMachine(
    "backuprun.create",
    BrService,
    [*(Edge(a, b, after=(3, 12)) for a, b in itertools.pairwise(CREATE_STAGES)),
     *(Edge(s, "-4", event="terminate") for s in ("-1", *CREATE_STAGES))],
    field="create_status",
    on_enter=_created,
    key="id",
    find=lambda ctx, key: _service(ctx, int(key)),
    keep=keep,
)


def _prefetch(ctx: Ctx) -> None:
    """On a batch's first lookup: its claimed work's tasks and services, loaded together."""
    found = lookups.lookups(ctx)
    if found is None or found.loaded or ctx.batch is None:
        return
    found.loaded = True
    claimed = ctx.batch.claimed
    lookups.load(ctx, found,
                 [int(d.payload["key"]) for d in claimed if d.kind == TASK.kind
                  and "key" in d.payload],
                 [int(d.entity_id) for d in claimed if d.kind in _SERVICE_KINDS])


def _service(ctx: Ctx, sc_id: int) -> BrService | None:
    _prefetch(ctx)
    return lookups.service(ctx, sc_id)


def _task(ctx: Ctx, task_id: int) -> Any:
    _prefetch(ctx)
    return lookups.task(ctx, task_id)


def _service_of(ctx: Ctx, task: BrTask) -> BrService | None:
    service = _service(ctx, task.sc_id)
    return service if service is not None and service.create_status != "-4" else None


def _task_entered(ctx: Ctx, task: BrTask, source: str, target: str) -> None:
    service = _service_of(ctx, task)
    if service is not None:
        _enter_task(ctx, task, service, source, target)


def _add_messages(ctx: Ctx, task: BrTask, lines: list[Line]) -> None:
    world, now, batch = ctx.world_id, ctx.now, ctx.batch
    for source, key, parameters, level, text in lines:
        values: dict[str, Any] = dict(
            world_id=world, id=next_id(ctx, "backuprun.message"), task_id=task.id,
            source=source, key=key, parameters=parameters, level=level, text=text, time=now)
        if batch is not None:
            row = blank_row(_MESSAGES)
            row.update(values)
            batch.insert(_MESSAGES, row)
        else:
            ctx.session.add(BrTaskMessage(**values))
        if level == "WARNING":
            task.warnings += 1
        elif level == "SEVERE":
            task.errors += 1


def _update(service: BrService, **values: Any) -> None:
    """Set the service's columns whose value changes (an ORM set costs even when it does not;
    SQLModel's own __setattr__ adds pydantic's bookkeeping, which a table row does not need)."""
    for name, value in values.items():
        if getattr(service, name) != value:
            set_attribute(service, name, value)


def _enter_task(ctx: Ctx, task: BrTask, service: BrService, source: str, target: str) -> None:
    """The task entered `target`: its log lines, and the service's state and history."""
    rng = ctx.rng("backuprun", "task", task.context_id, target)
    _add_messages(ctx, task, task_messages(service, task, source, target, rng))
    if target == "INITIALIZING":
        _update(service, running=1)
    elif target == "RUNNING":
        _update(service, running=1, startup_ok=1, ostype=service.ostype or (
            "Windows" if service.activation_hint in WINDOWS_HINTS else "Linux"))
    else:  # ENDED
        task.finished_at = ctx.now
        _record_history(service, task)
        if target == "FINISHED":
            _update(service, running=0, disk_usage=service.disk_usage + _transferred(
                rng, service), status_min_ok=1, status=2 if task.warnings else 1)
        else:
            _update(service, running=0, status=3)
    keep(ctx, task)
    keep(ctx, service)


def _record_history(service: BrService, task: BrTask) -> None:
    assert task.finished_at is not None
    entry = {"taskExecutionContextId": task.context_id, "taskType": "BACKUP",
             "taskState": task.state, "startTime": clock_text(task.started_at),
             "endTime": clock_text(task.finished_at), "errors": task.errors,
             "warnings": task.warnings}
    history = [entry, *service.history][:HISTORY_LENGTH]
    # A new list, so that the JSON column is seen as changed.
    _update(service, history=history, n_alerts=sum(int(e["errors"]) for e in history) * 1000
            + sum(int(e["warnings"]) for e in history))


def _transferred(rng: Any, service: BrService) -> int:
    # The first backup copies the disk; later ones only changed blocks.
    if service.disk_usage == 0:
        return rng.randint(2_000_000_000, 40_000_000_000)
    return rng.randint(20_000_000, 900_000_000)


def _task_choice(_ctx: Ctx, task: BrTask, edges: Sequence[Edge]) -> Edge | None:
    failing = (task.outcome == "unreachable" if task.state == "INITIALIZING"
               else task.outcome == "errors")
    wanted = "ERROR" if failing else ("RUNNING" if task.state == "INITIALIZING" else "FINISHED")
    return next((e for e in edges if e.target == wanted), None)


TASK = StateMachine(
    "backuprun.task",
    BrTask,
    [Edge("INITIALIZING", "RUNNING", after=(3, 10)),
     Edge("INITIALIZING", "ERROR", after=(1, 3)),
     Edge("RUNNING", "FINISHED", after=(120, 900)),
     Edge("RUNNING", "ERROR", after=(30, 300))],
    on_enter=_task_entered,
    choose=_task_choice,
    key="id",
    find=lambda ctx, key: _task(ctx, int(key)),
    keep=keep,
)


def _new_task(ctx: Ctx, service: BrService, scheduled: bool, at: datetime) -> BrTask:
    number = next_id(ctx, "backuprun.task")
    guid = str(uuid.UUID(int=ctx.rng("backuprun", "context", number).getrandbits(128),
                         version=4))
    if not service.agent_reachable:
        outcome = "unreachable"
    else:
        outcome, service.next_outcome = service.next_outcome or "ok", ""
    values: dict[str, Any] = dict(world_id=ctx.world_id, id=number, sc_id=service.id,
                                  context_id=guid, outcome=outcome, scheduled=scheduled,
                                  started_at=at)
    if ctx.batch is not None:
        row = lookups.new_row(_TASKS, **values)
        lookups.started(ctx, row)
        return row  # type: ignore[return-value]  # a BrTask's columns, buffered in the batch
    task = BrTask(**values)
    ctx.session.add(task)
    return task


def start_task(ctx: Ctx, service: BrService, *, scheduled: bool = False) -> BrTask:
    """Start a backup task now; it moves on along TASK."""
    task = _new_task(ctx, service, scheduled, ctx.now)
    TASK.start(ctx, task, "INITIALIZING")
    return task


def replay_task(ctx: Ctx, service: BrService, at: datetime) -> BrTask:
    """Run a whole task at a past time `at` at once (history for a new world)."""
    task = _new_task(ctx, service, True, at)
    rng = ctx.rng("backuprun", "replay", task.context_id)
    steps = [("INITIALIZING", 0.0)]
    if task.outcome == "unreachable":
        steps.append(("ERROR", rng.uniform(1, 3)))
    else:
        steps.append(("RUNNING", rng.uniform(3, 10)))
        steps.append(("ERROR" if task.outcome == "errors" else "FINISHED",
                      rng.uniform(120, 900)))
    when, previous = at, "INITIALIZING"
    for state, delay in steps:
        when += timedelta(seconds=delay)
        task.state = state
        _enter_task(Ctx(ctx.session, ctx.world, when, ctx.sim, ctx.until, ctx.batch), task,
                    service, previous, state)
        previous = state
    return task


def schedule_backups(ctx: Ctx, service: BrService, at: datetime) -> None:
    """Make `at` the service's next daily run (one pending run per service)."""
    ctx.cancel(BACKUP_KIND, service.id)
    ctx.schedule(BACKUP_KIND, service.id, at=at)


_SERVICE_KINDS = (BACKUP_KIND, REMOVE_KIND, CREATE.kind)
"""Due work whose entity is a service."""


@on_due(BACKUP_KIND)
def _daily_backup(ctx: Ctx, due: Due) -> None:
    service = _service(ctx, int(due.entity_id))
    if service is None or service.create_status != "10":
        return
    if not lookups.running(ctx, service.id):
        start_task(ctx, service, scheduled=True)
    # After a jump of months, replay only the last CATCH_UP_DAYS of runs, not every one.
    following = ctx.now + timedelta(seconds=DAY)
    behind = int((ctx.present - following).total_seconds() // DAY)
    if behind > CATCH_UP_DAYS:
        following += timedelta(days=behind - CATCH_UP_DAYS)
    ctx.schedule(BACKUP_KIND, service.id, at=following)


def terminate(ctx: Ctx, service: BrService) -> None:
    """create_status -4 now; the service, its tasks and messages go REMOVE_AFTER seconds later."""
    CREATE.fire(ctx, service, "terminate")
    ctx.cancel(BACKUP_KIND, service.id)
    for task in ctx.session.exec(select(BrTask).where(BrTask.world_id == ctx.world_id,
                                                      BrTask.sc_id == service.id)).all():
        ctx.cancel(TASK.kind, task.id)
    ctx.schedule(REMOVE_KIND, service.id, after=REMOVE_AFTER)


_SERVICES = BrService.__table__  # type: ignore[attr-defined]


def _removals(world_id: str) -> tuple[Executable, ...]:
    """A service's messages, tasks and itself, deleted (`sc` the service's id). The world is in
    the statement, not a parameter, so the write bumps only its world's version."""
    sc = bindparam("sc", type_=Integer)
    tasks = sa_select(_TASKS.c.id).where(_TASKS.c.world_id == world_id, _TASKS.c.sc_id == sc)
    return (delete(_MESSAGES).where(_MESSAGES.c.world_id == world_id,
                                    _MESSAGES.c.task_id.in_(tasks)),
            delete(_TASKS).where(_TASKS.c.world_id == world_id, _TASKS.c.sc_id == sc),
            delete(_SERVICES).where(_SERVICES.c.world_id == world_id, _SERVICES.c.id == sc))


@on_due(REMOVE_KIND)
def _remove(ctx: Ctx, due: Due) -> None:
    sc_id = int(due.entity_id)
    assert ctx.batch is not None  # due work is applied in batches (core.engine)
    # Deleted when the batch writes, after the rows it buffered (some may be this service's).
    lookups.forget_service(ctx, sc_id)
    for number, statement in enumerate(_removals(ctx.world_id)):
        ctx.batch.update((REMOVE_KIND, number), statement, {"sc": sc_id})
