"""Many processes, one store: what a process holds in memory is a cache of the store.

Several emulator processes (`serve --workers N`, or replicas behind a load balancer) may
serve one store, a SQLite file or a PostgreSQL database. Each keeps the worlds and their
clocks in memory (core.runtime), and vendors keep key caches, so a request resolves its world
without a query. Those copies are checked against the store's WORLDS and ALL counters
(core.versions) once per request, before anything reads them, in the same read as the
FAULTS counter the fault rules' copy is checked against (`StoreSync`, the outermost
middleware): a world made, reset or dropped and a clock moved through another process are seen
by the next request here, and key caches are dropped when a row they hold changed.

A store only this process can reach (`:memory:`) is never checked: nothing else writes it.

Vendors register what to forget with `key_cache`; core never imports a vendor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

from emulator.core.exchange import READING_METHODS, WRITES

if TYPE_CHECKING:
    from emulator.core.runtime import Emulator

__all__ = ["ANY_SEEN", "FAULTS_SEEN", "StoreSync", "forget_keys", "key_cache"]

FAULTS_SEEN = "emulator.faults_version"
"""Scope key: the FAULTS counter read with the others, so the toolkit need not read it again."""
ANY_SEEN = "emulator.any_version"
"""Scope key: the ANY counter read with the others: a kept answer stored at that very count
is fresh without a read of its own (nothing at all was written since; core.response_cache)."""

_FORGET: list[Callable[[], None]] = []


def key_cache(forget: Callable[[], None]) -> Callable[[], None]:
    """Register a function that empties a key cache; called when the worlds were reloaded."""
    if forget not in _FORGET:
        _FORGET.append(forget)
    return forget


def forget_keys() -> None:
    """Empty every registered key cache."""
    for forget in _FORGET:
        forget()


class StoreSync:
    """Brings this process's worlds and clocks up to the store's before each request."""

    def __init__(self, app: ASGIApp, emulator: Emulator) -> None:
        self.app = app
        self.emu = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = self.emu.sync()
        if seen is not None:
            scope[FAULTS_SEEN], scope[ANY_SEEN] = seen
        writing = WRITES.set(scope["method"] not in READING_METHODS)
        try:
            await self.app(scope, receive, send)
        finally:
            WRITES.reset(writing)
