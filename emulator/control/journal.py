"""/_emulator/requests: the request journal, queried, configured and cleared."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from emulator.core.clock import check_in_range
from emulator.core.deps import EmulatorDep, SandboxFilterDep
from emulator.core.errors import InvalidInput, NotFound
from emulator.core.journal import MAX_BODY_BYTES, MAX_CAPACITY, JournalQuery, check_bounds
from emulator.core.numbers import BigIdText, IntText
from emulator.core.render import json_response
from emulator.core.routes import DeferredRoute
from emulator.core.runtime import Emulator

__all__ = ["router"]

router = APIRouter(prefix="/requests", tags=["journal"], route_class=DeferredRoute)

MAX_LIMIT = 10_000


class JournalConfig(BaseModel):
    """The journal's bounds; PUT changes those given (a smaller capacity keeps the newest)."""

    model_config = ConfigDict(extra="forbid")

    capacity: int | None = Field(default=None, ge=0, le=MAX_CAPACITY,
                                 description="entries kept (default 10000)")
    body_bytes: int | None = Field(default=None, ge=0, le=MAX_BODY_BYTES,
                                   description="bytes kept of each body (default 2048)")


class JournalPage(BaseModel):
    data: list[dict[str, Any]] = Field(description="matching entries, oldest first")
    total: int = Field(description="how many entries matched in all")
    capacity: int


def _config(emu: Emulator) -> dict[str, int]:
    capacity, body_bytes, size = emu.journal.state()
    return {"capacity": capacity, "body_bytes": body_bytes, "size": size}


def _instant(name: str, value: datetime | None) -> datetime | None:
    return None if value is None else check_in_range(name, value)


@router.get("", response_model=JournalPage, summary="Recorded vendor requests, oldest first")
async def find_requests(
        emu: EmulatorDep,
        vendor: Annotated[str | None, Query(description="cleverfox, rackspace, ...")] = None,
        method: str | None = None,
        path: Annotated[str | None, Query(description="glob; * also matches /")] = None,
        status: IntText | None = None,
        api_call: Annotated[str | None, Query(description="BackupRun's apiCALL")] = None,
        sandbox: Annotated[str | None, Query(
            description="a sandbox id, or 'default' for the default world")] = None,
        since: Annotated[datetime | None, Query(description="virtual time, ISO 8601")] = None,
        until: Annotated[datetime | None, Query(description="virtual time, ISO 8601")] = None,
        after: Annotated[BigIdText | None, Query(description="only entries after this id")] = None,
        fault: Annotated[bool | None, Query(description="only those a fault fired on")] = None,
        limit: Annotated[IntText, Query(ge=0, le=MAX_LIMIT, description="newest N kept")] = 100,
) -> Response:
    query = JournalQuery(vendor=vendor, method=method, path=path, status=status,
                         api_call=api_call, sandbox=sandbox, since=_instant("since", since),
                         until=_instant("until", until), after=after, fault=fault)
    entries, total = emu.journal.find(query, limit)
    return json_response({"data": [e.view() for e in entries], "total": total,
                          "capacity": emu.journal.capacity})


@router.delete("", status_code=204, summary="Forget every entry (or a sandbox's)")
async def clear_requests(emu: EmulatorDep, sandbox: SandboxFilterDep) -> Response:
    emu.journal.clear(sandbox)
    return Response(status_code=204)


@router.get("/config", summary="The journal's bounds and how full it is")
async def get_config(emu: EmulatorDep) -> dict[str, int]:
    return _config(emu)


@router.put("/config", summary="Change the journal's bounds")
async def put_config(emu: EmulatorDep, body: JournalConfig) -> dict[str, int]:
    journal = emu.journal
    stored_capacity, stored_body_bytes = journal.bounds()
    capacity = stored_capacity if body.capacity is None else body.capacity
    body_bytes = stored_body_bytes if body.body_bytes is None else body.body_bytes
    too_big = check_bounds(capacity, body_bytes)
    if too_big is not None:
        raise InvalidInput(f"body: {too_big}")
    journal.configure(body.capacity, body.body_bytes)
    return _config(emu)


@router.get("/{entry_id}", summary="One recorded request")
async def get_request(emu: EmulatorDep, entry_id: BigIdText) -> Response:
    entry = emu.journal.get(entry_id)
    if entry is None:
        raise NotFound(f"no journal entry {entry_id} (the journal keeps the newest "
                       f"{emu.journal.capacity})")
    return json_response(entry.view())
