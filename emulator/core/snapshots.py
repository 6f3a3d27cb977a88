"""Snapshots: copies of the stored state that a test can return to (core.snapshot_store
keeps them by name, in the store).

A snapshot holds rows, not objects: every row of every table (a whole-state snapshot) or the
rows of one sandbox's world (a sandbox snapshot), read with Core selects and written back with
Core executemany inserts, in `SQLModel.metadata.sorted_tables` order so foreign keys hold. It
knows nothing about vendors: a table joins a sandbox snapshot by having a `world_id` column,
and a table without one (`counter`) belongs only to whole-state snapshots.

Each saved world's clock is stored at the virtual time it showed when the snapshot was taken;
a restore resumes it from there, re-anchored to real now, frozen or running as it was.
Fault rules and the request journal are not state of this kind and are never part of one.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from emulator.core.clock import ClockState
from emulator.core.db import restart_sequences, state_tables
from emulator.core.errors import Conflict
from emulator.core.secrets import next_epoch
from emulator.core.timeutil import UTC
from emulator.core.world import DEFAULT_WORLD_ID, TEMPLATE, World

if TYPE_CHECKING:
    from emulator.core.runtime import Emulator

__all__ = ["NAME_PATTERN", "Snapshot", "SnapshotInfo", "capture", "put_back"]

NAME_PATTERN = r"^[A-Za-z0-9._-]{1,100}$"
_WORLD = "world"

Row = dict[str, Any]


@dataclass(frozen=True)
class SnapshotInfo:
    """What a snapshot holds, without its rows: how it is listed."""

    name: str
    sandbox: str | None
    created_at: datetime
    clock: ClockState | None
    """The clock of the world saved: the sandbox's, or the default world's if whole."""
    worlds: list[str]
    """Ids of the worlds saved, the default world first, then sandboxes by age."""
    rows: int
    """How many rows it holds, over every table."""


@dataclass(frozen=True)
class Snapshot:
    """One saved state: rows per table, the worlds they belong to and each world's clock."""

    name: str
    sandbox: str | None
    created_at: datetime
    clocks: Mapping[str, ClockState]
    tables: Mapping[str, Sequence[Row]]

    @property
    def worlds(self) -> list[str]:
        """Ids of the worlds saved, the default world first, then sandboxes by age."""
        return list(self.clocks)

    @property
    def clock(self) -> ClockState | None:
        """The clock of the world saved: the sandbox's, or the default world's if whole."""
        return self.clocks.get(self.sandbox or DEFAULT_WORLD_ID)

    @property
    def rows(self) -> int:
        """How many rows it holds, over every table."""
        return sum(len(rows) for rows in self.tables.values())

    @property
    def info(self) -> SnapshotInfo:
        """What it holds, as it is listed."""
        return SnapshotInfo(name=self.name, sandbox=self.sandbox, created_at=self.created_at,
                            clock=self.clock, worlds=self.worlds, rows=self.rows)


def capture(emu: Emulator, session: Session, name: str = "", *,
            sandbox: str | None = None) -> Snapshot:
    """A snapshot that no store lists (e.g. the default world as a reset builds it)."""
    return _capture(emu, session, name, sandbox)


def put_back(emu: Emulator, session: Session, snapshot: Snapshot) -> None:
    """Replace the whole state, or the snapshot's sandbox, with the snapshot; all or nothing."""
    emu.lock_worlds(session)  # other processes' resets, sandboxes and clock moves wait
    try:
        if snapshot.sandbox is None:
            emu.db.truncate_all(session)
        else:
            emu.drop_world(session, snapshot.sandbox)
        _insert(session, snapshot, time.time())
        _reincarnate(session, snapshot.worlds)
        if emu.db.engine.dialect.name == "postgresql":
            restart_sequences(session)
        session.commit()
    except IntegrityError:
        session.rollback()
        emu.load_worlds(session)
        if snapshot.sandbox is None:
            raise
        raise Conflict(
            f"snapshot {snapshot.name!r} of sandbox {snapshot.sandbox!r} collides with rows "
            "other worlds created since it was taken; restore a whole-state snapshot instead"
        ) from None
    except Exception:
        session.rollback()  # the old state stands, and the caches follow it again
        emu.load_worlds(session)
        raise
    session.expire_all()
    before = set(emu.worlds)
    # New World objects and clocks for every world: the engine's due-time cache and each
    # vendor's cache keyed on the live World object (API keys, tokens) start afresh.
    emu.load_worlds(session)
    for gone in before - set(emu.worlds):  # sandboxes the restore removed: their rules too,
        emu.faults.clear(gone)  # as deleting a sandbox does (a new one may take its id)


def _capture(emu: Emulator, session: Session, name: str, sandbox: str | None) -> Snapshot:
    """Read the rows of a snapshot; each world row carries its clock as of now."""
    tables: dict[str, list[Row]] = {}
    worlds_table = World.__table__  # type: ignore[attr-defined]
    templates = select(worlds_table.c.id).where(worlds_table.c.kind == TEMPLATE)  # not state
    for table in state_tables():
        query = select(table).order_by(*table.primary_key.columns)
        if sandbox is None:
            if table.name == _WORLD:
                query = query.where(table.c.kind != TEMPLATE)
            elif "world_id" in table.c:
                query = query.where(table.c.world_id.not_in(templates))
        else:
            if table.name == _WORLD:
                query = query.where(table.c.id == sandbox)
            elif "world_id" in table.c:
                query = query.where(table.c.world_id == sandbox)
            else:
                continue
        tables[table.name] = [dict(row) for row in session.execute(query).mappings()]
    clocks: dict[str, ClockState] = {}
    worlds = sorted(tables[_WORLD], key=lambda w: (w["kind"] != "default", w["ordinal"]))
    for world in worlds:
        clock = emu.clock(world["id"])
        state = ClockState(clock.now(), time.time(), clock.speed, clock.frozen)
        world.update(clock_anchor=state.anchor, clock_anchor_real=state.anchor_real,
                     clock_speed=state.speed, clock_frozen=state.frozen)
        clocks[world["id"]] = state
    return Snapshot(name=name, sandbox=sandbox, created_at=datetime.now(UTC), clocks=clocks,
                    tables=tables)


def _insert(session: Session, snapshot: Snapshot, real_now: float) -> None:
    """Insert a snapshot's rows, each world's clock re-anchored at `real_now`."""
    for table in state_tables():
        rows = snapshot.tables.get(table.name)
        if not rows:
            continue
        if table.name == _WORLD:
            rows = [{**row, "clock_anchor_real": real_now} for row in rows]
        session.execute(table.insert(), list(rows))


def _reincarnate(session: Session, world_ids: Sequence[str]) -> None:
    """Give each world put back a new incarnation: what it issues from now on (sessions,
    tokens, codes) is never what it issued after the snapshot was taken."""
    table = World.__table__  # type: ignore[attr-defined]
    for world_id in world_ids:
        session.execute(table.update().where(table.c.id == world_id)
                        .values(epoch=next_epoch(session)))
