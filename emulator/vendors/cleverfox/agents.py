"""Simulated CleverFox agents: each active device's agent checks in and runs its jobs.

One due transition per job ("cleverfox.run") waits for the job's next run, at the agent's first
check-in at or after NextRunOn. An offline agent does not check in: the job gets a
"cleverfox.missed" transition LateAfter minutes after NextRunOn, which logs it Missed unless
the agent came back and ran it first. A run is a Log moving Running -> Completed | Failed on
the `LOG` state machine. Differs from the real vendor: a run fails only when asked to through
the control plane (or in the seeded history), never at random.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm.attributes import set_attribute
from sqlmodel import col, select

from emulator.core.batch import blank_row
from emulator.core.engine import Ctx, Due, on_due
from emulator.core.sequence import next_id
from emulator.core.statemachine import Edge, StateMachine
from emulator.core.timeutil import as_utc
from emulator.vendors.cleverfox.events import ADDED, MODIFIED, write_event
from emulator.vendors.cleverfox.models import (
    RUNNING,
    CfDevice,
    CfJob,
    CfJobItem,
    CfLog,
    CfLogItem,
    CfSubscription,
)
from emulator.vendors.cleverfox.schedule import next_run_after
from emulator.vendors.cleverfox.schemas import local_to_utc, utc_to_local
from emulator.vendors.cleverfox.serializer import CHECKIN_SECONDS, last_check

__all__ = ["LOG", "check_in", "go_offline", "schedule_job", "write_log"]

RUN = "cleverfox.run"
MISSED = "cleverfox.missed"
NOTIFY = "cleverfox.notify"
AGENT_DATA = r"C:\ProgramData\Forward Thinking Software\CleverFox Backup Agent"
NOTIFY_DELAY = 60.0
CATCH_UP = timedelta(days=7)
"""How much of a long clock jump the agents replay run by run."""
REPLAY_AFTER = timedelta(hours=1)
"""A run this far behind the world's present is recorded finished at once (longer than any
run and its notification take), with the same draws the LOG machine would make."""


_LOGS = CfLog.__table__  # type: ignore[attr-defined]
_LOG_ITEMS = CfLogItem.__table__  # type: ignore[attr-defined]
_JOB_ITEMS = CfJobItem.__table__  # type: ignore[attr-defined]
_SUBS = CfSubscription.__table__  # type: ignore[attr-defined]


@dataclass
class _Lookups:
    """What the agents looked up during one engine batch (rows do not change under it)."""

    devices: dict[int, CfDevice | None] = field(default_factory=dict)
    jobs: dict[int, CfJob | None] = field(default_factory=dict)
    """By per-world id. Held here because the session's identity map lets go of unchanged rows."""
    items: dict[int, list[Any]] = field(default_factory=dict)
    """A job's items as plain rows (read only here; cheaper to load than ORM objects)."""
    plans: dict[int, int] = field(default_factory=dict)
    logs: dict[int, dict[str, Any]] = field(default_factory=dict)
    """By job id: the columns a run's log takes from its job and device (`_log_row`)."""
    log_items: dict[int, list[tuple[Any, dict[str, Any]]]] = field(default_factory=dict)
    """By job id: each job item, with the columns its runs' log items take from it."""


def _lookups(ctx: Ctx) -> _Lookups:
    return _Lookups() if ctx.batch is None else ctx.batch.remember("cleverfox", _Lookups)


PREFETCH = 16
"""Claimed runs whose rows are loaded together: enough to share the queries, few enough that
a chunk under a few milliseconds' budget pays only for what it gets through."""


def _prefetch(ctx: Ctx, found: _Lookups, job_id: int) -> None:
    """Load the jobs of the next PREFETCH claimed runs (from the one for `job_id`), their
    devices, items and plans: four queries for them instead of four per job."""
    assert ctx.batch is not None
    claimed = [d.payload["id"] for d in ctx.batch.claimed if d.kind in (RUN, MISSED)]
    begin = claimed.index(job_id) if job_id in claimed else len(claimed)
    ids = sorted({job_id, *(i for i in claimed[begin:begin + PREFETCH] if i not in found.jobs)})
    w = ctx.world_id
    with ctx.session.no_autoflush:
        for id_ in ids:
            found.jobs[id_] = None
        for job in ctx.session.exec(select(CfJob).where(
                CfJob.world_id == w, col(CfJob.id).in_(ids))).all():
            found.jobs[job.id] = job
        jobs = [found.jobs[i] for i in ids]
        device_ids = sorted({j.device_id for j in jobs if j is not None} - set(found.devices))
        job_ids = sorted({j.id for j in jobs if j is not None} - set(found.items))
        for device_id in device_ids:
            found.devices[device_id] = None
        for device in ctx.session.exec(select(CfDevice).where(
                CfDevice.world_id == w, col(CfDevice.id).in_(device_ids))).all():
            found.devices[device.id] = device
        for job_id in job_ids:
            found.items[job_id] = []
        for item in ctx.session.execute(sa_select(_JOB_ITEMS).where(
                _JOB_ITEMS.c.world_id == w, _JOB_ITEMS.c.job_id.in_(job_ids))
                .order_by(_JOB_ITEMS.c.id)).all():
            found.items[item.job_id].append(item)
        sub_ids = sorted({d.subscription_id for d in found.devices.values() if d is not None}
                         - set(found.plans))
        for sub_id, plan_id in ctx.session.execute(sa_select(_SUBS.c.id, _SUBS.c.plan_id).where(
                _SUBS.c.world_id == w, _SUBS.c.id.in_(sub_ids))).all():
            found.plans[sub_id] = plan_id


def _naive(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=None)


def _device(ctx: Ctx, job: CfJob) -> CfDevice | None:
    return _device_by_id(ctx, job.device_id)


def _device_by_id(ctx: Ctx, device_id: int) -> CfDevice | None:
    devices = _lookups(ctx).devices
    if device_id not in devices:
        with ctx.session.no_autoflush:  # a lookup: the batch's pending writes do not matter
            devices[device_id] = ctx.session.exec(select(CfDevice).where(
                CfDevice.world_id == ctx.world_id, CfDevice.id == device_id)).first()
    return devices[device_id]


def _row(table: Any, **values: Any) -> SimpleNamespace:
    """A new row of `table` with every column (defaults for those not given)."""
    return SimpleNamespace(**{**blank_row(table), **values})


def _set(row: CfJob, **values: Any) -> None:
    """Change columns of a row the session holds, on the instrumented attributes alone
    (SQLModel's __setattr__ adds pydantic's bookkeeping, which a table row does not need)."""
    for name, value in values.items():
        set_attribute(row, name, value)


def _keep(ctx: Ctx, row: Any) -> None:
    """Make sure the session writes `row`'s changes (adding a row it holds costs a cascade)."""
    if row not in ctx.session:
        ctx.session.add(row)


def _store(ctx: Ctx, model: Any, row: SimpleNamespace) -> None:
    """Write a row built as a namespace: buffered in the engine's batch, else by the ORM."""
    if ctx.batch is not None:
        ctx.batch.insert(model.__table__, vars(row))
    else:
        ctx.session.add(model(**vars(row)))


def _tick_at_or_after(device: CfDevice, when: datetime, now: datetime) -> datetime:
    """The agent's first check-in at or after `when` (never before now)."""
    when = max(when, now)
    anchor = device.last_api_check_at or now
    if when <= anchor:
        return anchor if anchor >= now else now
    ticks = -(-int((when - anchor).total_seconds()) // CHECKIN_SECONDS)
    return anchor + timedelta(seconds=ticks * CHECKIN_SECONDS)


def schedule_job(ctx: Ctx, job: CfJob, device: CfDevice | None = None) -> None:
    """Replace the job's pending run by one at its NextRunOn (nothing for inactive jobs)."""
    ctx.cancel(RUN, job.id)
    ctx.cancel(MISSED, job.id)
    device = device or _device(ctx, job)
    nxt = _naive(job.next_run_on_local)
    if device is None or job.is_inactive or device.is_inactive or nxt is None:
        return
    expire = _naive(job.expire_on_local)
    if expire is not None and nxt > expire:
        return
    due = local_to_utc(nxt, device.time_zone_id)
    ctx.schedule(RUN, job.id, at=_tick_at_or_after(device, due, ctx.now),
                 payload={"id": job.id, "next": nxt.isoformat()})


def _plan_id(ctx: Ctx, device: CfDevice) -> int:
    plans = _lookups(ctx).plans
    if device.subscription_id not in plans:
        with ctx.session.no_autoflush:
            sub = ctx.session.exec(select(CfSubscription).where(
                CfSubscription.world_id == ctx.world_id,
                CfSubscription.id == device.subscription_id)).first()
        plans[device.subscription_id] = sub.plan_id if sub else 0
    return plans[device.subscription_id]


def _log_for(ctx: Ctx, job: CfJob, device: CfDevice, status: str,
             plan_id: int | None = None) -> CfLog:
    return CfLog(**_log_values(ctx, job, device, status, plan_id))


def _log_row(ctx: Ctx, job: CfJob, device: CfDevice, status: str) -> SimpleNamespace:
    """A new log as a plain row (every column), for `_store`."""
    if ctx.batch is None:
        return _row(_LOGS, **_log_values(ctx, job, device, status))
    found = _lookups(ctx)
    template = found.logs.get(job.id)
    if template is None:  # what is left to each run: blanks, overwritten just below
        template = found.logs[job.id] = {**blank_row(_LOGS), **_log_values(
            ctx, job, device, status, id_=0)}
    return SimpleNamespace(**{**template, "id": next_id(ctx, "cleverfox.log"),
                              "added_on": ctx.now, "next_run_on_local": job.next_run_on_local,
                              "job_status": status})


def _log_values(ctx: Ctx, job: CfJob, device: CfDevice, status: str,
                plan_id: int | None = None, id_: int | None = None) -> dict[str, Any]:
    """A new log's columns (`id_`: its id; None: the next one)."""
    return dict(
        world_id=ctx.world_id, id=next_id(ctx, "cleverfox.log") if id_ is None else id_,
        partner_id=job.partner_id,
        added_on=ctx.now, company_id=device.company_id, device_id=device.id,
        time_zone_id=device.time_zone_id, subscription_id=device.subscription_id,
        plan_id=_plan_id(ctx, device) if plan_id is None else plan_id, job_id=job.id, name=job.name,
        archive_folder=AGENT_DATA + r"\Archive", upload_folder=AGENT_DATA + r"\Upload",
        frequency=job.frequency, next_run_on_local=job.next_run_on_local,
        late_after=job.late_after, expire_on_local=job.expire_on_local,
        local_keep_last=job.local_keep_last, job_status=status,
        send_notification_to=device.send_notification_to,
        send_notification_bcc=device.send_notification_bcc,
        send_notification_cc=device.send_notification_cc,
        send_notification_on_job_completed=device.send_notification_on_job_completed,
        send_notification_on_job_failed=device.send_notification_on_job_failed,
        send_notification_on_job_missed=device.send_notification_on_job_missed)


def write_log(ctx: Ctx, job: CfJob, device: CfDevice, status: str) -> Any:
    """Add a log for `job` in `status` ("Running" starts the run, "Missed" is final)."""
    if status == "Missed":
        row = _log_row(ctx, job, device, status)
        _store(ctx, CfLog, row)
        write_event(ctx, row.partner_id, "logs", row, ADDED)
        _notify_later(ctx, row, "missed")
        return row
    log = _log_for(ctx, job, device, status)
    log.job_started_on_local = utc_to_local(ctx.now, device.time_zone_id)
    LOG.start(ctx, log, RUNNING)
    return log


def _advance(ctx: Ctx, job: CfJob, device: CfDevice, ran: bool, schedule: bool = True) -> None:
    now_local = utc_to_local(ctx.now, device.time_zone_id)
    assert now_local is not None
    if ran:
        _set(job, last_ran_on_local=now_local)
    prev = _naive(job.next_run_on_local) or now_local
    _set(job, next_run_on_local=next_run_after(job, prev, now_local))
    _keep(ctx, job)
    if schedule:
        _job_changed(ctx, job)
        schedule_job(ctx, job, device)


def _job_changed(ctx: Ctx, job: CfJob) -> None:
    """The agent moved the job on (LastRanOn, NextRunOn): UpdatedOn and a Job Modified event."""
    _set(job, updated_on=ctx.now)
    _keep(ctx, job)
    write_event(ctx, job.partner_id, "jobs", job, MODIFIED)


def _miss_overdue(ctx: Ctx, job: CfJob, device: CfDevice) -> None:
    """Log Missed every due run before the latest one: the agent runs only the latest.

    Every scheduled run that does not happen is one Missed log, also when an agent that was
    away comes back to several due runs and catches up with one.
    """
    now_local = utc_to_local(ctx.now, device.time_zone_id)
    nxt = _naive(job.next_run_on_local)
    while nxt is not None and now_local is not None:
        following = next_run_after(job, nxt, nxt)
        if following is None or following > now_local:
            break
        if _scheduled(job, device, nxt):
            write_log(ctx, job, device, "Missed")
        _set(job, next_run_on_local=following)
        nxt = following


def _scheduled(job: CfJob, device: CfDevice, run_local: datetime) -> bool:
    """Whether a run was scheduled at all: not one before the job existed (a job created with
    a NextRunOn in the past does not owe a Missed log for every run before it was made)."""
    return local_to_utc(run_local, device.time_zone_id) >= as_utc(job.added_on)


def start_run(ctx: Ctx, job: CfJob, device: CfDevice) -> Any:
    """The agent starts `job` now: a Running log, and the job's next run is scheduled."""
    _miss_overdue(ctx, job, device)
    if ctx.present - ctx.now > REPLAY_AFTER:
        log = _replay_run(ctx, job, device)
    else:
        log = write_log(ctx, job, device, RUNNING)
    _advance(ctx, job, device, ran=True)
    return log


def _replay_run(ctx: Ctx, job: CfJob, device: CfDevice) -> SimpleNamespace:
    """A run long past: its log written finished, as LOG's edge, delay and notification would
    have left it (the same seeded draws), in one step instead of three due transitions."""
    log = _log_row(ctx, job, device, RUNNING)
    log.job_started_on_local = utc_to_local(ctx.now, device.time_zone_id)
    edge = _choose(ctx, log, _FROM_RUNNING)
    assert edge is not None and edge.after is not None
    rng = ctx.rng(LOG.name, str(log.id), RUNNING, ctx.now.isoformat(), "delay")
    end = ctx.now + timedelta(seconds=rng.uniform(*edge.after))
    log.job_status = edge.target
    ended = Ctx(ctx.session, ctx.world, end, ctx.sim, ctx.until, ctx.batch)
    _finish(ended, log, edge.target, notify=False)
    # As _on_enter does for a live run: the log shows, and is Added, when its run ends.
    log.updated_on = end
    write_event(ended, log.partner_id, "logs", log, ADDED)
    outcome = edge.target.lower()
    if getattr(log, f"send_notification_on_job_{outcome}") and log.send_notification_to:
        done = end + timedelta(seconds=NOTIFY_DELAY)
        setattr(log, f"notification_job_{outcome}_processed_on", done)
        log.updated_on = done
    _store(ctx, CfLog, log)
    return log


def check_in(ctx: Ctx, device: CfDevice) -> list[Any]:
    """The agent checks in now and starts every job that is due (ExecuteGetNextJob, online)."""
    device.last_api_check_at = ctx.now
    ctx.session.add(device)
    started = []
    jobs = ctx.session.exec(select(CfJob).where(
        CfJob.world_id == ctx.world_id, CfJob.device_id == device.id).order_by(col(CfJob.id))).all()
    for job in jobs:
        nxt = _naive(job.next_run_on_local)
        due = nxt is not None and local_to_utc(nxt, device.time_zone_id) <= ctx.now
        if due and not job.is_inactive and not device.is_inactive:
            started.append(start_run(ctx, job, device))
        else:
            schedule_job(ctx, job, device)
    return started


def go_offline(ctx: Ctx, device: CfDevice) -> None:
    """The agent stops checking in; its last check-in stays where it was."""
    device.last_api_check_at = last_check(device, ctx.time)
    device.agent_online = False
    ctx.session.add(device)


def _skip_to_window(ctx: Ctx, job: CfJob, device: CfDevice, nxt: datetime) -> bool:
    """After a clock jump longer than CATCH_UP, leave out the runs before the last CATCH_UP.

    Replaying every run of a jump of years would take the engine minutes; the agents behave
    as if the emulator had not been watching them before the window.
    """
    window = ctx.present - CATCH_UP
    if ctx.now >= window:
        return False
    horizon = utc_to_local(window, device.time_zone_id)
    assert horizon is not None
    _set(job, next_run_on_local=next_run_after(job, nxt, horizon))
    _job_changed(ctx, job)
    schedule_job(ctx, job, device)
    return True


def _due_job(ctx: Ctx, due: Due) -> tuple[CfJob, datetime] | None:
    """The job a run or missed-run transition is for, and its next run; None when stale."""
    jobs = _lookups(ctx).jobs
    job_id = due.payload["id"]  # the job's per-world id
    if job_id not in jobs:
        if ctx.batch is not None:
            _prefetch(ctx, _lookups(ctx), job_id)
        else:
            jobs[job_id] = ctx.session.exec(select(CfJob).where(
                CfJob.world_id == ctx.world_id, CfJob.id == job_id)).first()
    job = jobs[job_id]
    if job is None:
        return None
    nxt = _naive(job.next_run_on_local)
    if nxt is None or nxt.isoformat() != due.payload["next"]:
        return None  # stale: the job was changed or ran meanwhile
    return job, nxt


@on_due(RUN)
def _on_run(ctx: Ctx, due: Due) -> None:
    found = _due_job(ctx, due)
    if found is None:
        return
    job, nxt = found
    device = _device(ctx, job)
    if device is None or device.is_inactive or job.is_inactive:
        return
    if _skip_to_window(ctx, job, device, nxt):
        return
    if device.agent_online:
        start_run(ctx, job, device)
        return
    late = local_to_utc(nxt, device.time_zone_id) + timedelta(minutes=job.late_after)
    ctx.schedule(MISSED, job.id, at=max(late, ctx.now), payload=dict(due.payload))


@on_due(MISSED)
def _on_missed(ctx: Ctx, due: Due) -> None:
    found = _due_job(ctx, due)
    if found is None:
        return
    job, nxt = found
    device = _device(ctx, job)
    if device is None:
        return
    if _scheduled(job, device, nxt):
        write_log(ctx, job, device, "Missed")
    # The next run after the missed one, even when it is already due: it is missed (or run)
    # in its own turn, so every run that does not happen leaves one Missed log.
    _set(job, next_run_on_local=next_run_after(job, nxt, nxt))
    _job_changed(ctx, job)
    schedule_job(ctx, job, device)


def _notify_later(ctx: Ctx, log: Any, outcome: str) -> None:
    flag = getattr(log, f"send_notification_on_job_{outcome}")
    if flag and log.send_notification_to:
        ctx.schedule(NOTIFY, log.id, after=NOTIFY_DELAY, payload={"id": log.id, "what": outcome})


_OUTCOMES = ("completed", "failed", "missed")
_NOTIFIED = {what: update(_LOGS).where(
    _LOGS.c.world_id == bindparam("w"), _LOGS.c.id == bindparam("i")).values(
    {f"notification_job_{what}_processed_on": bindparam("at", type_=_LOGS.c.updated_on.type),
     "updated_on": bindparam("at", type_=_LOGS.c.updated_on.type)}) for what in _OUTCOMES}


@on_due(NOTIFY)
def _on_notify(ctx: Ctx, due: Due) -> None:
    params = {"w": ctx.world_id, "i": due.payload["id"], "at": ctx.now}  # the log's id
    if ctx.batch is not None:
        ctx.batch.update(("cleverfox.notify", due.payload["what"]),
                         _NOTIFIED[due.payload["what"]], params)
    else:
        ctx.session.execute(_NOTIFIED[due.payload["what"]], params)


# -- a run's outcome -------------------------------------------------------------------------

_SQL_VERSIONS = (("15.0.2000.5", "Standard Edition (64-bit)"),
                 ("16.0.1000.6", "Express Edition (64-bit)"),
                 ("13.0.5026.0", "Enterprise Edition (64-bit)"))


def _choose(ctx: Ctx, log: Any, edges: Any) -> Edge | None:
    device = _device_by_id(ctx, log.device_id)
    want = "Completed"
    if device is not None and device.fail_next_runs > 0:
        device.fail_next_runs -= 1
        log.error_messages = device.fail_message or "The backup could not be completed."
        _keep(ctx, device)
        want = "Failed"
    return next(e for e in edges if e.target == want)


def _on_enter(ctx: Ctx, log: Any, _source: str, target: str) -> None:
    if target != RUNNING:
        _finish(ctx, log, target, notify=True)
        # The log becomes visible now (a run in progress is not shown; see backend).
        log.updated_on = ctx.now
        write_event(ctx, log.partner_id, "logs", log, ADDED)


def _finish(ctx: Ctx, log: Any, target: str, notify: bool) -> None:
    log.job_completed_on_local = utc_to_local(ctx.now, log.time_zone_id)
    if target == "Completed":
        log.error_messages = ""
    stamp = (log.job_started_on_local or log.job_completed_on_local).strftime("%Y%m%d%H%M")
    ok = target == "Completed"
    for item, template in _item_templates(ctx, log):
        rng = ctx.rng("cleverfox.logitem", log.id, item.id)
        sql = item.backup_type_id == 2
        version = rng.choice(_SQL_VERSIONS) if sql else (None, None)
        base = f"Job{log.job_id}.JobItem{item.id}_{stamp}"
        count = rng.randint(1, 4) if sql else rng.randint(20, 5000)
        row = {**template, "id": next_id(ctx, "cleverfox.logitem"), "added_on": ctx.now,
               "log_id": log.id, "server_version": version[0], "server_edition": version[1],
               "backup_file_name": AGENT_DATA + rf"\Upload\{base}.ZIP" if ok else None,
               "backup_file_size": rng.randint(5 * 2**20, 8 * 2**30) if ok else 0,
               "backup_list_name": AGENT_DATA + rf"\Upload\{base}.JSON",
               "backup_list_size": count * rng.randint(90, 160), "backup_list_count": count}
        if ctx.batch is not None:
            ctx.batch.insert(_LOG_ITEMS, row)
        else:
            ctx.session.add(CfLogItem(**row))
    if notify:
        _notify_later(ctx, log, target.lower())


def _item_templates(ctx: Ctx, log: Any) -> list[tuple[Any, dict[str, Any]]]:
    """The log's job's items, each with the columns a run's log item takes from it (and
    blanks for the rest, which `_finish` fills)."""
    found = _lookups(ctx)
    templates = found.log_items.get(log.job_id)
    if templates is None:
        templates = found.log_items[log.job_id] = [(item, _item_template(ctx, log, item))
                                                   for item in _job_items(ctx, log.job_id)]
    return templates


def _item_template(ctx: Ctx, log: Any, item: Any) -> dict[str, Any]:
    sql = item.backup_type_id == 2
    return {**blank_row(_LOG_ITEMS),
            "world_id": ctx.world_id, "partner_id": log.partner_id, "job_item_id": item.id,
            "name": item.name, "engine_id": "MSSQL" if sql else "FILE",
            "engine_type": "SQLServer" if sql else "File", "base_folder": item.base_folder,
            "include_sub_folders": item.include_sub_folders,
            "search_patterns": item.search_patterns, "exclude_folders": item.exclude_folders,
            "exclude_patterns": item.exclude_patterns,
            "no_compress_extensions": item.no_compress_extensions,
            "server_name": item.server_name, "database_name": item.database_name,
            "port": item.port, "authentication_mode": item.authentication_mode,
            "option_compress": item.option_compress, "option_copy_only": item.option_copy_only,
            "option_log_only": item.option_log_only,
            "backup_folder": AGENT_DATA + rf"\Backup\Job{log.job_id}.JobItem{item.id}"}


def _job_items(ctx: Ctx, job_id: int) -> list[Any]:
    items = _lookups(ctx).items
    if job_id not in items:
        with ctx.session.no_autoflush:
            items[job_id] = list(ctx.session.execute(sa_select(_JOB_ITEMS).where(
                _JOB_ITEMS.c.world_id == ctx.world_id, _JOB_ITEMS.c.job_id == job_id)
                .order_by(_JOB_ITEMS.c.id)).all())
    return items[job_id]


LOG = StateMachine(
    "cleverfox.log", CfLog,
    [Edge("Running", "Completed", after=(90, 1500)),
     Edge("Running", "Failed", after=(30, 600))],
    field="job_status", on_enter=_on_enter, choose=_choose, key="id")
"""A run: Running, then Completed or Failed a few minutes later."""
_FROM_RUNNING = [e for e in LOG.edges if e.source == RUNNING]
