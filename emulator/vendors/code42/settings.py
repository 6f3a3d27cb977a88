"""A device's settings as the Computer resource shows them with incSettings (py42 DeviceSettings).

The shape follows the device records in py42's own tests: `settings.serviceBackupConfig`
with `backupConfig.backupSets[]` (each with `backupPaths.pathset`, `backupPaths.excludeUser`
and `destinations` naming destination guids), and the destinations offered to the device in
`availableDestinations`. ASSUMPTION: every device has one backup set, "BackupSet 1", backing
up the owner's home folder to the device's one destination; alert thresholds are the
emulation's own (warning after 3 days, severe after 7).
"""

from __future__ import annotations

from typing import Any

from emulator.vendors.code42.models import Code42Destination, Code42Device
from emulator.vendors.code42.timing import CRITICAL_AFTER, WARNING_AFTER

__all__ = ["device_settings"]

_PATHSET_OS = {"win": "Windows", "mac": "Macintosh", "linux": "Linux"}
_EMPTY_PATTERNS: list[dict[str, list[str]]] = [{"linux": [], "macintosh": [], "windows": []}]


def _home(d: Code42Device) -> str:
    name = d.username.split("@", 1)[0]
    if d.os == "win":
        return f"C:/Users/{name}/"
    return f"/Users/{name}/" if d.os == "mac" else f"/home/{name}/"


def _minutes(delta: Any) -> str:
    return str(int(delta.total_seconds() // 60))


def device_settings(d: Code42Device, destinations: list[Code42Destination]) -> dict[str, Any]:
    """The fields incSettings adds to a computer: settings, availableDestinations, orgSettings."""
    backup_set = {
        "@id": "1", "name": "BackupSet 1", "priority": "1", "encryptionEnabled": "true",
        "backupOpenFiles": "true", "compression": "ON", "dataDeDuplication": "AUTOMATIC",
        "backupPaths": {
            "excludeUser": _EMPTY_PATTERNS,
            "pathset": [{"@os": _PATHSET_OS.get(d.os, "Linux"),
                         "path": [{"@include": _home(d)}]}],
        },
        "destinations": [{"@id": d.destination_uid}],
        "backupRunWindow": [{"@always": "true", "@days": "SMTWHFS",
                             "@startTimeOfDay": "01:00", "@endTimeOfDay": "06:00"}],
        "retentionPolicy": {"backupFrequency": "900000", "keepDeleted": "true",
                            "keepDeletedMinutes": "0"},
        "scanInterval": "86400000", "scanTime": "03:00", "watchFiles": "true",
    }
    settings = {
        "@id": "service",
        "configDateMs": str(int(d.creation_date.timestamp() * 1000)),
        "javaMemoryHeapMax": {"@nil": "true"},
        "orgType": "ENTERPRISE",
        "securityKeyType": "AccountPassword",
        "serviceBackupConfig": {
            "backupConfig": {"backupSets": [backup_set], "excludeSystem": _EMPTY_PATTERNS},
            "backupStatus": "SAFE",
            "backupStatusEmailEnabled": "false",
            "backupStatusEmailFreqInMinutes": "10080",
            "minutesUntilWarning": _minutes(WARNING_AFTER),
            "minutesUntilSevere": _minutes(CRITICAL_AFTER),
            "warningEmailEnabled": "true",
            "severeEmailEnabled": "true",
        },
    }
    return {
        "settings": settings,
        "availableDestinations": [
            {"destinationId": dest.id, "destinationName": dest.name, "guid": dest.guid,
             "type": "CLUSTER"} for dest in destinations],
        "orgSettings": {"securityKeyLocked": False},
    }
