"""Named snapshots, kept in the store: any process over one database lists and restores what
any other saved, and they outlive a restart (issue 16).

One row of table `snapshot` per name: what a snapshot is listed by (its sandbox, when it was
taken, its clock, worlds and row count) in columns, and its rows as a snapshot file
(core.snapshot_files) with times to the microsecond, zlib-compressed. The table survives
resets, is in no snapshot, and bumps no world's version (core.versions._UNVERSIONED): saving
or deleting a snapshot changes no vendor's answer.

Decoding a whole-state snapshot costs milliseconds, so a process keeps the last ones it saved
or decoded, each with the stamp its row had (a new one at every save). A restore reads the
row's stamp and uses the kept copy only while it is still the stored one: a snapshot replaced
or deleted through another process is never restored from an old copy.
"""

from __future__ import annotations

import re
import uuid
import zlib
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import JSON, Column, CursorResult, LargeBinary, Row, Table, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from emulator.core import snapshot_files
from emulator.core.clock import ClockState
from emulator.core.db import Database, UTCDateTime
from emulator.core.errors import Conflict, NotFound
from emulator.core.snapshots import NAME_PATTERN, Snapshot, SnapshotInfo, capture, put_back
from emulator.core.world import DEFAULT_WORLD_ID

if TYPE_CHECKING:
    from emulator.core.runtime import Emulator

__all__ = ["TABLE", "SnapshotStore", "StoredSnapshot"]

TABLE = "snapshot"
_NAME = re.compile(NAME_PATTERN)
_KEPT = 16  # decoded snapshots a process keeps (the most recently used)
_LEVEL = 1  # zlib: a fifth of the bytes at a millisecond per whole default world


class StoredSnapshot(SQLModel, table=True):
    """One named snapshot: how it is listed, and its rows (a compressed snapshot file)."""

    __tablename__ = TABLE
    __table_args__ = {"info": {"survives_reset": True}}

    name: str = Field(primary_key=True, max_length=100)
    position: int  # the order saved in, a replaced snapshot counting as new
    stamp: str = Field(max_length=32)  # new at each save: what a process's copy is checked by
    sandbox: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(sa_type=UTCDateTime)
    worlds: list[str] = Field(sa_column=Column(JSON, nullable=False))
    clock_now: datetime | None = Field(default=None, sa_type=UTCDateTime)
    clock_frozen: bool | None = None
    clock_speed: float | None = None
    rows: int
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


_T: Table = StoredSnapshot.__table__  # type: ignore[attr-defined]
_LISTED = [c for c in _T.c if c.name not in ("payload", "stamp", "position")]


class SnapshotStore:
    """Named snapshots of one store, oldest first; they outlive resets and restarts."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._decoded: dict[str, tuple[str, Snapshot]] = {}

    def list(self) -> list[SnapshotInfo]:
        """Every snapshot, oldest first (a replaced one counts as new)."""
        with self.db.session() as session:
            found = session.execute(select(*_LISTED).order_by(_T.c.position, _T.c.name))
            return [_info(row) for row in found]

    def get(self, name: str) -> SnapshotInfo:
        """The snapshot called `name`, or NotFound."""
        with self.db.session() as session:
            row = session.execute(select(*_LISTED).where(_T.c.name == name)).first()
        if row is None:
            raise _missing(name)
        return _info(row)

    def load(self, name: str) -> Snapshot:
        """The snapshot called `name` with its rows, or NotFound."""
        with self.db.session() as session:
            return self._load(session, name)

    def delete(self, name: str) -> None:
        """Forget the snapshot called `name`, or NotFound."""
        with self.db.session() as session:
            result = session.execute(_T.delete().where(_T.c.name == name))
            gone = cast("CursorResult[Any]", result).rowcount
            session.commit()
        self._decoded.pop(name, None)
        if not gone:
            raise _missing(name)

    def save(self, emu: Emulator, session: Session, name: str, *, sandbox: str | None = None,
             replace: bool = False) -> SnapshotInfo:
        """Copy the whole state, or one sandbox's world, under `name`."""
        if not _NAME.match(name):
            raise ValueError(f"bad snapshot name {name!r}")  # the schema checks it first
        if not replace and session.execute(
                select(_T.c.name).where(_T.c.name == name)).first() is not None:
            raise _taken(name)
        if sandbox is not None and (sandbox == DEFAULT_WORLD_ID or sandbox not in emu.worlds):
            raise NotFound(f"no sandbox {sandbox!r}" + (
                "; omit sandbox for a whole-state snapshot" if sandbox == DEFAULT_WORLD_ID
                else ""))
        snapshot = capture(emu, session, name, sandbox=sandbox)
        self._keep(session, snapshot, replace)
        return snapshot.info

    def add(self, snapshot: Snapshot, *, replace: bool = False) -> SnapshotInfo:
        """Keep a snapshot made elsewhere (e.g. loaded from a file) under its name."""
        with self.db.session() as session:
            self._keep(session, snapshot, replace)
        return snapshot.info

    def restore(self, emu: Emulator, session: Session, name: str, *,
                sandbox: str | None = None) -> SnapshotInfo:
        """Put the saved state back, all of it or only its sandbox; all or nothing.

        With `sandbox`, only a snapshot of that sandbox: anything else is a Conflict, and
        nothing changes (a whole-state restore would delete every other sandbox).
        """
        snapshot = self._load(session, name)
        if sandbox is not None and snapshot.sandbox != sandbox:
            held = ("the whole state, every sandbox included" if snapshot.sandbox is None
                    else f"sandbox {snapshot.sandbox!r}")
            raise Conflict(f"snapshot {name!r} holds {held}, not sandbox {sandbox!r}: "
                           "restoring it from a sandbox is refused")
        put_back(emu, session, snapshot)
        return snapshot.info

    # -- the row -----------------------------------------------------------------------------

    def _keep(self, session: Session, snapshot: Snapshot, replace: bool) -> None:
        """Write `snapshot`'s row, replacing one of its name if `replace` (and commit)."""
        payload = zlib.compress(snapshot_files.dumps(snapshot, exact=True), _LEVEL)
        clock = snapshot.clock
        stamp = uuid.uuid4().hex
        try:
            if replace:
                session.execute(_T.delete().where(_T.c.name == snapshot.name))
            position = session.execute(select(func.max(_T.c.position))).scalar() or 0
            session.execute(_T.insert().values(
                name=snapshot.name, position=position + 1, stamp=stamp,
                sandbox=snapshot.sandbox, created_at=snapshot.created_at,
                worlds=snapshot.worlds, rows=snapshot.rows, payload=payload,
                clock_now=None if clock is None else clock.anchor,
                clock_frozen=None if clock is None else clock.frozen,
                clock_speed=None if clock is None else clock.speed))
            session.commit()
        except IntegrityError:  # saved under that name through another process meanwhile
            session.rollback()
            raise _taken(snapshot.name) from None
        self._remember(snapshot.name, stamp, snapshot)

    def _load(self, session: Session, name: str) -> Snapshot:
        """The stored snapshot `name`: the copy this process holds while its stamp is the
        stored one, else decoded from its row."""
        stamp = session.execute(select(_T.c.stamp).where(_T.c.name == name)).scalar()
        kept = self._decoded.get(name)
        if stamp is not None and kept is not None and kept[0] == stamp:
            self._remember(name, stamp, kept[1])
            return kept[1]
        row = None if stamp is None else session.execute(
            select(_T.c.stamp, _T.c.payload).where(_T.c.name == name)).first()
        if row is None:
            self._decoded.pop(name, None)
            raise _missing(name)
        snapshot = snapshot_files.loads(zlib.decompress(row.payload), name, exact=True)
        self._remember(name, row.stamp, snapshot)
        return snapshot

    def _remember(self, name: str, stamp: str, snapshot: Snapshot) -> None:
        self._decoded.pop(name, None)  # the most recently used last
        self._decoded[name] = (stamp, snapshot)
        while len(self._decoded) > _KEPT:
            del self._decoded[next(iter(self._decoded))]


def _info(row: Row[Any]) -> SnapshotInfo:
    clock = None if row.clock_now is None else ClockState(
        row.clock_now, 0.0, row.clock_speed, row.clock_frozen)
    return SnapshotInfo(name=row.name, sandbox=row.sandbox, created_at=row.created_at,
                        clock=clock, worlds=list(row.worlds), rows=row.rows)


def _missing(name: str) -> NotFound:
    return NotFound(f"no snapshot {name!r}")


def _taken(name: str) -> Conflict:
    return Conflict(f"a snapshot named {name!r} exists; pass replace=true to overwrite it or "
                    "delete it first")
