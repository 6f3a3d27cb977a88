"""Accounts without a session: registerNewUser, login, recoverPassword, resetPassword, logout.

Which world a call without a session acts on: under a sandbox's base URL, that sandbox and
no other (core.http_rules). At the root, login finds the account by email and password
across worlds, resetPassword by its recovery code, and a new registration goes into the
world of the caller's live session if it has one, else into the default world (ASSUMPTION:
the real service has one world).
"""

from __future__ import annotations

import string
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlmodel import col, select

from emulator.core import secrets
from emulator.core.engine import Ctx
from emulator.core.exchange import pinned_world
from emulator.core.sequence import next_id
from emulator.vendors.backuprun.call import (
    IDLE_SECONDS,
    REMEMBER_SECONDS,
    Call,
    api_call,
    in_world,
    users_by_email,
)
from emulator.vendors.backuprun.errors import EmailTaken, LoginFailed, UnknownObject, WrongState
from emulator.vendors.backuprun.models import ROLE_MAIN, BrMail, BrRecovery, BrSession, BrUser
from emulator.vendors.backuprun.serializer import element, ok_document

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["RECOVERY_SECONDS", "mail", "open_session"]

RECOVERY_SECONDS = 24 * 3600  # how long a recovery code stays valid (virtual time)
_ALPHABET = string.ascii_lowercase + string.digits


def _token(ctx: Ctx, kind: str, length: int) -> str:
    # Numbered per world; core.secrets makes the token unique across worlds and resets.
    number = next_id(ctx, f"backuprun.{kind}")
    return secrets.text_token(ctx.world, f"backuprun.{kind}", number, length=length,
                              alphabet=_ALPHABET)


def open_session(call: Call, ctx: Ctx, user: BrUser, remember: int) -> None:
    """Start a session for `user` and have the response set its cookie."""
    life = REMEMBER_SECONDS if remember else IDLE_SECONDS
    sid = _token(ctx, "session", 26)
    ctx.session.add(BrSession(id=sid, world_id=ctx.world_id, user_id=user.id,
                              persistent=bool(remember),
                              expires_at=ctx.now + timedelta(seconds=life)))
    call.set_cookie = (sid, REMEMBER_SECONDS if remember else None)
    call.ctx, call.user = ctx, user


def mail(ctx: Ctx, to: str, subject: str, body: str, kind: str,
         recoverycode: str | None = None) -> None:
    """Put a message in the world's outbox (the emulator sends no mail)."""
    ctx.session.add(BrMail(world_id=ctx.world_id, id=next_id(ctx, "backuprun.mail"), to=to,
                           subject=subject, body=body, kind=kind, recoverycode=recoverycode,
                           sent_at=ctx.now))


def new_user(ctx: Ctx, *, email: str, name: str, password: str, role: int = ROLE_MAIN,
             account_id: int | None = None, **extra: Any) -> BrUser:
    """Add a login after checking that its email is free in this world."""
    if users_by_email(ctx.session, email, ctx.world_id):
        raise EmailTaken(email)
    user = BrUser(world_id=ctx.world_id, id=next_id(ctx, "backuprun.user"), email=email.lower(),
                  name=name, password=password, role=role, account_id=account_id,
                  created_at=ctx.now, **extra)
    ctx.session.add(user)
    return user


@api_call("registerNewUser", session=False)
def register_new_user(call: Call) -> etree._Element:
    """Create a main account; it logs in with login afterwards."""
    email = call.params.email("email")
    name = call.params.require("name")
    password = call.params.require("password")
    assert email is not None
    if call.resolve_login() is None:
        call.ctx = call.emu.ctx(call.session, call.emu.home())
    ctx = call.c
    new_user(ctx, email=email, name=name, password=password, notify_email=email.lower())
    mail(ctx, email.lower(), "Welcome to BackupRun",
         f"Hello {name},\n\nyour BackupRun account {email.lower()} is ready.\n", "welcome")
    return ok_document()


@api_call("login", session=False)
def login(call: Call) -> etree._Element:
    """Check email and password, start a session (persistent with remember=1)."""
    email = call.params.require("email")
    password = call.params.require("password")
    remember = call.params.flag("remember")
    match = [u for u in users_by_email(call.session, email, pinned_world())
             if u.password == password and call.emu.visible(u.world_id)]
    if not match:
        raise LoginFailed()
    user = match[0]
    ctx = call.emu.ctx(call.session, user.world_id)
    open_session(call, ctx, user, remember)
    root = ok_document()
    node = element("user", (), root)
    element("name", {"value": user.name}, node)
    element("email", {"value": user.email}, node)
    element("special_locations", {"value": user.special_locations}, node)
    return root


@api_call("logout")
def logout(call: Call) -> etree._Element:
    """End the session (an emulator addition; the page documents no logout call)."""
    assert call.login is not None
    call.session.delete(call.login)
    call.clear_cookie = True
    return ok_document()


@api_call("recoverPassword", session=False)
def recover_password(call: Call) -> etree._Element:
    """Issue a one-time recovery code and 'mail' it (see the control plane's outbox)."""
    email = call.params.email("email")
    assert email is not None
    world_id = call.login.world_id if call.resolve_login() and call.login else pinned_world()
    users = [u for u in users_by_email(call.session, email, world_id)
             if call.emu.visible(u.world_id)]
    if not users:
        raise UnknownObject(f"no account with email {email!r}")
    # Every world's due work first: applying it commits, which must not carry our writes.
    contexts = {u.world_id: call.emu.ctx(call.session, u.world_id) for u in users}
    for user in users:
        ctx = contexts[user.world_id]
        code = _token(ctx, "recovery", 27)
        call.session.add(BrRecovery(code=code, world_id=ctx.world_id, user_id=user.id,
                                    expires_at=ctx.now + timedelta(seconds=RECOVERY_SECONDS)))
        link = f"https://www.backuprun.com/reset-password?recoverycode={code}"
        mail(ctx, user.email, "BackupRun password recovery",
             f"Hello {user.name},\n\nto choose a new password open {link}\n"
             f"The link is valid for 24 hours and can be used once.\n", "recovery", code)
    return ok_document()


@api_call("resetPassword", session=False)
def reset_password(call: Call) -> etree._Element:
    """Set a new password with a recovery code (once) and log in."""
    code = call.params.require("recoverycode")
    password = call.params.require("password")
    remember = call.params.flag("remember")
    # A recovery code is a secret unique across worlds: the code alone names its world.
    row = (call.session.exec(select(BrRecovery).where(BrRecovery.code == code)).first()
           if len(code) <= 64 else None)
    if row is None or not call.emu.visible(row.world_id):
        raise UnknownObject("unknown recoverycode")
    ctx = call.emu.ctx(call.session, row.world_id)  # due work never touches codes
    if row.used:
        raise WrongState("this recoverycode was already used")
    if row.expires_at <= ctx.now:
        raise WrongState("this recoverycode has expired")
    user = in_world(call.session, BrUser, row.world_id, row.user_id)
    if user is None:
        raise UnknownObject("the account of this recoverycode no longer exists")
    row.used = True
    user.password = password
    call.session.add_all([row, user])
    # A new password ends the account's other sessions.
    call.session.execute(delete(BrSession).where(col(BrSession.world_id) == user.world_id,
                                                 col(BrSession.user_id) == user.id))
    open_session(call, ctx, user, remember)
    return ok_document()
