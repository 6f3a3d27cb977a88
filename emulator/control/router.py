"""Routes of the /_emulator control plane; each parses, calls the backend once, renders."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Request, Response

from emulator import __version__
from emulator.control import backend, faults, journal, snapshots
from emulator.control.schemas import (
    ClockUpdate,
    ClockView,
    Health,
    ResetRequest,
    ResetView,
    SandboxRequest,
    SandboxView,
)
from emulator.core.deps import EmulatorDep, SessionDep
from emulator.core.errors import NotFound
from emulator.core.openapi import secure
from emulator.core.surface import Surface, SurfaceRouter
from emulator.core.world import DEFAULT_WORLD_ID
from emulator.vendors.backuprun import control as backuprun_control
from emulator.vendors.cleverfox import control as cleverfox_control
from emulator.vendors.code42 import control as code42_control
from emulator.vendors.rackspace import control as rackspace_control

router = SurfaceRouter(prefix="/_emulator", tags=["control"])


def _surfaces(request: Request) -> dict[str, Surface]:
    surfaces: dict[str, Surface] = request.app.state.surfaces
    return surfaces


@router.get("/health", summary="Ready check")
async def health(request: Request) -> Health:
    return backend.health([n for n in _surfaces(request) if n != "control"])


@router.get("/credentials", summary="Credentials of the default world, for all four vendors")
async def credentials(emu: EmulatorDep) -> dict[str, Any]:
    return backend.credentials(emu)


@router.post("/reset", summary="Drop all state and rebuild the default world")
async def reset(emu: EmulatorDep, session: SessionDep,
                body: Annotated[ResetRequest | None, Body()] = None) -> ResetView:
    return backend.reset(emu, session, body or ResetRequest())


@router.get("/clock", summary="The default world's virtual clock")
async def get_clock(emu: EmulatorDep) -> ClockView:
    return backend.get_clock(emu, DEFAULT_WORLD_ID)


@router.post("/clock", summary="Freeze, set, advance or speed up the default world's clock")
async def update_clock(emu: EmulatorDep, session: SessionDep, body: ClockUpdate) -> ClockView:
    backend.update_clock(emu, session, DEFAULT_WORLD_ID, body)
    await emu.settle(DEFAULT_WORLD_ID)  # answers once the world's due work is done
    return backend.get_clock(emu, DEFAULT_WORLD_ID)


@router.post("/sandboxes", status_code=201, summary="Create an isolated world")
async def create_sandbox(emu: EmulatorDep, session: SessionDep,
                         body: Annotated[SandboxRequest | None, Body()] = None) -> SandboxView:
    return backend.create_sandbox(emu, session, body or SandboxRequest())


@router.get("/sandboxes", summary="Every live sandbox, oldest first")
async def list_sandboxes(emu: EmulatorDep, session: SessionDep) -> list[SandboxView]:
    return backend.list_sandboxes(emu, session)


@router.get("/sandboxes/{sandbox_id}", summary="One sandbox")
async def get_sandbox(emu: EmulatorDep, session: SessionDep, sandbox_id: str) -> SandboxView:
    return backend.get_sandbox(emu, session, sandbox_id)


@router.delete("/sandboxes/{sandbox_id}", status_code=204, summary="Drop a sandbox")
async def delete_sandbox(emu: EmulatorDep, session: SessionDep, sandbox_id: str) -> Response:
    backend.delete_sandbox(emu, session, sandbox_id)
    return Response(status_code=204)


@router.get("/sandboxes/{sandbox_id}/clock", summary="A sandbox's own virtual clock")
async def get_sandbox_clock(emu: EmulatorDep, session: SessionDep,
                            sandbox_id: str) -> ClockView:
    return backend.get_clock(emu, backend.sandbox_world(session, sandbox_id))


@router.post("/sandboxes/{sandbox_id}/clock", summary="Move a sandbox's clock")
async def update_sandbox_clock(emu: EmulatorDep, session: SessionDep, sandbox_id: str,
                               body: ClockUpdate) -> ClockView:
    world_id = backend.sandbox_world(session, sandbox_id)
    backend.update_clock(emu, session, world_id, body)
    await emu.settle(world_id)  # answers once the world's due work is done
    return backend.get_clock(emu, world_id)


@router.get("/openapi/{name}.json", summary="OpenAPI document of one vendor or the control plane")
async def openapi_document(request: Request, name: str) -> dict[str, Any]:
    surface = _surfaces(request).get(name)
    if surface is None:
        raise NotFound(f"no OpenAPI document {name!r}; have {', '.join(_surfaces(request))}")
    return surface.openapi(__version__)


# The toolkit for client developers: docs/toolkit.md.
for _toolkit in (faults, journal, snapshots):
    router.include_router(_toolkit.router)

# Each vendor's own test controls (agents offline, forced failures, outboxes): /_emulator/<vendor>/.
for _vendor_control in (cleverfox_control, rackspace_control, backuprun_control, code42_control):
    router.include_router(_vendor_control.router)

# Only when the server was started with EMULATOR_CONTROL_TOKEN (else no auth at all): the
# token is optional in the document; health and the documents themselves never need it.
_SCHEMES = {"controlToken": {
    "type": "apiKey", "in": "header", "name": "X-Emulator-Token",
    "description": "EMULATOR_CONTROL_TOKEN, if the server was started with one"}}
_PUBLIC = ("/_emulator/health", "/_emulator/openapi/{name}.json")


def _reshape(document: dict[str, Any]) -> dict[str, Any]:
    return secure(document, _SCHEMES, public=_PUBLIC, optional=True)


SURFACE = Surface(
    name="control",
    title="backup-emulator control plane",
    description="Test controls: health, credentials, reset, the virtual clock, sandboxes, "
    "fault rules, the request journal and snapshots.",
    router=router,
    prefixes=("/_emulator",),
    reshape=_reshape,
    error_schema={"type": "object", "required": ["code", "message"],
                  "properties": {"code": {"type": "string"}, "message": {"type": "string"}}},
)
