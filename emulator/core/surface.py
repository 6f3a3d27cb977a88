"""Surfaces: each vendor API and the control plane, with the paths it owns and its error format.

Every error raised while serving a request, including FastAPI's validation errors and
Starlette's 404/405 for unknown paths, is turned into an `EmulatorError` and rendered by the
surface that owns the request's path, so a client always gets its vendor's own format.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.datastructures import URLPath
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from emulator.core.errors import EmulatorError, InvalidInput, NotFound
from emulator.core.numbers import NO_SUCH_ID
from emulator.core.render import json_response
from emulator.core.routes import DeferredRoute, redeclare

__all__ = ["CODES", "ErrorRenderer", "Surface", "SurfaceRouter", "SurfaceRoutes", "allowed_methods",
           "app_routes", "install_error_handlers", "json_error", "owner_of",
           "validation_message"]

log = logging.getLogger(__name__)

ErrorRenderer = Callable[[Request, EmulatorError], Response]

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 408: "request_timeout", 409: "conflict",
          413: "payload_too_large", 415: "unsupported_media_type",
          422: "invalid_input", 429: "too_many_requests", 500: "internal_error",
          503: "service_unavailable"}


def json_error(_request: Request, exc: EmulatorError) -> Response:
    """The control plane's error body: {"code": ..., "message": ...}."""
    return json_response({"code": exc.code, "message": exc.message}, exc.status_code)


class SurfaceRouter(APIRouter):
    """A surface's router: its routes are analysed at their first use (core.routes), and a
    plain router included into it hands its routes over rather than nesting."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("route_class", DeferredRoute)  # analysed at first use: core.routes
        super().__init__(**options)

    def include_router(self, router: APIRouter, **options: Any) -> None:
        """Take in a plain router's routes as if they were declared here. Otherwise
        FastAPI's own include.

        This FastAPI keeps an included router nested and analyses each of its routes a second
        time for the include (docs/architecture.md, Start-up). A router that adds nothing to
        its routes (no prefix, tags or dependencies here) takes them in as they are; one that
        does (the control plane's) declares them again on itself from their declarations, as
        FastAPI's include once did (core.routes).
        """
        plain = (not options and not router.on_startup and not router.on_shutdown
                 and not getattr(router, "_low_priority_routes", None)
                 and all(isinstance(route, APIRoute) for route in router.routes))
        adds_nothing = (not self.prefix and not self.tags and not self.dependencies
                        and not self.responses and not self.callbacks)
        if plain and adds_nothing:
            self.routes.extend(router.routes)
            mark_changed = getattr(self, "_mark_routes_changed", None)  # FastAPI's caches
            if mark_changed is not None:
                mark_changed()
        elif plain and all(isinstance(r, DeferredRoute) for r in router.routes):
            for route in router.routes:
                redeclare(self, route)  # type: ignore[arg-type]
        else:
            super().include_router(router, **options)


class SurfaceRoutes(BaseRoute):
    """A surface's routes as one entry of the app's route table (`Surface.mount`).

    Starlette tries an app's routes one by one, so this answers "no match" at once for a path
    another surface owns (the longest prefix, as errors are rendered: `owner_of`, decided
    once per request); without it every request would be matched against every vendor's
    routes before reaching its own. FastAPI's own include of a router would keep it nested
    and, at the first request, build a second analysis of each of its routes (an "effective
    context" for the include), tens of milliseconds per surface; here a matched route handles
    the request itself.
    """

    def __init__(self, surface: Surface, surfaces: Sequence[Surface]) -> None:
        self.surface = surface
        self.surfaces = surfaces

    @property
    def routes(self) -> list[BaseRoute]:
        return self.surface.router.routes

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http":
            owner = scope.get(_OWNER, _UNKNOWN)
            if owner is _UNKNOWN:
                owner = scope[_OWNER] = owner_of(get_route_path(scope), self.surfaces)
            if owner is not self.surface:
                return Match.NONE, {}
        partial: tuple[Match, Scope] | None = None
        for route in self.surface.router.routes:
            match, child_scope = route.matches(scope)
            if match == Match.FULL:
                return match, {**child_scope, "route": route}
            if match == Match.PARTIAL and partial is None:
                partial = match, {**child_scope, "route": route}
        return partial or (Match.NONE, {})

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope["route"].handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        for route in self.surface.router.routes:
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                pass
        raise NoMatchFound(name, path_params)


@dataclass(frozen=True)
class Surface:
    """One API served by the emulator: its router, the path prefixes it owns, its errors."""

    name: str
    title: str
    description: str
    router: APIRouter
    prefixes: tuple[str, ...]
    render_error: ErrorRenderer = field(default=json_error)
    media_type: str = "application/json"  # of a fault rule's given body, unless it names one
    # The request parameter (query or form field) that names the operation, e.g. BackupRun's
    # apiCALL: fault rules and the journal match on it.
    operation_field: str | None = None
    # Operations sent with a method that may write (BackupRun's POSTs) that only read: the
    # rest of such requests take their world's write lock before they read (core.runtime).
    read_operations: frozenset[str] = frozenset()
    # Paths owned beyond the literal prefixes, as regular expressions matched at the start of
    # the path (e.g. every `/api/v<N>/`): a match owns the path with the match's length.
    patterns: tuple[re.Pattern[str], ...] = ()
    # Paths and query parameter names are matched regardless of case (ASP.NET's routing and
    # model binding do so); see core.caseless.
    caseless: bool = False
    # Reshapes the generated OpenAPI document: the surface's security schemes (core.openapi
    # secure(), the one place they are declared), and what the routes cannot say (BackupRun's
    # one route is many calls). See core/openapi.py and vendors/*/openapi.py.
    reshape: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # The statuses this surface's errors come with, and the schema of their body (in
    # `media_type`): documented on every operation, so a client (and the fuzzing suite)
    # knows the vendor's real error answers.
    error_statuses: tuple[int, ...] = (400, 401, 403, 404, 405, 409, 413, 415)
    error_schema: dict[str, Any] | None = None

    def openapi(self, version: str) -> dict[str, Any]:
        """This surface's own OpenAPI document: its routes, auth and error answers."""
        document = get_openapi(title=self.title, version=version,
                               description=self.description, routes=self.router.routes)
        if self.reshape is not None:
            document = self.reshape(document)
        for item in document.get("paths", {}).values():
            for operation in item.values():
                self._document_errors(operation.setdefault("responses", {}))
        return document

    def _document_errors(self, responses: dict[str, Any]) -> None:
        # FastAPI documents its own 422 body; every surface renders validation errors itself.
        responses.pop("422", None)
        if self.error_schema is None:
            return
        content = {self.media_type: {"schema": self.error_schema}}
        for status in self.error_statuses:
            responses.setdefault(str(status), {
                "description": CODES.get(status, "error").replace("_", " "),
                "content": content})

    def mount(self, app: FastAPI, surfaces: Sequence[Surface]) -> None:
        """Serve this surface's routes from `app`, after those already there, for the paths
        it owns among `surfaces` (all of the app's)."""
        app.router.routes.append(SurfaceRoutes(self, surfaces))

    def owns(self, path: str) -> int:
        """Length of the longest prefix of ours that `path` falls under, or -1 (in any case
        for a caseless surface)."""
        best = -1
        if self.caseless:
            path = path.casefold()  # its prefixes are declared in lower case
        for prefix in self.prefixes:
            if (path == prefix or path.startswith(prefix.rstrip("/") + "/")) and len(prefix) > best:
                best = len(prefix)
        for pattern in self.patterns:
            match = pattern.match(path)
            if match is not None and match.end() > best:
                best = match.end()
        return best


def validation_message(exc: RequestValidationError) -> str:
    """'body.seed: Input should be a valid integer; query.PageNo: ...' from pydantic's errors."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg", ""))
    return "; ".join(parts) or "invalid request"


def owner_of(path: str, surfaces: Sequence[Surface]) -> Surface | None:
    """The surface whose longest prefix `path` falls under, or None."""
    best, owner = -1, None
    for surface in surfaces:
        length = surface.owns(path)
        if length > best:
            best, owner = length, surface
    return owner


_OWNER = "emulator.routed_surface"  # scope key: the surface owning the path being routed
_UNKNOWN = object()


def app_routes(app: Any) -> list[Any]:
    """Every route of `app`, each surface's routes in its place."""
    routes: list[Any] = []
    for route in app.router.routes:
        routes.extend(route.routes if isinstance(route, SurfaceRoutes) else [route])
    return routes


def allowed_methods(app: Any, scope: Scope) -> list[str]:
    """Every method some route of `app` serves on this scope's path (HEAD wherever GET)."""
    probe = {**scope, "method": "\x00"}  # matches no route fully: every path match is partial
    methods: set[str] = set()
    for route in app_routes(app):
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(probe)[0] != Match.NONE:
            methods |= set(route_methods)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def install_error_handlers(app: FastAPI, surfaces: Sequence[Surface], fallback: Surface) -> None:
    """Route every error to the renderer of the surface owning the request's path."""

    def render(request: Request, exc: EmulatorError) -> Response:
        surface = owner_of(request.url.path, surfaces) or fallback
        return surface.render_error(request, exc)

    async def on_emulator_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, EmulatorError)
        return render(request, exc)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if exc.errors() and all(e.get("type") == NO_SUCH_ID for e in exc.errors()):
            return render(request, NotFound(validation_message(exc)))  # names no row
        return render(request, InvalidInput(validation_message(exc)))

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404 and exc.detail == "Not Found":
            message = f"no such path: {request.method} {request.url.path}"
        elif exc.status_code == 405:
            message = f"method {request.method} is not allowed on {request.url.path}"
        else:
            message = str(exc.detail)
        error = EmulatorError(message, status_code=exc.status_code,
                              code=CODES.get(exc.status_code, "error"))
        response = render(request, error)
        for name, value in (exc.headers or {}).items():
            response.headers.setdefault(name, value)
        if exc.status_code == 405:  # Starlette names the methods of one route; we, the path's
            response.headers["Allow"] = ", ".join(allowed_methods(request.app, request.scope))
        return response

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path,
                      exc_info=exc)
        return render(request, EmulatorError("internal error in the emulator", status_code=500,
                                             code="internal_error"))

    app.add_exception_handler(EmulatorError, on_emulator_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
