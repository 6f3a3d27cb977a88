"""Time rules of the Code42 emulation: backup cadence, alert thresholds, derived dates."""

from __future__ import annotations

from datetime import datetime, timedelta

from emulator.core.timeutil import UTC

__all__ = ["BACKUP_INTERVAL", "CRITICAL_AFTER", "SWEEP_INTERVAL", "WARNING_AFTER",
           "alert_state", "floor_backup"]

BACKUP_INTERVAL = timedelta(minutes=15)
"""Code42's default backup frequency: a connected, caught-up device finishes one this often."""
WARNING_AFTER = timedelta(days=3)
CRITICAL_AFTER = timedelta(days=7)
SWEEP_INTERVAL = timedelta(hours=6)
"""How often backup progress and archive growth of online devices are applied, in bulk."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def floor_backup(when: datetime) -> datetime:
    """The start of the backup interval `when` falls in (the last finished backup)."""
    step = int(BACKUP_INTERVAL.total_seconds())
    seconds = int((when - _EPOCH).total_seconds())
    return _EPOCH + timedelta(seconds=seconds - seconds % step)


def alert_state(active: bool, last_connected: datetime, now: datetime) -> str:
    """OK, WarningBackupAlert (3 days not connected) or CriticalBackupAlert (7 days).

    ASSUMPTION: deactivated devices do not alert (they no longer back up at all).
    """
    if not active:
        return "OK"
    age = now - last_connected
    if age >= CRITICAL_AFTER:
        return "CriticalBackupAlert"
    if age >= WARNING_AFTER:
        return "WarningBackupAlert"
    return "OK"
