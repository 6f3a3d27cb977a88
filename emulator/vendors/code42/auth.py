"""Who is calling: Basic auth, v3 user tokens (30 minutes) and API-client tokens (15 minutes).

A credential alone names its world: usernames carry their sandbox's tag and tokens are rows of
their world, so a deleted sandbox's users and tokens stop working with it. Ids are per world
(core.sequence), so a row a token or login points at is looked up by (world, id), never by id.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import ColumnElement, false, true
from sqlmodel import Session, col, select

from emulator.core import secrets
from emulator.core.credentials import MalformedCredentials, basic_credentials
from emulator.core.engine import Ctx
from emulator.core.runtime import Emulator
from emulator.vendors.code42.agents import catch_up
from emulator.vendors.code42.errors import NotAuthenticated
from emulator.vendors.code42.models import (
    Code42ApiClient,
    Code42Device,
    Code42Org,
    Code42Token,
    Code42User,
)

__all__ = [
    "CLIENT_TOKEN_TTL",
    "USER_TOKEN_TTL",
    "Caller",
    "authenticate",
    "basic_pair",
    "issue_client_token",
    "issue_user_token",
    "org_subtree",
    "row_by_id",
]

USER_TOKEN_TTL = timedelta(minutes=30)
CLIENT_TOKEN_TTL = timedelta(minutes=15)


@dataclass
class Caller:
    """An authenticated caller in its world: a user with a role, or an API client."""

    ctx: Ctx
    user: Code42User | None
    client: Code42ApiClient | None = None

    @property
    def role(self) -> str:
        return "sysadmin" if self.user is None else self.user.role

    def org_ids(self) -> list[int] | None:
        """Orgs whose devices and users the caller sees; None means every org."""
        if self.user is None or self.role == "sysadmin":
            return None
        return org_subtree(self.ctx, self.user.org_id)

    def device_scope(self) -> ColumnElement[bool]:
        """The condition limiting device rows to what this caller may see."""
        if self.user is None or self.role == "sysadmin":
            return true()
        if self.role == "org_manager":
            return col(Code42Device.org_id).in_(self.org_ids() or [])
        return col(Code42Device.user_id) == self.user.id

    def user_scope(self) -> ColumnElement[bool]:
        """The condition limiting user rows to what this caller may see."""
        if self.user is None or self.role == "sysadmin":
            return true()
        if self.role == "org_manager":
            return col(Code42User.org_id).in_(self.org_ids() or [])
        return col(Code42User.id) == self.user.id if self.user.id is not None else false()


def row_by_id(session: Session, model: Any, world_id: str, ident: int | None) -> Any:
    """The row of `model` with vendor id `ident` in `world_id`, or None (ids repeat across
    worlds, so a lookup by id alone could find another world's row)."""
    if ident is None:
        return None
    return session.exec(select(model).where(model.world_id == world_id,
                                            model.id == ident)).first()


def org_subtree(ctx: Ctx, org_id: int) -> list[int]:
    """An org and every org below it."""
    org = row_by_id(ctx.session, Code42Org, ctx.world_id, org_id)
    if org is None:
        return []
    ids = ctx.session.exec(
        select(Code42Org.id).where(Code42Org.world_id == ctx.world_id,
                                   col(Code42Org.path).startswith(org.path))).all()
    return [i for i in ids if i is not None]


def world_ctx(emu: Emulator, session: Session, world_id: str) -> Ctx:
    """The world's context, its devices' bulk backup sweeps caught up to its now."""
    ctx = emu.ctx(session, world_id)
    if catch_up(ctx):
        session.commit()
    return ctx


def basic_pair(authorization: str | None) -> tuple[str, str] | None:
    """(user, password) from a Basic Authorization header, else None."""
    try:
        decoded = basic_credentials(authorization)
    except MalformedCredentials:
        return None
    if decoded is None:
        return None
    name, sep, secret = decoded.partition(":")
    return (name, secret) if sep else None


# Basic header -> (the world object it was checked in, the user). A reset or a deleted sandbox
# replaces or drops the world object, which is what invalidates an entry; users and passwords
# never change inside a world.
_BASIC: dict[str, tuple[Any, Code42User]] = {}
_BASIC_MAX = 4096


def _user_by_login(emu: Emulator, session: Session, username: str,
                   password: str) -> Code42User | None:
    """The active user with this login among the worlds the request can see."""
    for user in session.exec(select(Code42User).where(Code42User.username == username)).all():
        if user.password == password and user.active and emu.visible(user.world_id):
            return user
    return None


def authenticate(emu: Emulator, session: Session, authorization: str | None, *,
                 basic: bool = True) -> Caller:
    """The caller behind an Authorization header (Bearer, or Basic when `basic`)."""
    if authorization and authorization[:7].lower() == "bearer ":
        token = session.exec(select(Code42Token).where(
            Code42Token.token == authorization[7:].strip())).first()
        if token is None or not emu.visible(token.world_id):
            raise NotAuthenticated()
        ctx = world_ctx(emu, session, token.world_id)
        if ctx.time.reached(token.expires_at):
            raise NotAuthenticated("Could not authenticate user: the token has expired")
        if token.api_client_id is not None:
            client = row_by_id(session, Code42ApiClient, token.world_id, token.api_client_id)
            if client is None:
                raise NotAuthenticated()
            return Caller(ctx, None, client)
        user = row_by_id(session, Code42User, token.world_id, token.user_id)
        if user is None or not user.active:
            raise NotAuthenticated()
        return Caller(ctx, user)
    pair = basic_pair(authorization) if basic else None
    if pair is None or authorization is None:
        raise NotAuthenticated()
    cached = _BASIC.get(authorization)
    if cached is not None and emu.worlds.get(cached[1].world_id) is cached[0]:
        if not emu.visible(cached[1].world_id):
            raise NotAuthenticated()
        return Caller(world_ctx(emu, session, cached[1].world_id), cached[1])
    user = _user_by_login(emu, session, *pair)
    if user is None:
        raise NotAuthenticated()
    if len(_BASIC) >= _BASIC_MAX:
        _BASIC.clear()
    _BASIC[authorization] = (emu.worlds[user.world_id], user)
    return Caller(world_ctx(emu, session, user.world_id), user)


def authenticate_client(emu: Emulator, session: Session, authorization: str | None) -> Caller:
    """The API client behind Basic client_id:secret (for the client_credentials grant)."""
    pair = basic_pair(authorization)
    if pair is not None:
        for client in session.exec(
                select(Code42ApiClient).where(Code42ApiClient.client_id == pair[0])).all():
            if client.secret == pair[1] and emu.visible(client.world_id):
                return Caller(world_ctx(emu, session, client.world_id), None, client)
    raise NotAuthenticated()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _token(ctx: Ctx, subject: str, ttl: timedelta, kind: str) -> tuple[str, Code42Token]:
    """A JWT-shaped token, deterministic from the world's seed, the subject and the time."""
    rng = secrets.draw(ctx.world, "code42.token", kind, subject, ctx.now.isoformat())
    issued = int(ctx.now.timestamp())
    header = _b64(orjson.dumps({"alg": "RS256", "typ": "JWT"}))
    payload = _b64(orjson.dumps({"sub": subject, "iat": issued,
                                 "exp": issued + int(ttl.total_seconds()),
                                 "jti": f"{rng.getrandbits(128):032x}"}))
    text = f"{header}.{payload}.{_b64(rng.randbytes(48))}"
    # Issued by a GET too (auth/jwt): the world's lock before looking for the same token
    # issued at the same instant through another process (a second insert: a conflict).
    ctx.lock()
    row = ctx.session.exec(select(Code42Token).where(Code42Token.token == text)).first() or \
        Code42Token(token=text, world_id=ctx.world_id, expires_at=ctx.now + ttl)
    row.expires_at = ctx.now + ttl
    return text, row


def issue_user_token(caller: Caller) -> str:
    """A v3_user_token for the calling user, valid USER_TOKEN_TTL of virtual time."""
    assert caller.user is not None
    text, row = _token(caller.ctx, caller.user.user_uid, USER_TOKEN_TTL, "user")
    row.user_id = caller.user.id
    caller.ctx.session.add(row)
    caller.ctx.session.commit()
    return text


def issue_client_token(caller: Caller) -> str:
    """An access token for the calling API client, valid CLIENT_TOKEN_TTL of virtual time."""
    assert caller.client is not None
    text, row = _token(caller.ctx, caller.client.client_id, CLIENT_TOKEN_TTL, "client")
    row.api_client_id = caller.client.id
    caller.ctx.session.add(row)
    caller.ctx.session.commit()
    return text
