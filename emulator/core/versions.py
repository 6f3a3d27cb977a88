"""World versions: a counter per world in the store, bumped by every write that touches it.

The response cache (core.response_cache) trusts an answer only while the versions it was made
at are still the stored ones, so a cached answer stays right when another process writes the
same database. The counters live in one small table, `response_version`, one row per scope:

- a world's id: bumped by every flush that adds, changes or deletes a row of that world
  (a `WorldScoped` row, or the `World` row itself: its clock, its credentials);
- ALL: bumped by a write whose world cannot be told (a bulk statement without a
  `world_id == ...` condition, raw SQL, a table with no world): every world's answers go stale;
- ANY: bumped by every write at all; the cache compares it before and after making an answer,
  so an answer that raced a write (its own, another request's, another process's) is not kept;
- WORLDS: bumped by every write of a `world` row (a world made, dropped, reset, its clock
  moved) and every change of a row that key caches hold (tables marked
  `info={"credentials": True}`): a process whose last read of it is older reloads its worlds
  and clocks and forgets cached keys (core.coherence);
- FAULTS: bumped by every change of the fault rules.

The bumps happen in ONE place, SQLAlchemy session events, inside the transaction that writes
(so they commit or roll back with it), each counter once per transaction: vendor code needs
nothing. A write must therefore go
through a Session (`session.add`, `session.execute`); a statement on `session.connection()`
or a connection of its own bypasses them and must call `bump` itself (`wrote`, for one on
`session.connection()`: once per transaction, as the events do).

The table survives resets and is in no snapshot, so a counter never goes back to a value an
old answer was stored with.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Connection, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList, TextClause
from sqlmodel import Field, SQLModel

from emulator.core.db import let_go
from emulator.core.journal_store import JOURNAL_TABLES
from emulator.core.secrets import SecretEpoch
from emulator.core.world import Counter, World

__all__ = ["ALL", "ANY", "FAULTS", "WORLDS", "ResponseVersion", "StoreVersions", "bump",
           "wrote"]

ALL = "~all"
ANY = "~any"
# Counters of state that is not a world's rows but must agree between processes over one
# store (issue 16): the set of worlds and their clocks, and the fault rules.
WORLDS = "~worlds"
FAULTS = "~faults"
TABLE = "response_version"


class ResponseVersion(SQLModel, table=True):
    """One counter: a world's, or ALL's or ANY's."""

    __tablename__ = TABLE
    __table_args__ = {"info": {"survives_reset": True}}

    scope: str = Field(primary_key=True, max_length=40)
    version: int = 0


# Rows that no vendor answer reads: writing them changes no world's answers (the secrets
# epoch is read only to make a world, whose own row then carries it).
_UNVERSIONED = frozenset({TABLE, str(Counter.__tablename__), str(SecretEpoch.__tablename__),
                          "fault_rule", "fault_counter",  # (FAULTS counts their writes)
                          "snapshot",  # core.snapshot_store: named snapshots
                          *JOURNAL_TABLES})
_WORLD_TABLE = str(World.__tablename__)
_BUMP = text(f"INSERT INTO {TABLE} (scope, version) VALUES (:scope, 1) "
             f"ON CONFLICT (scope) DO UPDATE SET version = {TABLE}.version + 1")
_READ_ONLY_SQL = ("SELECT", "PRAGMA", "WITH", "EXPLAIN", "SHOW")


def bump(connection: Connection, worlds: Iterable[str], everything: bool = False) -> None:
    """Bump these worlds' counters (or ALL's) and ANY's, in `connection`'s transaction."""
    connection.execute(_BUMP, [{"scope": s} for s in _ordered({*worlds, *(
        (ALL,) if everything else ()), ANY})])


def _ordered(scopes: set[str]) -> list[str]:
    """ANY first, then the rest sorted. A bump locks its counters' rows until the transaction
    ends (PostgreSQL; SQLite's write lock covers the whole file), and every writing
    transaction bumps ANY with its first bump: so writers queue on ANY, never hold one counter
    while waiting for another in the opposite order, and cannot deadlock."""
    return sorted(scopes, key=lambda scope: (scope != ANY, scope))


_BUMPED = "emulator.versions.bumped"  # in Session.info: the scopes this transaction bumped


def wrote(session: OrmSession, scopes: Iterable[str]) -> None:
    """The session's transaction wrote these worlds (or ALL): bump each once per transaction,
    as readers only ever see it committed. The session's events call it; a statement that
    passes by them (on `session.connection()` or its DBAPI cursor) calls it itself."""
    done: set[str] = session.info.setdefault(_BUMPED, set())
    new = {*scopes, ANY} - done
    if new:
        bump(session.connection(), new)
        done.update(new)


def _transaction_ended(session: OrmSession, _transaction: Any) -> None:
    session.info.pop(_BUMPED, None)  # (a savepoint's end too: its bumps may be rolled back)


# -- the one place writes are seen ---------------------------------------------------------

def _scopes_of_row(obj: Any, new: bool) -> tuple[str, ...]:
    """The counters a flushed object's write bumps: its world's (ALL when its world cannot be
    told), and WORLDS for a world's own row or a changed or deleted row of a table marked
    `info={"credentials": True}` (what key caches hold); none when no answer reads it."""
    table = getattr(type(obj), "__table__", None)
    name = getattr(table, "name", None)
    if name in _UNVERSIONED:
        return ()
    if name == _WORLD_TABLE:
        return (str(obj.id), WORLDS)
    world = getattr(obj, "world_id", None)
    scope = world if isinstance(world, str) else ALL
    if not new and table is not None and table.info.get("credentials"):
        return (scope, WORLDS)
    return (scope,)


def _after_flush(session: OrmSession, _context: Any) -> None:
    modified = (o for o in session.dirty if session.is_modified(o, include_collections=False))
    scopes = {s for o in session.new for s in _scopes_of_row(o, True)}
    scopes.update(s for o in chain(session.deleted, modified) for s in _scopes_of_row(o, False))
    if scopes:
        wrote(session, scopes)


def _conjuncts(clause: Any) -> Sequence[Any]:
    if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
        return list(clause.clauses)
    return [] if clause is None else [clause]


def _world_of_statement(statement: Any, parameters: Any) -> tuple[bool, set[str]]:
    """(is a write, the worlds it touches; empty: unknown) for a statement run by a Session."""
    if isinstance(statement, TextClause):
        sql = statement.text.lstrip().upper()
        return (not sql.startswith(_READ_ONLY_SQL), set())
    if not getattr(statement, "is_dml", False):
        return (False, set())
    table = getattr(statement, "table", None)
    name = getattr(table, "name", None)
    if name in _UNVERSIONED:
        return (False, set())
    key = "id" if name == _WORLD_TABLE else "world_id"
    worlds: set[str] = set()
    if getattr(statement, "is_insert", False):
        rows = parameters if isinstance(parameters, list) else [parameters or {}]
        for row in rows:
            value = row.get(key) if isinstance(row, dict) else None
            if not isinstance(value, str):
                return (True, set())
            worlds.add(value)
        return (True, worlds)
    for clause in _conjuncts(getattr(statement, "whereclause", None)):
        if (isinstance(clause, BinaryExpression) and clause.operator is operators.eq
                and getattr(clause.left, "key", None) == key
                and getattr(getattr(clause.left, "table", None), "name", None) == name
                and isinstance(clause.right, BindParameter)):
            return (True, _bound(clause.right, parameters))
    return (True, set())


def _bound(parameter: BindParameter[Any], parameters: Any) -> set[str]:
    """The worlds a `world_id == ...` condition names: its value, or each parameter set's."""
    if isinstance(parameter.value, str):
        return {parameter.value}
    rows = parameters if isinstance(parameters, list) else [parameters or {}]
    worlds = [row.get(parameter.key) if isinstance(row, dict) else None for row in rows]
    return {w for w in worlds if isinstance(w, str)} if all(
        isinstance(w, str) for w in worlds) else set()


def _on_execute(state: ORMExecuteState) -> None:
    writes, worlds = _world_of_statement(state.statement, state.parameters)
    if writes:
        table = getattr(state.statement, "table", None)
        info = getattr(table, "info", {})
        marks = (WORLDS,) if getattr(table, "name", None) == _WORLD_TABLE or (
            info.get("credentials") and not getattr(state.statement, "is_insert", False)) else ()
        wrote(state.session, (*(worlds or (ALL,)), *marks))


def _install() -> None:
    if not event.contains(OrmSession, "after_flush", _after_flush):
        event.listen(OrmSession, "after_flush", _after_flush)
        event.listen(OrmSession, "do_orm_execute", _on_execute)
        event.listen(OrmSession, "after_transaction_end", _transaction_ended)


_install()


# -- the cheap read ------------------------------------------------------------------------

class StoreVersions:
    """Reads counters with one indexed SELECT on a raw DBAPI connection of its own (no ORM
    session, no pool checkout per read), in autocommit, so each read sees the latest commit."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._sql = {n: f"SELECT scope, version FROM {TABLE} WHERE scope IN "
                        f"({', '.join([mark] * n)})" for n in (1, 2, 3, 4)}
        self._held: Any = None

    def _connection(self) -> Any:
        if self._held is None:
            held = self.engine.raw_connection()
            if self.engine.dialect.name != "sqlite":  # pysqlite begins nothing for a SELECT
                held.driver_connection.autocommit = True  # type: ignore[union-attr]
            self._held = held
        return self._held

    def read(self, *scopes: str) -> tuple[int, ...]:
        """The stored counters of `scopes`, in order (0 for one never bumped)."""
        sql = self._sql[len(scopes)]
        try:
            cursor = self._connection().cursor()
            cursor.execute(sql, scopes)
        except Exception:  # a dropped connection: one more try on a new one
            self.close(invalidate=True)
            cursor = self._connection().cursor()
            cursor.execute(sql, scopes)
        found = dict(cursor.fetchall())
        cursor.close()
        return tuple(int(found.get(s, 0)) for s in scopes)

    def close(self, invalidate: bool = False) -> None:
        held, self._held = self._held, None
        let_go(held, invalidate)
