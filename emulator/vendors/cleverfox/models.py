"""Tables of the CleverFox emulation; each inherits WorldScoped.

Every resource row has an internal primary key `pk` and the vendor's id `id`, numbered per
world (DeviceId 1, 2 ... in every sandbox too) by `emulator.core.sequence`. Rows point at each
other by vendor id within their world, and carry their owning partner's id so that a partner's lists
filter and sort on one index. "DateTime Local" fields are stored as naive wall-clock times in
the device's zone (columns ending in `_local`); everything else is UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field

from emulator.core.db import UTCDateTime
from emulator.core.world import WorldScoped

__all__ = [
    "RUNNING",
    "CfBackupType",
    "CfBase",
    "CfCompany",
    "CfCompanyUser",
    "CfDevice",
    "CfEvent",
    "CfJob",
    "CfJobItem",
    "CfLog",
    "CfLogItem",
    "CfPartner",
    "CfPartnerUser",
    "CfPlan",
    "CfPlanType",
    "CfSubscription",
    "CfToken",
]


def _idx(table: str) -> tuple[object, ...]:
    return (UniqueConstraint("world_id", "id", name=f"uq_{table}_world_id"),
            Index(f"ix_{table}_partner", "world_id", "partner_id", "id"))



class CfBase(WorldScoped):
    """Columns every CleverFox resource row has."""

    pk: int | None = Field(default=None, primary_key=True)
    id: int
    partner_id: int = 0
    added_on: datetime = Field(sa_type=UTCDateTime)
    updated_on: datetime | None = Field(default=None, sa_type=UTCDateTime)
    token: str | None = None


class CfPlanType(CfBase, table=True):
    __tablename__ = "cleverfox_plan_type"
    __table_args__ = _idx("cleverfox_plan_type")
    name: str
    is_inactive: bool = False


class CfPlan(CfBase, table=True):
    __tablename__ = "cleverfox_plan"
    __table_args__ = _idx("cleverfox_plan")
    plan_type_id: int
    name: str
    details: str | None = None
    is_inactive: bool = False
    device_limit: int = 1
    storage_limit: int = 25
    download_limit: bool = False


class CfBackupType(CfBase, table=True):
    __tablename__ = "cleverfox_backup_type"
    __table_args__ = _idx("cleverfox_backup_type")
    engine_id: str
    name: str
    engine_type: str
    port: int | None = None
    is_inactive: bool = False


class CfPartner(CfBase, table=True):
    __tablename__ = "cleverfox_partner"
    # Its rows are held by the API key cache (backend._KEYS): a change tells other processes.
    __table_args__ = (*_idx("cleverfox_partner"),
                      Index("ix_cleverfox_partner_key", "api_key"),
                      {"info": {"credentials": True}})
    plan_type_id: int
    name: str
    application_id: str | None = None
    api_key: str = Field(max_length=64)
    is_inactive: bool = False


class CfUserBase(CfBase):
    first_name: str
    last_name: str
    email: str
    home_phone: str | None = None
    mobile_phone: str | None = None
    work_phone: str | None = None
    is_account_owner: bool = False
    is_inactive: bool = False


class CfPartnerUser(CfUserBase, table=True):
    __tablename__ = "cleverfox_partner_user"
    __table_args__ = _idx("cleverfox_partner_user")


class CfCompany(CfBase, table=True):
    __tablename__ = "cleverfox_company"
    __table_args__ = _idx("cleverfox_company")
    plan_type_id: int
    name: str
    address_line1: str | None = None
    address_line2: str | None = None
    city_municipality: str | None = None
    state_providence: str | None = None
    postal_code: str | None = None
    country: str | None = None
    phone: str | None = None
    external_id: str | None = None
    is_inactive: bool = False


class CfCompanyUser(CfUserBase, table=True):
    __tablename__ = "cleverfox_company_user"
    __table_args__ = _idx("cleverfox_company_user")
    company_id: int


class CfSubscription(CfBase, table=True):
    __tablename__ = "cleverfox_subscription"
    __table_args__ = _idx("cleverfox_subscription")
    company_id: int
    plan_id: int
    application_id: str | None = None
    external_id: str | None = None
    is_inactive: bool = False
    billing_id: int | None = None
    status: str = "Active"
    period_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    period_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    additional_device: int = 0
    download_limit_expire_on: datetime | None = Field(default=None, sa_type=UTCDateTime)
    send_notification_to: str | None = None
    send_notification_bcc: str | None = None
    send_notification_cc: str | None = None
    send_notification_on_storage_limit: bool = False


class CfDevice(CfBase, table=True):
    __tablename__ = "cleverfox_device"
    __table_args__ = (*_idx("cleverfox_device"),
                      Index("ix_cleverfox_device_ext", "world_id", "partner_id", "external_id"))
    company_id: int
    subscription_id: int
    name: str
    time_zone_id: str
    application_id: str | None = None
    external_id: str | None = None
    is_inactive: bool = False
    api_key: str
    # The agent's last check-in (UTC); while online it moves on every CHECKIN_SECONDS.
    last_api_check_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    send_notification_to: str | None = None
    send_notification_bcc: str | None = None
    send_notification_cc: str | None = None
    send_notification_on_job_completed: bool = False
    send_notification_on_job_failed: bool = False
    send_notification_on_job_missed: bool = False
    last_agent_download_created: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Emulator-only agent state, steered through /_emulator/cleverfox/...
    agent_online: bool = True
    fail_next_runs: int = 0
    fail_message: str | None = None


class CfJob(CfBase, table=True):
    __tablename__ = "cleverfox_job"
    __table_args__ = (*_idx("cleverfox_job"),
                      Index("ix_cleverfox_job_device", "world_id", "device_id", "id"))
    device_id: int
    name: str
    is_inactive: bool = False
    last_ran_on_local: datetime | None = Field(default=None, sa_type=UTCDateTime)
    frequency: str
    next_run_on_local: datetime | None = Field(default=None, sa_type=UTCDateTime)
    late_after: int
    every: int
    on_monday: bool = False
    on_tuesday: bool = False
    on_wednesday: bool = False
    on_thursday: bool = False
    on_friday: bool = False
    on_saturday: bool = False
    on_sunday: bool = False
    day_of_month: int | None = None
    expire_on_local: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cloud_keep_last: int
    local_keep_last: int


class CfJobItem(CfBase, table=True):
    __tablename__ = "cleverfox_job_item"
    __table_args__ = (*_idx("cleverfox_job_item"),
                      Index("ix_cleverfox_job_item_job", "world_id", "job_id", "id"))
    job_id: int
    name: str | None = None
    backup_type_id: int
    base_folder: str | None = None
    include_sub_folders: bool = False
    search_patterns: str | None = None
    exclude_folders: str | None = None
    exclude_patterns: str | None = None
    no_compress_extensions: str | None = None
    server_name: str | None = None
    database_name: str | None = None
    port: int | None = None
    authentication_mode: str | None = None
    username: str | None = None
    password: str | None = None
    option_compress: bool = False
    option_copy_only: bool = False
    option_log_only: bool = False


RUNNING = "Running"
"""A log's JobStatus while its run is in progress; such logs are not shown (see backend)."""


class CfLog(CfBase, table=True):
    """One run of a job: a snapshot of the job's settings plus the run's outcome."""

    __tablename__ = "cleverfox_log"
    __table_args__ = (*_idx("cleverfox_log"),
                      Index("ix_cleverfox_log_device", "world_id", "device_id", "id"))
    company_id: int
    device_id: int
    time_zone_id: str
    subscription_id: int
    plan_id: int
    job_id: int
    name: str
    archive_folder: str
    upload_folder: str
    frequency: str
    next_run_on_local: datetime | None = Field(default=None, sa_type=UTCDateTime)
    late_after: int
    expire_on_local: datetime | None = Field(default=None, sa_type=UTCDateTime)
    local_keep_last: int
    job_started_on_local: datetime | None = Field(default=None, sa_type=UTCDateTime)
    job_completed_on_local: datetime | None = Field(default=None, sa_type=UTCDateTime)
    job_status: str = RUNNING
    error_messages: str = ""
    send_notification_to: str | None = None
    send_notification_bcc: str | None = None
    send_notification_cc: str | None = None
    send_notification_on_job_completed: bool = False
    send_notification_on_job_failed: bool = False
    send_notification_on_job_missed: bool = False
    notification_job_completed_processed_on: datetime | None = Field(default=None,
                                                                     sa_type=UTCDateTime)
    notification_job_failed_processed_on: datetime | None = Field(default=None,
                                                                  sa_type=UTCDateTime)
    notification_job_missed_processed_on: datetime | None = Field(default=None,
                                                                  sa_type=UTCDateTime)


class CfLogItem(CfBase, table=True):
    __tablename__ = "cleverfox_log_item"
    __table_args__ = (*_idx("cleverfox_log_item"),
                      Index("ix_cleverfox_log_item_log", "world_id", "log_id", "id"))
    log_id: int
    job_item_id: int
    name: str | None = None
    engine_id: str
    engine_type: str
    base_folder: str | None = None
    include_sub_folders: bool = False
    search_patterns: str | None = None
    exclude_folders: str | None = None
    exclude_patterns: str | None = None
    no_compress_extensions: str | None = None
    server_name: str | None = None
    database_name: str | None = None
    port: int | None = None
    authentication_mode: str | None = None
    server_version: str | None = None
    server_edition: str | None = None
    option_compress: bool = False
    option_copy_only: bool = False
    option_log_only: bool = False
    backup_folder: str | None = None
    backup_file_name: str | None = None
    backup_file_size: int | None = Field(default=None, sa_type=BigInteger)
    backup_list_name: str | None = None
    backup_list_size: int | None = Field(default=None, sa_type=BigInteger)
    backup_list_count: int | None = None


class CfEvent(CfBase, table=True):
    __tablename__ = "cleverfox_event"
    __table_args__ = _idx("cleverfox_event")
    event_type_id: int
    event_type: str
    backup_type_id: int | None = None
    company_id: int | None = None
    company_user_id: int | None = None
    device_id: int | None = None
    job_id: int | None = None
    job_item_id: int | None = None
    log_id: int | None = None
    log_item_id: int | None = None
    event_partner_id: int | None = None
    partner_user_id: int | None = None
    plan_id: int | None = None
    plan_type_id: int | None = None
    subscription_id: int | None = None


class CfToken(WorldScoped, table=True):
    """A duplication-prevention Token a partner used, and when (UTC)."""

    __tablename__ = "cleverfox_token"
    __table_args__ = (Index("ix_cleverfox_token", "world_id", "partner_id", "token"),)

    pk: int | None = Field(default=None, primary_key=True)
    partner_id: int
    token: str
    used_at: datetime = Field(sa_type=UTCDateTime)
