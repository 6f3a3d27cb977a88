"""Control-plane routes for snapshots: /_emulator/snapshots, save, list, restore, delete,
export to a file and import one (emulator.core.snapshot_files: the format)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from emulator.control.schemas import ClockView
from emulator.core import snapshot_files
from emulator.core.deps import EmulatorDep, SessionDep
from emulator.core.routes import DeferredRoute
from emulator.core.snapshots import NAME_PATTERN, SnapshotInfo
from emulator.core.timeutil import iso_z

__all__ = ["SnapshotRequest", "SnapshotView", "router"]

# Included by emulator.control.router under /_emulator, so these paths are /_emulator/snapshots.
router = APIRouter(prefix="/snapshots", tags=["control"], route_class=DeferredRoute)


class SnapshotRequest(BaseModel):
    """POST /_emulator/snapshots: what to save, under which name."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN, min_length=1, max_length=100,
                      description="1 to 100 of A-Z a-z 0-9 . _ -")
    sandbox: str | None = Field(default=None,
                                description="A sandbox id: save only that sandbox's world; "
                                            "omitted: the whole state, every world")
    replace: bool = Field(default=False, description="Overwrite a snapshot of the same name")


class SnapshotView(BaseModel):
    """A saved snapshot: what it holds, and its world's clock as it was saved."""

    name: str
    sandbox: str | None = Field(description="The sandbox saved; null for a whole-state snapshot")
    created_at: str = Field(description="When it was taken, real time, ISO 8601 UTC")
    clock: ClockView | None = Field(
        description="The saved clock of the sandbox, or of the default world if whole")
    worlds: list[str] = Field(description="Ids of the worlds saved")
    rows: int = Field(description="Rows saved, over every table")


def snapshot_view(snapshot: SnapshotInfo) -> SnapshotView:
    """How a snapshot is shown: its clock as saved, never its rows."""
    clock = snapshot.clock
    return SnapshotView(
        name=snapshot.name, sandbox=snapshot.sandbox, created_at=iso_z(snapshot.created_at),
        clock=None if clock is None else ClockView(now=iso_z(clock.anchor), frozen=clock.frozen,
                                                   speed=clock.speed),
        worlds=snapshot.worlds, rows=snapshot.rows)


@router.post("", status_code=201, summary="Save the whole state, or one sandbox, under a name")
async def save_snapshot(emu: EmulatorDep, session: SessionDep,
                        body: SnapshotRequest) -> SnapshotView:
    return snapshot_view(emu.snapshots.save(emu, session, body.name, sandbox=body.sandbox,
                                            replace=body.replace))


@router.post("/import", status_code=201, summary="Load a snapshot file (as export wrote it)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"type": "object"}}}}})
async def import_snapshot(
        emu: EmulatorDep, request: Request,
        name: Annotated[str | None, Query(pattern=NAME_PATTERN,
                                          description="Keep it under this name, not the "
                                                      "file's")] = None,
        replace: Annotated[bool, Query(description="Overwrite a snapshot of that name")] = False,
) -> SnapshotView:
    # Read and checked whole before it is kept: a file that does not fit changes nothing.
    snapshot = snapshot_files.loads(await request.body(), name)
    return snapshot_view(emu.snapshots.add(snapshot, replace=replace))


@router.get("", summary="Every snapshot, oldest first")
async def list_snapshots(emu: EmulatorDep) -> list[SnapshotView]:
    return [snapshot_view(s) for s in emu.snapshots.list()]


@router.get("/{name}", summary="One snapshot")
async def get_snapshot(emu: EmulatorDep, name: str) -> SnapshotView:
    return snapshot_view(emu.snapshots.get(name))


@router.get("/{name}/export", summary="A snapshot as a file, to import into any server",
            response_class=Response,
            responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}}})
async def export_snapshot(emu: EmulatorDep, name: str) -> Response:
    return Response(snapshot_files.dumps(emu.snapshots.load(name)), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}.json"'})


@router.delete("/{name}", status_code=204, summary="Forget a snapshot")
async def delete_snapshot(emu: EmulatorDep, name: str) -> Response:
    emu.snapshots.delete(name)
    return Response(status_code=204)


@router.post("/{name}/restore", summary="Return to a snapshot: the whole state, or its sandbox")
async def restore_snapshot(
        emu: EmulatorDep, session: SessionDep, name: str,
        sandbox: Annotated[str | None, Query(
            description="Restore only if the snapshot is of this sandbox (else 409): a "
            "client that owns one sandbox never wipes the others")] = None) -> SnapshotView:
    return snapshot_view(emu.snapshots.restore(emu, session, name, sandbox=sandbox))
