"""Server push for the console: /console/stream sends fresh fragments as Server-Sent Events.

Every half second (real time) the stream renders the clock, and every two seconds the other
parts its page asked for (each costs a few queries), and sends each one that changed, as an
event named after the part. A page reconnects after each steering call, so the change shows
at once. Traffic is sent as new journal rows only,
with the last row's id as the event id, so a reconnecting browser (EventSource reconnects by
itself and says Last-Event-ID) resumes where it stopped. A stream ends after STREAM_SECONDS
and the browser reconnects: an open page never holds up the server's shutdown for long.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from emulator.console import charts, views
from emulator.console.templating import render
from emulator.console.worlds import WorldInfo, world_info
from emulator.core.errors import NotFound
from emulator.core.journal import MAX_CAPACITY, JournalQuery
from emulator.core.numbers import INT64_MAX, as_id
from emulator.core.runtime import Emulator
from emulator.core.world import DEFAULT_WORLD_ID

__all__ = ["INTERVAL", "STATUS_CHOICES", "STREAM_SECONDS", "events", "render_parts",
           "traffic_filters", "traffic_rows"]

INTERVAL = 0.5  # the clock and new traffic
VENDOR_EVERY = 4  # ticks: the vendor views and pictures (tens of ms of queries each) every 2 s
STREAM_SECONDS = 15.0
TRAFFIC_ROWS = 100
STATUS_CHOICES = ("2xx", "3xx", "4xx", "5xx")
VENDORS = ("cleverfox", "rackspace", "backuprun", "code42")
PARTS = ("clock", "cleverfox", "rackspace", "backuprun", "code42", "pictures")


def render_parts(emu: Emulator, session: Session, info: WorldInfo,
                 names: Sequence[str]) -> dict[str, str]:
    """The named fragments of one world, after what fell due was applied."""
    ctx = emu.ctx(session, info.id)
    session.commit()
    out: dict[str, str] = {}
    for name in names:
        if name == "clock":
            out[name] = render("parts/clock.html", world=info,
                               clock=emu.clock(info.id), now=ctx.now)
        elif name == "pictures":
            out[name] = render("parts/pictures.html", charts=charts.daily(ctx),
                               fleets=charts.fleets(ctx), now=ctx.now)
        elif name in VENDORS:
            data = getattr(views, name)(ctx)
            out[name] = render(f"parts/{name}.html", world=info, now=ctx.now, **data)
    return out


def _status(text: str) -> int | None:
    """An HTTP status filter read strictly (ASCII digits, 100 to 599; core.numbers)."""
    number = as_id(text)
    return number if number is not None and 100 <= number <= 599 else None


def traffic_filters(params: Mapping[str, str]) -> dict[str, str]:
    """The traffic page's filters, known values only: vendor, status class, and scope."""
    vendor = params.get("vendor", "")
    status = params.get("status", "")
    return {"vendor": vendor if vendor in VENDORS else "",
            "status": status if status in STATUS_CHOICES or _status(status) else "",
            "scope": "all" if params.get("scope") == "all" else "world"}


def traffic_rows(emu: Emulator, world_id: str, filters: Mapping[str, str], *,
                 after: int) -> tuple[list[dict[str, Any]], int]:
    """Journal entries newer than `after` that pass the filters (masked), newest first."""
    status = filters.get("status", "")
    query = JournalQuery(vendor=filters.get("vendor") or None,
                         sandbox=None if filters.get("scope") == "all" else world_id,
                         status=_status(status),
                         after=after or None)
    # A status class is filtered here, so then every newer entry is read; else the newest few.
    limit = MAX_CAPACITY if status in STATUS_CHOICES else TRAFFIC_ROWS
    entries, _ = emu.journal.find(query, limit)
    if status in STATUS_CHOICES:
        entries = [e for e in entries if e.status is not None and str(e.status)[0] == status[0]]
    entries = entries[-TRAFFIC_ROWS:]
    last = entries[-1].id if entries else after
    return [e.view() for e in reversed(entries)], last


def _event(name: str, data: str, event_id: int | None = None) -> str:
    lines = [f"event: {name}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.extend(f"data: {line}" for line in data.splitlines() or [""])
    return "\n".join(lines) + "\n\n"


async def events(request: Request) -> Response:
    """GET /console/stream?world=&parts=a,b&vendor=&status=&scope=: the page's live feed."""
    emu: Emulator = request.app.state.emulator
    world_id = request.query_params.get("world") or DEFAULT_WORLD_ID
    names = [p for p in request.query_params.get("parts", "").split(",") if p in PARTS]
    wants_traffic = "traffic" in request.query_params.get("parts", "").split(",")
    filters = traffic_filters(request.query_params)
    last_id = request.headers.get("last-event-id") or request.query_params.get("after") or "0"
    after = as_id(last_id, hi=INT64_MAX) or 0  # a journal id (BIGINT)
    root = str(request.base_url).rstrip("/")

    async def feed() -> AsyncIterator[str]:
        nonlocal after
        yield "retry: 1000\n\n"
        sent: dict[str, str] = {}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STREAM_SECONDS
        tick = 0
        while loop.time() < deadline:
            due = [n for n in names if n == "clock" or tick % VENDOR_EVERY == 0]
            tick += 1
            with emu.db.session() as session:
                try:
                    info = world_info(emu, session, world_id, root)
                except NotFound:
                    yield _event("gone", world_id)
                    return
                fresh = render_parts(emu, session, info, due) if due else {}
            for name, html in fresh.items():
                if sent.get(name) != html:
                    sent[name] = html
                    yield _event(name, html)
            if wants_traffic:
                rows, last = traffic_rows(emu, world_id, filters, after=after)
                if rows:
                    after = last
                    yield _event("traffic", render("parts/traffic_rows.html", rows=rows),
                                 last)
            await asyncio.sleep(INTERVAL)

    return StreamingResponse(feed(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
