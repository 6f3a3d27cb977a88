"""FastAPI dependencies shared by every router."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from emulator.core.runtime import Emulator

__all__ = ["EmulatorDep", "SessionDep", "get_emulator", "get_session"]


def get_emulator(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


async def get_session(request: Request) -> AsyncIterator[Session]:
    # async on purpose: a sync generator would open and close the session in a worker thread.
    with get_emulator(request).db.session() as session:
        yield session


EmulatorDep = Annotated[Emulator, Depends(get_emulator)]
SessionDep = Annotated[Session, Depends(get_session)]
