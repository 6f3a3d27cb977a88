"""Deferred routes (core.routes): every route of the app, analysed at its first use, holds what
FastAPI would have built at declaration, and nothing is analysed before a use.

The cases walk every surface's route table, so a new route or a new vendor is covered without
a new test.
"""

from __future__ import annotations

import copy
import re
import threading
from typing import Any

import pytest
from fastapi.routing import APIRoute

from emulator.app import SURFACES
from emulator.core.routes import DeferredRoute, analyse, is_analysed
from emulator.core.surface import owner_of


def _fresh_routes() -> list[tuple[str, DeferredRoute]]:
    """Every path operation of every surface (analysed already or not: each keeps its
    declaration)."""
    routes = []
    for surface in SURFACES:
        for route in surface.router.routes:
            assert isinstance(route, APIRoute), f"{surface.name}: {route!r} is not a path operation"
            assert isinstance(route, DeferredRoute), (
                f"{surface.name} {route.path}: declared on a router without "
                "route_class=DeferredRoute (core.routes), so analysed at start")
            routes.append((surface.name, route))
    return routes


def _summary(route: APIRoute) -> dict[str, Any]:
    dependant = route.dependant
    body = route.body_field
    response = route.response_field
    return {
        "path": route.path, "path_format": route.path_format, "name": route.name,
        "methods": route.methods, "unique_id": route.unique_id, "tags": route.tags,
        "status_code": route.status_code, "summary": route.summary,
        "description": route.description, "response_class": route.response_class,
        "include_in_schema": route.include_in_schema, "responses": route.responses,
        "query": [(p.alias, repr(p.field_info.annotation)) for p in dependant.query_params],
        "path_params": [p.alias for p in dependant.path_params],
        "headers": [p.alias for p in dependant.header_params],
        "cookies": [p.alias for p in dependant.cookie_params],
        "dependencies": [d.call for d in dependant.dependencies],
        "body": None if body is None else (body.alias, repr(body.field_info.annotation)),
        "response": None if response is None else repr(response.field_info.annotation),
        "max_body_size": route.max_body_size,
    }


@pytest.mark.parametrize("surface", [s.name for s in SURFACES])
def test_an_analysed_route_holds_what_fastapi_builds_at_declaration(surface: str) -> None:
    routes = [route for name, route in _fresh_routes() if name == surface]
    assert routes
    for route in routes:
        path, endpoint, options = route.declaration
        eager = APIRoute(path, endpoint, **options)
        pattern = route.path_regex.pattern  # a router may have widened it after declaring
        analyse(route)
        assert is_analysed(route)
        assert route.path_regex.pattern == pattern
        assert _summary(route) == _summary(eager), f"{surface} {route.path}"


def test_copying_a_route_does_not_analyse_it() -> None:
    async def endpoint(device_id: int) -> dict[str, int]:
        return {"id": device_id}

    route = DeferredRoute("/devices/{device_id}", endpoint, methods=["GET"])
    copied = copy.copy(route)
    assert not is_analysed(route) and not is_analysed(copied)
    assert [p.alias for p in copied.dependant.path_params] == ["device_id"]
    assert not is_analysed(route)


def test_threads_asking_at_once_analyse_a_route_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    started = threading.Event()
    real_init = APIRoute.__init__

    def slow_init(self: APIRoute, *args: Any, **kwargs: Any) -> None:
        calls.append(1)
        started.set()
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(APIRoute, "__init__", slow_init)

    async def endpoint(job: str) -> dict[str, str]:
        return {"job": job}

    route = DeferredRoute("/jobs", endpoint, methods=["GET"])
    seen: list[list[str]] = []

    def read() -> None:
        seen.append([p.alias for p in route.dependant.query_params])

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert started.is_set()
    assert len(calls) == 1
    assert seen == [["job"]] * 8


class _NotAParameter:
    """A type FastAPI cannot read a query parameter as."""


def test_a_failed_analysis_fails_each_use_as_fastapi_fails_at_declaration() -> None:
    async def endpoint(thing: _NotAParameter) -> None:
        return None

    with pytest.raises(Exception) as at_declaration:
        APIRoute("/odd", endpoint, methods=["GET"], response_model=None)
    route = DeferredRoute("/odd", endpoint, methods=["GET"], response_model=None)
    for _ in range(2):  # not analysed, so the next use tries again and fails the same way
        with pytest.raises(type(at_declaration.value)):
            route.dependant  # noqa: B018
        assert not is_analysed(route)


def test_an_unknown_attribute_is_still_an_attribute_error() -> None:
    async def endpoint() -> None:
        return None

    route = DeferredRoute("/x", endpoint)
    with pytest.raises(AttributeError):
        route.no_such_attribute  # noqa: B018
    assert is_analysed(route)


@pytest.mark.parametrize("surface", [s.name for s in SURFACES])
def test_every_route_is_reached_through_the_surface_owning_its_path(surface: str) -> None:
    # The app routes a request only through the routes of the surface owning its path (the
    # longest prefix, as errors are rendered): a route under another surface's longer prefix
    # could never be reached.
    for name, route in _fresh_routes():
        if name != surface:
            continue
        sample = re.sub(r"\{[^}]+\}", "1", route.path)
        owner = owner_of(sample, SURFACES)
        assert owner is not None and owner.name == surface, (
            f"{surface} {route.path}: its path is owned by {owner and owner.name}")
