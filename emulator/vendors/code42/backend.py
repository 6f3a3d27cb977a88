"""What the Code42 routes do: authenticate the caller, then one report or resource call."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from emulator.core.errors import Conflict, NotFound
from emulator.core.runtime import Emulator
from emulator.core.timeutil import iso_z
from emulator.vendors.code42 import export, report
from emulator.vendors.code42.agents import CONNECTION
from emulator.vendors.code42.auth import (
    CLIENT_TOKEN_TTL,
    Caller,
    authenticate,
    authenticate_client,
    issue_client_token,
    issue_user_token,
    row_by_id,
    world_ctx,
)
from emulator.vendors.code42.errors import BadParameter, NotAuthenticated
from emulator.vendors.code42.models import Code42Device, Code42User
from emulator.vendors.code42.schemas import ReportQuery

__all__ = ["auth_jwt", "caller", "device_event", "envelope", "login_configuration",
           "oauth_token", "report_csv", "report_json"]


def caller(emu: Emulator, session: Session, authorization: str | None) -> Caller:
    """The authenticated caller (Bearer token or Basic username:password)."""
    return authenticate(emu, session, authorization)


def envelope(caller: Caller, params: dict[str, str], data: Any) -> dict[str, Any]:
    """The v1 resources' envelope: {"metadata": {...}, "data": ...}."""
    return {"metadata": {"timestamp": caller.ctx.time.shown(), "params": params}, "data": data}


def auth_jwt(emu: Emulator, session: Session, authorization: str | None) -> dict[str, Any]:
    """GET /api/v3/auth/jwt: a v3_user_token for Basic username:password."""
    who = authenticate(emu, session, authorization)
    if who.user is None:
        raise NotAuthenticated("Could not authenticate user: API clients use /api/v3/oauth/token")
    return {"data": {"v3_user_token": issue_user_token(who)}}


def oauth_token(emu: Emulator, session: Session, authorization: str | None,
                grant_type: str | None) -> dict[str, Any]:
    """POST /api/v3/oauth/token: an access token for Basic client_id:secret."""
    if grant_type != "client_credentials":
        raise BadParameter("grant_type", f"{grant_type!r} is not supported; use "
                           "client_credentials")
    who = authenticate_client(emu, session, authorization)
    return {"access_token": issue_client_token(who), "token_type": "bearer",
            "expires_in": int(CLIENT_TOKEN_TTL.total_seconds())}


def login_configuration(emu: Emulator, session: Session,
                        username: str | None) -> dict[str, Any]:
    """GET /api/v3/LoginConfiguration: LOCAL for a known user (py42: LOCAL_2FA otherwise);
    under a sandbox's base URL, known in that sandbox."""
    known = username and any(emu.visible(world) for world in session.exec(
        select(Code42User.world_id).where(Code42User.username == username)).all())
    return {"loginType": "LOCAL" if known else "LOCAL_2FA", "ssoAuthenticationUrl": None}


def report_json(emu: Emulator, session: Session, authorization: str | None,
                query: ReportQuery) -> dict[str, Any]:
    """One page of DeviceBackupReport records."""
    return {"data": report.page(authenticate(emu, session, authorization), query)}


def report_csv(emu: Emulator, session: Session, authorization: str | None,
               query: ReportQuery) -> tuple[str, AsyncIterator[str]]:
    """Every DeviceBackupReport record as CSV: (download file name, chunks)."""
    who = authenticate(emu, session, authorization)
    return who.ctx.time.shown(_report_name), export.csv_chunks(emu.db.engine, who, query)


def _report_name(now: datetime) -> str:
    """The CSV download's file name at `now` (a rendering of now: core.stamps)."""
    return f"DeviceBackupReport_{now:%Y-%m-%dT%H%M%S}Z.csv"


def device_event(emu: Emulator, session: Session, guid: str, event: str,
                 world_id: str) -> dict[str, Any]:
    """Move a device's connection state (control plane): disconnect, connect, deactivate..."""
    ctx = world_ctx(emu, session, world_id)
    device = session.exec(select(Code42Device).where(
        Code42Device.world_id == world_id, col(Code42Device.guid) == guid)).first()
    if device is None:
        raise NotFound(f"no Code42 device with guid {guid!r} in world {world_id!r}")
    owner = row_by_id(session, Code42User, world_id, device.user_id)
    if event in ("connect", "reactivate") and owner is not None and not owner.active:
        # A deactivated user's devices stay deactivated (Code42 deactivates them together).
        raise Conflict(f"device {guid} belongs to deactivated user {owner.username}: "
                       "its devices cannot connect or be reactivated")
    CONNECTION.fire(ctx, device, event)
    session.commit()
    return {"deviceUid": device.guid, "state": device.state, "active": device.active,
            "coldStorage": device.cold_storage, "at": iso_z(ctx.now)}
