"""Service calls: addService, activateAgent, setActivationHint, setServiceConfigured,
editService, runPolicy, getStatus, getBackupStatus and getTaskDetailById.

A subuser (role 4) sees and acts on only the services assigned to it; the main user (and the
deprecated billing/technic contacts) on every service of the account.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam
from sqlmodel import col, select

from emulator.core.engine import Ctx
from emulator.core.sequence import next_id
from emulator.vendors.backuprun import agents
from emulator.vendors.backuprun.accounts import contact_of
from emulator.vendors.backuprun.call import Call, api_call, in_world
from emulator.vendors.backuprun.errors import (
    AccessDenied,
    InvalidValue,
    MissingParameter,
    UnknownObject,
    WrongState,
)
from emulator.vendors.backuprun.models import ROLE_MAIN, ROLE_SUBUSER, BrService, BrTask
from emulator.vendors.backuprun.schemas import ACTIVATION_HINTS, LOCATIONS, SERVICE_TYPES
from emulator.vendors.backuprun.serializer import element, ok_document
from emulator.vendors.backuprun.views import add_agent, add_messages, add_task, latest_task

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["SERVICE_NUMBER_BASE", "new_service", "visible_services"]

# service_id numbers follow the service's id (numbered per world), offset as in the page's
# example (id 662, V16428).
SERVICE_NUMBER_BASE = 15766
LOCATION_IDS = [str(i) for i in LOCATIONS]


def _check_access(call: Call, service: BrService | None, label: str) -> BrService:
    me = call.me
    if service is None or service.account_id != me.owner_id:
        raise UnknownObject(f"unknown {label}")
    if me.role == ROLE_SUBUSER and service.assigned_to != me.id:
        raise AccessDenied(f"service {service.service_id} is not assigned to you")
    return service


def _by_id(call: Call, name: str) -> BrService:
    ident = call.params.ident(name)
    shown = ident if ident is not None else call.params.require(name).strip()
    return _check_access(call, in_world(call.session, BrService, call.c.world_id, ident),
                         f"{name} {shown}")


def _by_service_id(call: Call, name: str = "service_id") -> BrService:
    value = call.params.require(name)
    service = call.session.exec(select(BrService).where(
        BrService.world_id == call.c.world_id, BrService.service_id == value,
        BrService.account_id == call.me.owner_id)).first()
    return _check_access(call, service, f"{name} {value}")


def new_service(ctx: Ctx, **values: Any) -> BrService:
    """A new service of ctx's world, numbered in it; service_id follows its id and type."""
    ident = next_id(ctx, "backuprun.service")
    prefix = "S" if values["type"] == SERVICE_TYPES["SERVER"] else "V"
    service = BrService(world_id=ctx.world_id, id=ident, created_at=ctx.now,
                        service_id=f"{prefix}{SERVICE_NUMBER_BASE + ident}", **values)
    ctx.session.add(service)
    return service


def _live(service: BrService) -> BrService:
    if service.create_status == "-4":
        raise WrongState(f"service {service.service_id} is being terminated")
    return service


# Built once: getStatus is the hot call, and building a statement costs more than running it.
_ACCOUNT_SERVICES = (select(*BrService.__table__.columns)  # type: ignore[attr-defined]
                     .where(col(BrService.world_id) == bindparam("world"),
                            col(BrService.account_id) == bindparam("account"))
                     .order_by(col(BrService.id)))
_SUBUSER_SERVICES = _ACCOUNT_SERVICES.where(col(BrService.assigned_to) == bindparam("subuser"))


def visible_services(call: Call) -> list[Any]:
    """The caller's services, oldest first, as rows of the service table (not ORM objects)."""
    params: dict[str, Any] = {"world": call.c.world_id, "account": call.me.owner_id}
    query = _ACCOUNT_SERVICES
    if call.me.role == ROLE_SUBUSER:
        query, params["subuser"] = _SUBUSER_SERVICES, call.me.id
    return list(call.session.execute(query, params).all())


def _agent_settings(call: Call, *, required: bool) -> dict[str, Any]:
    """agent, agent_port, location, name, encrypt and password, checked; absent ones left out."""
    params = call.params
    out: dict[str, Any] = {}
    for wire, attr in (("agent", "host"), ("name", "name")):
        value = params.require(wire) if required else params.get(wire)
        if value is not None:
            out[attr] = value
    port = params.integer("agent_port", required=required, low=1, high=65535)
    if port is not None:
        out["port"] = port
    location = params.choice("location", LOCATION_IDS, required=required)
    if location is not None:
        out["location_id"] = int(location)
    if params.get("encrypt") is not None or required:
        encrypt = params.flag("encrypt")
        out["encrypt"] = encrypt
        if encrypt:
            out["encryption_password"] = params.get("password") or ""
            if not out["encryption_password"]:
                raise MissingParameter("password")
    return out


@api_call("addService")
def add_service(call: Call) -> etree._Element:
    """Create a service; its create_status then climbs to 10 on the virtual clock."""
    kind = call.params.choice("type", SERVICE_TYPES)
    assert kind is not None
    settings = _agent_settings(call, required=True)
    ctx, me = call.c, call.me
    service = new_service(ctx, account_id=me.owner_id, type=SERVICE_TYPES[kind],
                          assigned_to=me.id if me.role == ROLE_SUBUSER else 0, **settings)
    agents.CREATE.start(ctx, service, "0")
    root = ok_document()
    add_agent(root, service, full=False)
    return root


@api_call("activateAgent")
def activate_agent(call: Call) -> etree._Element:
    """Apply changed settings (host, port, location, name, encryption) to a service."""
    service = _live(_by_id(call, "agent-id"))
    for attr, value in _agent_settings(call, required=False).items():
        setattr(service, attr, value)
    call.session.add(service)
    root = ok_document()
    add_agent(root, service, full=False)
    return root


def _hint(call: Call, required: bool = True) -> str | None:
    return call.params.choice("activation_hint", ACTIVATION_HINTS, required=required)


@api_call("setActivationHint")
def set_activation_hint(call: Call) -> etree._Element:
    """Remember how the agent is being installed."""
    hint = _hint(call)
    service = _live(_by_service_id(call))
    service.activation_hint = hint or ""
    call.session.add(service)
    return ok_document()


@api_call("setServiceConfigured")
def set_service_configured(call: Call) -> etree._Element:
    """Mark the service configured (the web page's Continue)."""
    hint = _hint(call)
    service = _live(_by_service_id(call))
    service.activation_hint = hint or ""
    service.service_configured = 1
    call.session.add(service)
    return ok_document()


@api_call("editService")
def edit_service(call: Call) -> etree._Element:
    """terminate a service, or set_subuser: 0 unassigns, -1 gives it to the main user."""
    action = call.params.choice("service_action", ("terminate", "set_subuser"))
    call.params.choice("service_type", ("custom",), required=False)
    service = _live(_by_id(call, "sc_id"))
    if action == "terminate":
        agents.terminate(call.c, service)
        return ok_document()
    if call.me.role != ROLE_MAIN:
        raise AccessDenied("only the main user of the account can assign services")
    subuser_id = call.params.ident("subuser_id")
    if subuser_id not in (0, -1):  # else a contact of the account, by its id in this world
        contact = contact_of(call, "subuser_id")
        if contact.role != ROLE_SUBUSER:
            raise InvalidValue("subuser_id", str(subuser_id), "0, -1 or a subuser (role 4)")
        subuser_id = contact.id
    assert subuser_id is not None
    service.assigned_to = subuser_id
    call.session.add(service)
    return ok_document()


@api_call("runPolicy")
def run_policy(call: Call) -> etree._Element:
    """Start a backup now (the first one); later ones then run daily."""
    hint = _hint(call, required=False)
    service = _live(_by_service_id(call))
    if service.create_status != "10":
        raise WrongState(f"service {service.service_id} is not created yet "
                         f"(create_status {service.create_status})")
    if service.running:
        raise WrongState(f"a backup of service {service.service_id} is already running")
    if hint is not None:
        service.activation_hint = hint
    service.first_backup_try = 1
    agents.start_task(call.c, service)
    agents.schedule_backups(call.c, service, call.c.now + timedelta(seconds=agents.DAY))
    return ok_document()


@api_call("getStatus", reads=True)
def get_status(call: Call) -> etree._Element:
    """Every service the caller sees, with its full state."""
    root = ok_document()
    account = element("account", (), root)
    for service in visible_services(call):
        add_agent(account, service, full=True)
    return root


def _offset(call: Call) -> int:
    value = call.params.integer("timezoneOffset", required=False, low=-900, high=900)
    return value or 0


@api_call("getBackupStatus", reads=True)
def get_backup_status(call: Call) -> etree._Element:
    """One service's full state and its latest task's state."""
    offset = _offset(call)
    service = _by_service_id(call)
    root = ok_document()
    node = add_agent(root, service, full=True, offset=offset, empty_history="[]")
    add_task(node, service, latest_task(call.session, service))
    return root


@api_call("getTaskDetailById", reads=True)
def get_task_detail_by_id(call: Call) -> etree._Element:
    """A task's log lines, by the taskExecutionContextId from alert_history."""
    offset = _offset(call)
    context_id = call.params.require("taskExecutionContextId")
    task = call.session.exec(select(BrTask).where(BrTask.world_id == call.c.world_id,
                                                  BrTask.context_id == context_id)).first()
    if task is None:
        raise UnknownObject(f"unknown taskExecutionContextId {context_id}")
    _check_access(call, in_world(call.session, BrService, call.c.world_id, task.sc_id),
                  f"taskExecutionContextId {context_id}")
    root = ok_document()
    add_messages(root, call.session, task, offset)
    return root
