"""Control-plane routes for steering the Rackspace emulation: /_emulator/rackspace/...

Agent ids are numbered per world, so an agent is named by its id in the default world, or in a
sandbox with `?sandbox=<id>`, as every vendor's steering calls name a world.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel
from sqlmodel import Session, col, select

from emulator.core.deps import EmulatorDep, SandboxWorldDep, SessionDep
from emulator.core.engine import Ctx
from emulator.core.errors import NotFound
from emulator.core.numbers import IdText
from emulator.core.routes import DeferredRoute
from emulator.core.runtime import Emulator
from emulator.vendors.rackspace.agents import AGENT, heartbeat
from emulator.vendors.rackspace.models import Agent, Tenant
from emulator.vendors.rackspace.perworld import by_id

__all__ = ["router"]

# Included by emulator.control.router under /_emulator, so these paths are /_emulator/rackspace/...
router = APIRouter(prefix="/rackspace", tags=["control"], route_class=DeferredRoute)


class Outcome(BaseModel):
    """How the agent's next backup or restore ends."""

    outcome: Literal["Completed", "CompletedWithErrors", "Failed"]


def _agent(emu: Emulator, session: Session, agent_id: int, world_id: str) -> tuple[Agent, Ctx]:
    ctx = emu.ctx(session, world_id)
    agent = by_id(ctx, Agent, agent_id)
    if agent is None:
        raise NotFound(f"no Rackspace agent {agent_id} in world {world_id!r}")
    return agent, ctx


def _view(agent: Agent) -> dict[str, Any]:
    return {"agent_id": agent.id, "world": agent.world_id, "tenant_id": agent.tenant_id,
            "status": agent.status, "reachable": agent.reachable,
            "next_backup": agent.force_backup, "next_restore": agent.force_restore}


@router.post("/agents/{agent_id}/offline",
             summary="Take an agent offline: unreachable until brought back online")
async def agent_offline(emu: EmulatorDep, session: SessionDep, agent_id: IdText,
                        world: SandboxWorldDep) -> dict[str, Any]:
    agent, ctx = _agent(emu, session, agent_id, world)
    agent.reachable = False
    if AGENT.can(agent, "down"):
        AGENT.fire(ctx, agent, "down")
    session.add(agent)
    session.commit()
    return _view(agent)


@router.post("/agents/{agent_id}/online", summary="Bring an agent back: reachable and Online")
async def agent_online(emu: EmulatorDep, session: SessionDep, agent_id: IdText,
                       world: SandboxWorldDep) -> dict[str, Any]:
    agent, ctx = _agent(emu, session, agent_id, world)
    agent.reachable = True
    heartbeat(ctx, agent)
    session.add(agent)
    session.commit()
    return _view(agent)


@router.post("/agents/{agent_id}/next-backup",
             summary="Make the agent's next backup end as given")
async def next_backup(emu: EmulatorDep, session: SessionDep, agent_id: IdText,
                      body: Outcome, world: SandboxWorldDep) -> dict[str, Any]:
    agent, _ = _agent(emu, session, agent_id, world)
    agent.force_backup = body.outcome
    session.add(agent)
    session.commit()
    return _view(agent)


@router.post("/agents/{agent_id}/next-restore",
             summary="Make the next restore onto this agent end as given")
async def next_restore(emu: EmulatorDep, session: SessionDep, agent_id: IdText,
                       body: Outcome, world: SandboxWorldDep) -> dict[str, Any]:
    agent, _ = _agent(emu, session, agent_id, world)
    agent.force_restore = body.outcome
    session.add(agent)
    session.commit()
    return _view(agent)


@router.get("/tenants", summary="A world's Rackspace tenants and their credentials")
async def tenants(session: SessionDep, world_id: SandboxWorldDep) -> list[dict[str, Any]]:
    rows = session.exec(select(Tenant).where(Tenant.world_id == world_id)
                        .order_by(col(Tenant.id))).all()
    agents = session.exec(select(Agent).where(Agent.world_id == world_id)
                          .order_by(col(Agent.id))).all()
    return [{"tenant_id": t.tenant_id, "username": t.username, "api_key": t.api_key,
             "password": t.password,
             "agents": [a.id for a in agents if a.tenant_id == t.tenant_id]} for t in rows]
