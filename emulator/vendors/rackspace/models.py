"""Tables of the Rackspace emulation; each inherits WorldScoped.

Every resource row has an internal primary key `pk` and the vendor's id `id` (MachineAgentId,
BackupConfigurationId, BackupId, RestoreId ...), numbered per world by `emulator.core.sequence`
("rackspace.agent" ...), so same-seed worlds number their rows alike and a world can be copied
table by table. Rows point at each other by vendor id within their world: each reference is a
foreign key on (world_id, <ref>) to the parent's unique (world_id, id), deleting with it.
Lookups always filter by world (see `backend.row`), so another world's id is simply not found.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKeyConstraint, Index, UniqueConstraint
from sqlmodel import Field

from emulator.core.db import UTCDateTime, empty_list
from emulator.core.world import WorldScoped

__all__ = ["Agent", "Backup", "Cleanup", "ConfigFile", "Configuration", "RaxRow", "Restore",
           "RestoreFile", "Tenant", "Token"]


def _keys(table: str, *indexes: tuple[str, ...], refs: dict[str, str] | None = None
          ) -> tuple[object, ...]:
    """Unique (world_id, id), an index per column tuple (each led by world_id), and a foreign
    key (world_id, column) -> (world_id, id) of the named table for each of `refs`."""
    return (UniqueConstraint("world_id", "id", name=f"uq_{table}_world_id"),
            *(Index(f"ix_{table}_{'_'.join(cols)}", "world_id", *cols) for cols in indexes),
            *(ForeignKeyConstraint(["world_id", column], [f"{parent}.world_id", f"{parent}.id"],
                                   name=f"fk_{table}_{column}", ondelete="CASCADE")
              for column, parent in (refs or {}).items()))


class RaxRow(WorldScoped):
    """What every numbered Rackspace row has: its internal key and its per-world vendor id."""

    pk: int | None = Field(default=None, primary_key=True)
    id: int


class Tenant(RaxRow, table=True):
    """An Identity user and its Cloud Backup account (tenant)."""

    __tablename__ = "rackspace_tenant"
    __table_args__ = _keys("rackspace_tenant")

    tenant_id: str = Field(max_length=40, index=True)
    username: str = Field(max_length=120, index=True)
    api_key: str = Field(max_length=80)
    password: str = Field(max_length=80)
    user_id: str = Field(max_length=40)
    default_region: str = Field(default="ORD", max_length=8)


class Token(WorldScoped, table=True):
    """An Identity token: which world and tenant it opens, and until when (virtual time).

    Its id is a secret (core.secrets), unique across every world, so it alone names its world:
    unique by itself, not per world, and never numbered.
    """

    __tablename__ = "rackspace_token"

    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(max_length=64, unique=True)
    tenant_id: str = Field(max_length=40)
    expires: datetime = Field(sa_type=UTCDateTime)
    authenticated_by: str = Field(max_length=16)


class Agent(RaxRow, table=True):
    """A Cloud Backup agent on a server; `status` is Online, Waking (shown Offline) or Offline."""

    __tablename__ = "rackspace_agent"
    __table_args__ = _keys("rackspace_agent", ("tenant_id", "id"),
                           ("tenant_id", "host_server_id"))

    tenant_id: str = Field(max_length=40)
    machine_name: str = Field(max_length=200)
    agent_version: str = Field(default="1.05.005848", max_length=40)
    architecture: str = Field(default="64-bit", max_length=16)
    flavor: str = Field(default="RaxCloudServer", max_length=40)
    datacenter: str = Field(max_length=8)
    backup_datacenter: str = Field(max_length=8)
    ip_address: str = Field(max_length=64)
    operating_system: str = Field(max_length=80)
    operating_system_version: str = Field(default="", max_length=80)
    host_server_id: str = Field(max_length=40)
    backup_container: str = Field(max_length=300)
    modulus_hex: str = Field(max_length=600)
    exponent_hex: str = Field(default="10001", max_length=16)
    is_disabled: bool = False
    is_encrypted: bool = False
    encryption_hex: str | None = Field(default=None)
    use_servicenet: bool = True
    use_failover_uri: bool = False
    cleanup_allowed: bool = True
    logging_level: int = 3
    status: str = Field(default="Online", max_length=16)
    reachable: bool = True
    vault_bytes: int = Field(default=0, sa_type=BigInteger)
    last_success: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Outcome forced by the control plane for the next backup / restore on this agent.
    force_backup: str | None = Field(default=None, max_length=32)
    force_restore: str | None = Field(default=None, max_length=32)


class Configuration(RaxRow, table=True):
    """A backup configuration: what to back up, when (in its Windows time zone), who to notify."""

    __tablename__ = "rackspace_configuration"
    __table_args__ = _keys("rackspace_configuration", ("tenant_id", "id"), ("agent_id",),
                           refs={"agent_id": "rackspace_agent"})

    tenant_id: str = Field(max_length=40)
    agent_id: int
    schedule_id: int = 0
    name: str = Field(max_length=200)
    is_active: bool = True
    is_deleted: bool = False
    version_retention: int = 30
    missed_backup_action_id: int = 1
    frequency: str = Field(max_length=16)
    start_time_hour: int | None = None
    start_time_minute: int | None = None
    start_time_ampm: str | None = Field(default=None, max_length=4)
    day_of_week_id: int | None = None
    hour_interval: int | None = None
    time_zone_id: str = Field(max_length=80)
    notify_recipients: str = Field(default="", max_length=300)
    notify_success: bool = False
    notify_failure: bool = True
    backup_prescript: str = ""
    backup_postscript: str = ""
    next_run: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_run_time: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_run_backup_report_id: int | None = None


class ConfigFile(RaxRow, table=True):
    """One inclusion or exclusion of a backup configuration."""

    __tablename__ = "rackspace_config_file"
    __table_args__ = _keys("rackspace_config_file", ("config_id", "id"),
                           refs={"config_id": "rackspace_configuration"})

    config_id: int
    file_path: str
    file_item_type: str = Field(max_length=16)  # File, Folder
    filter: str = Field(max_length=16)  # Include, Exclude


class Backup(RaxRow, table=True):
    """One run of a configuration and its report; `state` follows the backup state machine."""

    __tablename__ = "rackspace_backup"
    __table_args__ = _keys("rackspace_backup", ("tenant_id", "id"), ("config_id", "state"),
                           ("agent_id", "id"),
                           refs={"config_id": "rackspace_configuration",
                                 "agent_id": "rackspace_agent"})

    tenant_id: str = Field(max_length=40)
    config_id: int
    agent_id: int
    state: str = Field(max_length=24)
    is_encrypted: bool = False
    created: datetime = Field(sa_type=UTCDateTime)
    state_change_time: datetime = Field(sa_type=UTCDateTime)
    start_time: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_time: datetime | None = Field(default=None, sa_type=UTCDateTime)
    files_searched: int = 0
    bytes_searched: int = Field(default=0, sa_type=BigInteger)
    files_backed_up: int = 0
    bytes_backed_up: int = Field(default=0, sa_type=BigInteger)
    num_errors: int = 0
    reason: str = ""
    diagnostics: str = ""
    errors: list[dict[str, Any]] = Field(default_factory=empty_list,
                                         sa_column=Column(JSON, nullable=False))


class Restore(RaxRow, table=True):
    """A restore configuration and its run; `state` follows the restore state machine."""

    __tablename__ = "rackspace_restore"
    __table_args__ = _keys("rackspace_restore", ("tenant_id", "id"), ("backup_id",),
                           ("backup_machine_id",), ("destination_machine_id",),
                           refs={"backup_id": "rackspace_backup",
                                 "backup_machine_id": "rackspace_agent",
                                 "destination_machine_id": "rackspace_agent"})

    tenant_id: str = Field(max_length=40)
    backup_id: int
    backup_machine_id: int
    destination_machine_id: int
    destination_path: str
    overwrite_files: bool = False
    backup_datacenter: str = Field(max_length=8)
    state: str = Field(default="Creating", max_length=24)
    encrypted_password: str | None = None
    created: datetime = Field(sa_type=UTCDateTime)
    state_change_time: datetime = Field(sa_type=UTCDateTime)
    start_time: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_time: datetime | None = Field(default=None, sa_type=UTCDateTime)
    num_files_restored: int = 0
    num_bytes_restored: int = Field(default=0, sa_type=BigInteger)
    num_errors: int = 0
    reason: str = ""
    diagnostics: str = ""
    errors: list[dict[str, Any]] = Field(default_factory=empty_list,
                                         sa_column=Column(JSON, nullable=False))


class RestoreFile(RaxRow, table=True):
    """A file or folder included in (Filter 1) or excluded from (Filter 2) a restore."""

    __tablename__ = "rackspace_restore_file"
    __table_args__ = _keys("rackspace_restore_file", ("restore_id", "id"),
                           refs={"restore_id": "rackspace_restore"})

    restore_id: int
    file_path: str
    file_path_encoded: str | None = None
    filter: int = 1
    file_item_type: int = 0


class Cleanup(RaxRow, table=True):
    """A vault cleanup run on an agent, listed among its activity."""

    __tablename__ = "rackspace_cleanup"
    __table_args__ = _keys("rackspace_cleanup", ("tenant_id", "id"), ("agent_id", "id"),
                           refs={"agent_id": "rackspace_agent"})

    tenant_id: str = Field(max_length=40)
    agent_id: int
    state: str = Field(default="Completed", max_length=24)
    time: datetime = Field(sa_type=UTCDateTime)
