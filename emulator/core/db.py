"""The state store: a SQLAlchemy engine over SQLite (file or memory) or any database URL.

Handlers are `async def` and run their short SQLite statements inline on the event loop.
That serializes all database work in one process, which is what SQLite wants anyway: there is
never more than one writer, so concurrent clients cannot meet "database is locked", and a
read costs microseconds instead of a thread hop. WAL and a busy timeout still protect against
a second process (say `backup-emulator seed`) touching the same file.

The rule that keeps this true: never `await` while a write transaction is open. Write, commit,
then await; a writer parked across an await would make the next writer wait on the event loop.
Foreign keys are enforced, and the unit of work does not order inserts by them: flush a parent
row before adding rows that point at it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Integer, Table, event, text
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel, create_engine

from emulator.core.timeutil import UTC, as_utc

__all__ = ["Database", "UTCDateTime", "database_url", "driver_cursor", "empty_dict", "empty_list",
           "insert_sql", "let_go",
           "placeholder",
           "register_tables", "restart_sequences", "state_tables"]

BUSY_TIMEOUT_MS = 10_000
_MEMORY = ("sqlite://", "sqlite:///:memory:")
_OPEN_LOCK = 0x656D75  # PostgreSQL advisory lock key of Database.exclusive ("emu")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, hands back aware UTC, so every backend sorts and compares alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value).replace(tzinfo=None)

    def bind_processor(self, dialect: Dialect) -> Any:
        """On SQLite, the text SQLite's DATETIME stores, made in one step (`_sqlite_text`):
        the engine's batches write several instants per row, and the two-step conversion
        (this type's, then the dialect's) was a tenth of a replayed run."""
        if dialect.name == "sqlite":
            return _sqlite_text
        return super().bind_processor(dialect)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _factory(make: Callable[[], Any], name: str) -> Callable[[], Any]:
    def factory() -> Any:
        return make()

    factory.__name__ = factory.__qualname__ = name
    # pydantic asks a default factory's signature at every construction of a table model that
    # leaves its field out (whether it takes the validated data); for `list` or `dict`
    # inspect.signature costs about 60 us, twice per row. Told here, it is read at once.
    factory.__signature__ = inspect.Signature()  # type: ignore[attr-defined]
    return factory


empty_list: Callable[[], list[Any]] = _factory(list, "empty_list")
"""The default factory of a table model's list field (not `list`: see `_factory`)."""
empty_dict: Callable[[], dict[str, Any]] = _factory(dict, "empty_dict")
"""The default factory of a table model's dict field (not `dict`: see `_factory`)."""


def _sqlite_text(value: datetime | None) -> str | None:
    """What SQLite's DATETIME stores for `value` taken as UTC (naive: UTC already):
    "YYYY-MM-DD HH:MM:SS.ffffff", as SQLAlchemy's own two steps write it."""
    if value is None:
        return None
    if value.utcoffset():  # aware, and not UTC
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def register_tables() -> None:
    """Import every table, so SQLModel.metadata knows them all (the one place core does)."""
    import emulator.models  # noqa: F401


def database_url(db: str) -> str:
    """Turn the --db value (a path, ':memory:' or a URL) into a SQLAlchemy URL."""
    if db == ":memory:":
        return "sqlite://"
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # answers "memory" for :memory:, harmlessly
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def let_go(held: Any, invalidate: bool = False) -> None:
    """Give back a DBAPI connection held outside any session (engine.raw_connection()):
    discarded when it broke (`invalidate`), else closed back to the pool; None is fine."""
    if held is not None:
        if invalidate:
            held.invalidate()
        else:
            held.close()


def placeholder(dialect: Dialect) -> str:
    """The DBAPI driver's positional parameter mark (sqlite3: ?, psycopg: %s)."""
    return "?" if dialect.paramstyle == "qmark" else "%s"


def insert_sql(table: Table, columns: Sequence[str], dialect: Dialect) -> str:
    """INSERT INTO `table` (`columns`) VALUES (one driver mark each), for a DBAPI cursor."""
    quote = dialect.identifier_preparer.quote
    return (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join([placeholder(dialect)] * len(columns))})")


@contextmanager
def driver_cursor(session: Session) -> Iterator[Any]:
    """A DBAPI cursor on the session's connection, in its transaction: for hot statements
    whose SQL is made once (no SQLAlchemy work per statement). They pass by the session's
    events, so the caller bumps the worlds it writes (core.versions.wrote)."""
    cursor = session.connection().connection.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


_SORTED: dict[frozenset[str], list[Table]] = {}


def state_tables() -> list[Table]:
    """Every table a reset empties and a snapshot holds, in foreign-key order: all of them but
    those marked `info={"survives_reset": True}` (the secrets epoch, core.secrets)."""
    # Sorting by foreign keys costs about a millisecond: once per set of known tables.
    known = frozenset(SQLModel.metadata.tables)
    found = _SORTED.get(known)
    if found is None:
        _SORTED.clear()
        found = _SORTED[known] = [t for t in SQLModel.metadata.sorted_tables
                                  if not t.info.get("survives_reset")]
    return list(found)


class Database:
    """One engine and the sessions made from it."""

    def __init__(self, db: str) -> None:
        self.url = database_url(db)
        self.engine: Engine = self._create_engine(self.url)

    @staticmethod
    def _create_engine(url: str) -> Engine:
        if not url.startswith("sqlite"):
            return create_engine(url, pool_pre_ping=True)
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if url in _MEMORY:
            # One shared connection, or every checkout would see its own empty database.
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_memory(self) -> bool:
        """An in-memory SQLite database: this process alone can reach it."""
        return self.url in _MEMORY

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the store's start-up lock: processes opening one store at once (workers,
        replicas) create its tables and its default world one after another. A lock file
        beside a SQLite file (`<file>.lock`), a session-level advisory lock on PostgreSQL."""
        if self.is_memory or self.engine.dialect.name not in ("sqlite", "postgresql"):
            yield
            return
        if self.is_sqlite:
            import fcntl

            path = self.engine.url.database or ""
            with open(f"{path}.lock", "a+b") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
            return
        with self.engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _OPEN_LOCK})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _OPEN_LOCK})
                connection.commit()

    def create_all(self) -> None:
        """Create every table that is not there yet."""
        register_tables()
        SQLModel.metadata.create_all(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose objects stay readable after commit."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def truncate_all(self, session: Session) -> None:
        """Empty every table and restart id sequences, so a rebuilt world gets the same ids
        (a reset, which keeps the template worlds, is core.cloning.wipe_worlds)."""
        tables = list(reversed(state_tables()))
        if self.engine.dialect.name == "postgresql":
            names = ", ".join(self.engine.dialect.identifier_preparer.quote(t.name)
                              for t in tables)
            session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        for table in tables:
            session.execute(table.delete())
        restart_sequences(session)

    def dispose(self) -> None:
        self.engine.dispose()


def restart_sequences(session: Session) -> None:
    """Let each integer key's sequence go on from the largest id left (from 1 in an empty
    table): SQLite's AUTOINCREMENT counters, PostgreSQL's serial sequences."""
    dialect = session.get_bind().dialect
    if dialect.name == "sqlite":  # tables declared AUTOINCREMENT keep their counters here
        has_sequences = session.execute(text(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first()
        if has_sequences:
            session.execute(text("DELETE FROM sqlite_sequence"))
    elif dialect.name == "postgresql":
        for table in SQLModel.metadata.sorted_tables:
            keys = list(table.primary_key.columns)
            if len(keys) == 1 and isinstance(keys[0].type, Integer):
                quoted = dialect.identifier_preparer.quote(table.name)
                session.execute(text(_SETVAL.format(table=quoted, name=table.name,
                                                    column=keys[0].name)))


_SETVAL = ("SELECT setval(pg_get_serial_sequence('{name}', '{column}'), "
           "COALESCE(MAX({column}), 1), MAX({column}) IS NOT NULL) FROM {table}")
