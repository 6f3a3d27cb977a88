"""When a CleverFox job runs next: Frequency, Every, weekday flags and DayOfMonth, in local time.

All arithmetic is on naive wall-clock times in the device's time zone, as the agent schedules
in its own zone; only the due transition is converted to UTC.
"""

from __future__ import annotations

import calendar
import math
from datetime import datetime, timedelta

from emulator.vendors.cleverfox.models import CfJob

__all__ = ["following_run", "next_run_after", "weekdays"]

_DAYS = ("on_monday", "on_tuesday", "on_wednesday", "on_thursday", "on_friday", "on_saturday",
         "on_sunday")
MAX_STEPS = 100_000


def weekdays(job: CfJob) -> set[int]:
    """Weekday numbers (Monday 0) the job's On* flags select."""
    return {i for i, name in enumerate(_DAYS) if getattr(job, name)}


def _add_months(value: datetime, months: int, day: int) -> datetime:
    index = value.month - 1 + months
    year, month = value.year + index // 12, index % 12 + 1
    day = min(day, calendar.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)


def following_run(job: CfJob, prev: datetime) -> datetime | None:
    """The run after the one scheduled at `prev` (None for One Time)."""
    every = max(1, job.every)
    days = weekdays(job)
    if job.frequency == "One Time":
        return None
    if job.frequency in ("Hourly", "Daily"):
        step = timedelta(hours=every) if job.frequency == "Hourly" else timedelta(days=every)
        candidate = prev + step
        for _ in range(MAX_STEPS):
            if not days or candidate.weekday() in days:
                return candidate
            candidate += step
        return None
    if job.frequency == "Weekly":
        days = days or {prev.weekday()}
        for offset in range(1, 7 - prev.weekday()):
            if prev.weekday() + offset in days:
                return prev + timedelta(days=offset)
        monday = prev - timedelta(days=prev.weekday()) + timedelta(weeks=every)
        return monday + timedelta(days=min(days))
    if job.frequency == "Monthy":
        return _add_months(prev, every, job.day_of_month or prev.day)
    return None


def _jump(job: CfJob, prev: datetime, now_local: datetime) -> datetime:
    """A run time at or before now_local on the same cadence as `prev`, skipping long gaps
    arithmetically (a clock moved by years must not step through every run)."""
    gap = now_local - prev
    every = max(1, job.every)
    if gap <= timedelta(days=60):
        return prev
    if job.frequency in ("Hourly", "Daily"):
        step = timedelta(hours=every) if job.frequency == "Hourly" else timedelta(days=every)
        if weekdays(job):  # keep the weekday pattern: jump whole multiples of a week
            hours = int(step.total_seconds()) // 3600
            step = timedelta(hours=math.lcm(hours, 168))
        return prev + step * (gap // step - 1)
    if job.frequency == "Weekly":
        step = timedelta(weeks=every)
        return prev + step * (gap // step - 1)
    if job.frequency == "Monthy":
        months = (now_local.year - prev.year) * 12 + now_local.month - prev.month
        return _add_months(prev, (months // every - 1) * every, job.day_of_month or prev.day)
    return prev


def next_run_after(job: CfJob, prev: datetime, now_local: datetime) -> datetime | None:
    """The first run after `prev` that is later than `now_local` and not past ExpireOn."""
    candidate: datetime | None = _jump(job, prev, now_local)
    for _ in range(MAX_STEPS):
        assert candidate is not None
        candidate = following_run(job, candidate)
        if candidate is None or candidate > now_local:
            break
    expire = job.expire_on_local.replace(tzinfo=None) if job.expire_on_local else None
    if candidate is not None and expire is not None and candidate > expire:
        return None
    return candidate
