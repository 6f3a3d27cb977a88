"""The HTTP rules every path follows, applied once in front of every router.

- **A base URL per sandbox.** `/sandbox/{id}/<path>` serves `<path>` exactly as at the root,
  for that world only: the prefix moves from `path` to `root_path` (so routing is unchanged
  and `request.base_url` ends in it), and the request is *pinned* to the world. A vendor
  that finds a credential of another world treats it as unknown (`Emulator.visible`), and
  calls that name no world (a login, a registration) act on the pinned one
  (`Emulator.home`). An unknown sandbox is a 404 in the vendor's own format.
- **A trailing slash is served, never redirected**: `/api/devices/` is `/api/devices`.
- **HEAD is answered wherever GET is**: served as GET, its body left out.
- **405 names every method of the path** in `Allow` (`core.surface.allowed_methods`, used
  by the error handlers there).

Every URL the emulator writes into a body is built from `public_base()`, so it points back
under the same base: the configured `--base-url`, else the request's own, sandbox included.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator.core.errors import NotFound
from emulator.core.exchange import PINNED
from emulator.core.surface import Surface, owner_of

__all__ = ["SANDBOX_PREFIX", "HttpRules", "public_base", "sandbox_path"]

SANDBOX_PREFIX = "/sandbox/"

_SCOPE: ContextVar[Scope | None] = ContextVar("backup_emulator_request_scope", default=None)


def sandbox_path(sandbox_id: str) -> str:
    """The base path of a sandbox, e.g. '/sandbox/sb-1a2b3c4d5e6f'."""
    return f"{SANDBOX_PREFIX}{sandbox_id}"


def public_base() -> str:
    """The base URL of the request in flight, without a trailing slash: the server's
    --base-url or the request's scheme and host, then the root path and the sandbox's
    prefix. Outside a request: ''."""
    scope = _SCOPE.get()
    if scope is None:
        return ""
    cached: str | None = scope.get("emulator.public_base")
    if cached is None:
        configured: str | None = scope.get("emulator.base_url")
        if configured:
            cached = configured.rstrip("/") + scope.get("emulator.base", "")
        else:
            cached = str(Request(scope).base_url).rstrip("/")
        scope["emulator.public_base"] = cached  # once per request, however many URLs
    return cached


class HttpRules:
    """The ASGI layer that applies the rules above; outermost of the emulator's own."""

    def __init__(self, app: ASGIApp, worlds: dict[str, Any], surfaces: Sequence[Surface],
                 control: Surface, base_url: str | None = None) -> None:
        self.app = app
        self.base_url = base_url  # the server's --base-url, if set
        self.worlds = worlds  # the emulator's live worlds, by id (kept up to date by it)
        self.surfaces = tuple(surfaces)  # the vendors: the ones a sandbox base URL serves
        self.control = control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        pinned = None
        if self.base_url:
            scope = {**scope, "emulator.base_url": self.base_url}
        if path.startswith(SANDBOX_PREFIX):
            sandbox, _, rest = path[len(SANDBOX_PREFIX):].partition("/")
            rest = "/" + rest
            base = sandbox_path(sandbox)
            raw = scope.get("raw_path") or b""
            scope = {**scope, "path": rest, "raw_path": b"/" + raw.split(b"/", 3)[-1]
                     if raw.count(b"/") >= 3 else rest.encode("utf-8", "surrogateescape"),
                     "root_path": scope.get("root_path", "") + base, "emulator.base": base}
            owner = owner_of(rest, self.surfaces)
            if owner is None or sandbox not in self.worlds:
                await self._not_found(scope, receive, send, owner, sandbox)
                return
            pinned = sandbox
        if len(path) > 1 and path.endswith("/"):
            trimmed = scope["path"].rstrip("/") or "/"
            raw = scope.get("raw_path") or b""
            scope = {**scope, "path": trimmed, "raw_path": raw.rstrip(b"/") or b"/"}
        if scope["method"] == "HEAD":
            scope = {**scope, "method": "GET", "emulator.method": "HEAD"}
            send = _without_body(send)
        scope_token = _SCOPE.set(scope)
        pin_token = PINNED.set(pinned)
        try:
            await self.app(scope, receive, send)
        finally:
            PINNED.reset(pin_token)
            _SCOPE.reset(scope_token)

    async def _not_found(self, scope: Scope, receive: Receive, send: Send,
                         owner: Surface | None, sandbox: str) -> None:
        if owner is None:
            error = NotFound(f"no such path under a sandbox's base URL: {scope['path']} "
                             "(a sandbox serves the vendor APIs; the control plane is at "
                             "/_emulator)")
        else:
            error = NotFound(f"no sandbox {sandbox!r}")
        response = (owner or self.control).render_error(Request(scope), error)
        await response(scope, receive, send)


def _without_body(send: Send) -> Send:
    """A send that passes a GET answer on as the answer to HEAD: headers, no body."""

    async def head_send(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {"type": "http.response.body", "body": b"",
                       "more_body": message.get("more_body", False)}
        await send(message)

    return head_send
