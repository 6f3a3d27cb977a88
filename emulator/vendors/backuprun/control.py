"""Control-plane routes for steering the BackupRun emulation: /_emulator/backuprun/...

    GET  /_emulator/backuprun/outbox[?sandbox=<id>][&to=<email>]   mail the emulator "sent"
    POST /_emulator/backuprun/services/{service}/agent[?sandbox=<id>]      {"reachable": false}
    POST /_emulator/backuprun/services/{service}/next-task[?sandbox=<id>]  {"outcome": "warnings"}

{service} is the numeric id (sc_id) or the service_id ("V16428"). Both are numbered per world
(same-seed worlds have the same ones), so each route acts on one world: the default world's,
or a sandbox's with ?sandbox=.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel
from sqlmodel import col, select

from emulator.core.deps import EmulatorDep, SandboxWorldDep, SessionDep
from emulator.core.errors import NotFound
from emulator.core.numbers import as_id
from emulator.core.routes import DeferredRoute
from emulator.vendors.backuprun.models import BrMail, BrService

__all__ = ["router"]

# Included by emulator.control.router under /_emulator, so these paths are /_emulator/backuprun/...
router = APIRouter(prefix="/backuprun", tags=["control"], route_class=DeferredRoute)


class MailView(BaseModel):
    """One message the real service would have mailed."""

    id: int
    to: str
    subject: str
    body: str
    kind: str
    recoverycode: str | None
    sent_at: datetime


class Outbox(BaseModel):
    """A world's outbox, oldest message first."""

    world: str
    messages: list[MailView]


class AgentUpdate(BaseModel):
    """Whether the service's agent accepts connections (false: tasks fail, Connection refused)."""

    reachable: bool


class NextTaskUpdate(BaseModel):
    """How the service's next backup task ends (then tasks end cleanly again)."""

    outcome: Literal["ok", "warnings", "errors"]


class ServiceControlView(BaseModel):
    """A service's steering state."""

    id: int
    service_id: str
    world: str
    agent_reachable: bool
    next_outcome: str


@router.get("/outbox", summary="BackupRun mail the emulator would have sent (per world)")
async def outbox(emu: EmulatorDep, session: SessionDep, world_id: SandboxWorldDep,
                 to: str | None = None) -> Outbox:
    emu.ctx(session, world_id)  # what is due happens first
    query = select(BrMail).where(BrMail.world_id == world_id)
    if to:
        query = query.where(BrMail.to == to.lower())
    rows = session.exec(query.order_by(col(BrMail.id))).all()
    return Outbox(world=world_id, messages=[MailView.model_validate(r, from_attributes=True)
                                            for r in rows])


def _service(emu: EmulatorDep, session: SessionDep, world_id: str, key: str) -> BrService:
    emu.ctx(session, world_id)  # what is due happens first
    ident = as_id(key)
    query = select(BrService).where(BrService.world_id == world_id)
    query = (query.where(BrService.id == ident) if ident is not None
             else query.where(BrService.service_id == key))
    service = session.exec(query).first()
    if service is None:
        raise NotFound(f"no BackupRun service {key!r} in world {world_id!r}")
    return service


def _view(service: BrService) -> ServiceControlView:
    return ServiceControlView(id=service.id, service_id=service.service_id,
                              world=service.world_id, agent_reachable=service.agent_reachable,
                              next_outcome=service.next_outcome or "ok")


@router.post("/services/{service}/agent", summary="Make a service's agent (un)reachable")
async def set_agent(emu: EmulatorDep, session: SessionDep, world_id: SandboxWorldDep,
                    service: str, body: AgentUpdate) -> ServiceControlView:
    row = _service(emu, session, world_id, service)
    row.agent_reachable = body.reachable
    session.add(row)
    session.commit()
    return _view(row)


@router.post("/services/{service}/next-task", summary="Choose how a service's next task ends")
async def set_next_task(emu: EmulatorDep, session: SessionDep, world_id: SandboxWorldDep,
                        service: str, body: NextTaskUpdate) -> ServiceControlView:
    row = _service(emu, session, world_id, service)
    row.next_outcome = "" if body.outcome == "ok" else body.outcome
    session.add(row)
    session.commit()
    return _view(row)
