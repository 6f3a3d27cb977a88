"""The ASGI middleware in front of every vendor API: fault injection and the request journal.

Pure ASGI, so a request costs one body read, two small wrappers and one journal row, committed
(core.journal_store's group commit) before the answer's last body message is sent. Control
plane paths (/_emulator, /docs) pass straight through and are not recorded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import datetime
from http import HTTPStatus
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator.core.coherence import FAULTS_SEEN
from emulator.core.errors import EmulatorError
from emulator.core.exchange import (
    CURRENT,
    READING_METHODS,
    WRITES,
    Exchange,
    FaultFired,
    pinned_world,
)
from emulator.core.faults import NO_CONTENT, Firing, RequestFacts
from emulator.core.forms import FormError, form_fields
from emulator.core.journal import Entry
from emulator.core.journal import Message as Side
from emulator.core.runtime import Emulator
from emulator.core.surface import CODES, Surface, owner_of
from emulator.core.timeutil import UTC
from emulator.core.transport import transport_of
from emulator.core.world import DEFAULT_WORLD_ID

__all__ = ["ConnectionDropped", "ToolkitMiddleware"]


class ConnectionDropped(ConnectionAbortedError):
    """Raised to an in-process client where no transport can be closed (see core.transport)."""


class ToolkitMiddleware:
    """Decides fault rules for each vendor request, acts on them, and journals the exchange."""

    def __init__(self, app: ASGIApp, emulator: Emulator, surfaces: Sequence[Surface]) -> None:
        self.app = app
        self.emu = emulator
        self.surfaces = tuple(surfaces)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        surface = owner_of(scope["path"], self.surfaces) if scope["type"] == "http" else None
        if surface is None:
            await self.app(scope, receive, send)
            return
        await _Flight(self.emu, surface, scope, receive, send).run(self.app)


class _Flight:
    """One vendor request through the middleware."""

    def __init__(self, emu: Emulator, surface: Surface, scope: Scope, receive: Receive,
                 send: Send) -> None:
        self.emu, self.surface, self.scope = emu, surface, scope
        self.receive, self.send = receive, send
        self.body = b""
        self.status: int | None = None
        self.response_headers: tuple[tuple[bytes, bytes], ...] = ()
        self.response_body = b""
        self.response_size = 0
        self.started = False
        self.held: list[Message] = []  # an answer held back to be cut
        self.replayed = False
        self.recorded = False
        self.began, self.real = time.perf_counter(), time.time()

    async def run(self, app: ASGIApp) -> None:
        await self._read_body()
        scope = self.scope
        headers = scope["headers"]
        content_type = _header(headers, b"content-type")
        facts = RequestFacts(vendor=self.surface.name,
                             method=scope.get("emulator.method", scope["method"]),
                             path=scope["path"], api_call=self._api_call(content_type))
        book = self.emu.faults
        # The rules as the store holds them now, whichever process wrote them (the counter
        # read by core.coherence along with the worlds', when it read one).
        book.check(scope.get(FAULTS_SEEN))
        exchange = Exchange(facts, book, pinned=pinned_world())
        token = CURRENT.set(exchange)
        writing = WRITES.set(facts.method not in READING_METHODS
                             and facts.api_call not in self.surface.read_operations)
        try:
            replacing = (exchange.add(book.decide(facts, None, self._default_now()))
                         if book.has_global else None)
            if replacing is None and exchange.pinned in book.sandboxes:
                replacing = self._decide_pinned(exchange)
            if replacing is not None:
                await self._answer(exchange, replacing)
            else:
                try:
                    await app(scope, self._replay, lambda m: self._send(exchange, m))
                except FaultFired as fired:
                    if self.started:
                        raise
                    await self._answer(exchange, fired.firing)
                except Exception:
                    if not self.started:  # the app's own 500 is sent further out
                        self.status = 500
                    raise
        finally:
            WRITES.reset(writing)
            CURRENT.reset(token)
            if not self.recorded:  # dropped, failed, or sent nothing
                await self._record(exchange)

    def _default_now(self) -> datetime | None:
        """The default world's virtual now: the clock a rule without a sandbox ends on."""
        clock = self.emu.clocks.get(DEFAULT_WORLD_ID)
        return None if clock is None else clock.now()

    def _decide_pinned(self, exchange: Exchange) -> Firing | None:
        """Under a sandbox's base URL the world is known before any credential is read: its
        rules are decided now, as a rule without a sandbox is (so they fire on refused
        credentials too)."""
        assert exchange.pinned is not None
        clock = self.emu.clocks.get(exchange.pinned)
        if clock is None:
            return None
        try:
            exchange.resolved(exchange.pinned, clock.now())
        except FaultFired as fired:
            return fired.firing
        return None

    async def _read_body(self) -> None:
        chunks = []
        while True:
            message = await self.receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        self.body = b"".join(chunks)

    async def _replay(self) -> Message:
        """The body read up front, once; then whatever the server sends (a disconnect)."""
        if not self.replayed:
            self.replayed = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        return await self.receive()

    def _api_call(self, content_type: str | None) -> str | None:
        if self.surface.operation_field is None:
            return None
        name = self.surface.operation_field
        found = None
        for key, value in parse_qsl(self.scope["query_string"].decode("latin-1")):
            if key == name:
                found = value
        try:
            fields = form_fields(content_type, self.body)
        except FormError:
            return None  # the route refuses the body: no call is made
        for key, value in fields:  # form wins, as PHP's $_REQUEST
            if key == name:
                found = value
        return found

    async def _send(self, exchange: Exchange, message: Message) -> None:
        if message["type"] == "http.response.start":
            if exchange.delay > 0:
                await asyncio.sleep(exchange.delay)
            self.started = True
            self.status = message["status"]
            self.response_headers = tuple(message.get("headers", ()))
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            self.response_size += len(chunk)
            room = self.emu.journal.body_bytes - len(self.response_body)
            if room > 0 and chunk:
                self.response_body += _copy(chunk, room)
            if not message.get("more_body", False):
                await self._record(exchange)  # before the client can have its answer
        if exchange.cut is None:
            await self.send(message)
            return
        self.held.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            await self._send_cut(exchange.cut)

    async def _send_cut(self, firing: Firing) -> None:
        """Send the held answer announced at its full length, cut, then close the connection."""
        start, bodies = self.held[0], self.held[1:]
        whole = b"".join(m.get("body", b"") for m in bodies)
        keep = len(whole) // 2 if firing.truncate_at is None else min(firing.truncate_at,
                                                                        len(whole))
        headers = [(k, v) for k, v in start.get("headers", [])
                   if k.lower() not in (b"content-length", b"transfer-encoding")]
        headers.append((b"content-length", str(len(whole)).encode()))
        await self.send({**start, "headers": headers})
        await self.send({"type": "http.response.body", "body": whole[:keep], "more_body": True})
        await self._close(f"fault rule {firing.rule} cut the answer after {keep} bytes")

    async def _answer(self, exchange: Exchange, firing: Firing) -> None:
        """Answer in the vendor's place, as the rule says; the request is not served."""
        if firing.action == "drop":
            if exchange.delay > 0:
                await asyncio.sleep(exchange.delay)
            await self._close(f"fault rule {firing.rule} dropped the connection")
            return
        response = self._fault_response(firing)
        if firing.action == "truncate" and response.status_code not in NO_CONTENT:
            exchange.cut = firing
        await response(self.scope, self._replay, lambda m: self._send(exchange, m))

    def _fault_response(self, firing: Firing) -> Response:
        status = firing.status or (200 if firing.body is not None else 500)
        if status in NO_CONTENT:  # a rule stored before FaultSpec refused these
            response = Response(status_code=status)
        elif firing.body is not None:
            response = Response(firing.body, status_code=status,
                                media_type=firing.content_type or self.surface.media_type)
        else:
            phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ \
                else "Error"
            error = EmulatorError(f"{phrase} (injected by fault rule {firing.rule})",
                                  status_code=status, code=CODES.get(status, "error"))
            response = self.surface.render_error(Request(self.scope), error)
            response.status_code = status  # e.g. BackupRun answers its errors with 200
        if firing.retry_after is not None:
            response.headers["Retry-After"] = str(firing.retry_after)
        return response

    async def _close(self, why: str) -> None:
        transport = transport_of(self.scope)
        if transport is None:
            raise ConnectionDropped(why)
        transport.close()
        # Let the server see the connection go before this request ends, so it does not try
        # to answer on it.
        for _ in range(3):
            await asyncio.sleep(0)

    async def _record(self, exchange: Exchange) -> None:
        self.recorded = True
        journal = self.emu.journal
        if not journal.recording():
            return
        real = self.real
        when = exchange.time
        if when is None:
            clock = self.emu.clocks.get(DEFAULT_WORLD_ID)
            when = clock.now() if clock is not None else datetime.fromtimestamp(real, UTC)
        scope = self.scope
        facts = exchange.facts
        await journal.record(Entry(
            0, facts.vendor, facts.method, facts.path,
            scope["query_string"].decode("latin-1"), facts.api_call,
            exchange.world or exchange.pinned, when, real,
            (time.perf_counter() - self.began) * 1000.0, self.status,
            tuple((f.rule, f.action) for f in exchange.firings),
            Side(tuple(scope["headers"]), _copy(self.body, journal.body_bytes), len(self.body)),
            Side(self.response_headers, self.response_body, self.response_size)))


def _copy(data: bytes, limit: int) -> bytes:
    """The first `limit` bytes as a new object of their own size: a slice that covers all of
    `data` is `data` itself, and a body built by orjson can hold several times its length,
    so keeping it would keep all of that."""
    return bytes(memoryview(data)[:limit])


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None
