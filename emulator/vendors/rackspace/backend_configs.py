"""Backup configurations: validation per Frequency, CRUD, enable/disable, and their schedules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import col, delete, func, select

from emulator.core.engine import Ctx
from emulator.core.errors import Conflict
from emulator.core.sequence import next_id
from emulator.core.wintz import is_windows_zone
from emulator.vendors.rackspace import serializer as views
from emulator.vendors.rackspace.backend import get_agent, get_config
from emulator.vendors.rackspace.errors import BadField
from emulator.vendors.rackspace.models import Agent, Backup, ConfigFile, Configuration
from emulator.vendors.rackspace.perworld import by_id
from emulator.vendors.rackspace.schedule import reschedule
from emulator.vendors.rackspace.schemas import ConfigEnable, ConfigurationBody, FileSpec

__all__ = ["backup_state", "create", "delete_config", "enable", "get", "list_for_agent",
           "list_for_user", "update"]

RETENTIONS = (0, 30, 60)
ITEM_TYPES = ("File", "Folder")


def _in_range(field: str, value: int | None, low: int, high: int, *, required: bool) -> None:
    if value is None:
        if required:
            raise BadField(field, f"is required (from {low} to {high}) for this Frequency")
        return
    if not low <= value <= high:
        raise BadField(field, f"must be from {low} to {high}")


def _validate(body: ConfigurationBody) -> None:
    if not body.BackupConfigurationName.strip():
        raise BadField("BackupConfigurationName", "must not be empty")
    if len(body.BackupConfigurationName) > 200:
        raise BadField("BackupConfigurationName", "must be at most 200 characters")
    if len(body.NotifyRecipients) > 300:
        raise BadField("NotifyRecipients", "must be at most 300 characters")
    if body.VersionRetention not in RETENTIONS:
        raise BadField("VersionRetention", "must be 0, 30 or 60")
    if body.MissedBackupActionId not in (1, 2):
        raise BadField("MissedBackupActionId", "must be 1 or 2")
    if not is_windows_zone(body.TimeZoneId):
        raise BadField("TimeZoneId", f"unknown Windows time zone {body.TimeZoneId!r}")
    timed = body.Frequency in ("Daily", "Weekly")
    _in_range("StartTimeHour", body.StartTimeHour, 1, 12, required=timed)
    _in_range("StartTimeMinute", body.StartTimeMinute, 0, 59, required=timed)
    ampm = (body.StartTimeAmPm or "").upper()
    if (timed and ampm not in ("AM", "PM")) or ampm not in ("", "AM", "PM"):
        raise BadField("StartTimeAmPm", "must be AM or PM"
                       + (" for this Frequency" if timed else " or null"))
    _in_range("DayOfWeekId", body.DayOfWeekId, 0, 6, required=body.Frequency == "Weekly")
    _in_range("HourInterval", body.HourInterval, 1, 23, required=body.Frequency == "Hourly")
    if (body.NotifySuccess or body.NotifyFailure) and "@" not in body.NotifyRecipients:
        raise BadField("NotifyRecipients", "an email address is required when notifying")
    for key, specs in (("Inclusions", body.Inclusions), ("Exclusions", body.Exclusions)):
        for i, spec in enumerate(specs):
            if not spec.FilePath.strip():
                raise BadField(f"{key}[{i}].FilePath", "must not be empty")
            if spec.FileItemType not in ITEM_TYPES:
                raise BadField(f"{key}[{i}].FileItemType", "must be File or Folder")


def _apply(config: Configuration, body: ConfigurationBody) -> None:
    """Copy the body onto the row, keeping only the schedule fields its Frequency uses."""
    timed = body.Frequency in ("Daily", "Weekly")
    config.name = body.BackupConfigurationName
    config.is_active = body.IsActive
    config.version_retention = body.VersionRetention
    config.missed_backup_action_id = body.MissedBackupActionId
    config.frequency = body.Frequency
    config.start_time_hour = body.StartTimeHour if timed else None
    config.start_time_minute = body.StartTimeMinute if timed else None
    config.start_time_ampm = (body.StartTimeAmPm or "").upper() if timed else None
    config.day_of_week_id = body.DayOfWeekId if body.Frequency == "Weekly" else None
    config.hour_interval = body.HourInterval if body.Frequency == "Hourly" else None
    config.time_zone_id = body.TimeZoneId
    config.notify_recipients = body.NotifyRecipients
    config.notify_success = body.NotifySuccess
    config.notify_failure = body.NotifyFailure
    if body.BackupPrescript is not None:
        config.backup_prescript = body.BackupPrescript
    if body.BackupPostscript is not None:
        config.backup_postscript = body.BackupPostscript


def _check_name(ctx: Ctx, agent_id: int, name: str, own_id: int | None) -> None:
    clash = ctx.session.exec(select(Configuration.id).where(
        Configuration.world_id == ctx.world_id, Configuration.agent_id == agent_id,
        Configuration.name == name,
        Configuration.is_deleted == False,  # noqa: E712
        col(Configuration.id) != (own_id or 0))).first()
    if clash is not None:
        raise Conflict(f"Agent {agent_id} already has a backup configuration named {name!r}.")


def _files(ctx: Ctx, config: Configuration, inclusions: Sequence[FileSpec],
           exclusions: Sequence[FileSpec]) -> None:
    ctx.session.execute(delete(ConfigFile).where(col(ConfigFile.world_id) == ctx.world_id,
                                                 col(ConfigFile.config_id) == config.id))
    for flt, specs in (("Include", inclusions), ("Exclude", exclusions)):
        for spec in specs:
            ident = next_id(ctx, "rackspace.config_file")
            ctx.session.add(ConfigFile(world_id=ctx.world_id, id=ident,
                                       config_id=config.id, file_path=spec.FilePath,
                                       file_item_type=spec.FileItemType, filter=flt))


def _view(ctx: Ctx, config: Configuration) -> dict[str, Any]:
    ctx.session.flush()
    files = ctx.session.exec(select(ConfigFile).where(ConfigFile.world_id == ctx.world_id,
                                                      ConfigFile.config_id == config.id)
                             .order_by(col(ConfigFile.id))).all()
    return views.config_view(config, by_id(ctx, Agent, config.agent_id), files)


def create(ctx: Ctx, tenant_id: str, body: ConfigurationBody) -> dict[str, Any]:
    """POST /backup-configuration: 200 with the new configuration."""
    _validate(body)
    agent = get_agent(ctx, tenant_id, body.MachineAgentId)
    _check_name(ctx, agent.id, body.BackupConfigurationName, None)
    ident = next_id(ctx, "rackspace.configuration")
    config = Configuration(world_id=ctx.world_id, id=ident, tenant_id=tenant_id,
                           agent_id=agent.id, schedule_id=ident, name="", frequency="Manually",
                           time_zone_id=body.TimeZoneId)
    _apply(config, body)
    ctx.session.add(config)
    _files(ctx, config, body.Inclusions, body.Exclusions)
    reschedule(ctx, config)
    view = _view(ctx, config)
    ctx.session.commit()
    return view


def update(ctx: Ctx, tenant_id: str, config_id: int, body: ConfigurationBody) -> None:
    """PUT /backup-configuration/{id}: replaces the settings and file lists; 200, no body."""
    _validate(body)
    config = get_config(ctx, tenant_id, config_id)
    if body.MachineAgentId != config.agent_id:
        raise BadField("MachineAgentId", f"configuration {config_id} belongs to agent "
                       f"{config.agent_id}; it cannot move to another agent")
    _check_name(ctx, config.agent_id, body.BackupConfigurationName, config.id)
    schedule = _schedule_of(config)
    _apply(config, body)
    _files(ctx, config, body.Inclusions, body.Exclusions)
    if _schedule_of(config) != schedule:  # the same schedule PUT back keeps its next run
        reschedule(ctx, config)
    ctx.session.commit()


def _schedule_of(config: Configuration) -> tuple[object, ...]:
    """What decides a configuration's next run."""
    return (config.is_active, config.frequency, config.start_time_hour, config.start_time_minute,
            config.start_time_ampm, config.day_of_week_id, config.hour_interval,
            config.time_zone_id)


def get(ctx: Ctx, tenant_id: str, config_id: int) -> dict[str, Any]:
    """GET /backup-configuration/{id}."""
    return _view(ctx, get_config(ctx, tenant_id, config_id))


def backup_state(state: str | None) -> str:
    """BackupState of the per-user list, from the configuration's latest backup."""
    if state in ("StartRequested", "StartScheduled", "Queued", "Preparing"):
        return "Queued"
    if state in ("InProgress", "StopRequested"):
        return "InProgress"
    return "Skipped" if state == "Skipped" else "Not Available"


def _rows(ctx: Ctx, model: Any, *where: Any, order: Any = None) -> Sequence[Any]:
    """Read-only rows of `model` through SQLAlchemy Core: half the cost of ORM objects."""
    query = select(model.__table__).where(*where)
    if order is not None:
        query = query.order_by(order)
    return ctx.session.execute(query).all()


def _list(ctx: Ctx, configs: Sequence[Any], *, with_state: bool) -> list[dict[str, Any]]:
    ids = [c.id for c in configs]
    files: dict[int, list[Any]] = {}
    world = ctx.world_id
    for entry in _rows(ctx, ConfigFile, col(ConfigFile.world_id) == world,
                       col(ConfigFile.config_id).in_(ids), order=col(ConfigFile.id)):
        files.setdefault(entry.config_id, []).append(entry)
    agent_ids = {c.agent_id for c in configs}
    agents = {a.id: a for a in _rows(ctx, Agent, col(Agent.world_id) == world,
                                     col(Agent.id).in_(agent_ids))}
    states: dict[int, str] = {}
    if with_state and ids:
        latest = (select(func.max(Backup.id)).where(col(Backup.world_id) == world,
                                                    col(Backup.config_id).in_(ids))
                  .group_by(col(Backup.config_id)))
        states = {cid: st for cid, st in ctx.session.exec(
            select(Backup.config_id, Backup.state).where(col(Backup.world_id) == world,
                                                         col(Backup.id).in_(latest))).all()}
    return [views.config_view(c, agents.get(c.agent_id), files.get(c.id, []),
                              backup_state=backup_state(states.get(c.id))
                              if with_state else None)
            for c in configs]


def list_for_user(ctx: Ctx, tenant_id: str) -> list[dict[str, Any]]:
    """GET /backup-configuration: every configuration of the user, with BackupState."""
    configs = _rows(ctx, Configuration, col(Configuration.world_id) == ctx.world_id,
                    col(Configuration.tenant_id) == tenant_id,
                    col(Configuration.is_deleted) == False,  # noqa: E712
                    order=col(Configuration.id))
    return _list(ctx, configs, with_state=True)


def list_for_agent(ctx: Ctx, tenant_id: str, agent_id: int) -> list[dict[str, Any]]:
    """GET /backup-configuration/system/{agentId}."""
    get_agent(ctx, tenant_id, agent_id)
    configs = _rows(ctx, Configuration, col(Configuration.world_id) == ctx.world_id,
                    col(Configuration.agent_id) == agent_id,
                    col(Configuration.is_deleted) == False,  # noqa: E712
                    order=col(Configuration.id))
    return _list(ctx, configs, with_state=False)


def enable(ctx: Ctx, tenant_id: str, config_id: int, body: ConfigEnable) -> dict[str, Any]:
    """POST /backup-configuration/enable/{id}: 200 with the configuration."""
    config = get_config(ctx, tenant_id, config_id)
    config.is_active = body.Enable
    reschedule(ctx, config)
    view = _view(ctx, config)
    ctx.session.commit()
    return view


def delete_config(ctx: Ctx, tenant_id: str, config_id: int) -> None:
    """DELETE /backup-configuration/{id}: marked deleted; its backups stay in reports."""
    config = get_config(ctx, tenant_id, config_id)
    config.is_deleted = True
    reschedule(ctx, config)
    ctx.session.commit()
