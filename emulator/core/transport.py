"""The uvicorn settings every way of serving the emulator shares, and its transport hook.

ASGI gives an application no way to drop a connection without answering: a server that sees
the application end without a response sends a 500 instead. A fault rule that drops the
connection needs the socket, so the HTTP protocol used here hands each request's transport to
the application in `scope["extensions"][TRANSPORT]`. Servers without the hook (an in-process
test transport, a plain `uvicorn` command line) still serve everything else.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["TRANSPORT", "http_protocol", "replaying", "transport_of", "uvicorn_config"]

TRANSPORT = "backup_emulator.transport"
DEFAULT_HEADER_TIMEOUT = 10.0


def replaying(first: Message, receive: Receive) -> Receive:
    """A receive that gives `first` again (a message a middleware already read), then whatever
    the server sends."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return first
        return await receive()

    return replay


def transport_of(scope: Scope) -> asyncio.Transport | None:
    """The connection's transport, when the server was started with `http_protocol()`."""
    transport: asyncio.Transport | None = (scope.get("extensions") or {}).get(TRANSPORT)
    return transport


def http_protocol(header_timeout: float = DEFAULT_HEADER_TIMEOUT) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (httptools or h11), lending each request its transport and
    closing a connection that takes more than `header_timeout` seconds to send a request's
    headers (counted from the connection or the previous answer, so idle keep-alive time
    counts too). uvicorn itself bounds only idle time, and a byte now and then resets that."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    base: Any = AutoHTTPProtocol

    class TransportLendingProtocol(base):
        _header_timer: asyncio.TimerHandle | None = None
        _seen_cycle: object = None

        def _arm(self) -> None:
            self._disarm()
            self._header_timer = self.loop.call_later(header_timeout, self._headers_late)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_late(self) -> None:
            self._header_timer = None
            if self.cycle is None or self.cycle.response_complete:  # no request under way
                self.transport.close()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.cycle is not None and self.cycle is not self._seen_cycle:
                self._seen_cycle = self.cycle  # headers complete: a request is being served
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            self._arm()
            inner: ASGIApp = self.app  # type: ignore[has-type]

            async def app(scope: Scope, receive: Receive, send: Send) -> None:
                extensions = scope.setdefault("extensions", {})
                extensions[TRANSPORT] = transport
                await inner(scope, receive, send)

            self.app = app

    return TransportLendingProtocol


def uvicorn_config(app: ASGIApp, *, host: str, port: int, log_level: str = "info",
                   header_timeout: float = DEFAULT_HEADER_TIMEOUT) -> Any:
    """The uvicorn.Config of `backup-emulator serve` and of the test servers alike."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, log_level=log_level.lower(),
                          access_log=False, http=http_protocol(header_timeout))
