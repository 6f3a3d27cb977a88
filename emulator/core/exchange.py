"""One vendor request in flight, as the fault rules and the journal see it.

The middleware (core.middleware) opens an Exchange for every vendor request and puts it in a
context variable. A vendor learns the request's world from its own credentials and then calls
`Emulator.ctx`, which reports the world here: that names the request's sandbox in the journal
and is the moment a sandbox's own fault rules are decided, before any due work is applied, so
a fault that replaces the answer leaves the world exactly as it was.

It also carries what the answer made from the world's virtual time, for the response cache
(core.response_cache): whether it used `now` itself (`depends_on_now`: reading `Ctx.now`
does it) or only compared it with stored instants, which keeps it true until the earliest
of them still ahead (`valid_until`: core.present does it); and, while the cache makes an
answer it may keep, the stamps standing for the now it shows (core.stamps).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # faults needs the engine, whose Ctx reports here
    from emulator.core.faults import FaultBook, Firing, RequestFacts

__all__ = ["CURRENT", "PINNED", "READING_METHODS", "WRITES", "Exchange", "FaultFired",
           "depends_on_now", "pinned_world", "request_writes", "valid_until", "world_resolved"]

PINNED: ContextVar[str | None] = ContextVar("backup_emulator_pinned_world", default=None)
"""The world whose sandbox base URL the request in flight came under (core.http_rules)."""


def pinned_world() -> str | None:
    """The world the request in flight is pinned to by its base URL, or None at the root."""
    return PINNED.get()


class FaultFired(Exception):  # not an error: a decision carried to the middleware
    """A fault rule decided the answer after the handler had started; the middleware gives it."""

    def __init__(self, firing: Firing) -> None:
        super().__init__(f"fault rule {firing.rule} fired: {firing.action}")
        self.firing = firing


@dataclass(slots=True)
class Exchange:
    """The facts of one vendor request, its world once known, and the rules that fired."""

    facts: RequestFacts
    book: FaultBook
    world: str | None = None
    pinned: str | None = None  # the sandbox of the base URL it came under, if any
    time: datetime | None = None
    firings: list[Firing] = field(default_factory=list)
    delay: float = 0.0  # seconds before the answer starts
    cut: Firing | None = None  # cut the vendor's real answer short
    uses_now: bool = False  # the answer was made from the virtual now itself
    horizon: datetime | None = None  # the answer holds only while virtual time is before it
    # token -> how it shows now (core.stamps); None: the now shown is text, not a token
    stamps: dict[bytes, Callable[[datetime], str]] | None = None

    def add(self, firings: list[Firing]) -> Firing | None:
        """Take in the firings of one check; returns the one that replaces the answer, if any."""
        for firing in firings:
            self.firings.append(firing)
            self.delay += firing.delay
            if firing.action == "truncate" and firing.serves_request:
                self.cut = firing
            elif firing.action != "latency":
                return firing
        return None

    def resolved(self, world_id: str, now: datetime) -> None:
        """The vendor named the world: record it and decide that sandbox's own rules."""
        if self.world is not None:
            return
        self.world, self.time = world_id, now
        if world_id in self.book.sandboxes:
            replacing = self.add(self.book.decide(self.facts, world_id, now))
            if replacing is not None:
                raise FaultFired(replacing)


CURRENT: ContextVar[Exchange | None] = ContextVar("backup_emulator_exchange", default=None)


def world_resolved(world_id: str, now: datetime) -> None:
    """Called by Emulator.ctx: tell the vendor request in flight, if any, its world."""
    exchange = CURRENT.get()
    if exchange is not None:
        exchange.resolved(world_id, now)


READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

WRITES: ContextVar[bool] = ContextVar("backup_emulator_request_writes", default=False)
"""Whether the request in flight may change its world: its method is not a reading one
(core.coherence sets it for every request) and, on a vendor surface, its operation is not
one the vendor declares reading (core.middleware; BackupRun POSTs its reads)."""


def request_writes() -> bool:
    """Whether the request in flight, if any, is one that may change its world."""
    return WRITES.get()


def depends_on_now() -> None:
    """The answer in flight, if any, is made from the virtual now: true only at that instant."""
    exchange = CURRENT.get()
    if exchange is not None:
        exchange.uses_now = True


def valid_until(instant: datetime) -> None:
    """The answer in flight, if any, holds only while virtual time is before `instant`."""
    exchange = CURRENT.get()
    if exchange is not None and (exchange.horizon is None or instant < exchange.horizon):
        exchange.horizon = instant
