"""Backup schedules: NextScheduledRunTime in the configuration's Windows time zone, and firing.

Each active scheduled configuration has exactly one pending due transition, at its next run.
When it falls due a backup starts (or is Skipped or Missed) and the run after it is scheduled,
so advancing the clock two weeks replays two weekly runs in order.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from emulator.core.engine import Ctx, DueTransition, on_due
from emulator.core.timeutil import UTC, iso_z
from emulator.core.wintz import windows_zone
from emulator.vendors.rackspace.agents import new_backup
from emulator.vendors.rackspace.models import Agent, Configuration
from emulator.vendors.rackspace.perworld import by_id

__all__ = ["BACKLOG_RUNS", "BACKLOG_SPAN", "KIND", "REPLAY_AFTER", "hour_24", "next_run",
           "reschedule"]

KIND = "rackspace.schedule"
# A clock moved far ahead (say a year, or to 2999) does not replay every run it jumped over:
# only the runs of the last BACKLOG_SPAN (at most BACKLOG_RUNS of them, at least three
# periods) are simulated; replaying each run costs several due transitions.
BACKLOG_SPAN = timedelta(days=8)
BACKLOG_RUNS = 50
# A run due this long before the world's clock finished long ago: it is recorded finished at
# once (one due transition instead of five). Longer than any backup takes.
REPLAY_AFTER = timedelta(hours=1)
_PERIOD = {"Daily": timedelta(days=1), "Weekly": timedelta(days=7)}


def hour_24(hour: int, ampm: str | None) -> int:
    """12-hour clock to 24-hour: 12 AM is 0, 12 PM is 12."""
    return hour % 12 + (12 if (ampm or "").upper() == "PM" else 0)


def _local(day: date, at: time, zone_name: str) -> datetime:
    return datetime.combine(day, at, tzinfo=windows_zone(zone_name)).astimezone(UTC)


def next_run(config: Configuration, after: datetime) -> datetime | None:
    """The first scheduled run strictly after `after`, or None for manual configurations."""
    if config.frequency == "Hourly":
        return after + timedelta(hours=config.hour_interval or 1)
    if config.frequency not in ("Daily", "Weekly"):
        return None
    at = time(hour_24(config.start_time_hour or 12, config.start_time_ampm),
              config.start_time_minute or 0)
    local_day = after.astimezone(windows_zone(config.time_zone_id)).date()
    if config.frequency == "Daily":
        candidate = _local(local_day, at, config.time_zone_id)
        step = 1
    else:
        # DayOfWeekId: 0 is Sunday; date.weekday(): 0 is Monday.
        ahead = ((config.day_of_week_id or 0) - 1 - local_day.weekday()) % 7
        candidate = _local(local_day + timedelta(days=ahead), at, config.time_zone_id)
        step = 7
    while candidate <= after:
        local_day = candidate.astimezone(windows_zone(config.time_zone_id)).date()
        candidate = _local(local_day + timedelta(days=step), at, config.time_zone_id)
    return candidate


def reschedule(ctx: Ctx, config: Configuration) -> None:
    """Recompute NextScheduledRunTime from now and keep one pending run for it, if active."""
    ctx.cancel(KIND, config.id)
    # A deleted or disabled configuration has no next run to show (it would be stale).
    active = config.is_active and not config.is_deleted
    config.next_run = next_run(config, ctx.now) if active else None
    if config.next_run is not None:
        ctx.schedule(KIND, config.id, at=config.next_run, payload={"at": iso_z(config.next_run)})
    ctx.session.add(config)


@on_due(KIND)
def _fire(ctx: Ctx, due: DueTransition) -> None:
    config = by_id(ctx, Configuration, int(due.entity_id))  # named by id within its world
    if config is None or config.is_deleted or not config.is_active:
        return
    if config.next_run is None or iso_z(config.next_run) != due.payload.get("at"):
        return  # the schedule changed after this run was planned
    agent = by_id(ctx, Agent, config.agent_id)
    if agent is None:
        return
    world_now = ctx.present
    new_backup(ctx, config, agent, scheduled=True, replay=world_now - ctx.now > REPLAY_AFTER)
    config.next_run = next_run(config, max(ctx.now, _backlog_start(ctx, config, world_now)))
    if config.next_run is not None:
        ctx.schedule(KIND, config.id, at=config.next_run, payload={"at": iso_z(config.next_run)})
    ctx.session.add(config)


def _backlog_start(ctx: Ctx, config: Configuration, world_now: datetime) -> datetime:
    """The earliest time whose runs are still simulated, given where the world's clock is."""
    period = _PERIOD.get(config.frequency, timedelta(hours=config.hour_interval or 1))
    span = max(3 * period, min(BACKLOG_SPAN, BACKLOG_RUNS * period))
    return world_now - span
