"""What the server loads to start: modules only some requests need load on their first use.

Cold start (process start to the first healthy answer) is a benchmark (bench/suite.py), never a
timed test; what is pinned here is the part a change can silently undo: a module-level import of
something heavy that serving health does not need. Each case runs a fresh interpreter, imports
the app and builds it, and looks at what got loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

PROBE = """
import json, sys
import emulator.app
from emulator.core.routes import is_analysed
from emulator.settings import Settings
emulator.app.create_app(Settings(db=":memory:"))
routes = [r for s in emulator.app.SURFACES for r in s.router.routes]
analysed = [f"{type(r).__name__} {r.path}" for r in routes if is_analysed(r)]
print(json.dumps({"modules": sorted(sys.modules), "routes": len(routes), "analysed": analysed}))
"""

# module -> what needs it, i.e. where it is imported instead (inside a function or lazily).
LAZY = {
    "jinja2": "the console's pages (emulator/console/, on its first request)",
    "markupsafe": "the console's pages (through Jinja2)",
    "emulator.console.app": "the console, built on its first request",
    "emulator.console.views": "the console, built on its first request",
    "fastapi_offline": "the console's Swagger UI",
    "schemathesis": "tests/test_fuzz.py only",
    "hypothesis": "the test suite only",
    "httpx": "the client side (emulator.testing, the control-plane commands)",
    "tqdm": "`backup-emulator seed` only",
    "emulator.fixtures.scale": "`backup-emulator seed` only",
    "psycopg": "a PostgreSQL database URL only",
    "faker": "building a world (fixtures/world.py imports it on the first build)",
    "lxml": "BackupRun's XML answers and masking XML bodies in the journal",
}

# Still imported at start by modules being rewritten elsewhere; the mark fails as soon as they
# stop (strict), so the case then guards the gain.
STILL_EAGER: dict[str, str] = {}


@pytest.fixture(scope="module")
def probe() -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                            timeout=120, check=True)
    found: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


@pytest.fixture(scope="module")
def loaded(probe: dict[str, Any]) -> set[str]:
    return set(probe["modules"])


def test_no_route_is_analysed_at_start(probe: dict[str, Any]) -> None:
    # FastAPI analyses a route's parameters, body and answer at its first use (core.routes);
    # a router declared without route_class=DeferredRoute pays it at start instead.
    assert probe["routes"] > 150
    assert probe["analysed"] == []


def test_the_probe_sees_what_serving_needs(loaded: set[str]) -> None:
    # If this failed, the cases below would pass for the wrong reason.
    for needed in ("fastapi", "sqlalchemy", "emulator.app", "emulator.vendors.cleverfox.router",
                   "emulator.vendors.code42.router", "emulator.control.router"):
        assert needed in loaded


@pytest.mark.parametrize("module", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=STILL_EAGER[name]))
    if name in STILL_EAGER else name
    for name in LAZY])
def test_heavy_module_is_not_loaded_at_start(loaded: set[str], module: str) -> None:
    assert module not in loaded, f"{module} is loaded at start; only {LAZY[module]} needs it"


FIRST_REQUESTS = """
import json
from fastapi.testclient import TestClient
import emulator.app
from emulator.core.routes import is_analysed
from emulator.settings import Settings
app = emulator.app.create_app(Settings(db=":memory:", freeze=True))
with TestClient(app) as client:
    statuses = [client.get("/_emulator/health").status_code,
                client.get("/api/devices").status_code]
routes = [(s.name, r) for s in emulator.app.SURFACES for r in s.router.routes]
print(json.dumps({"statuses": statuses,
                  "analysed": sorted(f"{n} {r.path}" for n, r in routes if is_analysed(r))}))
"""


def test_a_first_request_analyses_only_the_route_it_reaches() -> None:
    # FastAPI's own include would analyse every route of the surface (twice) at its first
    # request; the app holds each surface's routes itself (core.surface.SurfaceRoutes).
    result = subprocess.run([sys.executable, "-c", FIRST_REQUESTS], capture_output=True,
                            text=True, timeout=120, check=True)
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["statuses"] == [200, 401]  # the devices list needs a partner's key
    assert found["analysed"] == ["cleverfox /api/devices", "control /_emulator/health"]
