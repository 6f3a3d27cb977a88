"""create_app(settings): the four vendor APIs and the control plane in one FastAPI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from emulator import __version__
from emulator.console import mount as mount_console
from emulator.control.router import SURFACE as CONTROL
from emulator.core.caseless import CaselessPaths
from emulator.core.coherence import StoreSync
from emulator.core.guard import Guard, GuardMiddleware
from emulator.core.http_rules import HttpRules
from emulator.core.middleware import ToolkitMiddleware
from emulator.core.response_cache import ResponseCache
from emulator.core.runtime import Emulator
from emulator.core.surface import Surface, app_routes, install_error_handlers
from emulator.settings import Settings
from emulator.vendors.backuprun.router import SURFACE as BACKUPRUN
from emulator.vendors.cleverfox.router import SURFACE as CLEVERFOX
from emulator.vendors.code42.router import SURFACE as CODE42
from emulator.vendors.rackspace.router import SURFACE as RACKSPACE

__all__ = ["SURFACES", "create_app"]

SURFACES: tuple[Surface, ...] = (CLEVERFOX, RACKSPACE, BACKUPRUN, CODE42, CONTROL)


def _whole_document(app: FastAPI) -> dict[str, Any]:
    """/_emulator/openapi.json: every surface's operations in one document (each surface's
    own is /_emulator/openapi/{name}.json). Built here as FastAPI's own would be, but over
    the surfaces' routes, which the app holds grouped (core.surface.SurfaceRoutes)."""
    if app.openapi_schema is None:
        app.openapi_schema = get_openapi(title=app.title, version=app.version,
                                         description=app.description, routes=app_routes(app))
    return app.openapi_schema


def create_app(settings: Settings | None = None, *, emulator: Emulator | None = None) -> FastAPI:
    """The app; opens the state store and starts the engine in its lifespan."""
    emu = emulator or Emulator(settings or Settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        emu.open()
        emu.start_engine()
        try:
            yield
        finally:
            await emu.close()

    app = FastAPI(
        redirect_slashes=False,  # core.http_rules serves a trailing slash instead
        title="backup-emulator",
        version=__version__,
        description="CleverFox, Rackspace Cloud Backup, BackupRun and Code42 APIs, emulated. "
        "Per-API documents: /_emulator/openapi/{name}.json.",
        lifespan=lifespan,
        docs_url=None,  # the console serves /docs offline (emulator/console/reference.py)
        redoc_url=None,
        openapi_url="/_emulator/openapi.json",
    )
    app.state.emulator = emu
    app.state.surfaces = {s.name: s for s in SURFACES}
    for surface in SURFACES:
        surface.mount(app, SURFACES)
    app.openapi = lambda: _whole_document(app)  # type: ignore[method-assign]
    mount_console(app)  # loads itself on its first request: see emulator/console/
    install_error_handlers(app, SURFACES, fallback=CONTROL)
    vendors = [s for s in SURFACES if s is not CONTROL]
    if emu.settings.response_cache:
        # Inside the toolkit: fault rules, the journal and masking see a hit as any answer.
        # BackupRun's reads are form POSTs: its POST answers are kept too (by body), on the
        # same terms, so a call that writes anything is never kept.
        app.add_middleware(ResponseCache, emulator=emu, posts=[BACKUPRUN.name])
    app.add_middleware(ToolkitMiddleware, emulator=emu, surfaces=vendors)
    # Outside the toolkit, so the journal and fault rules see the canonical spelling; inside
    # the HTTP rules, which take a sandbox's /sandbox/{id} prefix off first.
    app.add_middleware(CaselessPaths, surfaces=[s for s in SURFACES if s.caseless])
    # Nothing reaches the case folding, the toolkit or a router unchecked; it runs after the
    # HTTP rules, so it sees the path with any /sandbox/{id} prefix already taken off.
    app.add_middleware(GuardMiddleware, guard=Guard.of(emu.settings), surfaces=SURFACES,
                       fallback=CONTROL, emulator=emu)
    app.add_middleware(HttpRules, worlds=emu.worlds, surfaces=vendors, control=CONTROL,
                       base_url=emu.settings.base_url)
    # Outermost: every request sees the worlds and clocks other processes left in the store.
    app.add_middleware(StoreSync, emulator=emu)
    return app
