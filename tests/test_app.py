"""How the app is put together: every vendor path at the root, no thread hops on requests."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from emulator.app import SURFACES


def _calls(dependant: Dependant) -> Iterator[object]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def test_every_endpoint_and_dependency_is_async() -> None:
    # FastAPI runs plain `def` endpoints and dependencies in a thread pool; on the hot path that
    # hop costs most of the throughput, and threads would share SQLite connections.
    routes = [r for s in SURFACES for r in s.router.routes if isinstance(r, APIRoute)]
    assert len(routes) >= 12
    for route in routes:
        assert inspect.iscoroutinefunction(route.endpoint), route.path
        for call in _calls(route.dependant):
            assert inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call), \
                (route.path, call)


def test_surfaces_own_their_vendor_paths() -> None:
    owners = {
        "/api/devices": "cleverfox",
        "/api/devices/12/jobs": "cleverfox",
        "/api/DeviceBackupReport": "code42",
        "/api/v1/Computer": "code42",
        "/api/v3/auth/jwt": "code42",
        "/v1.0/123456/user/agents": "rackspace",
        "/v2.0/tokens": "rackspace",
        "/api.php": "backuprun",
        "/_emulator/clock": "control",
    }
    for path, owner in owners.items():
        best = max(SURFACES, key=lambda s: s.owns(path))
        assert best.owns(path) > 0 and best.name == owner, path


def test_every_route_of_a_surface_lies_under_its_prefixes() -> None:
    # The app skips a surface's routes for paths outside its prefixes (the prefix guard), so a
    # route outside them would be unreachable.
    def leaves(routes: list[Any], prefix: str = "") -> Iterator[str]:
        for route in routes:
            inner = getattr(route, "original_router", None)  # an included router (FastAPI 0.16x)
            if inner is not None:
                yield from leaves(inner.routes, prefix + route.include_context.prefix)
            else:
                yield prefix + route.path

    for surface in SURFACES:
        paths = list(leaves(surface.router.routes))
        assert paths, surface.name
        for path in paths:
            assert surface.owns(path) >= 0, f"{surface.name}: {path} is outside {surface.prefixes}"


def test_requests_reach_routes_of_every_surface_through_the_guard(client: TestClient) -> None:
    # One path per surface, including the last surface mounted (control) and code42's paths,
    # which share cleverfox's /api prefix.
    assert client.get("/_emulator/health").status_code == 200
    assert client.get("/api/plans").status_code == 401
    assert client.get("/api/v1/User/my").status_code == 401
    assert client.get("/v1.0/1/user/agents").status_code == 401
    assert client.post("/api.php", data={"apiCALL": "getStatus"}).status_code == 200
    assert client.get("/nowhere").status_code == 404
