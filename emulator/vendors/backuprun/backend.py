"""Rules and state changes of the BackupRun API: one entry point that runs an apiCALL.

The handlers live by topic (auth, accounts, services) and register themselves in CALLS; this
module resolves the session, runs the handler and commits once, so an error changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlmodel import Session

from emulator.core.errors import EmulatorError
from emulator.core.runtime import Emulator
from emulator.vendors.backuprun import accounts, auth, services
from emulator.vendors.backuprun.call import CALLS, READS, Call
from emulator.vendors.backuprun.errors import UnknownCall
from emulator.vendors.backuprun.params import Params

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["CALL_NAMES", "READ_CALLS", "handle"]

# Imported for their registrations.
_MODULES = (accounts, auth, services)
CALL_NAMES: tuple[str, ...] = tuple(CALLS)
READ_CALLS = frozenset(READS)


def handle(emu: Emulator, session: Session, values: Mapping[str, str],
           cookie: str | None) -> tuple[Call, etree._Element]:
    """Run the call named by apiCALL; returns the call (for its cookie) and the answer.

    Every call with a live session cookie restarts the session's idle time, an answer with an
    error too (PHP starts the session before the script looks at the call): the error's
    changes are rolled back, then the session alone is touched and committed.
    """
    call = Call(emu, session, Params({}), cookie)
    try:
        call.params = Params(values)
        name = values.get("apiCALL") or None
        entry = CALLS.get(name or "")
        if entry is None:
            raise UnknownCall(name)
        handler, needs_session = entry
        call.touch()
        if needs_session:
            call.require_login()
        root = handler(call)
        session.commit()
    except EmulatorError:  # the vendor's own errors and the core's (bad ids, bodies)
        session.rollback()
        _touch_alone(emu, session, cookie)
        raise
    return call, root


def _touch_alone(emu: Emulator, session: Session, cookie: str | None) -> None:
    """Restart the idle time of the cookie's session after a failed call, nothing else."""
    if not cookie:
        return
    call = Call(emu, session, Params({}), cookie)
    call.touch()
    session.commit()
