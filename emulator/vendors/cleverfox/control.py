"""Control-plane routes for steering the CleverFox emulation: /_emulator/cleverfox/...

    GET  /_emulator/cleverfox/partners      every partner with its API key
    GET  /_emulator/cleverfox/devices/{device_id}/agent
    POST /_emulator/cleverfox/devices/{device_id}/agent
         {"online": false}            take the agent offline (its runs will be Missed)
         {"online": true}             bring it back; it checks in and runs what is due
         {"fail_next_runs": 1, "fail_message": "..."}   the next run(s) end Failed
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlmodel import select

from emulator.core.deps import EmulatorDep, SandboxWorldDep, SessionDep
from emulator.core.engine import Ctx
from emulator.core.errors import NotFound
from emulator.core.numbers import IdText
from emulator.core.routes import DeferredRoute
from emulator.vendors.cleverfox import agents
from emulator.vendors.cleverfox.models import CfDevice, CfPartner

__all__ = ["router"]

# Included by emulator.control.router under /_emulator, so these paths are /_emulator/cleverfox/...
router = APIRouter(prefix="/cleverfox", tags=["control"], route_class=DeferredRoute)

class AgentUpdate(BaseModel):
    """What to change about a device's simulated agent; absent fields stay as they are."""

    online: bool | None = None
    fail_next_runs: int | None = Field(default=None, ge=0, le=1000)
    fail_message: str | None = Field(default=None, max_length=2000)


class AgentView(BaseModel):
    """A device's simulated agent."""

    world: str
    device_id: int
    online: bool
    fail_next_runs: int
    fail_message: str | None


class PartnerView(BaseModel):
    """A partner of a world, with the API key its Basic auth uses."""

    partner_id: int
    name: str
    api_key: str
    is_inactive: bool


@router.get("/partners", summary="Every CleverFox partner of a world, with its API key")
async def list_partners(emu: EmulatorDep, session: SessionDep,
                        world: SandboxWorldDep) -> list[PartnerView]:
    ctx = emu.ctx(session, world)
    rows = session.exec(select(CfPartner).where(CfPartner.world_id == ctx.world_id)
                        .order_by(CfPartner.id)).all()  # type: ignore[arg-type]
    return [PartnerView(partner_id=p.id, name=p.name, api_key=p.api_key,
                        is_inactive=p.is_inactive) for p in rows]


def _device(ctx: Ctx, device_id: int) -> CfDevice:
    device = ctx.session.exec(select(CfDevice).where(
        CfDevice.world_id == ctx.world_id, CfDevice.id == device_id)).first()
    if device is None:
        raise NotFound(f"no CleverFox device {device_id} in world {ctx.world_id!r}")
    return device


def _view(ctx: Ctx, device: CfDevice) -> AgentView:
    return AgentView(world=ctx.world_id, device_id=device.id, online=device.agent_online,
                     fail_next_runs=device.fail_next_runs, fail_message=device.fail_message)


@router.get("/devices/{device_id}/agent", summary="A CleverFox device's simulated agent")
async def get_agent(emu: EmulatorDep, session: SessionDep, device_id: IdText,
                    world: SandboxWorldDep) -> AgentView:
    ctx = emu.ctx(session, world)
    return _view(ctx, _device(ctx, device_id))


@router.post("/devices/{device_id}/agent",
             summary="Take a CleverFox agent offline or online, or make its next runs fail")
async def update_agent(emu: EmulatorDep, session: SessionDep, device_id: IdText,
                       body: AgentUpdate, world: SandboxWorldDep) -> AgentView:
    ctx = emu.ctx(session, world)
    device = _device(ctx, device_id)
    if body.fail_next_runs is not None:
        device.fail_next_runs = body.fail_next_runs
    if body.fail_message is not None:
        device.fail_message = body.fail_message
    if body.online is False and device.agent_online:
        agents.go_offline(ctx, device)
    elif body.online is True and not device.agent_online:
        device.agent_online = True
        agents.check_in(ctx, device)
    session.add(device)
    view = _view(ctx, device)
    session.commit()
    return view
