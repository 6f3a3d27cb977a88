"""Wire shapes of the BackupRun API: locations, accepted values and attribute orders.

The attribute lists follow the vendor page's response examples, in their order and spelling
(lower case on the wire: serverurl, ostype, taskstate), so one place decides what each call's
`<agent>` carries.
"""

from __future__ import annotations

from dataclasses import dataclass

from emulator.core.masking import declare_secret_fields

__all__ = ["ACTIVATION_HINTS", "AGENT_BRIEF", "AGENT_FULL", "LOCATIONS", "PAGE_ACTIVATION_HINTS",
           "SECRET_FIELDS", "SERVER_BRIEF", "SERVER_FULL", "SERVICE_TYPES", "TASK_ATTRIBUTES",
           "WINDOWS_HINTS", "Location"]

SECRET_FIELDS = declare_secret_fields(
    "password", "recoverycode", "PHPSESSID")
"""Every secret-bearing name of the BackupRun API (masked in the journal): passwords
(account, subuser, backup-data encryption), the one-time recovery code, the session cookie."""


@dataclass(frozen=True)
class Location:
    """A backup location and the CDP server that serves it."""

    id: int
    name: str
    hostname: str
    ip: str
    http_port: int = 80
    https_port: int = 443

    @property
    def url(self) -> str:
        return f"https://{self.hostname}:{self.https_port}/j_spring_security_check"


# Los Angeles is the vendor page's example; the other three hosts and addresses are invented
# in the same pattern (ASSUMPTION, see docs/backuprun.md).
LOCATIONS: dict[int, Location] = {
    527: Location(527, "Washington", "cdp1.was.backuprun.net", "37.221.172.41"),
    528: Location(528, "Los Angeles", "cdp1.los.backuprun.net", "37.221.174.83"),
    529: Location(529, "Frankfurt", "cdp1.fra.backuprun.net", "37.221.168.17"),
    530: Location(530, "Bucharest", "cdp1.buc.backuprun.net", "37.221.160.29"),
}

SERVICE_TYPES: dict[str, int] = {"VDS": 3, "SERVER": 1}

# The page lists activation_hint as "install-on-Linux/Windows; linux-manual-install;
# linux-express-install; install-on-CentOS/Ubuntu/Fedora/Debian/Redhat-Enterprise-Linux/Proxomx"
# (Proxmox in one of its four copies). Each value as the page writes it passes, and so does
# each name the slashes stand for (install-on-Windows, install-on-Debian, ...): a client may
# have read the list either way.
PAGE_ACTIVATION_HINTS: tuple[str, ...] = (
    "install-on-Linux/Windows", "linux-manual-install", "linux-express-install",
    "install-on-CentOS/Ubuntu/Fedora/Debian/Redhat-Enterprise-Linux/Proxomx",
    "install-on-CentOS/Ubuntu/Fedora/Debian/Redhat-Enterprise-Linux/Proxmox",
)


def _expanded(values: tuple[str, ...]) -> frozenset[str]:
    out = set(values)
    for value in values:
        prefix, _, names = value.rpartition("-on-")
        if prefix:
            out.update(f"{prefix}-on-{name}" for name in names.split("/"))
    return frozenset(out)


ACTIVATION_HINTS: frozenset[str] = _expanded(PAGE_ACTIVATION_HINTS)
WINDOWS_HINTS: frozenset[str] = frozenset({"install-on-Windows"})  # the agent reports Windows


# addService and activateAgent.
AGENT_BRIEF: tuple[str, ...] = (
    "id", "service_id", "readonly", "name", "host", "port", "type", "status",
    "cpanel_instance_id", "cpanel_startup", "mysql_instances", "mysql_startup", "ostype",
    "create_status", "status_min_ok", "startup_ok", "serverurl", "serverhostname", "serverip",
    "username", "password", "location", "location_id",
)
SERVER_BRIEF: tuple[str, ...] = ("http_port", "https_port", "hostname")

# getStatus and getBackupStatus.
AGENT_FULL: tuple[str, ...] = (
    "id", "service_id", "readonly", "name", "host", "port", "type", "status", "disk_usage",
    "cpanel_instance_id", "cpanel_startup", "mysql_instances", "mysql_startup",
    "mssql_startup", "exchange_startup", "ostype", "running", "alert_history", "n_alerts",
    "create_status", "status_min_ok", "startup_ok", "activation_hint", "serverurl",
    "serverhostname", "serverip", "username", "password", "location", "location_id",
    "first_backup_try", "service_configured", "restricted", "maintenance",
)
SERVER_FULL: tuple[str, ...] = ("ip", "http_port", "https_port", "hostname")

TASK_ATTRIBUTES: tuple[str, ...] = ("first_backup_try", "service_configured", "taskstate")

MESSAGE_ATTRIBUTES: tuple[str, ...] = (
    "messagesource", "messagekey", "messagekeyparameters", "messagelevel", "messagestring",
    "messagetime",
)
