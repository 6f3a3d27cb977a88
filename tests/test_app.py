"""How the app is put together: every vendor path at the root, no thread hops on requests."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

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
