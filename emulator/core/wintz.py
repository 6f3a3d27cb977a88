"""Windows time zone names, as CleverFox and Rackspace take them ("Eastern Standard Time").

The mapping to IANA zones is CLDR's windowsZones table as shipped by tzlocal; zone data comes
from the system or from the tzdata package, so a slim container knows every zone too.
"""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import win_tz

__all__ = ["WINDOWS_ZONES", "is_windows_zone", "windows_zone"]

WINDOWS_ZONES: tuple[str, ...] = tuple(sorted(win_tz))
"""Every Windows time zone name the emulator accepts, sorted."""


def is_windows_zone(name: str) -> bool:
    """True when `name` is a Windows time zone name known to CLDR (exact, case-sensitive)."""
    return name in win_tz


@lru_cache(maxsize=256)
def windows_zone(name: str) -> ZoneInfo:
    """The IANA zone for a Windows time zone name; KeyError for an unknown name."""
    try:
        return ZoneInfo(win_tz[name])
    except ZoneInfoNotFoundError as exc:  # pragma: no cover - tzdata is a dependency
        raise KeyError(name) from exc
