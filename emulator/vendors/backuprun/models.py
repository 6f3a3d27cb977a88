"""Tables of the BackupRun emulation; each inherits WorldScoped.

Every row has an internal primary key `pk` and the vendor's id `id`, numbered per world by
`emulator.core.sequence` ("backuprun.user", "backuprun.service" ...), so same-seed worlds number
their accounts, services, tasks and mail the same and an id means nothing outside its world.
Rows of one account hang together by those vendor ids within their world (no foreign keys
between these tables), so a terminated service is removed with its tasks and messages by
explicit deletes in one place. Session ids and recovery codes are secrets (core.secrets), unique
across all worlds: a cookie or a code alone names its world.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field

from emulator.core.db import UTCDateTime, empty_list
from emulator.core.world import WorldScoped

__all__ = ["ROLE_MAIN", "ROLE_SUBUSER", "BrMail", "BrRecovery", "BrService",
           "BrSession",
           "BrTask", "BrTaskMessage", "BrUser"]

ROLE_MAIN = 0  # the account owner (the vendor documents only the contact roles 4, 2 and 1)
ROLE_SUBUSER = 4


def _unique(table: str, *more: Index) -> tuple[object, ...]:
    return (UniqueConstraint("world_id", "id", name=f"uq_{table}_world_id"), *more)


class BrUser(WorldScoped, table=True):
    """A login: the main user of an account (role 0) or one of its contacts (role 4, 2, 1)."""

    __tablename__ = "backuprun_user"
    __table_args__ = _unique("backuprun_user",
                             Index("ix_backuprun_user_world_email", "world_id", "email"),
                             Index("ix_backuprun_user_account", "world_id", "account_id", "id"))

    pk: int | None = Field(default=None, primary_key=True)
    id: int
    account_id: int | None = None  # the main user's id; None for it
    role: int = ROLE_MAIN
    email: str = Field(max_length=254, index=True)
    name: str = Field(max_length=200)
    password: str = Field(max_length=200)
    fixed_phone: str = ""
    mobile: str = ""
    mobile2: str = ""
    notify: int = 1
    notify_email: str = ""
    special_locations: int = 0
    created_at: datetime = Field(sa_type=UTCDateTime)

    @property
    def owner_id(self) -> int:
        """The id of the account this login belongs to."""
        return self.account_id if self.account_id is not None else self.id


class BrSession(WorldScoped, table=True):
    """A PHP-style session behind the PHPSESSID cookie; expires on the world's virtual clock."""

    __tablename__ = "backuprun_session"
    __table_args__ = (Index("ix_backuprun_session_user", "world_id", "user_id"),)

    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(max_length=64, unique=True)  # the PHPSESSID: a secret, unique in all worlds
    user_id: int
    persistent: bool = False
    expires_at: datetime = Field(sa_type=UTCDateTime)


class BrRecovery(WorldScoped, table=True):
    """A one-time password recovery code, as mailed by recoverPassword."""

    __tablename__ = "backuprun_recovery"

    pk: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)  # a secret, unique in all worlds
    user_id: int
    used: bool = False
    expires_at: datetime = Field(sa_type=UTCDateTime)


class BrMail(WorldScoped, table=True):
    """A message the real service would have mailed; listed by the control plane's outbox."""

    __tablename__ = "backuprun_mail"
    __table_args__ = _unique("backuprun_mail",
                             Index("ix_backuprun_mail_to", "world_id", "to", "id"))

    pk: int | None = Field(default=None, primary_key=True)
    id: int
    to: str = Field(max_length=254)
    subject: str
    body: str
    kind: str = Field(max_length=40)
    recoverycode: str | None = None
    sent_at: datetime = Field(sa_type=UTCDateTime)


class BrService(WorldScoped, table=True):
    """A backup service (an agent on the customer's server, backed up to a CDP server)."""

    __tablename__ = "backuprun_service"
    # getStatus (the hot call) lists an account's services through the first index.
    __table_args__ = _unique(
        "backuprun_service",
        Index("ix_backuprun_service_account", "world_id", "account_id", "id"),
        Index("ix_backuprun_service_sid", "world_id", "service_id"))

    pk: int | None = Field(default=None, primary_key=True)
    id: int  # the wire's id / sc_id / agent-id
    service_id: str = Field(default="", max_length=20)  # "V16428" / "S16435"
    account_id: int
    assigned_to: int = 0  # 0 unassigned, -1 the main user, else a subuser's id
    name: str
    host: str
    port: int
    type: int  # 3 VDS, 1 SERVER
    location_id: int
    encrypt: int = 0
    encryption_password: str = ""
    readonly: int = 0
    status: int = 0
    disk_usage: int = Field(default=0, sa_type=BigInteger)
    cpanel_instance_id: str = ""
    cpanel_startup: int = 0
    mysql_instances: int = 0
    mysql_startup: int = 0
    mssql_startup: int = 0
    exchange_startup: int = 0
    ostype: str = ""
    running: int = 0
    create_status: str = "0"  # the state machine's state; rendered as the integer it is
    status_min_ok: int = 0
    startup_ok: int = 0
    activation_hint: str = ""
    username: str = ""
    password: str = ""
    first_backup_try: int = 0
    service_configured: int = 0
    restricted: int = 0
    maintenance: int = 0
    # alert_history's entries (times UTC, newest first) and n_alerts, kept up to date as tasks
    # end, so that listing services reads no task rows.
    history: list[Any] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    n_alerts: int = 0
    # Steering from the control plane (not on the wire).
    agent_reachable: bool = True
    next_outcome: str = ""  # "", "warnings" or "errors": how the next task ends
    created_at: datetime = Field(sa_type=UTCDateTime)


class BrTask(WorldScoped, table=True):
    """One backup task (a CDP task execution context) of a service."""

    __tablename__ = "backuprun_task"
    __table_args__ = _unique(
        "backuprun_task",
        Index("ix_backuprun_task_service", "world_id", "sc_id", "id"),
        Index("ix_backuprun_task_context", "world_id", "context_id"))

    pk: int | None = Field(default=None, primary_key=True)
    id: int
    sc_id: int  # the service's id
    context_id: str = Field(max_length=36)  # taskExecutionContextId
    state: str = "INITIALIZING"
    outcome: str = "ok"  # ok, warnings, errors, unreachable: decided when the task starts
    scheduled: bool = False
    errors: int = 0
    warnings: int = 0
    started_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class BrTaskMessage(WorldScoped, table=True):
    """One log line of a task, as getTaskDetailById lists them."""

    __tablename__ = "backuprun_task_message"
    __table_args__ = _unique(
        "backuprun_task_message",
        Index("ix_backuprun_task_message_task", "world_id", "task_id", "id"))

    pk: int | None = Field(default=None, primary_key=True)
    id: int
    task_id: int
    source: str  # SERVER or AGENT
    key: str
    parameters: list[Any] = Field(default_factory=empty_list,
                                  sa_column=Column(JSON, nullable=False))
    level: str  # INFO, WARNING, SEVERE
    text: str
    time: datetime = Field(sa_type=UTCDateTime)
