"""Simulated Rackspace agents: agent status, backup and restore state machines on the clock.

Agents are Online while they post heartbeats (every job step is one) and drop Offline after
an idle hour or two; a wake-up brings a reachable agent Online 10-20 seconds later. Backups
run StartRequested (or StartScheduled) -> Queued -> Preparing -> InProgress -> Completed,
CompletedWithErrors or Failed; a stop goes through StopRequested to Stopped. Restores take the
same path from Creating, with the vendor's numeric state ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlmodel import col, func, select

from emulator.core.engine import Ctx
from emulator.core.sequence import next_id
from emulator.core.statemachine import Edge, StateMachine
from emulator.vendors.rackspace.models import Agent, Backup, Configuration, Restore
from emulator.vendors.rackspace.perworld import by_id

__all__ = ["AGENT", "BACKUP", "BACKUP_FINAL", "BACKUP_RUNNING", "RESTORE", "RESTORE_FINAL",
           "RESTORE_RUNNING", "RESTORE_STATE_IDS", "finish_backup", "finish_restore", "heartbeat",
           "new_backup", "wake"]

IDLE = (3600.0, 7200.0)

AGENT = StateMachine("rackspace.agent", Agent, [
    Edge("Online", "Offline", after=IDLE),
    Edge("Online", "Online", event="heartbeat"),
    Edge("Offline", "Online", event="heartbeat"),
    Edge("Waking", "Online", event="heartbeat"),
    Edge("Offline", "Waking", event="wake"),
    Edge("Waking", "Online", after=(10, 20)),
    Edge("Online", "Offline", event="down"),
    Edge("Waking", "Offline", event="down"),
], field="status", key="id")


def heartbeat(ctx: Ctx, agent: Agent) -> None:
    """The agent reported in: Online (again) and its idle timer restarts; not if unreachable."""
    if agent.reachable and AGENT.can(agent, "heartbeat"):
        AGENT.fire(ctx, agent, "heartbeat")


def wake(ctx: Ctx, agent: Agent) -> None:
    """A wake-up message: an Offline, reachable agent comes Online 10-20 seconds later."""
    if agent.reachable and AGENT.can(agent, "wake"):
        AGENT.fire(ctx, agent, "wake")


BACKUP_RUNNING = ("StartRequested", "StartScheduled", "Queued", "Preparing", "InProgress",
                  "StopRequested")
BACKUP_FINAL = ("Completed", "CompletedWithErrors", "Failed", "Stopped", "Skipped", "Missed")
OUTCOMES = ("Completed", "CompletedWithErrors", "Failed")


def _forced(entity: Any, attr: str, ctx: Ctx, edges: Sequence[Edge]) -> Edge | None:
    """The edge to the outcome the control plane asked for on this job's agent, once."""
    agent = by_id(ctx, Agent, entity.agent_id if isinstance(entity, Backup)
                  else entity.destination_machine_id)
    wanted = getattr(agent, attr, None) if agent is not None else None
    if wanted is None:
        return None
    for edge in edges:
        if edge.target == wanted:
            setattr(agent, attr, None)
            ctx.session.add(agent)
            return edge
    return None


def _choose_backup(ctx: Ctx, backup: Backup, edges: Sequence[Edge]) -> Edge | None:
    return _forced(backup, "force_backup", ctx, edges)


_DONE = ("Completed", "CompletedWithErrors")


def _counts(ctx: Ctx, config_id: int) -> list[int] | None:
    """[running, completed] backups of a configuration, kept for the engine's batch (None on
    the request path): counted once per batch, then moved along with each state change, instead
    of two COUNT queries (each with its autoflush) per run."""
    if ctx.batch is None:
        return None
    known: dict[int, list[int]] = ctx.batch.remember("rackspace.counts", dict)
    counts = known.get(config_id)
    if counts is None:
        where = (col(Backup.world_id) == ctx.world_id, col(Backup.config_id) == config_id)
        counts = known[config_id] = [
            ctx.session.exec(select(func.count()).select_from(Backup).where(
                *where, col(Backup.state).in_(states))).one()
            for states in (BACKUP_RUNNING, _DONE)]
    return counts


def _moved(ctx: Ctx, config_id: int, source: str | None, target: str) -> None:
    """A backup of `config_id` went from `source` (None: new) to `target`: keep the counts."""
    known = None if ctx.batch is None else ctx.batch.state.get("rackspace.counts")
    counts = None if known is None else known.get(config_id)
    if counts is None:
        return  # not counted yet: the first count will see it
    for i, states in enumerate((BACKUP_RUNNING, _DONE)):
        counts[i] += (target in states) - (source is not None and source in states)


def _backup_entered(ctx: Ctx, backup: Backup, source: str, target: str) -> None:
    if source != target:
        _moved(ctx, backup.config_id, source, target)
    backup.state_change_time = ctx.now
    agent = by_id(ctx, Agent, backup.agent_id)
    if agent is not None:
        heartbeat(ctx, agent)
    if target == "Preparing":
        backup.start_time = ctx.now
    elif target in OUTCOMES or target == "Stopped":
        finish_backup(ctx, backup, agent, target)


def _job_edges(after_run: tuple[float, float], after_fail: tuple[float, float],
               start_states: Sequence[str]) -> list[Edge]:
    edges = [
        Edge("Queued", "Preparing", after=(5, 30)),
        Edge("Preparing", "InProgress", after=(10, 60)),
        Edge("InProgress", "Completed", after=after_run, weight=8),
        Edge("InProgress", "CompletedWithErrors", after=after_run, weight=1.5),
        Edge("InProgress", "Failed", after=after_fail, weight=0.5),
        Edge("StopRequested", "Stopped", after=(3, 15)),
    ]
    edges += [Edge(s, "Queued", after=(2, 8)) for s in start_states]
    edges += [Edge(s, "StopRequested", event="stop")
              for s in (*start_states, "Queued", "Preparing", "InProgress")]
    return edges


BACKUP = StateMachine("rackspace.backup", Backup,
                      _job_edges((120, 900), (30, 300), ("StartRequested", "StartScheduled")),
                      on_enter=_backup_entered, choose=_choose_backup, key="id")


def new_backup(ctx: Ctx, config: Configuration, agent: Agent, *, scheduled: bool,
               replay: bool = False) -> Backup:
    """A run of `config`: Skipped if one is running, Missed if a scheduled run finds the agent
    disabled or unreachable, else StartScheduled / StartRequested on its way through the machine.

    `replay` (a run the clock has long passed) records the finished run at once, with the same
    timings and outcome odds, instead of stepping through five due transitions.
    """
    counts = _counts(ctx, config.id)
    running = counts[0] if counts is not None else ctx.session.exec(
        select(func.count()).select_from(Backup)
        .where(col(Backup.world_id) == ctx.world_id, col(Backup.config_id) == config.id,
               col(Backup.state).in_(BACKUP_RUNNING))
    ).one()
    if running:
        state = "Skipped"
    elif scheduled and (agent.is_disabled or not agent.reachable):
        state = "Missed"
    else:
        state = "StartScheduled" if scheduled else "StartRequested"
    backup = Backup(world_id=ctx.world_id, id=next_id(ctx, "rackspace.backup"),
                    tenant_id=config.tenant_id, config_id=config.id, agent_id=agent.id,
                    state=state, is_encrypted=agent.is_encrypted, created=ctx.now,
                    state_change_time=ctx.now)
    _moved(ctx, config.id, None, state)
    if state in BACKUP_RUNNING and replay:
        _replay(ctx, backup, agent)
    elif state in BACKUP_RUNNING:
        BACKUP.start(ctx, backup, state)
    else:
        ctx.session.add(backup)  # written with the batch's flush: nothing needs its pk
    return backup


def _replay(ctx: Ctx, backup: Backup, agent: Agent) -> None:
    rng = ctx.rng("rackspace", "replay", backup.config_id, ctx.now.isoformat())
    ctx.session.add(backup)
    heartbeat(ctx, agent)
    finals = [e for e in BACKUP.edges if e.source == "InProgress" and e.after is not None]
    edge = _forced(backup, "force_backup", ctx, finals) or rng.choices(
        finals, weights=[e.weight for e in finals])[0]
    assert edge.after is not None
    backup.start_time = ctx.now + timedelta(seconds=rng.uniform(2, 8) + rng.uniform(5, 30))
    end = backup.start_time + timedelta(seconds=rng.uniform(10, 60) + rng.uniform(*edge.after))
    _moved(ctx, backup.config_id, backup.state, edge.target)
    backup.state = edge.target
    backup.state_change_time = end
    ended = Ctx(ctx.session, ctx.world, end, ctx.sim, ctx.until, ctx.batch)
    finish_backup(ended, backup, agent, edge.target)


def _dataset(ctx: Ctx, config_id: int) -> tuple[int, int]:
    """(files, bytes) a configuration selects: stable per configuration."""
    rng = ctx.rng("rackspace", "dataset", config_id)
    return rng.randint(800, 150_000), rng.randint(200 * 2**20, 60 * 2**30)


def _error(index: int, path: str) -> dict[str, Any]:
    desc = (f'Cannot open file "{path}". The process cannot access the file because it is '
            "being used by another process. .")
    return {"ListIndex": index, "ErrorType": 101,
            "ErrorDesc": "The agent experienced a problem. (Rax)", "ExceptionDesc": desc,
            "ExceptionDetails": f"1: [Fs.cpp: 157-rax::Fs::Open]Error Code(313): {desc}",
            "ExceptionCode": 313, "Path": path}


def _locked_paths(agent: Agent | None) -> list[str]:
    if agent is not None and agent.operating_system.startswith("Windows"):
        return [r"C:\Program Files\Microsoft SQL Server\MSSQL\DATA\tempdb.mdf",
                r"C:\Program Files\Microsoft SQL Server\MSSQL\DATA\templog.ldf",
                r"C:\Windows\System32\config\SYSTEM"]
    return ["/var/lib/mysql/ibdata1", "/var/lib/mysql/ib_logfile0", "/var/log/lastlog"]


def finish_backup(ctx: Ctx, backup: Backup, agent: Agent | None, outcome: str) -> None:
    rng = ctx.rng("rackspace", "backup-report", backup.id, outcome)
    files, size = _dataset(ctx, backup.config_id)
    counts = _counts(ctx, backup.config_id)
    earlier = counts[1] - (backup.state in _DONE) if counts is not None else ctx.session.exec(
        select(func.count()).select_from(Backup).where(
            col(Backup.world_id) == ctx.world_id, col(Backup.config_id) == backup.config_id,
            col(Backup.id) != backup.id,
            col(Backup.state).in_(("Completed", "CompletedWithErrors")))
    ).one()
    share = 1.0 if not earlier else rng.uniform(0.002, 0.05)
    if outcome in ("Failed", "Stopped"):
        share *= rng.uniform(0.0, 0.4)
    backup.completed_time = ctx.now
    backup.files_searched = files if outcome != "Stopped" else int(files * rng.uniform(0.1, 0.9))
    backup.bytes_searched = size if outcome != "Stopped" else int(size * rng.uniform(0.1, 0.9))
    backup.files_backed_up = max(1 if outcome == "Completed" else 0, int(files * share))
    backup.bytes_backed_up = int(size * share)
    backup.reason, backup.diagnostics = {
        "Completed": ("Success", "No errors"),
        "CompletedWithErrors": ("Success", "Completed With Errors"),
        "Failed": ("UnableToConnect", "The agent could not connect to Cloud Files."),
        "Stopped": ("StoppedByUser", "The backup was stopped by a user request."),
    }[outcome]
    if outcome == "CompletedWithErrors":
        paths = _locked_paths(agent)[: rng.randint(1, 3)]
        start = rng.randint(100, 5000)
        backup.errors = [_error(start + i, p) for i, p in enumerate(paths)]
        backup.num_errors = len(backup.errors)
    elif outcome == "Failed":
        backup.num_errors = 1
    config = by_id(ctx, Configuration, backup.config_id)
    if config is not None:
        config.last_run_time = ctx.now
        if outcome in ("Completed", "CompletedWithErrors"):
            config.last_run_backup_report_id = backup.id
        ctx.session.add(config)
    if agent is not None and outcome in ("Completed", "CompletedWithErrors"):
        agent.last_success = ctx.now
        agent.vault_bytes += backup.bytes_backed_up
        ctx.session.add(agent)


RESTORE_STATE_IDS = {"Creating": 0, "Queued": 1, "InProgress": 2, "Completed": 3, "Stopped": 4,
                     "Failed": 5, "StartRequested": 6, "StopRequested": 7,
                     "CompletedWithErrors": 8, "Preparing": 9}
RESTORE_RUNNING = ("StartRequested", "Queued", "Preparing", "InProgress", "StopRequested")
RESTORE_FINAL = ("Completed", "CompletedWithErrors", "Failed", "Stopped")


def _choose_restore(ctx: Ctx, restore: Restore, edges: Sequence[Edge]) -> Edge | None:
    return _forced(restore, "force_restore", ctx, edges)


def _restore_entered(ctx: Ctx, restore: Restore, _source: str, target: str) -> None:
    restore.state_change_time = ctx.now
    agent = by_id(ctx, Agent, restore.destination_machine_id)
    if agent is not None:
        heartbeat(ctx, agent)
    if target == "Preparing":
        restore.start_time = ctx.now
    elif target in RESTORE_FINAL:
        finish_restore(ctx, restore, agent, target)


def finish_restore(ctx: Ctx, restore: Restore, agent: Agent | None, outcome: str) -> None:
    rng = ctx.rng("rackspace", "restore-report", restore.id, outcome)
    backup = by_id(ctx, Backup, restore.backup_id)
    files = backup.files_searched if backup is not None else 0
    size = backup.bytes_searched if backup is not None else 0
    share = 1.0 if outcome in ("Completed", "CompletedWithErrors") else rng.uniform(0.0, 0.5)
    restore.completed_time = ctx.now
    restore.num_files_restored = int(files * share)
    restore.num_bytes_restored = int(size * share)
    restore.reason, restore.diagnostics = {
        "Completed": ("Success", "No errors"),
        "CompletedWithErrors": ("UnableToProcessSomeFiles",
                                "Some files may not have been restored"),
        "Failed": ("UnableToConnect", "The agent could not connect to Cloud Files."),
        "Stopped": ("StoppedByUser", "The restore was stopped by a user request."),
    }[outcome]
    if outcome == "CompletedWithErrors":
        paths = _locked_paths(agent)[: rng.randint(1, 2)]
        restore.errors = [_error(i, p) for i, p in enumerate(paths)]
        restore.num_errors = len(restore.errors)
        restore.num_files_restored -= len(paths)
    elif outcome == "Failed":
        restore.num_errors = 1


RESTORE = StateMachine("rackspace.restore", Restore,
                       [Edge("Creating", "StartRequested", event="start"),
                        *_job_edges((30, 600), (10, 120), ("StartRequested",))],
                       on_enter=_restore_entered, choose=_choose_restore, key="id")
