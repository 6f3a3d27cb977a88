"""What the console shows of one world, read from the store as the vendor APIs would answer.

Each function takes a context from `Emulator.ctx` (so whatever fell due was applied first,
exactly as before a vendor request) and returns plain rows for the templates. Lists are cut
to the newest or first few rows: a page shows a world at a glance, the APIs show all of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import col, func, select

from emulator.core.engine import Ctx
from emulator.vendors.backuprun.models import BrService, BrTask, BrUser
from emulator.vendors.cleverfox.models import CfCompany, CfDevice, CfJob, CfLog, CfPartner
from emulator.vendors.code42.models import ONLINE, Code42Device, Code42Org
from emulator.vendors.code42.timing import Alerts, floor_backup
from emulator.vendors.rackspace.models import Agent, Backup, Configuration, Restore

__all__ = ["LIMIT", "Listing", "alert", "backuprun", "cleverfox", "code42", "last_completed",
           "rackspace"]

LIMIT = 12
IN_FLIGHT = ("Queued", "Preparing", "InProgress", "Running", "Creating", "Stopping")


@dataclass
class Listing:
    """Some rows of a table, and how many there are in all."""

    rows: list[Any] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return max(self.total - len(self.rows), 0)


def _listing(ctx: Ctx, model: Any, *, order: Any, where: tuple[Any, ...] = (),
             limit: int = LIMIT) -> Listing:
    conditions = (model.world_id == ctx.world_id, *where)
    rows = list(ctx.session.exec(select(model).where(*conditions).order_by(order).limit(limit)))
    total = ctx.session.exec(select(func.count()).select_from(model).where(*conditions)).one()
    return Listing(rows, int(total))


def cleverfox(ctx: Ctx) -> dict[str, Any]:
    """Partners, companies, devices (agent online or not), jobs and the newest logs."""
    companies = {c.id: c.name for c in ctx.session.exec(
        select(CfCompany).where(CfCompany.world_id == ctx.world_id))}
    devices = _listing(ctx, CfDevice, order=col(CfDevice.id))
    names = {d.id: d.name for d in ctx.session.exec(
        select(CfDevice).where(CfDevice.world_id == ctx.world_id))}
    return {
        "partners": _listing(ctx, CfPartner, order=col(CfPartner.id)),
        "companies": _listing(ctx, CfCompany, order=col(CfCompany.id)),
        "company_names": companies,
        "devices": devices,
        "device_names": names,
        "jobs": _listing(ctx, CfJob, order=col(CfJob.id)),
        "logs": _listing(ctx, CfLog, order=col(CfLog.pk).desc()),
    }


def rackspace(ctx: Ctx) -> dict[str, Any]:
    """Agents, configurations with their next run, and backups and restores (newest first)."""
    names = {a.id: a.machine_name for a in ctx.session.exec(
        select(Agent).where(Agent.world_id == ctx.world_id))}
    return {
        "agents": _listing(ctx, Agent, order=col(Agent.id)),
        "agent_names": names,
        "configurations": _listing(ctx, Configuration, order=col(Configuration.id),
                                   where=(col(Configuration.is_deleted).is_(False),)),
        "in_flight": _listing(ctx, Backup, order=col(Backup.id).desc(),
                              where=(col(Backup.state).in_(IN_FLIGHT),)),
        "backups": _listing(ctx, Backup, order=col(Backup.id).desc()),
        "restores": _listing(ctx, Restore, order=col(Restore.id).desc(), limit=5),
    }


def backuprun(ctx: Ctx) -> dict[str, Any]:
    """Accounts, services with create_status, their newest task's state, and alert counts."""
    services = _listing(ctx, BrService, order=col(BrService.id))
    latest: dict[int, BrTask] = {}
    for task in ctx.session.exec(select(BrTask).where(
            BrTask.world_id == ctx.world_id,
            col(BrTask.sc_id).in_([s.id for s in services.rows]))
            .order_by(col(BrTask.id))):
        latest[task.sc_id] = task
    return {
        "accounts": _listing(ctx, BrUser, order=col(BrUser.id),
                             where=(col(BrUser.account_id).is_(None),)),
        "services": services,
        "latest_task": latest,
        "alerts": int(ctx.session.exec(select(func.coalesce(func.sum(BrService.n_alerts), 0))
                                       .where(BrService.world_id == ctx.world_id)).one()),
    }


def code42(ctx: Ctx) -> dict[str, Any]:
    """Orgs and devices with alert state, backup percentage and last completed backup."""
    devices = _listing(ctx, Code42Device, order=col(Code42Device.id))
    return {
        "last_completed": {d.id: last_completed(d, ctx.now) for d in devices.rows},
        "orgs": _listing(ctx, Code42Org, order=col(Code42Org.id)),
        "org_names": {o.id: o.name for o in ctx.session.exec(
            select(Code42Org).where(Code42Org.world_id == ctx.world_id))},
        "devices": devices,
        "alerts": {d.id: alert(d, ctx.now) for d in devices.rows},
    }


def alert(device: Code42Device, now: datetime) -> str:
    """The device's alert state, as the Computer API's alertStates says it."""
    return Alerts.at(now).state(device.active, device.last_connected)


def last_completed(device: Code42Device, now: datetime) -> datetime | None:
    """When the device's last backup completed (a connected device's: this interval's start)."""
    completed = device.last_completed_backup
    return floor_backup(now) if completed == ONLINE else completed
