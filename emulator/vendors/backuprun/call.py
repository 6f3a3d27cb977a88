"""One apiCALL in flight: its parameters, the session cookie, and the login it resolved to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from sqlmodel import Session, col, select

from emulator.core.engine import Ctx
from emulator.core.runtime import Emulator
from emulator.core.storable import storable
from emulator.vendors.backuprun.errors import NotLoggedIn
from emulator.vendors.backuprun.models import BrMail, BrService, BrSession, BrTask, BrUser
from emulator.vendors.backuprun.params import Params

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["CALLS", "COOKIE", "IDLE_SECONDS", "REMEMBER_SECONDS", "Call", "CallHandler",
           "api_call", "in_world", "users_by_email"]

COOKIE = "PHPSESSID"  # PHP's default session cookie name
IDLE_SECONDS = 1440  # PHP's session.gc_maxlifetime default: a session cookie's idle life
TOUCH_SECONDS = 60
REMEMBER_SECONDS = 30 * 86400  # remember=1: a persistent cookie and session for 30 days


@dataclass
class Call:
    """What a handler works with; it sets `set_cookie`/`clear_cookie` to change the cookie."""

    emu: Emulator
    session: Session
    params: Params
    cookie: str | None
    ctx: Ctx | None = None
    login: BrSession | None = None
    user: BrUser | None = None
    set_cookie: tuple[str, int | None] | None = None  # (session id, Max-Age or None)
    clear_cookie: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def c(self) -> Ctx:
        """The world context (a handler that needs one has it resolved by then)."""
        assert self.ctx is not None
        return self.ctx

    @property
    def me(self) -> BrUser:
        assert self.user is not None
        return self.user

    def resolve_login(self) -> BrSession | None:
        """The live session named by the cookie, with its world's context; None if none."""
        if not self.cookie or len(self.cookie) > 64 or not storable(self.cookie):
            return None  # not a session id we issue (a NUL would reach PostgreSQL's query)
        # A session id is a secret unique across worlds: the cookie alone names its world.
        row = self.session.exec(select(BrSession).where(BrSession.id == self.cookie)).first()
        if row is None or not self.emu.visible(row.world_id):
            return None
        # Due work never touches sessions, so the row read before it is still current.
        ctx = self.emu.ctx(self.session, row.world_id)
        if ctx.time.reached(row.expires_at):
            self.clear_cookie = True
            return None
        user = in_world(self.session, BrUser, row.world_id, row.user_id)
        if user is None:
            return None
        self.ctx, self.login, self.user = ctx, row, user
        return row

    def require_login(self) -> None:
        """Resolve the session or answer not_logged_in (see `touch` for its idle time)."""
        if self.login is None and self.resolve_login() is None:
            raise NotLoggedIn("not logged in: call login first" if not self.clear_cookie
                              else "the session expired: call login again",
                              expired=self.clear_cookie)

    def touch(self) -> None:
        """Restart the idle time of the cookie's live session, as PHP's session_start does on
        every request (whatever the call, and whether or not it succeeds)."""
        if self.login is None and (not self.cookie or self.resolve_login() is None):
            return
        assert self.login is not None
        life = timedelta(seconds=REMEMBER_SECONDS if self.login.persistent else IDLE_SECONDS)
        # Written at most once a minute: a read call then writes nothing (the idle time is
        # kept to the minute, which no client can tell from PHP's), and its answer holds
        # until that minute has passed.
        touched = self.login.expires_at - life
        if self.c.time.reached(touched + timedelta(seconds=TOUCH_SECONDS)):
            self.login.expires_at = self.c.now + life
            self.session.add(self.login)


CallHandler = Callable[[Call], "etree._Element"]

# apiCALL name -> (handler, whether it needs a session)
CALLS: dict[str, tuple[CallHandler, bool]] = {}
READS: set[str] = set()  # the calls that change nothing (but a session's idle time)


def api_call(name: str, *, session: bool = True,
             reads: bool = False) -> Callable[[CallHandler], CallHandler]:
    """Register the handler of an apiCALL (`reads`: one that changes nothing in its world,
    so it does not take its world's write lock before it reads: core.runtime)."""

    def register(handler: CallHandler) -> CallHandler:
        CALLS[name] = (handler, session)
        if reads:
            READS.add(name)
        return handler

    return register


Row = TypeVar("Row", BrUser, BrService, BrTask, BrMail)


def in_world(session: Session, model: type[Row], world_id: str, ident: int | None) -> Row | None:
    """The row of `model` with vendor id `ident` in world `world_id` (ids repeat across worlds)."""
    if ident is None:
        return None
    return session.exec(select(model).where(model.world_id == world_id,
                                            model.id == ident)).first()


def users_by_email(session: Session, email: str, world_id: str | None = None) -> list[BrUser]:
    """Logins with this email (case-insensitive), in one world or in all, oldest world first."""
    query = select(BrUser).where(col(BrUser.email) == email.lower())
    if world_id is not None:
        query = query.where(BrUser.world_id == world_id)
    return list(session.exec(query.order_by(col(BrUser.world_id), col(BrUser.id))).all())
