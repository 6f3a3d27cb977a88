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

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["TRANSPORT", "http_protocol", "transport_of", "uvicorn_config"]

TRANSPORT = "backup_emulator.transport"


def transport_of(scope: Scope) -> asyncio.Transport | None:
    """The connection's transport, when the server was started with `http_protocol()`."""
    transport: asyncio.Transport | None = (scope.get("extensions") or {}).get(TRANSPORT)
    return transport


def http_protocol() -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (httptools or h11), lending each request its transport."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    base: Any = AutoHTTPProtocol

    class TransportLendingProtocol(base):
        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            inner: ASGIApp = self.app  # type: ignore[has-type]

            async def app(scope: Scope, receive: Receive, send: Send) -> None:
                extensions = scope.setdefault("extensions", {})
                extensions[TRANSPORT] = transport
                await inner(scope, receive, send)

            self.app = app

    return TransportLendingProtocol


def uvicorn_config(app: ASGIApp, *, host: str, port: int, log_level: str = "info") -> Any:
    """The uvicorn.Config of `backup-emulator serve` and of the test servers alike."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, log_level=log_level.lower(),
                          access_log=False, http=http_protocol())
