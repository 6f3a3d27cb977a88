"""One batch of a world's due work: applied in memory, written with a few set-based statements.

The engine claims a world's next due transitions (`Simulation.claim`) and hands them to a
`Batch`. The batch is the queue while handlers run: it pops transitions in (due_at, id) order,
takes the work handlers schedule (pushed into the same heap, so a run that schedules the next
run inside the jump applies it without a round trip) and their cancels (in memory, plus one
set-based delete at the end). Handlers keep what they looked up in `state` and buffer rows with
`insert` / `update`; `write` then puts everything in the store with one ORM flush, one
executemany per table and statement, one delete of the applied rows and one insert of the new
pending ones. Nothing a handler buffered is visible to SQL before `write`: handlers that need
their own rows back keep them in `state`.

Buffered rows are written at the driver level (`_RowWriter`): each table's INSERT is made once,
each row becomes a plain tuple with only the columns that need it converted (datetimes, JSON),
and the DBAPI cursor's executemany gets them through the session's connection. Binding them
through the ORM session cost most of a replayed run. Such a write passes by the session's
events, so `write` bumps the world's version itself (core.versions).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import JSON, Connection, Executable, Table, bindparam, delete, insert
from sqlalchemy.engine import Dialect
from sqlmodel import Session

from emulator.core.db import insert_sql
from emulator.core.versions import ALL, wrote

__all__ = ["NEW_SEQ", "Batch", "Due", "blank_row"]

T = TypeVar("T")

NEW_SEQ = 1 << 62
"""Work scheduled inside a batch sorts after every stored row of the same due time, as its
autoincrement id will once written."""

_IN_CHUNK = 500  # ids per DELETE ... IN (...), under every backend's bind-parameter limit


_BLANKS: dict[Table, dict[str, Any]] = {}


def blank_row(table: Table) -> dict[str, Any]:
    """Every column of `table` but its primary key, at its scalar default (else None): a row
    started from this has the same keys as every other, as one executemany needs."""
    blank = _BLANKS.get(table)
    if blank is None:
        blank = _BLANKS[table] = {
            c.key: (c.default.arg if c.default is not None and c.default.is_scalar  # type: ignore[attr-defined]
                    else None)
            for c in table.columns if not c.primary_key}
    return dict(blank)


class _RowWriter:
    """One table's INSERT at the driver level, for rows with one set of keys (`blank_row`'s)."""

    def __init__(self, table: Table, keys: tuple[str, ...], dialect: Dialect) -> None:
        self.keys = keys
        columns = [table.c[k] for k in keys]
        self.world = keys.index("world_id") if "world_id" in keys else None
        self.values = itemgetter(*keys) if len(keys) > 1 else lambda row: (row[keys[0]],)
        # (position, converter, once) for the columns whose values the driver cannot take as
        # they are; `once`: each distinct value converted once (not JSON, where equal values
        # such as True and 1 are written differently)
        self.converters = [
            (i, p, not isinstance(c.type, JSON)) for i, p, c in (
                (i, c.type.dialect_impl(dialect).bind_processor(dialect), c)
                for i, c in enumerate(columns)) if p is not None]
        self.sql = insert_sql(table, [c.name for c in columns], dialect)

    @staticmethod
    def fits(table: Table, keys: Iterable[str], dialect: Dialect) -> bool:
        """Whether the driver-level path writes what `insert(table)` would: a positional
        paramstyle, and no column left out that SQLAlchemy would fill with a default."""
        given = set(keys)
        positional = dialect.paramstyle in ("qmark", "format", "pyformat")
        if not positional or not given <= set(table.c.keys()):
            return False
        return all((c.default is None and c.server_default is None) or c.primary_key
                   for c in table.columns if c.key not in given)

    def write(self, connection: Connection, rows: list[dict[str, Any]]) -> set[str | None]:
        """Insert `rows`; returns the worlds they belong to (None: a row with no world).

        Values are converted a column at a time, each distinct value once: a batch's rows share
        a few instants (the due times it applied) and flags, so most conversions are lookups."""
        if set(map(len, rows)) != {len(self.keys)}:
            raise ValueError(f"{self.sql}: every buffered row needs the keys {self.keys}")
        params: list[tuple[Any, ...]] = list(map(self.values, rows))
        if self.converters:
            columns: list[Any] = list(zip(*params, strict=True))
            for i, convert, once in self.converters:
                column = columns[i]
                try:
                    done = {value: convert(value) for value in set(column)} if once else None
                except TypeError:  # values that do not hash
                    done = None
                columns[i] = list(map(convert if done is None else done.__getitem__, column))
            params = list(zip(*columns, strict=True))
        connection.exec_driver_sql(self.sql, params)
        if self.world is None:
            return {None}
        return set(map(itemgetter(self.world), params))


_WRITERS: dict[tuple[Table, tuple[str, ...], str], _RowWriter | None] = {}


def _insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> set[str | None]:
    """Insert rows of one key set; the driver-level path when it fits, else the ORM's."""
    connection = session.connection()
    dialect = connection.dialect
    keys = tuple(rows[0])
    cache_key = (table, keys, dialect.name)
    if cache_key not in _WRITERS:
        _WRITERS[cache_key] = (_RowWriter(table, keys, dialect)
                               if _RowWriter.fits(table, keys, dialect) else None)
    writer = _WRITERS[cache_key]
    if writer is None:
        session.execute(insert(table), rows)  # the session's events bump its versions
        return set()
    return writer.write(connection, rows)


@dataclass(slots=True, eq=False)
class Due:
    """A due transition as handlers see it (the stored row's fields; `id` None if not stored)."""

    id: int | None
    due_at: datetime
    kind: str
    entity_id: str
    payload: dict[str, Any]
    seq: int
    alive: bool = True


@dataclass(eq=False)
class Batch:
    """A world's due work between two writes; see the module docstring."""

    table: Table
    world_id: str
    until: datetime
    boundary: tuple[datetime, int] | None
    """The last claimed row when more are due than were claimed: nothing after it may apply."""
    state: dict[str, Any] = field(default_factory=dict)
    _heap: list[tuple[datetime, int, Due]] = field(default_factory=list)
    _index: dict[tuple[str, str], list[Due]] = field(default_factory=dict)
    _applied: list[int] = field(default_factory=list)
    _new: list[Due] = field(default_factory=list)
    _cancelled: set[tuple[str, str]] = field(default_factory=set)
    _inserts: dict[Table, list[dict[str, Any]]] = field(default_factory=dict)
    _updates: dict[Any, tuple[Executable, list[dict[str, Any]]]] = field(default_factory=dict)
    _hooks: dict[str, Callable[[Session], None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._seq = NEW_SEQ
        self.claimed: list[Due] = []

    # -- the queue ---------------------------------------------------------------------------

    def load(self, rows: Iterable[Due]) -> None:
        """Take the claimed rows (kept in `claimed`, for handlers that prefetch what they need)."""
        self.claimed = list(rows)
        for due in self.claimed:
            self._push(due)

    def _push(self, due: Due) -> None:
        heapq.heappush(self._heap, (due.due_at, due.seq, due))
        self._index.setdefault((due.kind, due.entity_id), []).append(due)

    def add(self, due_at: datetime, kind: str, entity_id: str, payload: dict[str, Any]) -> Due:
        """Work scheduled by a handler: applied here if it falls inside, else written."""
        self._seq += 1
        due = Due(None, due_at, kind, entity_id, payload, self._seq)
        self._new.append(due)
        self._push(due)
        return due

    def cancel(self, kind: str, entity_id: str) -> int:
        """Drop pending work of (kind, entity); returns how many held in memory were dropped
        (stored rows beyond the batch are deleted by `write`)."""
        dropped = 0
        for due in self._index.pop((kind, entity_id), ()):
            if due.alive:
                due.alive = False
                dropped += 1
        self._cancelled.add((kind, entity_id))
        return dropped

    def pop(self) -> Due | None:
        """The next transition to apply, or None when the rest waits for the next batch."""
        heap = self._heap
        while heap:
            due_at, seq, due = heap[0]
            if not due.alive:
                heapq.heappop(heap)
                continue
            if due_at > self.until:
                return None
            if self.boundary is not None and (due_at, seq) > self.boundary:
                return None
            heapq.heappop(heap)
            due.alive = False
            if due.id is not None:
                self._applied.append(due.id)
            return due
        return None

    # -- buffered writes ---------------------------------------------------------------------

    def remember(self, key: str, factory: Callable[[], T]) -> T:
        """Per-batch state of a vendor (lookups, rows it buffered), made on first use."""
        value = self.state.get(key)
        if value is None:
            value = self.state[key] = factory()
        return value

    def insert(self, table: Table, row: dict[str, Any]) -> None:
        """A row for `table` (start it from `blank_row`), written in one executemany."""
        self._inserts.setdefault(table, []).append(row)

    def update(self, key: Any, statement: Executable, params: dict[str, Any]) -> None:
        """Parameters for `statement` (with bindparams), run as one executemany after inserts."""
        entry = self._updates.get(key)
        if entry is None:
            entry = self._updates[key] = (statement, [])
        entry[1].append(params)

    def before_write(self, key: str, hook: Callable[[Session], None]) -> None:
        """Call `hook(session)` once, after the ORM flush and before the buffered rows."""
        self._hooks.setdefault(key, hook)

    def write(self, session: Session) -> None:
        """Store what the batch did: ORM changes, buffered rows, then the queue's changes."""
        session.flush()
        for hook in self._hooks.values():
            hook(session)
        worlds: set[str | None] = set()
        for table, rows in self._inserts.items():
            worlds |= _insert_rows(session, table, rows)
        for statement, params in self._updates.values():
            session.execute(statement, params)
        t = self.table.c
        for start in range(0, len(self._applied), _IN_CHUNK):
            session.execute(delete(self.table).where(
                t.world_id == self.world_id, t.id.in_(self._applied[start:start + _IN_CHUNK])))
        if self._cancelled:
            session.execute(delete(self.table).where(
                t.world_id == self.world_id, t.kind == bindparam("k"),
                t.entity_id == bindparam("e")),
                [{"k": k, "e": e} for k, e in sorted(self._cancelled)])
        pending = [{"world_id": self.world_id, "due_at": d.due_at, "kind": d.kind,
                    "entity_id": d.entity_id, "payload": d.payload}
                   for d in self._new if d.alive]
        if pending:
            worlds |= _insert_rows(session, self.table, pending)
        if worlds:
            wrote(session, {ALL if w is None else w for w in worlds})
        self._inserts.clear()
        self._updates.clear()
        self._hooks.clear()
        self._applied.clear()
        self._cancelled.clear()
        self._new.clear()

    def earliest_pending(self) -> datetime | None:
        """The earliest due time among work scheduled in this batch and not applied."""
        return min((d.due_at for d in self._new if d.alive), default=None)
