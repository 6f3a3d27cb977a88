"""Tables of the Code42 emulation; each inherits WorldScoped.

The device table is also the DeviceBackupReport's row store: the user and org fields a report
record shows are copied onto each device (users and orgs do not change in this emulation), so
every filter and sort is a query on one indexed table and the CSV export is one scan.

Every resource row has an internal primary key `pk` and the vendor's id `id` (orgId, userId,
computerId ...), numbered per world by `emulator.core.sequence` ("code42.org", "code42.user" ...),
so same-seed worlds show the same ids; rows point at each other by vendor id within their world
(never by `pk`), which also lets a world be copied table by table without renumbering. Rows with
no vendor id (tokens, the sweep marker) have only `pk`.

Time-derived values are stored so that they sort correctly and are rendered at query time:
an online device's lastConnectedDate and lastActivity are "now" (the agent holds a connection
to the authority), stored as ONLINE, a far-future instant that sorts after every real date;
a finished backup of an online device is "the last 15-minute backup", stored as ONLINE too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Table, UniqueConstraint
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


def _unique_id(table: str) -> UniqueConstraint:
    """The vendor id is unique within a world (and is the index every lookup by id uses)."""
    return UniqueConstraint("world_id", "id", name=f"uq_{table}_world_id")


class Code42Row(WorldScoped):
    """Columns every Code42 resource row has: the internal `pk` and the per-world vendor id."""

    pk: int | None = Field(default=None, primary_key=True)
    id: int


class Code42Org(Code42Row, table=True):
    """An organization; `path` lists the org ids from the root down, e.g. '/1/2/'."""

    __tablename__ = "code42_org"
    __table_args__ = (_unique_id("code42_org"),
                      Index("ix_code42_org_world_uid", "world_id", "org_uid"),
                      Index("ix_code42_org_world_guid", "world_id", "org_guid"))

    org_uid: str = Field(max_length=40)
    org_guid: str = Field(max_length=40)
    name: str = Field(max_length=200)
    ext_ref: str | None = Field(default=None, max_length=200)
    parent_id: int | None = None
    path: str = Field(max_length=400)
    registration_key: str = Field(max_length=40)
    creation_date: datetime = Field(sa_type=UTCDateTime)


class Code42User(Code42Row, table=True):
    """A user; `role` is sysadmin, org_manager or user; org managers manage their own org."""

    __tablename__ = "code42_user"
    # The search index covers the report's `user` filter: LIKE '%x%' cannot seek, but it can
    # scan this narrow index instead of the table (it ends with the id the filter selects).
    __table_args__ = (_unique_id("code42_user"),
                      Index("ix_code42_user_world_org", "world_id", "org_id"),
                      Index("ix_code42_user_world_uid", "world_id", "user_uid"),
                      Index("ix_code42_user_search", "world_id", "username", "email", "ext_ref",
                            "last_name", "id"))

    user_uid: str = Field(max_length=40)
    username: str = Field(max_length=200, index=True)
    email: str = Field(max_length=200)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    ext_ref: str | None = Field(default=None, max_length=100)
    password: str = Field(max_length=100)
    role: str = Field(max_length=20)
    org_id: int
    active: bool = True
    creation_date: datetime = Field(sa_type=UTCDateTime)


class Code42Destination(Code42Row, table=True):
    """A backup destination (Code42 cloud) and the storage server behind it."""

    __tablename__ = "code42_destination"
    __table_args__ = (_unique_id("code42_destination"),)

    guid: str = Field(max_length=40)
    name: str = Field(max_length=200)
    server_guid: str = Field(max_length=40)
    server_name: str = Field(max_length=200)


class Code42Device(Code42Row, table=True):
    """A device (computer) with its backup to one destination, and copies of its user/org."""

    __tablename__ = "code42_device"
    # (world_id, id) is also the report's default order and its small pages' lookup.
    __table_args__ = (_unique_id("code42_device"),)

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
    user_id: int
    org_id: int
    destination_id: int
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


# Report field -> device column it sorts by. Every column here gets a (world_id, column, id)
# index, so ORDER BY column, id ... LIMIT walks an index instead of sorting the table (ties are
# broken by the vendor id, which is not the table's rowid, so it must be in the index).
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
    Index("ix_code42_device_world_user", "world_id", "user_id", "id"))
Code42Device.__table__.append_constraint(  # type: ignore[attr-defined]
    Index("ix_code42_device_world_org", "world_id", "org_id", "id"))
Code42Device.__table__.append_constraint(  # type: ignore[attr-defined]
    Index("ix_code42_device_world_dest", "world_id", "destination_id", "id"))

def _sort_indexes(table: Table) -> None:
    """The (world_id, column, id) index of each report sort column.

    A nullable column's index keeps NULLs first, as the report orders them (core.ordering):
    SQLite's default, and on PostgreSQL stated, since its default index holds them last and
    could not serve that order (scanned backwards it serves DESC NULLS LAST).
    """
    for name in sorted(set(DEVICE_SORT_COLUMNS.values())):
        index = f"ix_code42_device_world_{name}"
        if not table.c[name].nullable:
            table.append_constraint(Index(index, "world_id", name, "id"))
            continue
        table.append_constraint(Index(index, "world_id", name, "id").ddl_if(dialect="sqlite"))
        table.append_constraint(Index(index, "world_id", table.c[name].asc().nulls_first(), "id")
                                .ddl_if(dialect="postgresql"))


_sort_indexes(Code42Device.__table__)  # type: ignore[attr-defined]


class Code42Token(WorldScoped, table=True):
    """A bearer token: a user's v3 JWT (30 minutes) or an API client's (15 minutes)."""

    __tablename__ = "code42_token"

    pk: int | None = Field(default=None, primary_key=True)
    # A secret (core.secrets): unique across every world, so it alone names its world.
    token: str = Field(max_length=600, unique=True)
    user_id: int | None = None  # vendor ids in the token's world
    api_client_id: int | None = None
    expires_at: datetime = Field(sa_type=UTCDateTime)


class Code42ApiClient(Code42Row, table=True):
    """An API client (client_credentials); it sees what a system administrator sees."""

    __tablename__ = "code42_api_client"
    __table_args__ = (_unique_id("code42_api_client"),)

    client_id: str = Field(max_length=80, index=True)
    secret: str = Field(max_length=80)
    name: str = Field(max_length=200)


class Code42Sweep(WorldScoped, table=True):
    """How far a world's bulk backup sweeps have run (see agents.catch_up)."""

    __tablename__ = "code42_sweep"

    pk: int | None = Field(default=None, primary_key=True)
    swept_until: datetime = Field(sa_type=UTCDateTime)
