"""Pictures of a world: backups per day by outcome (stacked bars) and the fleet's states.

Counts come from the store grouped by day in SQL; this module turns them into bar geometry
so the SVG templates only draw what they are given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case
from sqlmodel import col, func, select

from emulator.core.engine import Ctx
from emulator.vendors.backuprun.models import BrService, BrTask
from emulator.vendors.cleverfox.models import CfDevice, CfLog
from emulator.vendors.code42.models import Code42Device
from emulator.vendors.code42.timing import CRITICAL_AFTER, WARNING_AFTER
from emulator.vendors.rackspace.models import Agent, Backup

__all__ = ["DAYS", "Chart", "Fleet", "daily", "fleets"]

DAYS = 14
WIDTH, HEIGHT, PAD = 560, 220, 34

# Outcome -> colour, in the order bars stack (bottom first). Colours keep 4.5:1 on white.
GOOD, WARN, BAD, MISSED, BUSY = "#1b7a3a", "#a35c00", "#b3261e", "#5b4a8a", "#1f5fa8"
COLOURS = {
    "Completed": GOOD, "CompletedWithErrors": WARN, "Failed": BAD, "Missed": MISSED,
    "Skipped": MISSED, "Running": BUSY, "InProgress": BUSY, "Queued": BUSY,
    "ok": GOOD, "warnings": WARN, "errors": BAD, "running": BUSY,
    "OK": GOOD, "WarningBackupAlert": WARN, "CriticalBackupAlert": BAD,
    "Online": GOOD, "Offline": BAD, "Disabled": MISSED,
    "online": GOOD, "offline": BAD, "no alerts": GOOD, "alerts": BAD,
}


@dataclass
class Bar:
    x: float
    y: float
    height: float
    colour: str
    label: str


@dataclass
class Chart:
    """A stacked bar chart of counts per day and outcome."""

    title: str
    days: list[date]
    counts: dict[date, dict[str, int]]
    outcomes: list[str]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def peak(self) -> int:
        return max((sum(c.values()) for c in self.counts.values()), default=0)

    @property
    def bar_width(self) -> float:
        return (self.width - PAD) / len(self.days) * 0.7

    def bars(self) -> list[Bar]:
        scale = (self.height - PAD) / self.peak if self.peak else 0.0
        step = (self.width - PAD) / len(self.days)
        out: list[Bar] = []
        for i, day in enumerate(self.days):
            base = float(self.height - PAD)
            for outcome in self.outcomes:
                n = self.counts.get(day, {}).get(outcome, 0)
                if not n:
                    continue
                h = n * scale
                base -= h
                out.append(Bar(PAD + i * step, base, h, COLOURS.get(outcome, BUSY),
                               f"{day:%a %d %b}: {n} {outcome}"))
        return out

    def labels(self) -> list[tuple[float, str, str]]:
        step = (self.width - PAD) / len(self.days)
        return [(PAD + i * step + self.bar_width / 2, f"{d:%a}"[:2], str(d.day))
                for i, d in enumerate(self.days)]

    def legend(self) -> list[tuple[str, str, int]]:
        totals = {o: sum(c.get(o, 0) for c in self.counts.values()) for o in self.outcomes}
        return [(o, COLOURS.get(o, BUSY), totals[o]) for o in self.outcomes if totals[o]]


@dataclass
class Fleet:
    """How many of a vendor's machines are in each state, as one stacked horizontal bar."""

    title: str
    counts: dict[str, int]

    def segments(self, width: int = WIDTH - PAD) -> list[tuple[float, float, str, str]]:
        total = sum(self.counts.values())
        x, out = 0.0, []
        for state, n in self.counts.items():
            if n:
                w = width * n / total
                out.append((x, w, COLOURS.get(state, BUSY), f"{n} {state}"))
                x += w
        return out


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _grouped(ctx: Ctx, model: Any, stamp: Any, outcome: Any, since: datetime) -> list[Any]:
    day = func.date(stamp)
    return list(ctx.session.exec(
        select(day, outcome, func.count()).where(model.world_id == ctx.world_id, stamp >= since)
        .group_by(day, outcome)))


def daily(ctx: Ctx) -> list[Chart]:
    """Per vendor that keeps a history of runs: runs per day by outcome, last DAYS days."""
    today = ctx.now.date()
    days = [today - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    since = datetime.combine(days[0], datetime.min.time(), ctx.now.tzinfo)

    def chart(title: str, rows: list[Any], order: list[str]) -> Chart:
        counts: dict[date, dict[str, int]] = {}
        for day, outcome, n in rows:
            per = counts.setdefault(_day(day), {})
            per[outcome] = per.get(outcome, 0) + int(n)
        seen = {o for c in counts.values() for o in c}
        return Chart(title, days, counts, [*order, *sorted(seen - set(order))])

    tasks = []
    for day, state, outcome, n in ctx.session.exec(
            select(func.date(BrTask.started_at), BrTask.state, BrTask.outcome, func.count())
            .where(BrTask.world_id == ctx.world_id, col(BrTask.started_at) >= since)
            .group_by(func.date(BrTask.started_at), BrTask.state, BrTask.outcome)):
        ended = "errors" if state == "ERROR" else ("running" if state != "FINISHED" else
                                                    "warnings" if outcome == "warnings" else "ok")
        tasks.append((day, ended, n))
    return [
        chart("CleverFox job runs (logs)", _grouped(ctx, CfLog, col(CfLog.added_on),
                                                     CfLog.job_status, since),
              ["Completed", "Failed", "Missed", "Running"]),
        chart("Rackspace backups", _grouped(ctx, Backup, col(Backup.created), Backup.state,
                                            since),
              ["Completed", "CompletedWithErrors", "Failed", "Missed", "Skipped"]),
        chart("BackupRun backup tasks", tasks, ["ok", "warnings", "errors", "running"]),
    ]


def fleets(ctx: Ctx) -> list[Fleet]:
    """Each vendor's machines by state: agents online, services alerting, Code42 alerts."""
    s, w = ctx.session, ctx.world_id

    def count(model: Any, column: Any) -> dict[str, int]:
        return {str(k): int(n) for k, n in s.exec(
            select(column, func.count()).where(model.world_id == w).group_by(column))}

    cf = count(CfDevice, CfDevice.agent_online)
    # An expression holding a bound parameter is grouped by its label: PostgreSQL binds the
    # SELECT's and the GROUP BY's copies separately and would not see them as the same.
    br = {"no alerts": 0, "alerts": 0}
    alerting = (col(BrService.n_alerts) > 0).label("alerting")
    for n_alerts, n in s.exec(select(alerting, func.count()).where(BrService.world_id == w)
                              .group_by(alerting.name)):
        br["alerts" if n_alerts else "no alerts"] += int(n)
    # The alert rule of code42.timing.Alerts, in SQL: a 100,000-device fleet is one query.
    d = Code42Device
    state = case((col(d.active).is_(False), "OK"),
                 (col(d.last_connected) <= ctx.now - CRITICAL_AFTER, "CriticalBackupAlert"),
                 (col(d.last_connected) <= ctx.now - WARNING_AFTER, "WarningBackupAlert"),
                 else_="OK").label("alert_state")
    c42 = {"OK": 0, "WarningBackupAlert": 0, "CriticalBackupAlert": 0}
    for name, n in s.exec(select(state, func.count()).where(d.world_id == w)
                          .group_by(state.name)):
        c42[name] += int(n)
    return [
        Fleet("CleverFox agents", {"online": cf.get("True", 0) + cf.get("1", 0),
                                   "offline": cf.get("False", 0) + cf.get("0", 0)}),
        Fleet("Rackspace agents", count(Agent, Agent.status)),
        Fleet("BackupRun services", br),
        Fleet("Code42 devices by alert state", c42),
    ]
