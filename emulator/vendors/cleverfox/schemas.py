"""Wire shapes of the CleverFox API: the vendor's field names over snake_case storage names.

Writable attributes are declared as data (`Attr`), one tuple per resource; the backend checks a
request body against them, so a rule (length, range, choices) lives in exactly one place.
Attributes not listed are Read Only and ignored when sent, as the vendor documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from emulator.core.masking import declare_secret_fields
from emulator.core.timeutil import UTC, as_utc
from emulator.core.wintz import windows_zone

__all__ = [
    "BACKUP_TYPE_ATTRS",
    "COMPANY_ATTRS",
    "COMPANY_USER_ATTRS",
    "DEVICE_ATTRS",
    "FREQUENCIES",
    "JOB_ATTRS",
    "JOB_ITEM_ATTRS",
    "PARTNER_ATTRS",
    "PARTNER_USER_ATTRS",
    "SECRET_FIELDS",
    "SUBSCRIPTION_ATTRS",
    "Attr",
    "fmt",
    "fmt_local",
    "local_to_utc",
    "utc_to_local",
]

SECRET_FIELDS = declare_secret_fields(
    "Authorization", "ApiKey", "Password", "Token")
"""Every secret-bearing name of the CleverFox API (masked in the journal): the partner API key
sent as the Basic username, user passwords, device tokens."""

FREQUENCIES = ("Hourly", "Daily", "Weekly", "Monthy", "One Time")
"""The vendor's Frequency values, its own spelling "Monthy" included."""


@dataclass(frozen=True)
class Attr:
    """One writable attribute: wire name, storage name, kind and its rules.

    kind: "str", "int", "bool", "emails" (address list), "local" (DateTime Local), "tz".
    """

    wire: str
    attr: str
    kind: str = "str"
    max_len: int | None = None
    required: bool = False
    post_only: bool = False
    lo: int | None = None
    hi: int | None = None
    choices: tuple[str, ...] | None = None
    write_only: bool = False
    """Never shown on GET (always null there); null sent on PUT keeps the stored value."""


def _s(wire: str, attr: str, max_len: int | None = None, **kw: object) -> Attr:
    return Attr(wire, attr, "str", max_len, **kw)  # type: ignore[arg-type]


def _b(wire: str, attr: str) -> Attr:
    return Attr(wire, attr, "bool")


def _e(wire: str, attr: str) -> Attr:
    return Attr(wire, attr, "emails", 1000)


TOKEN = _s("Token", "token", 50)

PARTNER_ATTRS = (_s("Name", "name", 100, required=True),
                 _s("ApplicationId", "application_id", 25), _b("IsInactive", "is_inactive"), TOKEN)

_USER = (_s("FirstName", "first_name", 25, required=True),
         _s("LastName", "last_name", 25, required=True),
         Attr("Email", "email", "emails", 256, required=True),
         _s("HomePhone", "home_phone", 50), _s("MobilePhone", "mobile_phone", 50),
         _s("WorkPhone", "work_phone", 50), _b("IsInactive", "is_inactive"), TOKEN)
PARTNER_USER_ATTRS = (Attr("PartnerId", "partner_id", "int", required=True, post_only=True),
                      *_USER)
COMPANY_USER_ATTRS = (Attr("CompanyId", "company_id", "int", required=True, post_only=True),
                      *_USER)

COMPANY_ATTRS = (
    Attr("PartnerId", "partner_id", "int", required=True, post_only=True),
    Attr("PlanTypeId", "plan_type_id", "int", required=True, post_only=True),
    _s("Name", "name", 100, required=True),
    _s("AddressLine1", "address_line1", 50), _s("AddressLine2", "address_line2", 50),
    _s("CityMunicipality", "city_municipality", 50),
    _s("StateProvidence", "state_providence", 50), _s("PostalCode", "postal_code", 50),
    _s("Country", "country", 50), _s("Phone", "phone", 50), _s("ExternalId", "external_id", 100),
    _b("IsInactive", "is_inactive"), TOKEN,
)

SUBSCRIPTION_ATTRS = (
    Attr("CompanyId", "company_id", "int", required=True, post_only=True),
    Attr("PlanId", "plan_id", "int", required=True, post_only=True),
    _s("ApplicationId", "application_id", 25), _s("ExternalId", "external_id", 100),
    _e("SendNotificationTo", "send_notification_to"),
    _e("SendNotificationBcc", "send_notification_bcc"),
    _e("SendNotificationCc", "send_notification_cc"),
    _b("SendNotificationOnStorageLimit", "send_notification_on_storage_limit"), TOKEN,
)

DEVICE_ATTRS = (
    Attr("CompanyId", "company_id", "int", required=True, post_only=True),
    Attr("SubscriptionId", "subscription_id", "int", required=True, post_only=True),
    _s("Name", "name", 100, required=True),
    Attr("TimeZoneId", "time_zone_id", "tz", 50, required=True),
    _s("ApplicationId", "application_id", 25), _s("ExternalId", "external_id", 100),
    _b("IsInactive", "is_inactive"),
    _e("SendNotificationTo", "send_notification_to"),
    _e("SendNotificationBcc", "send_notification_bcc"),
    _e("SendNotificationCc", "send_notification_cc"),
    _b("SendNotificationOnJobCompleted", "send_notification_on_job_completed"),
    _b("SendNotificationOnJobFailed", "send_notification_on_job_failed"),
    _b("SendNotificationOnJobMissed", "send_notification_on_job_missed"), TOKEN,
)

JOB_ATTRS = (
    Attr("DeviceId", "device_id", "int", required=True, post_only=True),
    _s("Name", "name", 100, required=True), _b("IsInactive", "is_inactive"),
    Attr("Frequency", "frequency", required=True, choices=FREQUENCIES),
    Attr("NextRunOn", "next_run_on_local", "local", required=True),
    Attr("LateAfter", "late_after", "int", required=True, lo=0, hi=1439),
    Attr("Every", "every", "int", required=True, lo=1, hi=999),
    _b("OnMonday", "on_monday"), _b("OnTuesday", "on_tuesday"),
    _b("OnWednesday", "on_wednesday"), _b("OnThursday", "on_thursday"),
    _b("OnFriday", "on_friday"), _b("OnSaturday", "on_saturday"), _b("OnSunday", "on_sunday"),
    Attr("DayOfMonth", "day_of_month", "int", lo=1, hi=31),
    Attr("ExpireOn", "expire_on_local", "local"),
    Attr("CloudKeepLast", "cloud_keep_last", "int", required=True, lo=0, hi=999),
    Attr("LocalKeepLast", "local_keep_last", "int", required=True, lo=0, hi=999), TOKEN,
)

JOB_ITEM_ATTRS = (
    Attr("JobId", "job_id", "int", required=True, post_only=True),
    _s("Name", "name", 100),
    Attr("BackupTypeId", "backup_type_id", "int", required=True),
    _s("BaseFolder", "base_folder", 248), _b("IncludeSubFolders", "include_sub_folders"),
    _s("SearchPatterns", "search_patterns", 1000), _s("ExcludeFolders", "exclude_folders", 4000),
    _s("ExcludePatterns", "exclude_patterns", 1000),
    _s("NoCompressExtensions", "no_compress_extensions", 1000),
    _s("ServerName", "server_name", 100), _s("DatabaseName", "database_name", 100),
    Attr("Port", "port", "int", lo=0, hi=65535),
    Attr("AuthenticationMode", "authentication_mode", choices=("W", "S")),
    _s("Username", "username", 100, write_only=True),
    _s("Password", "password", 100, write_only=True),
    _b("OptionCompress", "option_compress"), _b("OptionCopyOnly", "option_copy_only"),
    _b("OptionLogOnly", "option_log_only"), TOKEN,
)

BACKUP_TYPE_ATTRS: tuple[Attr, ...] = ()


def fmt(value: datetime | None) -> str | None:
    """A UTC datetime on the wire: 2015-01-01T00:00:00.000 (no zone designator)."""
    if value is None:
        return None
    if value.tzinfo is not None and value.tzinfo is not UTC:
        value = as_utc(value)
    # isoformat is several times faster than strftime; the first 23 characters are the wire form.
    return value.isoformat(timespec="milliseconds")[:23]


def fmt_local(value: datetime | None) -> str | None:
    """A stored wall-clock time (naive, or aware UTC standing for the wall clock) on the wire."""
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds")[:23]


def utc_to_local(value: datetime | None, zone: str) -> datetime | None:
    """A UTC instant as naive wall-clock time in a Windows time zone."""
    if value is None:
        return None
    return as_utc(value).astimezone(_zone(zone)).replace(tzinfo=None)


def local_to_utc(value: datetime, zone: str) -> datetime:
    """A naive wall-clock time in a Windows zone as an aware UTC instant (DST gaps move on)."""
    naive = value.replace(tzinfo=None)
    aware = naive.replace(tzinfo=_zone(zone))
    utc = aware.astimezone(UTC)
    # A wall time inside a spring-forward gap does not exist; take the instant just after it.
    if utc.astimezone(_zone(zone)).replace(tzinfo=None) != naive:
        utc = (naive + timedelta(hours=1)).replace(tzinfo=_zone(zone)).astimezone(UTC)
    return utc


def _zone(name: str) -> ZoneInfo:
    try:
        return windows_zone(name)
    except KeyError:
        return ZoneInfo("UTC")
