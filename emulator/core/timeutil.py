"""UTC datetime helpers: every datetime inside the emulator is timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["UTC", "as_utc", "iso_z", "parse_iso"]


def as_utc(value: datetime) -> datetime:
    """Return `value` in UTC; a naive datetime is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso_z(value: datetime) -> str:
    """Render as ISO 8601 with milliseconds and a Z, e.g. 2026-01-01T00:00:00.000Z."""
    return as_utc(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """Parse ISO 8601 (a trailing Z allowed; no zone means UTC) into an aware UTC datetime."""
    return as_utc(datetime.fromisoformat(text))
