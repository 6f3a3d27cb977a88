"""Backups and restores: manual start and stop, details, reports, restore configurations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import col, delete, select

from emulator.core.engine import Ctx
from emulator.core.ordering import ordered
from emulator.core.sequence import next_id
from emulator.vendors.rackspace import serializer as views
from emulator.vendors.rackspace.agents import BACKUP, RESTORE, new_backup
from emulator.vendors.rackspace.backend import (
    get_agent,
    get_backup,
    get_config,
    get_restore,
)
from emulator.vendors.rackspace.errors import BadField, NotAllowed
from emulator.vendors.rackspace.identity import REGIONS
from emulator.vendors.rackspace.models import (
    Agent,
    Backup,
    Configuration,
    Restore,
    RestoreFile,
)
from emulator.vendors.rackspace.perworld import by_id
from emulator.vendors.rackspace.schemas import (
    BackupAction,
    RestoreAction,
    RestoreCreate,
    RestoreFileBody,
    RestoreUpdate,
)

__all__ = [
    "add_restore_file",
    "available_for_restore",
    "backup",
    "backup_action",
    "backup_report",
    "completed",
    "create_restore",
    "delete_restore_files",
    "restorable",
    "restore",
    "restore_action",
    "restore_files",
    "restore_report",
    "update_restore",
    "why_not_restorable",
]

DONE = ("Completed", "CompletedWithErrors")


def _ready(agent: Agent, what: str) -> None:
    if agent.is_disabled:
        raise NotAllowed(f"Agent {agent.id} is disabled; enable it to {what}.")
    if agent.status != "Online":
        raise NotAllowed(f"Agent {agent.id} is offline; wake it up (POST /user/wakeupagents) "
                         f"and retry in 10-20 seconds to {what}.")


def backup_action(ctx: Ctx, tenant_id: str, body: BackupAction) -> str | None:
    """StartManual: the new backup's id; StopManual: None (204)."""
    if body.Action == "StartManual":
        config = get_config(ctx, tenant_id, body.Id)
        agent = get_agent(ctx, tenant_id, config.agent_id)
        _ready(agent, "start a backup")
        started = new_backup(ctx, config, agent, scheduled=False)
        ctx.session.commit()
        return str(started.id)
    row = get_backup(ctx, tenant_id, body.Id)
    BACKUP.fire(ctx, row, "stop")  # 409 conflict once it has finished
    ctx.session.commit()
    return None


def _parts(ctx: Ctx, row: Backup) -> tuple[Configuration, Agent | None]:
    config = by_id(ctx, Configuration, row.config_id)
    assert config is not None  # configurations are only ever marked deleted
    return config, by_id(ctx, Agent, row.agent_id)


def backup(ctx: Ctx, tenant_id: str, backup_id: int) -> dict[str, Any]:
    """GET /backup/{id}."""
    row = get_backup(ctx, tenant_id, backup_id)
    return views.backup_view(row, *_parts(ctx, row))


def backup_report(ctx: Ctx, tenant_id: str, backup_id: int) -> dict[str, Any]:
    """GET /backup/report/{id}."""
    row = get_backup(ctx, tenant_id, backup_id)
    config, agent = _parts(ctx, row)
    return views.report_view(row, config, agent, why_not_restorable(ctx, row, config) is None)


def restorable(ctx: Ctx, config: Configuration) -> list[Backup]:
    """Completed backups of a configuration not yet expired by VersionRetention, newest first.

    The newest is always kept: a vault never expires its last good version.
    """
    rows = list(ctx.session.exec(select(Backup).where(
        Backup.world_id == ctx.world_id, Backup.config_id == config.id,
        col(Backup.state).in_(DONE))
        .order_by(ordered(col(Backup.completed_time), descending=True),
                  col(Backup.id).desc())).all())
    if config.version_retention and rows:
        kept = timedelta(days=config.version_retention)
        rows = rows[:1] + [b for b in rows[1:] if b.completed_time
                           and not ctx.time.passed(b.completed_time + kept)]
    return rows


def why_not_restorable(ctx: Ctx, row: Backup, config: Configuration) -> str | None:
    """Why backup `row` cannot be restored now, or None when it can.

    The page: restorable backups have "completed at least once and [have] not been deleted
    and [are] not expired" (VersionRetention days; the newest good one never expires).
    """
    if row.state not in DONE:
        return f"backup {row.id} is {row.state}; only a completed backup can be restored"
    if config.is_deleted:
        return (f"backup {row.id} cannot be restored: its backup configuration {config.id} "
                "was deleted")
    if all(b.id != row.id for b in restorable(ctx, config)):
        return (f"backup {row.id} cannot be restored: it is older than its configuration's "
                f"VersionRetention of {config.version_retention} days")
    return None


def completed(ctx: Ctx, tenant_id: str, config_id: int) -> list[dict[str, Any]]:
    """GET /backup/completed/{configId}: the backups that can still be restored."""
    config = get_config(ctx, tenant_id, config_id)
    agents: dict[int, Agent | None] = {}
    out = []
    for row in restorable(ctx, config):
        if row.agent_id not in agents:
            agents[row.agent_id] = by_id(ctx, Agent, row.agent_id)
        out.append(views.completed_view(row, config, agents[row.agent_id]))
    return out


def available_for_restore(ctx: Ctx, tenant_id: str) -> list[dict[str, Any]]:
    """GET /backup/availableforrestore: live configurations with a restorable backup."""
    configs = ctx.session.exec(select(Configuration).where(
        Configuration.world_id == ctx.world_id, Configuration.tenant_id == tenant_id,
        Configuration.is_deleted == False).order_by(col(Configuration.id))).all()  # noqa: E712
    out = []
    for config in configs:
        rows = restorable(ctx, config)
        if rows:
            out.append(views.available_view(config, by_id(ctx, Agent, config.agent_id),
                                            rows[0]))
    return out


def _restore_view(ctx: Ctx, row: Restore) -> dict[str, Any]:
    ctx.session.flush()
    backup_row = by_id(ctx, Backup, row.backup_id)
    assert backup_row is not None
    config, _ = _parts(ctx, backup_row)
    files = ctx.session.exec(select(RestoreFile).where(RestoreFile.world_id == ctx.world_id,
                                                       RestoreFile.restore_id == row.id)
                             .order_by(col(RestoreFile.id))).all()
    return views.restore_view(row, backup_row, config,
                              by_id(ctx, Agent, row.backup_machine_id),
                              by_id(ctx, Agent, row.destination_machine_id), files)


def _restore_fields(ctx: Ctx, tenant_id: str, body: RestoreCreate) -> dict[str, Any]:
    source_backup = get_backup(ctx, tenant_id, body.BackupId)
    why = why_not_restorable(ctx, source_backup, _parts(ctx, source_backup)[0])
    if why is not None:
        raise BadField("BackupId", why)
    if body.BackupMachineId != source_backup.agent_id:
        raise BadField("BackupMachineId", f"backup {body.BackupId} was made by agent "
                       f"{source_backup.agent_id}")
    source = get_agent(ctx, tenant_id, body.BackupMachineId)
    dest = get_agent(ctx, tenant_id, body.DestinationMachineId)
    if not body.DestinationPath.strip():
        raise BadField("DestinationPath", "must not be empty")
    center = (body.BackupDataCenter or source.backup_datacenter).upper()
    if center not in REGIONS:
        raise BadField("BackupDataCenter", f"must be one of {', '.join(REGIONS)}")
    return {"backup_id": source_backup.id, "backup_machine_id": source.id,
            "destination_machine_id": dest.id, "destination_path": body.DestinationPath,
            "overwrite_files": body.OverwriteFiles, "backup_datacenter": center}


def create_restore(ctx: Ctx, tenant_id: str, body: RestoreCreate) -> dict[str, Any]:
    """PUT /restore: a restore configuration in Creating (0)."""
    fields = _restore_fields(ctx, tenant_id, body)
    row = Restore(world_id=ctx.world_id, id=next_id(ctx, "rackspace.restore"),
                  tenant_id=tenant_id, state="Creating", created=ctx.now,
                  state_change_time=ctx.now, **fields)
    ctx.session.add(row)
    view = _restore_view(ctx, row)
    ctx.session.commit()
    return view


def _creating(row: Restore, what: str) -> None:
    if row.state != "Creating":
        raise NotAllowed(f"Restore {row.id} is {row.state}; {what} only while Creating.")


def _start(ctx: Ctx, tenant_id: str, row: Restore, password: str | None) -> None:
    source_backup = by_id(ctx, Backup, row.backup_id)
    assert source_backup is not None
    why = why_not_restorable(ctx, source_backup, _parts(ctx, source_backup)[0])
    if why is not None:  # it expired or lost its configuration since the restore was created
        raise NotAllowed(f"Restore {row.id} cannot start: {why}.")
    if source_backup.is_encrypted and not password:
        raise BadField("EncryptedPassword", "is required to restore an encrypted backup")
    _ready(get_agent(ctx, tenant_id, row.destination_machine_id), "start a restore")
    RESTORE.fire(ctx, row, "start")  # 409 conflict unless Creating
    row.encrypted_password = password or None


def update_restore(ctx: Ctx, tenant_id: str, body: RestoreUpdate) -> None:
    """POST /restore: only while Creating; RestoreStateId 1 queues it as StartManual would."""
    row = get_restore(ctx, tenant_id, body.RestoreId)
    if body.RestoreStateId not in (0, 1):
        raise BadField("RestoreStateId", "must be 0 (Creating) or 1 (Queued)")
    _creating(row, "it can be updated")
    fields = _restore_fields(ctx, tenant_id, body)
    if body.BackupConfigurationId is not None:
        source_backup = by_id(ctx, Backup, fields["backup_id"])
        if source_backup is None or source_backup.config_id != body.BackupConfigurationId:
            raise BadField("BackupConfigurationId", f"backup {body.BackupId} does not belong "
                           f"to configuration {body.BackupConfigurationId}")
    for name, value in fields.items():
        setattr(row, name, value)
    ctx.session.add(row)
    if body.RestoreStateId == 1:
        _start(ctx, tenant_id, row, None)
    ctx.session.commit()


def add_restore_file(ctx: Ctx, tenant_id: str, body: RestoreFileBody) -> None:
    """PUT /restore/files."""
    if not body.FilePath.strip():
        raise BadField("FilePath", "must not be empty")
    if body.Filter not in (1, 2):
        raise BadField("Filter", "must be 1 (Include) or 2 (Exclude)")
    if body.FileItemType not in (0, 1, 2):
        raise BadField("FileItemType", "must be 0 (file), 1 (folder) or 2 (database)")
    row = get_restore(ctx, tenant_id, body.ParentId)
    _creating(row, "files can be added")
    ident = next_id(ctx, "rackspace.restore_file")
    ctx.session.add(RestoreFile(world_id=ctx.world_id, id=ident, restore_id=row.id,
                                file_path=body.FilePath, file_path_encoded=body.FilePathEncoded,
                                filter=body.Filter, file_item_type=body.FileItemType))
    ctx.session.commit()


def restore_files(ctx: Ctx, tenant_id: str, restore_id: int) -> list[dict[str, Any]]:
    """GET /restore/files/{restoreId}."""
    row = get_restore(ctx, tenant_id, restore_id)
    return [views.restore_file_view(f) for f in ctx.session.exec(
        select(RestoreFile).where(RestoreFile.world_id == ctx.world_id,
                                  RestoreFile.restore_id == row.id)
        .order_by(col(RestoreFile.id))).all()]


def delete_restore_files(ctx: Ctx, tenant_id: str, restore_id: int) -> None:
    """DELETE /restore/files/{restoreId}: drops the restore's file selections (ASSUMPTION)."""
    row = get_restore(ctx, tenant_id, restore_id)
    _creating(row, "files can be removed")
    ctx.session.execute(delete(RestoreFile).where(col(RestoreFile.world_id) == ctx.world_id,
                                                  col(RestoreFile.restore_id) == row.id))
    ctx.session.commit()


def restore_action(ctx: Ctx, tenant_id: str, body: RestoreAction) -> None:
    """POST /restore/action-requested: StartManual or StopManual, 204."""
    row = get_restore(ctx, tenant_id, body.Id)
    if body.Action == "StartManual":
        _start(ctx, tenant_id, row, body.EncryptedPassword)
    else:
        RESTORE.fire(ctx, row, "stop")
    ctx.session.commit()


def restore(ctx: Ctx, tenant_id: str, restore_id: int) -> dict[str, Any]:
    """GET /restore/{id}."""
    return _restore_view(ctx, get_restore(ctx, tenant_id, restore_id))


def restore_report(ctx: Ctx, tenant_id: str, restore_id: int) -> dict[str, Any]:
    """GET /restore/report/{id}."""
    row = get_restore(ctx, tenant_id, restore_id)
    backup_row = by_id(ctx, Backup, row.backup_id)
    assert backup_row is not None
    config, _ = _parts(ctx, backup_row)
    return views.restore_report_view(row, backup_row, config,
                                     by_id(ctx, Agent, row.backup_machine_id),
                                     by_id(ctx, Agent, row.destination_machine_id))
