"""The ASGI middleware in front of everything: who may call, and how much they may send.

Checked once per request, before any router or the toolkit middleware, for every surface:

- Host: the request must name a host the server is reached by (localhost, a loopback
  address, the address it is bound to, the host of its base URL, `allowed_hosts`), so a web
  page cannot reach it through DNS rebinding. Checked on vendor paths too: the vendors'
  data sits behind credentials the control plane hands out, and a rebound page could try
  the documented defaults of a client.
- Control-plane writes (`/_emulator`, any method but GET/HEAD/OPTIONS): refused when they come
  from another origin (`Origin` not naming this Host, or `Sec-Fetch-Site: cross-site`), and
  unless they are `application/json`; a write without a body and without a Content-Type is
  accepted (curl -X POST, httpx) because a browser that sends one from another page also
  sends its Origin. With `control_token` set, every control call but health and the OpenAPI
  documents must carry it in `X-Emulator-Token` (or the console's cookie, below).
- The console (`/`, `/docs`, `/console/...`) shows every world's credentials, so with
  `control_token` set it needs the token too: a browser cannot send a header when it follows
  a link, so a page without it answers 401 with a form asking for it, and `?token=` (what the
  form sends) answers with an HttpOnly, SameSite=Strict cookie holding it, which no other site
  can make the browser send.
- Bodies: at most `max_body_bytes` (Content-Length checked up front, chunked bodies counted
  as they stream), sent within `body_timeout` seconds; JSON must be valid UTF-8 without lone
  surrogates (`"\\ud800"`), which no database can store. The body is read here once and
  replayed to the app, so nothing downstream buffers more than the limit.

Errors are rendered by the surface owning the path, in its vendor's format, with the status
named here (BackupRun's errors otherwise answer 200). Refused requests are journaled like any
other (masked when read), under the surface owning the path, so a user sees why.
"""

from __future__ import annotations

import asyncio
import hmac
import html
import json
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator.core.errors import EmulatorError
from emulator.core.exchange import READING_METHODS
from emulator.core.storable import unstorable_text
from emulator.core.surface import Surface, owner_of
from emulator.core.transport import replaying

__all__ = ["CONTROL_PREFIX", "TOKEN_HEADER", "Guard", "GuardMiddleware"]

TOKEN_HEADER = "X-Emulator-Token"
TOKEN_COOKIE = "emulator_token"
CONSOLE_PATHS = ("/", "/docs")  # and everything under /console
CONTROL_PREFIX = "/_emulator"
_OPEN_CONTROL = ("/_emulator/health", "/_emulator/openapi")  # no secrets, no state changes
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
_ANY_ADDRESS = frozenset({"", "0.0.0.0", "::"})
_UNSTORABLE_ESCAPE = re.compile(rb"\\[uU]([dD][89a-fA-F][0-9a-fA-F]{2}|0000)")
"""JSON's escape of a lone surrogate or of NUL (a raw NUL is not valid JSON)."""


@dataclass(frozen=True)
class Guard:
    """What the middleware enforces; built from Settings by `Guard.of`."""

    hosts: frozenset[str]
    any_host: bool
    token: str | None
    max_body_bytes: int
    body_timeout: float

    @classmethod
    def of(cls, settings: Any) -> Guard:
        """From the emulator's Settings: its bind address, base URL and allowed hosts."""
        names = {h.lower().strip("[]") for h in settings.allowed_hosts}
        if settings.host not in _ANY_ADDRESS:
            names.add(settings.host.lower().strip("[]"))
        if settings.base_url:
            base = urlsplit(settings.base_url).hostname
            if base:
                names.add(base.lower())
        return cls(hosts=frozenset(names - {"*"} | _LOOPBACK), any_host="*" in names,
                   token=settings.control_token, max_body_bytes=settings.max_body_bytes,
                   body_timeout=settings.body_timeout)


class _Refused(Exception):
    def __init__(self, error: EmulatorError, close: bool = False) -> None:
        super().__init__(error.message)
        self.error, self.close = error, close


class GuardMiddleware:
    """Refuses what `Guard` forbids, in the owning surface's error format."""

    def __init__(self, app: ASGIApp, guard: Guard, surfaces: Sequence[Surface],
                 fallback: Surface, emulator: Any = None) -> None:
        self.app, self.guard = app, guard
        self.surfaces, self.fallback = tuple(surfaces), fallback
        self.emu = emulator  # its journal records refusals; None: not recorded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope["headers"])
        try:
            self._check_host(scope, headers)
            _check_target(scope)
            if self.guard.token is not None and _is_console(scope["path"]):
                page = self._console_gate(scope, headers)
                if page is not None:
                    await page(scope, receive, send)
                    return
            control = _is_control(scope["path"])
            if control:
                self._check_control(scope, headers)
            length = headers.get("content-length")
            if length is None and "transfer-encoding" not in headers:
                await self.app(scope, receive, send)  # no body: the hot path, untouched
                return
            if length is not None and (not length.isascii() or not length.isdigit()):
                raise _Refused(EmulatorError(f"Content-Length {length!r} is not a number"),
                               close=True)
            if length is not None and int(length) > self.guard.max_body_bytes:
                raise _Refused(self._too_large(), close=True)
            body = await self._read_body(receive)
            _check_text(body, headers.get("content-type"))
        except _Refused as refused:
            await self._refuse(scope, send, refused)
            return
        await self.app(scope, replaying(
            {"type": "http.request", "body": body, "more_body": False}, receive), send)

    def _check_host(self, scope: Scope, headers: dict[str, str]) -> None:
        host = headers.get("host")
        if host is None or self.guard.any_host:
            return  # HTTP/1.0 without Host: no browser sends that
        name = _hostname(host)
        server = scope.get("server")
        if name in self.guard.hosts or (server is not None and name == str(server[0]).lower()):
            return
        raise _Refused(EmulatorError(
            f"Host {host!r} is not a name this emulator answers to; start it with "
            f"EMULATOR_ALLOWED_HOSTS={name} to allow it", status_code=400,
            code="bad_host"))

    def _has_token(self, headers: dict[str, str]) -> bool:
        """Whether the request carries the token, in the header or the console's cookie."""
        assert self.guard.token is not None
        return any(_same(given, self.guard.token) for given in
                   (headers.get(TOKEN_HEADER.lower()), _cookie(headers, TOKEN_COOKIE)))

    def _console_gate(self, scope: Scope, headers: dict[str, str]) -> Response | None:
        """None when the console may answer; else the token form, or the cookie's redirect."""
        if self._has_token(headers):
            return None
        query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        given = next((value for name, value in query if name == "token"), None)
        assert self.guard.token is not None
        if given is not None and _same(given, self.guard.token):
            rest = urlencode([(name, value) for name, value in query if name != "token"])
            target = scope.get("root_path", "") + scope["path"] + (f"?{rest}" if rest else "")
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(TOKEN_COOKIE, given, httponly=True, samesite="strict")
            return response
        wrong = "<p role=alert>That is not this emulator's token.</p>" if given else ""
        # The form asks again for the same page: its other parameters ride along.
        keep = "".join(f"<input type=hidden name=\"{html.escape(name)}\" "
                       f"value=\"{html.escape(value)}\">"
                       for name, value in query if name != "token")
        page = _TOKEN_FORM.replace("{wrong}", wrong).replace("{keep}", keep)
        return HTMLResponse(page, status_code=401)

    def _check_control(self, scope: Scope, headers: dict[str, str]) -> None:
        path = scope["path"]
        if (self.guard.token is not None and not path.startswith(_OPEN_CONTROL)
                and not self._has_token(headers)):
            raise _Refused(EmulatorError(
                f"this emulator's control plane needs its token in the {TOKEN_HEADER} "
                "header (EMULATOR_CONTROL_TOKEN)", status_code=401, code="unauthorized"))
        if scope["method"] in READING_METHODS:
            return
        origin = headers.get("origin")
        if origin is not None and _origin_host(origin) != headers.get("host", "").lower():
            raise _Refused(EmulatorError(
                f"control-plane call from another origin ({origin}) refused",
                status_code=403, code="forbidden"))
        if headers.get("sec-fetch-site") in ("cross-site", "same-site"):
            raise _Refused(EmulatorError("control-plane call from another site refused",
                                         status_code=403, code="forbidden"))
        media = headers.get("content-type")
        if media is None:
            if headers.get("content-length", "0") in ("0", "") \
                    and "transfer-encoding" not in headers:
                return  # no body at all
            raise _Refused(EmulatorError(
                "control-plane writes take a JSON body: send Content-Type: application/json",
                status_code=415, code="unsupported_media_type"))
        if media.split(";", 1)[0].strip().lower() != "application/json":
            raise _Refused(EmulatorError(
                f"control-plane writes take application/json, not {media!r}",
                status_code=415, code="unsupported_media_type"))

    def _too_large(self) -> EmulatorError:
        return EmulatorError(
            f"request body larger than {self.guard.max_body_bytes} bytes "
            "(EMULATOR_MAX_BODY_BYTES)", status_code=413, code="payload_too_large")

    async def _read_body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size, limit = 0, self.guard.max_body_bytes
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.guard.body_timeout
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise _Refused(EmulatorError(
                    f"request body not received within {self.guard.body_timeout:g} s",
                    status_code=408, code="request_timeout"), close=True) from None
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _Refused(self._too_large(), close=True)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _refuse(self, scope: Scope, send: Send, refused: _Refused) -> None:
        surface = owner_of(scope["path"], self.surfaces) or self.fallback
        error = refused.error
        response = surface.render_error(Request(scope), error)
        response.status_code = error.status_code  # e.g. BackupRun answers its errors with 200
        if refused.close:
            response.headers["Connection"] = "close"
        await self._record(scope, surface, response)

        async def nothing() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, nothing, send)


    async def _record(self, scope: Scope, surface: Surface, response: Response) -> None:
        """Journal the refusal: the request's headers (no body: it was not read, or too big)
        and the error answered."""
        from emulator.core.journal import Entry, Message
        from emulator.core.world import DEFAULT_WORLD_ID

        journal = None if self.emu is None else self.emu.journal
        if journal is None or not journal.recording():
            return
        clock = self.emu.clocks.get(DEFAULT_WORLD_ID)
        real = time.time()
        when = clock.now() if clock is not None else None
        if when is None:
            return
        body = bytes(response.body)
        await journal.record(Entry(
            0, surface.name, scope["method"], scope["path"],
            scope["query_string"].decode("latin-1"), None, None, when, real, 0.0,
            response.status_code, (), Message(tuple(scope["headers"]), b"", 0),
            Message(tuple(response.raw_headers), body[:journal.body_bytes], len(body))))


def _is_control(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


def _is_console(path: str) -> bool:
    return path in CONSOLE_PATHS or path == "/console" or path.startswith("/console/")


def _same(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode("utf-8", "replace"),
                                                     token.encode())


def _cookie(headers: dict[str, str], name: str) -> str | None:
    try:
        morsel = SimpleCookie(headers.get("cookie", "")).get(name)
    except CookieError:
        return None
    return None if morsel is None else morsel.value


_TOKEN_FORM = """<!doctype html><html lang=en><head><meta charset=utf-8>
<meta name=viewport content="width=device-width, initial-scale=1">
<title>backup-emulator: token needed</title></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">
<h1>This emulator needs its token</h1>
<p>It was started with <code>EMULATOR_CONTROL_TOKEN</code>: give that token to see the console.
The browser keeps it in a cookie for this server only.</p>{wrong}
<form method=get><label for=token>Token</label>
{keep}<input id=token name=token type=password autocomplete=off required autofocus>
<button type=submit>Open the console</button></form></body></html>
"""


def _headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in raw}


_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[^\[\]:]+)(:[0-9]*)?|[0-9a-f:.]+", re.ASCII)
"""A Host header: a name or a bracketed IPv6 address, then maybe a port; or a bare IPv6."""


def _hostname(host: str) -> str:
    """'Example:8080' -> 'example'; '[::1]:8080' -> '::1'; '' for what is not a host
    ('[::1', '[::1]x'), which no name matches."""
    host = host.strip().lower()
    if _HOST.fullmatch(host) is None:
        return ""
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def _origin_host(origin: str) -> str | None:
    """'http://localhost:8080' -> 'localhost:8080' (the Host a same-origin call sends)."""
    try:
        return urlsplit(origin.strip()).netloc.lower() or None
    except ValueError:
        return None



def _check_text(body: bytes, content_type: str | None) -> None:
    """JSON (or an untyped body, which FastAPI reads as JSON) must be storable text."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media and not media.endswith("json"):
        return
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Refused(EmulatorError(
            f"the request body is not valid UTF-8 (byte {exc.start})", status_code=400,
            code="bad_request")) from None
    if _UNSTORABLE_ESCAPE.search(body) is None:
        return
    try:
        value = json.loads(body)
    except ValueError:
        return  # not JSON: the route answers that in its own words
    found = unstorable_text(value, "body")
    if found is not None:
        raise _Refused(EmulatorError(f"{found[0]}: {found[1]}; nothing was stored",
                                     status_code=400, code="bad_request"))


def _check_target(scope: Scope) -> None:
    """No NUL in the path or the query string: every id and filter read from them reaches a
    query, and PostgreSQL refuses NUL in text (SQLite would have matched nothing)."""
    if "\x00" in scope["path"]:
        raise _Refused(EmulatorError(
            "the path holds a NUL character (%00), which no id or name contains; nothing was "
            "read or changed", status_code=400, code="bad_request"))
    query: bytes = scope["query_string"]
    if b"%00" not in query and b"\x00" not in query:
        return
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            shown = name.replace("\x00", "%00")
            raise _Refused(EmulatorError(
                f"query parameter {shown!r} holds a NUL character (%00), which no stored "
                "value contains; nothing was read or changed", status_code=400,
                code="bad_request"))
