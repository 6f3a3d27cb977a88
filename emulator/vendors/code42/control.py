"""Control-plane routes for steering the Code42 emulation: /_emulator/code42/..."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from emulator.core.deps import EmulatorDep, SandboxWorldDep, SessionDep
from emulator.core.engine import Ctx
from emulator.core.render import json_response
from emulator.core.routes import DeferredRoute
from emulator.fixtures.code42 import api_client_credentials
from emulator.vendors.code42 import backend

__all__ = ["router"]

# Included by emulator.control.router under /_emulator, so these paths are /_emulator/code42/...
router = APIRouter(prefix="/code42", tags=["control"], route_class=DeferredRoute)

_EVENTS = {"offline": "disconnect", "online": "connect", "deactivate": "deactivate",
           "reactivate": "reactivate"}


@router.get("/api-client", summary="The world's Code42 API client (client_id and secret)")
async def api_client(emu: EmulatorDep, session: SessionDep,
                     world: SandboxWorldDep) -> Any:
    ctx = Ctx(session, emu.worlds[world], emu.clock(world).now(), emu.sim)
    return json_response(api_client_credentials(ctx))


async def _event(emu: Any, session: Any, guid: str, action: str, world: str) -> Any:
    return json_response(backend.device_event(emu, session, guid, _EVENTS[action], world))


@router.post("/devices/{guid}/offline", summary="The device stops connecting (alerts follow)")
async def device_offline(emu: EmulatorDep, session: SessionDep, guid: str,
                         world: SandboxWorldDep) -> Any:
    return await _event(emu, session, guid, "offline", world)


@router.post("/devices/{guid}/online", summary="The device connects again and backs up")
async def device_online(emu: EmulatorDep, session: SessionDep, guid: str,
                        world: SandboxWorldDep) -> Any:
    return await _event(emu, session, guid, "online", world)


@router.post("/devices/{guid}/deactivate", summary="Deactivate: archive to cold storage")
async def device_deactivate(emu: EmulatorDep, session: SessionDep, guid: str,
                            world: SandboxWorldDep) -> Any:
    return await _event(emu, session, guid, "deactivate", world)


@router.post("/devices/{guid}/reactivate", summary="Reactivate: online, out of cold storage")
async def device_reactivate(emu: EmulatorDep, session: SessionDep, guid: str,
                            world: SandboxWorldDep) -> Any:
    return await _event(emu, session, guid, "reactivate", world)
