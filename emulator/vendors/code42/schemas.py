"""Wire shapes of the Code42 API: the vendor's field names and the report's query."""

from __future__ import annotations

from dataclasses import dataclass

from emulator.core.masking import declare_secret_fields
from emulator.vendors.code42.errors import BadParameter

__all__ = ["MAX_PAGE_SIZE", "REPORT_FIELDS", "SECRET_FIELDS", "ReportQuery"]

SECRET_FIELDS = declare_secret_fields(
    "Authorization", "password", "v3_user_token", "access_token", "client_secret",
    "secret", "token")
"""Every secret-bearing name of the Code42 API (masked in the journal): Basic and bearer
authorization, passwords, user and client tokens, the API client's secret."""

REPORT_FIELDS: tuple[str, ...] = (
    "archiveGuid", "orgUid", "orgName", "orgExtRef", "userUid", "username", "email",
    "userExtRef", "deviceUid", "deviceName", "deviceOsHostname", "deviceExtRef",
    "destinationUid", "destinationName", "serverUid", "serverName", "version", "status",
    "userStatus", "alertStates", "os", "osVersion", "address", "remoteAddress", "creationDate",
    "selectedBytes", "backupCompletePercentage", "archiveBytes", "coldStorage",
    "lastConnectedDate", "lastCompletedBackupDate", "lastActivity",
    "mostRecentUserProfileCreationResult", "mostRecentUserProfileBackupResult",
)
"""The 34 fields of a DeviceBackupReport record (and CSV columns), in the vendor's order."""

MAX_PAGE_SIZE = 1000
OS_CODES = ("win", "mac", "linux")


@dataclass(frozen=True)
class ReportQuery:
    """The DeviceBackupReport's query parameters, checked."""

    active: bool | None = None
    alerted: bool | None = None
    os: str | None = None
    org: str | None = None
    user: str | None = None
    device: str | None = None
    device_uid: str | None = None
    destination: str | None = None
    sort_key: str | None = None
    descending: bool = False
    page: int = 1
    page_size: int = MAX_PAGE_SIZE
    csv: bool = False

    @classmethod
    def check(cls, *, sort_key: str | None, sort_dir: str | None, page: int | None,
              page_size: int | None, export: str | None, **filters: object) -> ReportQuery:
        """Validate what FastAPI's types cannot; BadParameter names the parameter."""
        if sort_key is not None and sort_key not in REPORT_FIELDS:
            raise BadParameter("srtKey", f"unknown sort key {sort_key!r}; sortable fields are "
                               f"the record's fields: {', '.join(REPORT_FIELDS)}")
        direction = (sort_dir or "asc").lower()
        if direction not in ("asc", "desc"):
            raise BadParameter("srtDir", f"{sort_dir!r} is not asc or desc")
        if page is not None and page < 1:
            raise BadParameter("pgNum", f"{page} is not a page number (pages start at 1)")
        if page_size is not None and not 1 <= page_size <= MAX_PAGE_SIZE:
            raise BadParameter("pgSize", f"{page_size} is not between 1 and {MAX_PAGE_SIZE}")
        kind = (export or "json").lower()
        if kind not in ("csv", "json"):
            raise BadParameter("export", f"{export!r} is not a supported format (csv)")
        text = {k: (str(v).strip() or None) if isinstance(v, str) else v
                for k, v in filters.items()}
        return cls(sort_key=sort_key, descending=direction == "desc", page=page or 1,
                   page_size=page_size or MAX_PAGE_SIZE, csv=kind == "csv",
                   **text)  # type: ignore[arg-type]
