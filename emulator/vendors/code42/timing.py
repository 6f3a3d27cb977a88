"""Time rules of the Code42 emulation: backup cadence, alert thresholds, derived dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from emulator.core.engine import Ctx
from emulator.core.timeutil import UTC, iso_z
from emulator.vendors.code42.models import ONLINE, Code42Device

__all__ = ["BACKUP_INTERVAL", "CRITICAL_AFTER", "SWEEP_INTERVAL", "WARNING_AFTER", "Alerts",
           "floor_backup", "shown_backup"]

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


def shown_backup(when: datetime) -> str:
    """The last finished backup of an online device at `when`, as the wire shows it (a
    rendering of now: core.stamps)."""
    return iso_z(floor_backup(when))


_device = Code42Device.__table__.c  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Alerts:
    """Alert states at one instant, as cutoffs for SQL and for rows: a device last connected
    at or before `warning_at` (3 days ago) warns, at or before `critical_at` (7 days) is
    critical.

    ASSUMPTION: deactivated devices do not alert (they no longer back up at all).
    """

    warning_at: datetime
    critical_at: datetime

    @classmethod
    def of(cls, ctx: Ctx) -> Alerts:
        """The cutoffs at ctx's now; the answer holds until the next device of the world
        crosses one (core.present: a horizon, not now itself)."""
        def earliest_after(cutoff: datetime) -> datetime | None:
            found: datetime | None = ctx.session.execute(select(
                func.min(_device.last_connected)).where(
                _device.world_id == ctx.world_id, _device.last_connected > cutoff,
                _device.last_connected < ONLINE)).scalar()
            return found
        return cls(ctx.time.cutoff(WARNING_AFTER, earliest_after),
                   ctx.time.cutoff(CRITICAL_AFTER, earliest_after))

    @classmethod
    def at(cls, now: datetime) -> Alerts:
        """The cutoffs at `now`, outside any answer the response cache keeps (the console)."""
        return cls(now - WARNING_AFTER, now - CRITICAL_AFTER)

    def state(self, active: bool, last_connected: datetime) -> str:
        """OK, WarningBackupAlert or CriticalBackupAlert (an online device is OK: it is
        connected now)."""
        if not active or last_connected == ONLINE:
            return "OK"
        if last_connected <= self.critical_at:
            return "CriticalBackupAlert"
        if last_connected <= self.warning_at:
            return "WarningBackupAlert"
        return "OK"
