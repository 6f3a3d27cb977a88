"""The demo console served at `/`: a web page to watch and steer the simulated worlds.

It is a client like any other: it reads the vendors' state from the store (after applying
what fell due, as a vendor request would) and steers only through the `/_emulator` control
plane, which the browser calls itself. Vendor packages never import it.

Only `mount` lives here, and it imports nothing heavy: Jinja2, the templates and the
routes load on the first request to the console, so cold start and the vendor hot path do not
pay for a page nobody opened. See docs/console.md.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["PATHS", "mount"]

PATHS = ("/", "/docs", "/console")
"""Where the console answers: the landing page, Swagger UI for everything, and the rest."""


class _Lazy:
    """An ASGI app that builds the console on its first call."""

    def __init__(self) -> None:
        self._app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            from emulator.console.app import build

            self._app = build()
        await self._app(scope, receive, send)


def mount(app: Any) -> None:
    """Serve the console from `app` at `/`, `/docs` and under `/console/`."""
    lazy = _Lazy()
    app.router.routes.append(Route("/", lazy, methods=["GET", "HEAD"], include_in_schema=False))
    app.router.routes.append(Route("/docs", lazy, methods=["GET", "HEAD"],
                                   include_in_schema=False))
    app.router.routes.append(Mount("/console", app=lazy))
