"""The request journal's tables and the statements that write and read them (issue 16).

Entries live in `journal_entry`, one row each, so every process over one store records into
one journal and reads all of it. Their ids come from the store: `journal_bounds` holds one
row with the bounds (capacity, body_bytes) and the last id given out; a batch of entries takes
its ids by raising that counter in the transaction that inserts them. The row lock that
UPDATE takes serializes writers, so ids are committed in order: a reader polling with
`after=` never sees a later id before an earlier one (a database sequence would let two
PostgreSQL transactions commit out of order). The counter survives a reset and a clear, so
ids keep growing for the store's life.

Both tables are toolkit state: they survive resets (a reset clears entries itself), are in no
snapshot, and are written through DBAPI cursors of their own, never a Session, so recording
bumps no response version (core.versions): a cached answer stays fresh while requests are
journaled.

Writing is grouped (`Writer`): each request hands its row over and awaits its commit; the rows
waiting when a commit starts go in one transaction. The event loop never waits on a lock or
the network for it: on PostgreSQL the commit runs in a thread; on a SQLite file it is tried on
the loop on a connection that gives up at once if another process holds the write lock, and
then runs in a thread (a thread hop cost a request more CPU than the commit itself); on
`:memory:` (one shared connection, no other process) it runs on the loop.

On a SQLite file the journal has a file of its own beside the store (`<file>.journal`,
`journal_file`). SQLite drops a connection's whole page cache when it finds the database
changed by another connection, and recording commits once per few requests: in the store's
own file, that made every hot read re-read its pages (one worker's cached reads served about
a fifth more once the journal moved out; bench/workers.py). Processes over one file
also take turns at its journal through a lock file (`Turns`) before they ask SQLite for its
write lock, whose own wait sleeps 1, 2, 5, 10 ms and more between tries; a process waiting
on the lock file is woken the moment the other lets go.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Column, Integer, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel import Field, SQLModel

from emulator.core.db import Database, placeholder

__all__ = ["COLUMNS", "JOURNAL_TABLES", "SLACK_SHARE", "Bounds", "JournalBounds",
           "JournalEntry", "Row", "Store", "Writer", "journal_file"]

log = logging.getLogger(__name__)

ENTRY_TABLE = "journal_entry"
BOUNDS_TABLE = "journal_bounds"
JOURNAL_TABLES = (ENTRY_TABLE, BOUNDS_TABLE)  # toolkit state: no response reads them
# Rows past the capacity are deleted once a process has added TRIM_EVERY entries (or a tenth
# of the capacity, if less) since it last did, so the table holds at most capacity +
# TRIM_EVERY rows per recording process (reads see only the newest `capacity`). Small and
# often, by id range: walking the ring to find its floor and deleting a tenth of a
# 10,000-entry ring at once held the event loop up to 18 ms, most of the hot reads' p99.
SLACK_SHARE = 10
TRIM_EVERY = 32
RETRIES_ON_LOOP = 8  # turns asked for on the event loop before a commit goes to a thread
CHECKPOINT_EVERY = 500  # entries committed on the event loop between two WAL checkpoints

_ID = BigInteger().with_variant(Integer, "sqlite")  # INTEGER PRIMARY KEY: SQLite's rowid


class JournalEntry(SQLModel, table=True):
    """One recorded exchange (core.journal.Entry, flattened)."""

    __tablename__ = ENTRY_TABLE
    __table_args__ = {"info": {"survives_reset": True}}

    id: int = Field(sa_column=Column(_ID, primary_key=True, autoincrement=False))
    vendor: str
    method: str
    path: str
    query: str
    api_call: str | None = None
    world: str | None = None
    time_us: int = Field(sa_column=Column(BigInteger, nullable=False))  # virtual, epoch µs
    real_time: float  # seconds since the epoch
    duration_ms: float
    status: int | None = None
    faults: str  # "rule:action rule:action", empty when none fired
    request_headers: bytes
    request_body: bytes
    request_size: int
    response_headers: bytes
    response_body: bytes
    response_size: int


class JournalBounds(SQLModel, table=True):
    """The journal's one row of bounds and its id counter; `from_*` are the settings that
    last set the bounds, so a server started with other settings applies its own."""

    __tablename__ = BOUNDS_TABLE
    __table_args__ = {"info": {"survives_reset": True}}

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    capacity: int
    body_bytes: int
    from_capacity: int
    from_body_bytes: int
    last_id: int = Field(sa_column=Column(BigInteger, nullable=False))


COLUMNS = tuple(JournalEntry.__table__.columns.keys())  # type: ignore[attr-defined]
Row = tuple[Any, ...]  # the values of COLUMNS, in order
_REQUEST_BODY, _RESPONSE_BODY = COLUMNS.index("request_body"), COLUMNS.index("response_body")

Bounds = tuple[int, int]  # (capacity, body_bytes)
T = TypeVar("T")


def journal_file(db: Database) -> str | None:
    """The journal's own file beside a SQLite file store; None for any other store."""
    if not db.is_sqlite or db.is_memory:
        return None
    return f"{db.engine.url.database}.journal"


def _journal_engine(db: Database) -> Engine:
    """The engine the journal is kept with: its own file's beside a SQLite file (disposed with
    the store's), else the store's own. The own file's tables are made by each connection as
    it opens (`IF NOT EXISTS`: processes starting at once race harmlessly), so nothing is
    touched before the journal is first used."""
    path = journal_file(db)
    if path is None:
        return db.engine
    own = Database(path)
    dialect = own.engine.dialect
    tables = [SQLModel.metadata.tables[name] for name in JOURNAL_TABLES]
    ddl = [str(CreateTable(t, if_not_exists=True).compile(dialect=dialect)) for t in tables]
    ddl += [str(CreateIndex(i, if_not_exists=True).compile(dialect=dialect))
            for t in tables for i in t.indexes]

    def make_tables(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for statement in ddl:  # (pysqlite runs DDL outside any transaction)
            cursor.execute(statement)
        cursor.close()

    event.listen(own.engine, "connect", make_tables)
    event.listen(db.engine, "engine_disposed", lambda _engine: own.dispose())
    return own.engine


class Turns:
    """Turns at writing the journal of one SQLite file, among every process writing it: an
    flock on `<journal file>.lock`. Within a process the Writer commits one batch at a time,
    so the lock is never asked for twice at once by one process."""

    def __init__(self, path: str) -> None:
        self.path = f"{path}.lock"
        self.fd: int | None = None  # opened at the first turn, closed with the engine

    def take(self, wait: bool) -> bool:
        """Take the turn: waiting for it, or only if it is free at once (False if not)."""
        if self.fd is None:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def give_back(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)


class Store:
    """The journal's statements, on DBAPI connections of its own."""

    def __init__(self, db: Database, capacity: int, body_bytes: int) -> None:
        self.engine: Engine = _journal_engine(db)
        self.settings: Bounds = (capacity, body_bytes)
        self.memory = isinstance(self.engine.pool, StaticPool)  # one shared connection
        self.ready = False  # the bounds row exists and follows this server's settings
        self._held: Any = None  # the writer's connection
        # On a SQLite file a commit is first tried on the event loop, on a connection that
        # gives up at once when another process holds the write lock (`commit_now`).
        self.quick = self.engine.dialect.name == "sqlite" and not self.memory
        self.turns = Turns(self.engine.url.database or "") if self.quick else None
        self._impatient: Any = None
        self._reader: Any = None  # the hot path's, in autocommit (peek)
        self._since_trim = 0
        self._since_checkpoint = 0
        m = self.mark = placeholder(self.engine.dialect)
        self.floor = (f"id >= COALESCE((SELECT id FROM {ENTRY_TABLE} ORDER BY id DESC "
                      f"LIMIT 1 OFFSET {m}), 0)")
        self._claim = (f"UPDATE {BOUNDS_TABLE} SET last_id = last_id + {m} WHERE id = 1 "
                       f"RETURNING last_id, capacity, body_bytes")
        self._insert = (f"INSERT INTO {ENTRY_TABLE} ({', '.join(COLUMNS)}) "
                        f"VALUES ({', '.join([m] * len(COLUMNS))})")
        # Ids are handed out in one sequence (`_claim`), so the newest `capacity` ids are a
        # range: the delete is an index range of the few rows past it, not a walk of the ring.
        # (Entries a clear removed leave gaps: the ring then holds fewer until it refills.)
        self._trim = f"DELETE FROM {ENTRY_TABLE} WHERE id <= {m}"
        self._shrink = f"DELETE FROM {ENTRY_TABLE} WHERE NOT ({self.floor})"
        event.listen(self.engine, "engine_disposed", self._disposed)

    # -- connections -----------------------------------------------------------------------

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        """A cursor in a transaction of its own on the calling thread, committed at the end."""
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                self._ensure(cursor)
                yield cursor
                connection.commit()
            except BaseException:
                connection.rollback()
                raise
            finally:
                cursor.close()
        finally:
            connection.close()

    def _disposed(self, _engine: Engine) -> None:
        # Set up for the journal (autocommit, no busy wait, no flush wait): not for the pool.
        for held in (self._held, self._impatient, self._reader):
            if held is not None:
                held.close() if self.memory else held.invalidate()
        self._held = self._reader = self._impatient = None
        if self.turns is not None:
            self.turns.close()

    def peek(self) -> Bounds:
        """The stored bounds, read with one SELECT on a held connection in autocommit (no
        pool checkout, no transaction): the hot path's check while the capacity is 0."""
        if not self.ready:
            with self.cursor() as cursor:
                return self.bounds(cursor)
        try:
            return self._peek()
        except Exception:  # a dropped connection: one more try on a new one
            reader, self._reader = self._reader, None
            if reader is not None and not self.memory:
                reader.invalidate()
            return self._peek()

    def _peek(self) -> Bounds:
        if self._reader is None:
            reader = self.engine.raw_connection()
            if self.engine.dialect.name != "sqlite":  # pysqlite begins nothing for a SELECT
                reader.driver_connection.autocommit = True  # type: ignore[union-attr]
            self._reader = reader
        cursor = self._reader.cursor()
        try:
            return self.bounds(cursor)
        finally:
            cursor.close()

    def _ensure(self, cursor: Any) -> None:
        """Make the bounds row, or set it from this server's settings if those changed since
        they last set it (a server restarted with another EMULATOR_JOURNAL_SIZE)."""
        if self.ready:
            return
        m = self.mark
        capacity, body_bytes = self.settings
        cursor.execute(f"INSERT INTO {BOUNDS_TABLE} (id, capacity, body_bytes, from_capacity, "
                       f"from_body_bytes, last_id) VALUES (1, {m}, {m}, {m}, {m}, 0) "
                       f"ON CONFLICT (id) DO NOTHING", (*self.settings, *self.settings))
        cursor.execute(f"UPDATE {BOUNDS_TABLE} SET capacity = {m}, body_bytes = {m}, "
                       f"from_capacity = {m}, from_body_bytes = {m} WHERE id = 1 AND "
                       f"(from_capacity <> {m} OR from_body_bytes <> {m})",
                       (capacity, body_bytes, *self.settings, *self.settings))
        self.ready = True

    # -- writing ---------------------------------------------------------------------------

    def commit(self, rows: Sequence[Row]) -> Bounds:
        """Insert `rows` (without their ids) under the next ids, in one transaction; the
        bounds they were kept under. Retried once on a new connection if the held one broke."""
        if self.turns is not None:
            self.turns.take(wait=True)
        try:
            return self._commit(self._writer(), rows)
        except Exception:
            if self._held is None or self.memory:
                raise
            held, self._held = self._held, None
            held.invalidate()
            return self._commit(self._writer(), rows)
        finally:
            if self.turns is not None:
                self.turns.give_back()

    def commit_now(self, rows: Sequence[Row]) -> Bounds | None:
        """On a SQLite file: `commit` if the write lock is free, else None at once (another
        process is writing: the caller commits in a thread instead, where waiting is fine)."""
        assert self.turns is not None
        if not self.turns.take(wait=False):
            return None
        try:  # (from here on, the turn is given back whatever happens)
            if self._impatient is None:
                connection = self.engine.raw_connection()
                cursor = connection.cursor()
                cursor.execute("PRAGMA busy_timeout=0")
                # Never copy the WAL back on the event loop (its sync stalled every request
                # for up to 8 ms): `checkpoint` does it in a thread (Writer), every
                # CHECKPOINT_EVERY.
                cursor.execute("PRAGMA wal_autocheckpoint=0")
                cursor.close()
                self._impatient = connection
            return self._commit(self._impatient, rows)
        except Exception as error:  # sqlite3.OperationalError: database is locked
            if "locked" in str(error) or "busy" in str(error):
                return None  # a clear or a change of bounds (not taken in turns) holds it
            raise
        finally:
            self.turns.give_back()

    def due_checkpoint(self, committed: int) -> bool:
        """Count rows committed on the event loop; True when a checkpoint is due."""
        self._since_checkpoint += committed
        if self._since_checkpoint < CHECKPOINT_EVERY:
            return False
        self._since_checkpoint = 0
        return True

    def checkpoint(self) -> None:
        """Copy the WAL back into the database file, passively (no reader or writer waits);
        in a thread, on a connection of its own."""
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            cursor.close()
        finally:
            connection.close()

    def _writer(self) -> Any:
        if self._held is None:
            connection = self.engine.raw_connection()
            if self.engine.dialect.name == "postgresql":
                # Committed entries are seen at once by every session either way; only their
                # flush to disk is not waited for (a crash may lose the last instants of
                # journal, never a world's write), as SQLite's WAL with synchronous=NORMAL.
                cursor = connection.cursor()
                cursor.execute("SET synchronous_commit TO off")
                cursor.close()
                connection.commit()
            self._held = connection
        return self._held

    def _commit(self, connection: Any, rows: Sequence[Row]) -> Bounds:
        cursor = connection.cursor()
        try:
            self._ensure(cursor)
            cursor.execute(self._claim, (len(rows),))
            last, capacity, body_bytes = cursor.fetchall()[0]
            if capacity == 0:  # set through another process since this one last looked
                connection.rollback()
                return (0, body_bytes)
            first = last - len(rows) + 1
            cursor.executemany(self._insert, [(first + n, *_cut(row, body_bytes))
                                              for n, row in enumerate(rows)])
            self._since_trim += len(rows)
            if self._since_trim >= max(1, min(TRIM_EVERY, capacity // SLACK_SHARE)):
                cursor.execute(self._trim, (last - capacity,))
                self._since_trim = 0
            connection.commit()
            return (capacity, body_bytes)
        except BaseException:
            connection.rollback()
            raise
        finally:
            cursor.close()

    # -- reading and steering (control plane, on the calling thread) -----------------------

    def bounds(self, cursor: Any) -> Bounds:
        cursor.execute(f"SELECT capacity, body_bytes FROM {BOUNDS_TABLE} WHERE id = 1")
        capacity, body_bytes = cursor.fetchone()
        return (capacity, body_bytes)

    def configure(self, capacity: int | None, body_bytes: int | None) -> Bounds:
        """Change the bounds given; entries past a smaller capacity go at once."""
        m = self.mark
        with self.cursor() as cursor:
            if capacity is not None:
                cursor.execute(f"UPDATE {BOUNDS_TABLE} SET capacity = {m} WHERE id = 1",
                               (capacity,))
                if capacity == 0:
                    cursor.execute(f"DELETE FROM {ENTRY_TABLE}")
                else:  # the newest `capacity` rows stay, whatever gaps a clear left
                    cursor.execute(self._shrink, (capacity - 1,))
            if body_bytes is not None:
                cursor.execute(f"UPDATE {BOUNDS_TABLE} SET body_bytes = {m} WHERE id = 1",
                               (body_bytes,))
            return self.bounds(cursor)

    def clear(self, world: str | None) -> None:
        with self.cursor() as cursor:
            if world is None:
                cursor.execute(f"DELETE FROM {ENTRY_TABLE}")
            else:
                cursor.execute(f"DELETE FROM {ENTRY_TABLE} WHERE world = {self.mark}", (world,))

    def size(self) -> tuple[Bounds, int]:
        """The bounds, and how many entries the journal holds (the newest `capacity`)."""
        with self.cursor() as cursor:
            capacity, body_bytes = self.bounds(cursor)
            if capacity == 0:
                return (capacity, body_bytes), 0
            cursor.execute(f"SELECT COUNT(*) FROM {ENTRY_TABLE} WHERE {self.floor}",
                           (capacity - 1,))
            return (capacity, body_bytes), int(cursor.fetchone()[0])

    def select(self, conditions: Sequence[str], params: Sequence[Any],
               pick: Callable[[list[tuple[int, str]]], list[int]] | None = None,
               ) -> tuple[Bounds, list[Row], int]:
        """The kept entries meeting every SQL condition, oldest first: with `pick`, only
        those among the matches' (id, path) it returns ids of; also how many matched."""
        with self.cursor() as cursor:
            capacity, body_bytes = self.bounds(cursor)
            if capacity == 0:
                return (capacity, body_bytes), [], 0
            where = " AND ".join([self.floor, *conditions])
            values = (capacity - 1, *params)
            if pick is None:
                cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM {ENTRY_TABLE} "
                               f"WHERE {where} ORDER BY id", values)
                rows = [tuple(r) for r in cursor.fetchall()]
                return (capacity, body_bytes), rows, len(rows)
            cursor.execute(f"SELECT id, path FROM {ENTRY_TABLE} WHERE {where} ORDER BY id",
                           values)
            matched = [(int(i), str(p)) for i, p in cursor.fetchall()]
            ids = pick(matched)
            return (capacity, body_bytes), self._rows(cursor, ids), len(matched)

    def _rows(self, cursor: Any, ids: Sequence[int]) -> list[Row]:
        found: list[Row] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM {ENTRY_TABLE} WHERE id IN "
                           f"({', '.join([self.mark] * len(chunk))}) ORDER BY id", chunk)
            found.extend(tuple(r) for r in cursor.fetchall())
        return found


def _cut(row: Row, body_bytes: int) -> Row:
    """The row with its bodies cut to `body_bytes` (set lower through another process after
    the request kept its copy)."""
    if len(row[_REQUEST_BODY - 1]) <= body_bytes and len(row[_RESPONSE_BODY - 1]) <= body_bytes:
        return row
    cut = list(row)
    for index in (_REQUEST_BODY - 1, _RESPONSE_BODY - 1):  # - 1: the row has no id yet
        cut[index] = bytes(cut[index][:body_bytes])
    return tuple(cut)


class Writer:
    """Group commit: rows handed over while a commit runs go together in the next one."""

    def __init__(self, store: Store, adopt: Callable[[Bounds], None]) -> None:
        self.store = store
        self.adopt = adopt  # told the bounds each commit ran under
        self._pending: list[tuple[Row, asyncio.Future[None]]] = []
        self._drainer: asyncio.Task[None] | None = None
        self._checkpoint: asyncio.Future[None] | None = None  # the last one started, if any

    async def write(self, row: Row) -> None:
        """Resolves once `row` is committed (or its commit failed, which is logged: a journal
        that cannot be written never fails the request it records)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._pending.append((row, done))
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain())
        await done

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            # One turn of the loop first: answers finishing in it join this commit (a commit
            # costs about as much for one row as for eight).
            await asyncio.sleep(0)
            if self.store.quick:
                # Another process's turn ends within a commit: let this loop serve what it
                # can meanwhile (the rows that come in join the batch), then try again.
                turns = self.store.turns
                assert turns is not None  # (a SQLite file's)
                for _ in range(RETRIES_ON_LOOP):
                    if turns.take(wait=False):
                        break  # (held: commit_now's take is then a no-op)
                    await asyncio.sleep(0)
            batch, self._pending = self._pending, []
            rows = [row for row, _ in batch]
            try:
                bounds: Bounds | None = None
                if self.store.memory:
                    bounds = self.store.commit(rows)
                elif self.store.quick:
                    bounds = self.store.commit_now(rows)
                    if bounds is not None and self.store.due_checkpoint(len(rows)):
                        self._checkpoint = loop.run_in_executor(None, self.store.checkpoint)
                if bounds is None:
                    bounds = await loop.run_in_executor(None, self.store.commit, rows)
                self.adopt(bounds)
            except Exception:
                log.exception("could not record %d journal entries", len(rows))
            for _, done in batch:
                if not done.done():  # its request may be gone (cancelled)
                    done.set_result(None)
