"""Rules and state changes of the CleverFox API; takes its session and clock from a Ctx.

Every call validates everything first and commits once at the end, so a refused request
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from emulator.core.coherence import key_cache
from emulator.core.credentials import MalformedCredentials, basic_credentials
from emulator.core.engine import Ctx
from emulator.core.errors import BadRequest, Conflict, EmulatorError
from emulator.core.numbers import INT64_MAX, INT64_MIN, as_int
from emulator.core.runtime import Emulator
from emulator.core.sequence import next_id
from emulator.core.wintz import WINDOWS_ZONES, is_windows_zone, windows_zone
from emulator.core.world import World
from emulator.vendors.cleverfox import agents
from emulator.vendors.cleverfox.errors import (
    DuplicateToken,
    FieldError,
    NoSuchResource,
    NotAuthorized,
)
from emulator.vendors.cleverfox.events import write_event
from emulator.vendors.cleverfox.models import (
    CfCompany,
    CfDevice,
    CfJob,
    CfLog,
    CfPartner,
    CfSubscription,
    CfToken,
)
from emulator.vendors.cleverfox.resources import RESOURCES, Resource, find, read, visible
from emulator.vendors.cleverfox.serializer import render
from emulator.vendors.cleverfox.validate import parse_body

__all__ = ["Caller", "authenticate", "create", "delete_one", "device_children",
           "execute_get_next_job", "get_one", "list_page", "lookup_device", "parse_json",
           "timezones", "update"]

MAX_PAGE_SIZE = 1000
"""ASSUMPTION: the vendor documents no maximum PageSize."""
TOKEN_WINDOW = timedelta(minutes=60)


@dataclass
class Caller:
    """An authenticated request: its world's context and the partner whose API key it used."""

    ctx: Ctx
    partner: CfPartner


def authenticate(emu: Emulator, session: Session, header: str | None) -> Caller:
    """The partner whose API key is the Basic username; 401 when there is none."""
    try:
        decoded = basic_credentials(header)
    except MalformedCredentials:
        raise NotAuthorized("Authorization has been denied for this request: malformed Basic "
                            "credentials") from None
    if decoded is None:
        raise NotAuthorized("Authorization has been denied for this request: HTTP Basic "
                            "credentials with the partner API key as username are required")
    key = decoded.split(":", 1)[0].strip()
    partner = _partner_for(emu, session, key) if key else None
    if partner is None or not emu.visible(partner.world_id):
        raise NotAuthorized("Authorization has been denied for this request: unknown API key")
    ctx = emu.ctx(session, partner.world_id)
    return Caller(ctx, partner)


# API key -> (the World object it was found in, a detached copy of the partner row). An entry
# is good only while emu.worlds still holds that very World object: a reset registers new
# World objects and a deleted sandbox's is dropped, so neither can serve a stale key. Partner
# updates (IsInactive) clear the cache outright.
_KEYS: dict[str, tuple[World, CfPartner]] = {}
_KEYS_MAX = 10_000


def _partner_for(emu: Emulator, session: Session, key: str) -> CfPartner | None:
    cached = _KEYS.get(key)
    if cached is not None and emu.worlds.get(cached[1].world_id) is cached[0]:
        return cached[1]
    partner = session.exec(select(CfPartner).where(CfPartner.api_key == key)).first()
    if partner is None or partner.is_inactive or partner.world_id not in emu.worlds:
        return None
    if len(_KEYS) >= _KEYS_MAX:
        _KEYS.clear()
    copy = CfPartner(**partner.model_dump())
    _KEYS[key] = (emu.worlds[partner.world_id], copy)
    return copy


@key_cache
def forget_keys() -> None:
    """Drop every cached API key (after a partner changed, here or in another process)."""
    _KEYS.clear()


def parse_json(content_type: str | None, raw: bytes) -> Any:
    """The JSON body of a POST/PUT; anything but application/json is refused."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise EmulatorError("The request Content-Type must be application/json; CleverFox "
                            "does not accept query params or form data on POST/PUT",
                            status_code=415, code="unsupported_media_type")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadRequest("The request body is not valid JSON") from None


def _int_param(name: str, value: str | None, default: int, hi: int) -> int:
    if value is None or value == "":
        return default
    number = as_int(value, lo=INT64_MIN, hi=INT64_MAX)  # then bounded to 1..hi below
    if number is None:
        raise FieldError(name, f"'{value}' is not an integer")
    if not 1 <= number <= hi:
        raise FieldError(name, f"must be between 1 and {hi}")
    return number


def paging(page_no: str | None, page_size: str | None) -> tuple[int, int]:
    """PageNo and PageSize from the query string (defaults 1 and 25)."""
    return (_int_param("PageNo", page_no, 1, 1_000_000),
            _int_param("PageSize", page_size, 25, MAX_PAGE_SIZE))


# One statement per (table, scope, filter), built once with bound parameters: constructing a
# select() costs more than running it on a page of rows.
_PAGE_STATEMENTS: dict[tuple[str, str, bool], Any] = {}


def _page_statement(res: Resource, by_device: bool) -> Any:
    key = (res.name, res.scope, by_device)
    stmt = _PAGE_STATEMENTS.get(key)
    if stmt is None:
        table = res.model.__table__  # type: ignore[attr-defined]
        stmt = select(table).where(*visible(res.model, res.scope))
        if by_device:
            stmt = stmt.where(table.c.device_id == bindparam("device"))
        stmt = stmt.order_by(table.c.id.desc()).limit(bindparam("limit")).offset(
            bindparam("offset"))
        _PAGE_STATEMENTS[key] = stmt
    return stmt


def _page(caller: Caller, res: Resource, page_no: str | None, page_size: str | None,
          device: int | None = None) -> dict[str, Any]:
    number, size = paging(page_no, page_size)
    params = {"world": caller.ctx.world_id, "partner": caller.partner.id, "device": device,
              "limit": size, "offset": (number - 1) * size}
    rows = caller.ctx.session.connection().execute(
        _page_statement(res, device is not None), params).all()
    return {"data": render(caller.ctx, rows, res.model), "page_no": number, "page_size": size}


def list_page(caller: Caller, name: str, page_no: str | None,
              page_size: str | None) -> dict[str, Any]:
    """One page of a collection, newest first."""
    return _page(caller, RESOURCES[name], page_no, page_size)


def _get(caller: Caller, res: Resource, ident: int, *, to_change: bool = True) -> Any:
    """The row, or the vendor's 404: an ORM object to change, or a plain row to render."""
    look = find if to_change else read
    row = look(caller.ctx, caller.partner, res.model, ident, res.scope)
    if row is None:
        raise NoSuchResource(res.label, ident)
    return row


def get_one(caller: Caller, name: str, ident: int) -> dict[str, Any]:
    res = RESOURCES[name]
    row = _get(caller, res, ident, to_change=False)
    return {"data": render(caller.ctx, [row], res.model)[0]}


def lookup_device(caller: Caller, external_id: str | None) -> dict[str, Any]:
    """GET /api/devices/lookup?ExternalId=..."""
    if not external_id:
        raise FieldError("ExternalId", "is required")
    query = select(CfDevice).where(*visible(CfDevice, RESOURCES["devices"].scope),
                                   CfDevice.external_id == external_id).order_by(col(CfDevice.id))
    row = caller.ctx.session.exec(query, params={
        "world": caller.ctx.world_id, "partner": caller.partner.id}).first()
    if row is None:
        raise NoSuchResource("Device with ExternalId", repr(external_id))
    return {"data": render(caller.ctx, [row])[0]}


def device_children(caller: Caller, ident: int, what: str, page_no: str | None,
                    page_size: str | None) -> dict[str, Any]:
    """A device's jobs or logs, newest first."""
    _get(caller, RESOURCES["devices"], ident, to_change=False)
    res = RESOURCES[what]
    return _page(caller, res, page_no, page_size, device=ident)


def _check_token(caller: Caller, token: str | None) -> None:
    if not token:
        return
    ctx = caller.ctx
    used = ctx.session.exec(select(CfToken).where(
        CfToken.world_id == ctx.world_id, CfToken.partner_id == caller.partner.id,
        CfToken.token == token, col(CfToken.used_at) > ctx.now - TOKEN_WINDOW)).first()
    if used is not None:
        raise DuplicateToken(token)


def _remember_token(caller: Caller, token: str | None) -> None:
    if token:
        caller.ctx.session.add(CfToken(world_id=caller.ctx.world_id,
                                       partner_id=caller.partner.id, token=token,
                                       used_at=caller.ctx.now))


def _event(caller: Caller, res: Resource, row: Any, step: int) -> None:
    write_event(caller.ctx, caller.partner.id, res.name, row, step)


def _after_save(caller: Caller, row: Any) -> None:
    ctx = caller.ctx
    if isinstance(row, CfJob):
        agents.schedule_job(ctx, row)
    elif isinstance(row, CfDevice):
        jobs = ctx.session.exec(select(CfJob).where(
            CfJob.world_id == ctx.world_id, CfJob.device_id == row.id)).all()
        for job in jobs:
            agents.schedule_job(ctx, job, row)


def create(caller: Caller, name: str, body: Any) -> dict[str, Any]:
    """POST /api/{name}: 201 with the created object."""
    res = RESOURCES[name]
    ctx = caller.ctx
    values = parse_body(res.attrs, body, creating=True)
    _check_token(caller, values.get("token"))
    values.setdefault("partner_id", caller.partner.id)
    if res.model is CfDevice:
        values["api_key"] = ""
    row: Any = res.model(world_id=ctx.world_id, id=0, added_on=ctx.now, **values)
    if res.before_save is not None:
        res.before_save(ctx, caller.partner, row, True)
    row.id = next_id(ctx, f"cleverfox.{res.seq}")
    ctx.session.add(row)
    ctx.session.flush()
    _after_save(caller, row)
    _event(caller, res, row, 0)
    _remember_token(caller, values.get("token"))
    out = render(ctx, [row])[0]
    ctx.session.commit()
    return {"data": out}


def update(caller: Caller, name: str, ident: int, body: Any) -> dict[str, Any]:
    """PUT /api/{name}/{id}: the attributes sent replace the stored ones."""
    res = RESOURCES[name]
    ctx = caller.ctx
    row = _get(caller, res, ident)
    values = parse_body(res.attrs, body, creating=False, current=row)
    _check_token(caller, values.get("token"))
    with ctx.session.no_autoflush:
        for attr, value in values.items():
            setattr(row, attr, value)
        try:
            if res.before_save is not None:
                res.before_save(ctx, caller.partner, row, False)
        except EmulatorError:
            ctx.session.rollback()
            raise
    row.updated_on = ctx.now
    ctx.session.add(row)
    if isinstance(row, CfPartner):
        forget_keys()
    _after_save(caller, row)
    _event(caller, res, row, 1)
    _remember_token(caller, values.get("token"))
    out = render(ctx, [row])[0]
    ctx.session.commit()
    return {"data": out}


def _remove_children(caller: Caller, resource: str, **where: Any) -> None:
    """Delete the rows of `resource` under a deleted parent, each with its Deleted event."""
    ctx = caller.ctx
    model: Any = RESOURCES[resource].model
    query = select(model).where(model.world_id == ctx.world_id)
    for attr, value in where.items():
        query = query.where(getattr(model, attr) == value)
    for child in ctx.session.exec(query.order_by(col(model.id))).all():
        _cascade(caller, child)
        ctx.session.delete(child)
        _event(caller, RESOURCES[resource], child, 2)


def _cascade(caller: Caller, row: Any) -> None:
    ctx = caller.ctx
    if isinstance(row, CfCompany):
        used = ctx.session.exec(select(CfDevice).where(
            CfDevice.world_id == ctx.world_id, CfDevice.company_id == row.id)).first()
        if used is not None:
            raise Conflict(f"Company {row.id} still has devices; delete them first")
        _remove_children(caller, "subscriptions", company_id=row.id)
        _remove_children(caller, "companyusers", company_id=row.id)
    elif isinstance(row, CfSubscription):
        used = ctx.session.exec(select(CfDevice).where(
            CfDevice.world_id == ctx.world_id, CfDevice.subscription_id == row.id)).first()
        if used is not None:
            raise Conflict(f"Subscription {row.id} is used by Device {used.id}")
    elif isinstance(row, CfDevice):
        _remove_children(caller, "jobs", device_id=row.id)
    elif isinstance(row, CfJob):
        ctx.cancel(agents.RUN, row.id)
        ctx.cancel(agents.MISSED, row.id)
        _remove_children(caller, "jobitems", job_id=row.id)


def delete_one(caller: Caller, name: str, ident: int) -> dict[str, Any]:
    """DELETE /api/{name}/{id}: 200 with the object as it was (ASSUMPTION: status and body)."""
    res = RESOURCES[name]
    ctx = caller.ctx
    row = _get(caller, res, ident)
    out = render(ctx, [row])[0]
    _cascade(caller, row)
    ctx.session.delete(row)
    _event(caller, res, row, 2)
    ctx.session.commit()
    return {"data": out}


def execute_get_next_job(caller: Caller, ident: int) -> dict[str, Any]:
    """The device checks in now and starts the jobs that are due (an offline agent: nothing)."""
    ctx = caller.ctx
    ctx.lock()  # it writes from what it reads, though its GET form is a reading method
    device = _get(caller, RESOURCES["devices"], ident)
    started: list[CfLog] = []
    if device.agent_online and not device.is_inactive:
        started = agents.check_in(ctx, device)
    ctx.session.commit()
    return {"data": {"DeviceId": device.id, "LogIds": [log.id for log in started]}}


def _zone(name: str, now: Any) -> dict[str, Any]:
    offset = windows_zone(name).utcoffset(now.replace(tzinfo=None))
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    label = f"(UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}) {name}"
    return {"TimeZoneId": name, "DisplayName": label, "UtcOffsetMinutes": minutes}


def timezones(caller: Caller, page_no: str | None, page_size: str | None) -> dict[str, Any]:
    """Every Windows time zone name TimeZoneId accepts, alphabetically."""
    number, size = paging(page_no, page_size)
    names = WINDOWS_ZONES[(number - 1) * size:number * size]
    return {"data": [_zone(n, caller.ctx.now) for n in names], "page_no": number,
            "page_size": size}


def timezone(caller: Caller, name: str) -> dict[str, Any]:
    if not is_windows_zone(name):
        raise NoSuchResource("Time Zone", repr(name))
    return {"data": _zone(name, caller.ctx.now)}
