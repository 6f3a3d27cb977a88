"""The API's times: 'YYYY-MM-DD HH:MM:SS', UTC unless shifted by a timezoneOffset."""

from __future__ import annotations

from datetime import datetime, timedelta

__all__ = ["FORMAT", "HISTORY_LENGTH", "clock_text", "shift_text"]

FORMAT = "%Y-%m-%d %H:%M:%S"
HISTORY_LENGTH = 10  # finished tasks listed in alert_history, newest first


def clock_text(value: datetime, offset_minutes: int = 0) -> str:
    """A UTC time as text, shifted by a JavaScript getTimezoneOffset() value (UTC - local)."""
    return (value - timedelta(minutes=offset_minutes)).strftime(FORMAT)


def shift_text(text: str, offset_minutes: int) -> str:
    """Shift a UTC time already in text form."""
    return clock_text(datetime.strptime(text, FORMAT), offset_minutes)
