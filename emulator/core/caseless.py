"""Case-insensitive paths and query parameter names for surfaces whose vendor matches them so.

ASP.NET (CleverFox) routes `/api/Devices` like `/api/devices` and binds `pageno` to `PageNo`.
This ASGI layer rewrites such a request to the canonical spelling its routes declare, once,
before routing, the journal and fault rules see it: the routes stay declared once, in their
documented spelling, and every new route or query parameter is covered by the same table.

The table comes from the surface's route table: every literal path segment and every query
parameter name (alias) its routes declare. A path is treated as the surface's when its first two
segments are, in any case, a first and a second segment of one of its routes; only then is
anything rewritten, so another surface sharing a prefix (Code42 under `/api`) is untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from urllib.parse import quote, unquote_plus

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from emulator.core.surface import Surface

__all__ = ["CaselessPaths", "Spellings"]


class Spellings:
    """The canonical spelling of a surface's path segments and query names, by case fold."""

    def __init__(self, surface: Surface) -> None:
        self.segments: dict[str, str] = {}
        self.heads: set[tuple[str, str]] = set()
        self._routes = [r for r in surface.router.routes if isinstance(r, APIRoute)]
        for route in self._routes:
            parts = route.path.split("/")[1:]
            literals = [p for p in parts if not p.startswith("{")]
            for part in literals:
                self._add(self.segments, part)
            if len(parts) >= 2 and not parts[0].startswith("{") and not parts[1].startswith("{"):
                self.heads.add((parts[0].casefold(), parts[1].casefold()))

    @cached_property
    def queries(self) -> dict[str, str]:
        """Query names need the routes' parameters, which FastAPI analyses at a route's
        first use (core.routes): read at the first query string, not at start."""
        queries: dict[str, str] = {}
        for route in self._routes:
            for name in _query_names(route.dependant):
                self._add(queries, name)
        return queries

    @staticmethod
    def _add(table: dict[str, str], name: str) -> None:
        known = table.setdefault(name.casefold(), name)
        if known != name:
            raise ValueError(f"{name!r} and {known!r} differ only in case")

    def owns(self, path: str) -> bool:
        parts = path.split("/", 3)
        return len(parts) >= 3 and (parts[1].casefold(), parts[2].casefold()) in self.heads

    def path(self, path: str) -> str | None:
        """`path` with every literal segment in its canonical spelling; None if it already is."""
        parts = path.split("/")
        changed = False
        for i, part in enumerate(parts):
            canonical = self.segments.get(part.casefold())
            if canonical is not None and canonical != part:
                parts[i], changed = canonical, True
        return "/".join(parts) if changed else None

    def query(self, raw: bytes) -> bytes | None:
        """`raw` (a query string) with known parameter names in their canonical spelling;
        None if it already is."""
        pairs = raw.split(b"&")
        changed = False
        for i, pair in enumerate(pairs):
            key, sep, value = pair.partition(b"=")
            name = key.decode("latin-1")
            if b"%" in key or b"+" in key:
                name = unquote_plus(name)
            canonical = self.queries.get(name.casefold())
            if canonical is not None and canonical != name:
                pairs[i], changed = quote(canonical).encode() + sep + value, True
        return b"&".join(pairs) if changed else None


def _query_names(dependant: Dependant) -> list[str]:
    """The query parameter names a route reads, its dependencies' included."""
    names = [param.alias for param in dependant.query_params]
    for sub in dependant.dependencies:
        names += _query_names(sub)
    return names


class CaselessPaths:
    """Rewrites requests to caseless surfaces into their routes' canonical spelling."""

    def __init__(self, app: ASGIApp, surfaces: Sequence[Surface]) -> None:
        self.app = app
        self.spellings = [Spellings(s) for s in surfaces]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for spelling in self.spellings:
                if spelling.owns(scope["path"]):
                    scope = self._rewrite(scope, spelling)
                    break
        await self.app(scope, receive, send)

    @staticmethod
    def _rewrite(scope: Scope, spelling: Spellings) -> Scope:
        path = spelling.path(scope["path"])
        query = spelling.query(scope["query_string"]) if scope["query_string"] else None
        if path is None and query is None:
            return scope
        scope = dict(scope)
        if path is not None:
            scope["path"] = path
            if scope.get("raw_path"):
                raw = spelling.path(scope["raw_path"].decode("latin-1"))
                if raw is not None:
                    scope["raw_path"] = raw.encode("latin-1")
        if query is not None:
            scope["query_string"] = query
        return scope
