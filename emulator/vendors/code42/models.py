"""Tables of the Code42 emulation; each inherits WorldScoped.

The device table is also the DeviceBackupReport's row store: the user and org fields a report
record shows are copied onto each device (users and orgs do not change in this emulation), so
every filter and sort is a query on one indexed table and the CSV export is one scan.

Time-derived values are stored so that they sort correctly and are rendered at query time:
an online device's lastConnectedDate and lastActivity are "now" (the agent holds a connection
to the authority), stored as ONLINE, a far-future instant that sorts after every real date;
a finished backup of an online device is "the last 15-minute backup", stored as ONLINE too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field

from emulator.core.db import UTCDateTime
from emulator.core.timeutil import UTC
from emulator.core.world import WorldScoped

__all__ = [
    "DEVICE_SORT_COLUMNS",
    "ONLINE",
    "Code42ApiClient",
    "Code42Destination",
    "Code42Device",
    "Code42Org",
    "Code42Sweep",
    "Code42Token",
    "Code42User",
]

ONLINE = datetime(9000, 1, 1, tzinfo=UTC)
"""Stored for 'now' in time columns of online devices; later than any clock value."""


class Code42Org(WorldScoped, table=True):
    """An organization; `path` lists the org ids from the root down, e.g. '/1/2/'."""

    __tablename__ = "code42_org"

    id: int | None = Field(default=None, primary_key=True)
    org_uid: str = Field(max_length=40)
    org_guid: str = Field(max_length=40)
    name: str = Field(max_length=200)
    ext_ref: str | None = Field(default=None, max_length=200)
    parent_id: int | None = Field(default=None, foreign_key="code42_org.id")
    path: str = Field(max_length=400)
    registration_key: str = Field(max_length=40)
    creation_date: datetime = Field(sa_type=UTCDateTime)


class Code42User(WorldScoped, table=True):
    """A user; `role` is sysadmin, org_manager or user; org managers manage their own org."""

    __tablename__ = "code42_user"
    # The search index covers the report's `user` filter: LIKE '%x%' cannot seek, but it can
    # scan this narrow index instead of the table.
    __table_args__ = (Index("ix_code42_user_world_org", "world_id", "org_id"),
                      Index("ix_code42_user_search", "world_id", "username", "email", "ext_ref",
                            "last_name"))

    id: int | None = Field(default=None, primary_key=True)
    user_uid: str = Field(max_length=40)
    username: str = Field(max_length=200, index=True)
    email: str = Field(max_length=200)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    ext_ref: str | None = Field(default=None, max_length=100)
    password: str = Field(max_length=100)
    role: str = Field(max_length=20)
    org_id: int = Field(foreign_key="code42_org.id")
    active: bool = True
    creation_date: datetime = Field(sa_type=UTCDateTime)


class Code42Destination(WorldScoped, table=True):
    """A backup destination (Code42 cloud) and the storage server behind it."""

    __tablename__ = "code42_destination"

    id: int | None = Field(default=None, primary_key=True)
    guid: str = Field(max_length=40)
    name: str = Field(max_length=200)
    server_guid: str = Field(max_length=40)
    server_name: str = Field(max_length=200)


class Code42Device(WorldScoped, table=True):
    """A device (computer) with its backup to one destination, and copies of its user/org."""

    __tablename__ = "code42_device"

    id: int | None = Field(default=None, primary_key=True)
    guid: str = Field(max_length=40)
    archive_guid: str = Field(max_length=40)
    name: str = Field(max_length=200)
    os_hostname: str = Field(max_length=200)
    ext_ref: str | None = Field(default=None, max_length=100)
    os: str = Field(max_length=10)  # win, mac, linux
    os_name: str = Field(max_length=40)
    os_version: str = Field(max_length=40)
    version: str = Field(max_length=40)
    address: str = Field(max_length=60)
    remote_address: str = Field(max_length=60)
    creation_date: datetime = Field(sa_type=UTCDateTime)
    state: str = Field(default="online", max_length=20)  # online, offline, deactivated
    active: bool = True
    blocked: bool = False
    online: bool = True
    cold_storage: bool = False
    selected_bytes: int = Field(sa_column=Column(BigInteger, nullable=False))
    archive_bytes: int = Field(sa_column=Column(BigInteger, nullable=False))
    backup_pct: float = 100.0
    pct_per_day: float = 0.0  # how fast an unfinished backup catches up while online
    growth_per_day: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    last_connected: datetime = Field(sa_type=UTCDateTime)
    last_activity: datetime = Field(sa_type=UTCDateTime)
    last_completed_backup: datetime | None = Field(default=None, sa_type=UTCDateTime)
    user_id: int = Field(foreign_key="code42_user.id")
    org_id: int = Field(foreign_key="code42_org.id")
    destination_id: int = Field(foreign_key="code42_destination.id")
    # Copies of the owner's fields, so that the report sorts and renders from this table alone.
    user_uid: str = Field(max_length=40)
    username: str = Field(max_length=200)
    email: str = Field(max_length=200)
    user_ext_ref: str | None = Field(default=None, max_length=100)
    user_status: str = Field(max_length=20)
    org_uid: str = Field(max_length=40)
    org_name: str = Field(max_length=200)
    org_ext_ref: str | None = Field(default=None, max_length=200)
    destination_uid: str = Field(max_length=40)
    destination_name: str = Field(max_length=200)
    server_uid: str = Field(max_length=40)
    server_name: str = Field(max_length=200)
    profile_creation_result: str | None = Field(default=None, max_length=40)
    profile_backup_result: str | None = Field(default=None, max_length=40)


# Report field -> device column it sorts by. Every column here gets a (world_id, column) index,
# so ORDER BY ... LIMIT walks an index instead of sorting the table.
DEVICE_SORT_COLUMNS: dict[str, str] = {
    "archiveGuid": "archive_guid", "orgUid": "org_uid", "orgName": "org_name",
    "orgExtRef": "org_ext_ref", "userUid": "user_uid", "username": "username",
    "email": "email", "userExtRef": "user_ext_ref", "deviceUid": "guid",
    "deviceName": "name", "deviceOsHostname": "os_hostname", "deviceExtRef": "ext_ref",
    "destinationUid": "destination_uid", "destinationName": "destination_name",
    "serverUid": "server_uid", "serverName": "server_name", "version": "version",
    "status": "active", "userStatus": "user_status", "os": "os", "osVersion": "os_version",
    "address": "address", "remoteAddress": "remote_address", "creationDate": "creation_date",
    "selectedBytes": "selected_bytes", "backupCompletePercentage": "backup_pct",
    "archiveBytes": "archive_bytes", "coldStorage": "cold_storage",
    "lastConnectedDate": "last_connected", "lastCompletedBackupDate": "last_completed_backup",
    "lastActivity": "last_activity",
    "mostRecentUserProfileCreationResult": "profile_creation_result",
    "mostRecentUserProfileBackupResult": "profile_backup_result",
}

Code42Device.__table__.append_constraint(  # type: ignore[attr-defined]
    Index("ix_code42_device_world_user", "world_id", "user_id"))
Code42Device.__table__.append_constraint(  # type: ignore[attr-defined]
    Index("ix_code42_device_world_org", "world_id", "org_id"))
Code42Device.__table__.append_constraint(  # type: ignore[attr-defined]
    Index("ix_code42_device_world_dest", "world_id", "destination_id"))
for _column in sorted(set(DEVICE_SORT_COLUMNS.values())):
    Code42Device.__table__.append_constraint(  # type: ignore[attr-defined]
        Index(f"ix_code42_device_world_{_column}", "world_id", _column))


class Code42Token(WorldScoped, table=True):
    """A bearer token: a user's v3 JWT (30 minutes) or an API client's (15 minutes)."""

    __tablename__ = "code42_token"

    token: str = Field(primary_key=True, max_length=600)
    user_id: int | None = Field(default=None, foreign_key="code42_user.id")
    api_client_id: int | None = Field(default=None, foreign_key="code42_api_client.id")
    expires_at: datetime = Field(sa_type=UTCDateTime)


class Code42ApiClient(WorldScoped, table=True):
    """An API client (client_credentials); it sees what a system administrator sees."""

    __tablename__ = "code42_api_client"

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=80, index=True)
    secret: str = Field(max_length=80)
    name: str = Field(max_length=200)


class Code42Sweep(WorldScoped, table=True):
    """How far a world's bulk backup sweeps have run (see agents.catch_up)."""

    __tablename__ = "code42_sweep"

    id: int | None = Field(default=None, primary_key=True)
    swept_until: datetime = Field(sa_type=UTCDateTime)
