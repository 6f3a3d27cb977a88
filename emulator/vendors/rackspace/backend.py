"""Rules and state changes of the Rackspace API: agents, activity and tenant-scoped lookups.

Every lookup is scoped to the caller's world and tenant, so another tenant's or another
world's ids are 404 (ids are numbered per world: the same id names another row there).
Configurations live in backend_configs, backups and restores in backend_jobs.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import col, select

from emulator.core.engine import Ctx
from emulator.core.numbers import INT64_MAX, INT64_MIN, as_int
from emulator.vendors.rackspace import serializer as views
from emulator.vendors.rackspace.agents import AGENT, BACKUP_RUNNING, wake
from emulator.vendors.rackspace.errors import BadField, NoSuchItem, NotAllowed
from emulator.vendors.rackspace.identity import REGIONS
from emulator.vendors.rackspace.models import (
    Agent,
    Backup,
    Cleanup,
    Configuration,
    Restore,
)
from emulator.vendors.rackspace.perworld import by_id
from emulator.vendors.rackspace.schemas import (
    AgentBehavior,
    AgentEnable,
    ChangeEncryption,
    Encrypt,
    MigrateVault,
)

__all__ = ["ACTIVITY_LIMIT", "activity", "agent", "agent_by_server", "change_encryption",
           "delete_agent", "enable_agent", "encrypt", "get_agent", "get_backup", "get_config",
           "get_restore", "guid", "list_agents", "migrate_vault", "set_logging",
           "update_behavior", "wakeup_agents"]

ACTIVITY_LIMIT = 500


def guid(ctx: Ctx, *keys: object) -> str:
    """A GUID from the world's seeded generator."""
    return str(uuid.UUID(int=ctx.rng("rackspace", "guid", *keys).getrandbits(128), version=4))


def get_agent(ctx: Ctx, tenant_id: str, agent_id: int) -> Agent:
    """The tenant's agent, or 404 itemNotFound."""
    row = by_id(ctx, Agent, agent_id)
    if row is None or row.tenant_id != tenant_id:
        raise NoSuchItem("Agent", agent_id)
    return row


def get_config(ctx: Ctx, tenant_id: str, config_id: int, *, deleted: bool = False
               ) -> Configuration:
    """The tenant's backup configuration (not deleted unless `deleted`), or 404."""
    row = by_id(ctx, Configuration, config_id)
    if row is None or row.tenant_id != tenant_id or (row.is_deleted and not deleted):
        raise NoSuchItem("Backup configuration", config_id)
    return row


def get_backup(ctx: Ctx, tenant_id: str, backup_id: int) -> Backup:
    """The tenant's backup, or 404."""
    row = by_id(ctx, Backup, backup_id)
    if row is None or row.tenant_id != tenant_id:
        raise NoSuchItem("Backup", backup_id)
    return row


def get_restore(ctx: Ctx, tenant_id: str, restore_id: int) -> Restore:
    """The tenant's restore, or 404."""
    row = by_id(ctx, Restore, restore_id)
    if row is None or row.tenant_id != tenant_id:
        raise NoSuchItem("Restore", restore_id)
    return row


def _agents(ctx: Ctx, tenant_id: str) -> list[Agent]:
    return list(ctx.session.exec(
        select(Agent).where(Agent.world_id == ctx.world_id, Agent.tenant_id == tenant_id)
        .order_by(col(Agent.id))).all())


def agent(ctx: Ctx, tenant_id: str, agent_id: int) -> dict[str, Any]:
    """GET /agent/{id}: the real status and last successful backup."""
    return views.agent_view(get_agent(ctx, tenant_id, agent_id))


def agent_by_server(ctx: Ctx, tenant_id: str, host_server_id: str) -> dict[str, Any]:
    """GET /agent/server/{hostServerId}."""
    row = ctx.session.exec(select(Agent).where(
        Agent.world_id == ctx.world_id, Agent.tenant_id == tenant_id,
        Agent.host_server_id == host_server_id)).first()
    if row is None:
        raise NoSuchItem("Agent on host server", host_server_id)
    return views.agent_view(row)


def list_agents(ctx: Ctx, tenant_id: str) -> list[dict[str, Any]]:
    """GET /user/agents (Status always Offline, as documented).

    Read with SQLAlchemy Core: plain rows are several times cheaper than ORM objects here.
    """
    table = Agent.__table__  # type: ignore[attr-defined]
    rows = ctx.session.execute(
        select(table).where(table.c.world_id == ctx.world_id, table.c.tenant_id == tenant_id)
        .order_by(table.c.id)).all()
    return [views.agent_view(a, listing=True) for a in rows]


def wakeup_agents(ctx: Ctx, tenant_id: str) -> None:
    """POST /user/wakeupagents: every reachable Offline agent is Online 10-20 s later."""
    for row in _agents(ctx, tenant_id):
        wake(ctx, row)
    ctx.session.commit()


def enable_agent(ctx: Ctx, tenant_id: str, body: AgentEnable) -> None:
    """POST /agent/enable."""
    row = get_agent(ctx, tenant_id, body.MachineAgentId)
    row.is_disabled = not body.Enable
    ctx.session.add(row)
    ctx.session.commit()


def _hex(field: str, value: str) -> str:
    """The key without whitespace, lower case; only emptiness is refused.

    The vendor's samples wrap long keys with spaces, and its change-password sample ends in
    "fgh", so the characters themselves are not checked.
    """
    compact = "".join(value.split())
    if not compact:
        raise BadField(field, "must not be empty")
    return compact.lower()


def encrypt(ctx: Ctx, tenant_id: str, body: Encrypt) -> str:
    """POST /agent/encrypt: one way. The page: it "enables volume encryption ... if it is not
    already enabled", so on an encrypted agent it succeeds and changes nothing (the key stays;
    changeencryption changes it)."""
    key = _hex("EncryptedPasswordHex", body.EncryptedPasswordHex)
    row = get_agent(ctx, tenant_id, body.MachineAgentId)
    if not row.is_encrypted:
        row.is_encrypted, row.encryption_hex = True, key
    ctx.session.add(row)
    ctx.session.commit()
    return guid(ctx, "encrypt", row.id, ctx.now.isoformat())


def change_encryption(ctx: Ctx, tenant_id: str, body: ChangeEncryption) -> str:
    """POST /agent/changeencryption: needs the current key."""
    old = _hex("OldEncryptedPasswordHex", body.OldEncryptedPasswordHex)
    new = _hex("NewEncryptedPasswordHex", body.NewEncryptedPasswordHex)
    row = get_agent(ctx, tenant_id, body.MachineAgentId)
    if not row.is_encrypted:
        raise NotAllowed(f"Agent {row.id} is not encrypted; use encrypt first.")
    if old != row.encryption_hex:
        raise NotAllowed("OldEncryptedPasswordHex does not match the current encryption key.")
    row.encryption_hex = new
    ctx.session.add(row)
    ctx.session.commit()
    return guid(ctx, "changeencryption", row.id, ctx.now.isoformat())


def delete_agent(ctx: Ctx, tenant_id: str, agent_id: int) -> None:
    """POST /agent/delete: the agent and all its data go at once (DIFFERS: running jobs too)."""
    row = get_agent(ctx, tenant_id, agent_id)
    ctx.cancel(AGENT.kind, row.id)
    ctx.session.delete(row)  # configurations, backups, restores and cleanups cascade
    ctx.session.commit()


def migrate_vault(ctx: Ctx, tenant_id: str, body: MigrateVault) -> None:
    """PUT /agent/migratevault: same user, both unencrypted, destination without configurations."""
    def agent_or_403(agent_id: int, role: str) -> Agent:
        row = by_id(ctx, Agent, agent_id)
        if row is None or row.tenant_id != tenant_id:
            raise NotAllowed(f"{role} agent {agent_id} does not belong to this user.")
        return row

    source = agent_or_403(body.SourceMachineAgentId, "Source")
    dest = agent_or_403(body.DestinationMachineAgentId, "Destination")
    if source.id == dest.id:
        raise NotAllowed("Source and destination agents must differ.")
    if source.is_encrypted or dest.is_encrypted:
        raise NotAllowed("A vault can only be migrated between unencrypted agents.")
    configs = ctx.session.exec(select(Configuration).where(
        Configuration.world_id == ctx.world_id,
        col(Configuration.agent_id).in_((source.id, dest.id)),
        Configuration.is_deleted == False)).all()  # noqa: E712
    if any(c.agent_id == dest.id for c in configs):
        raise NotAllowed(f"Destination agent {dest.id} already has backup configurations.")
    running = ctx.session.exec(select(Backup.id).where(
        Backup.world_id == ctx.world_id, Backup.agent_id == source.id,
        col(Backup.state).in_(BACKUP_RUNNING))).first()
    if running is not None:
        raise NotAllowed(f"Agent {source.id} has a backup in progress.")
    for config in ctx.session.exec(select(Configuration).where(
            Configuration.world_id == ctx.world_id, Configuration.agent_id == source.id)).all():
        config.agent_id = dest.id
        ctx.session.add(config)
    for backup in ctx.session.exec(select(Backup).where(
            Backup.world_id == ctx.world_id, Backup.agent_id == source.id)).all():
        backup.agent_id = dest.id
        ctx.session.add(backup)
    dest.vault_bytes += source.vault_bytes
    dest.last_success = dest.last_success or source.last_success
    source.vault_bytes, source.last_success = 0, None
    ctx.session.add_all([source, dest])
    ctx.session.commit()


def update_behavior(ctx: Ctx, tenant_id: str, agent_id: int, body: AgentBehavior
                    ) -> dict[str, Any]:
    """POST /agent/{id}: backup data center and ServiceNet."""
    row = get_agent(ctx, tenant_id, agent_id)
    if body.BackupDataCenter is not None:
        center = body.BackupDataCenter.upper()
        if center not in REGIONS:
            raise BadField("BackupDataCenter", f"must be one of {', '.join(REGIONS)}")
        if not any(a.datacenter == center for a in _agents(ctx, tenant_id)):
            raise BadField("BackupDataCenter", f"the account has no servers in {center}")
        row.backup_datacenter = center
    row.use_servicenet = body.UseServiceNet
    ctx.session.add(row)
    ctx.session.commit()
    return views.agent_view(row, behavior=True)


def set_logging(ctx: Ctx, tenant_id: str, form: dict[str, Any]) -> None:
    """PUT /agent/logging with MachineAgentId and LoggingLevelId 1..6 (form-encoded)."""
    values: dict[str, int] = {}
    for field in ("MachineAgentId", "LoggingLevelId"):
        # Bounded below: the level to 1..6, the agent id by get_agent (past its column: 404).
        number = as_int(str(form.get(field)).strip(), lo=INT64_MIN, hi=INT64_MAX)
        if number is None:
            raise BadField(field, "an integer is required")
        values[field] = number
    if not 1 <= values["LoggingLevelId"] <= 6:
        raise BadField("LoggingLevelId", "must be from 1 (FATAL) to 6 (TRACE)")
    row = get_agent(ctx, tenant_id, values["MachineAgentId"])
    row.logging_level = values["LoggingLevelId"]
    ctx.session.add(row)
    ctx.session.commit()


def activity(ctx: Ctx, tenant_id: str, agent_id: int | None = None) -> list[dict[str, Any]]:
    """GET /activity and /system/activity/{agentId}: backups, restores, cleanups, newest first."""
    agents = {a.id: a for a in _agents(ctx, tenant_id)}
    if agent_id is not None and agent_id not in agents:
        raise NoSuchItem("Agent", agent_id)
    b_query = select(Backup).where(Backup.world_id == ctx.world_id, Backup.tenant_id == tenant_id)
    r_query = select(Restore).where(Restore.world_id == ctx.world_id,
                                    Restore.tenant_id == tenant_id, Restore.state != "Creating")
    c_query = select(Cleanup).where(Cleanup.world_id == ctx.world_id,
                                    Cleanup.tenant_id == tenant_id)
    if agent_id is not None:
        b_query = b_query.where(Backup.agent_id == agent_id)
        r_query = r_query.where((col(Restore.destination_machine_id) == agent_id)
                                | (col(Restore.backup_machine_id) == agent_id))
        c_query = c_query.where(Cleanup.agent_id == agent_id)
    backups = ctx.session.exec(b_query.order_by(col(Backup.id).desc()).limit(ACTIVITY_LIMIT)).all()
    restores = ctx.session.exec(r_query.order_by(col(Restore.id).desc())
                                .limit(ACTIVITY_LIMIT)).all()
    cleanups = ctx.session.exec(c_query.order_by(col(Cleanup.id).desc())
                                .limit(ACTIVITY_LIMIT)).all()
    by_ids = {b.id: b for b in backups}
    for r in restores:
        if r.backup_id not in by_ids:
            extra = by_id(ctx, Backup, r.backup_id)
            if extra is not None:
                by_ids[r.backup_id] = extra
    config_ids = {b.config_id for b in by_ids.values()}
    configs = {c.id: c for c in ctx.session.exec(select(Configuration).where(
        Configuration.world_id == ctx.world_id, col(Configuration.id).in_(config_ids))).all()}
    entries = ([views.activity_view("Backup", b, agents, configs, by_ids) for b in backups]
               + [views.activity_view("Restore", r, agents, configs, by_ids) for r in restores]
               + [views.activity_view("Cleanup", c, agents, configs, by_ids) for c in cleanups])
    entries.sort(key=lambda e: (_ms(e["TimeOfActivity"]), e["ID"]), reverse=True)
    return entries


def _ms(text: str | None) -> int:
    return int(text[6:-2]) if text else 0
