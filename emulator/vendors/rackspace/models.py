"""Tables of the Rackspace emulation; each inherits WorldScoped.

Ids are the tables' own integer keys, unique across worlds, so an id of another tenant or
another world is simply not found in the caller's scope.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index
from sqlmodel import Field

from emulator.core.db import UTCDateTime
from emulator.core.world import WorldScoped

__all__ = ["Agent", "Backup", "Cleanup", "ConfigFile", "Configuration", "Restore",
           "RestoreFile", "Tenant", "Token"]


class Tenant(WorldScoped, table=True):
    """An Identity user and its Cloud Backup account (tenant)."""

    __tablename__ = "rackspace_tenant"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=40, index=True)
    username: str = Field(max_length=120, index=True)
    api_key: str = Field(max_length=80)
    password: str = Field(max_length=80)
    user_id: str = Field(max_length=40)
    default_region: str = Field(default="ORD", max_length=8)


class Token(WorldScoped, table=True):
    """An Identity token: which world and tenant it opens, and until when (virtual time)."""

    __tablename__ = "rackspace_token"

    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(max_length=40)
    expires: datetime = Field(sa_type=UTCDateTime)
    authenticated_by: str = Field(max_length=16)


class Agent(WorldScoped, table=True):
    """A Cloud Backup agent on a server; `status` is Online, Waking (shown Offline) or Offline."""

    __tablename__ = "rackspace_agent"
    __table_args__ = (Index("ix_rackspace_agent_tenant", "world_id", "tenant_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
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
    host_server_id: str = Field(max_length=40, index=True)
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


class Configuration(WorldScoped, table=True):
    """A backup configuration: what to back up, when (in its Windows time zone), who to notify."""

    __tablename__ = "rackspace_configuration"
    __table_args__ = (Index("ix_rackspace_configuration_tenant", "world_id", "tenant_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=40)
    agent_id: int = Field(foreign_key="rackspace_agent.id", index=True, ondelete="CASCADE")
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


class ConfigFile(WorldScoped, table=True):
    """One inclusion or exclusion of a backup configuration."""

    __tablename__ = "rackspace_config_file"

    id: int | None = Field(default=None, primary_key=True)
    config_id: int = Field(foreign_key="rackspace_configuration.id", index=True,
                           ondelete="CASCADE")
    file_path: str
    file_item_type: str = Field(max_length=16)  # File, Folder
    filter: str = Field(max_length=16)  # Include, Exclude


class Backup(WorldScoped, table=True):
    """One run of a configuration and its report; `state` follows the backup state machine."""

    __tablename__ = "rackspace_backup"
    __table_args__ = (Index("ix_rackspace_backup_config", "config_id", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=40, index=True)
    config_id: int = Field(foreign_key="rackspace_configuration.id", ondelete="CASCADE")
    agent_id: int = Field(foreign_key="rackspace_agent.id", index=True, ondelete="CASCADE")
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
    errors: list[dict[str, Any]] = Field(default_factory=list,
                                         sa_column=Column(JSON, nullable=False))


class Restore(WorldScoped, table=True):
    """A restore configuration and its run; `state` follows the restore state machine."""

    __tablename__ = "rackspace_restore"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=40, index=True)
    backup_id: int = Field(foreign_key="rackspace_backup.id", index=True, ondelete="CASCADE")
    backup_machine_id: int = Field(foreign_key="rackspace_agent.id", ondelete="CASCADE")
    destination_machine_id: int = Field(foreign_key="rackspace_agent.id", index=True,
                                        ondelete="CASCADE")
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
    errors: list[dict[str, Any]] = Field(default_factory=list,
                                         sa_column=Column(JSON, nullable=False))


class RestoreFile(WorldScoped, table=True):
    """A file or folder included in (Filter 1) or excluded from (Filter 2) a restore."""

    __tablename__ = "rackspace_restore_file"

    id: int | None = Field(default=None, primary_key=True)
    restore_id: int = Field(foreign_key="rackspace_restore.id", index=True, ondelete="CASCADE")
    file_path: str
    file_path_encoded: str | None = None
    filter: int = 1
    file_item_type: int = 0


class Cleanup(WorldScoped, table=True):
    """A vault cleanup run on an agent, listed among its activity."""

    __tablename__ = "rackspace_cleanup"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=40, index=True)
    agent_id: int = Field(foreign_key="rackspace_agent.id", index=True, ondelete="CASCADE")
    state: str = Field(default="Completed", max_length=24)
    time: datetime = Field(sa_type=UTCDateTime)
