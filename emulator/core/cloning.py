"""Copying one world's rows into another: how a template world becomes a sandbox or a reset.

Generic over tables: every table with a `world_id` column (SQLModel.metadata, foreign-key
order) is copied with one `INSERT ... SELECT`, `world_id` rewritten and the internal
autoincrement key left to the database, rows in their original order. Nothing is renumbered,
which is only right when rows name each other by per-world vendor id, never by that key
(docs/architecture.md, "Template worlds"); the vendors whose data may be copied say so
(fixtures.world).

A copy must not carry its source's secrets: whatever a world's key (or its ordinal) decides
(API keys, and any column derived from its credentials) is declared once per vendor as
`WorldColumns`, per model either a function giving the row's values for the target world (its
rows are copied through Python with the values drawn again for the target: a handful of rows),
or `Renamed`, a rule per column (a tenant id or login name that carries the world's ordinal),
which keeps the table's copy one INSERT ... SELECT.

Copies and deletes are the hot part of a new sandbox and of every reset, so they run at the
driver level: each statement's SQL is made once per table, dialect and shape, and executed on
the session's DBAPI cursor, in the session's transaction. Such statements pass by the
session's events, so the caller's world versions are bumped here (core.versions.wrote).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Integer, Table
from sqlalchemy.engine import Dialect
from sqlmodel import Session, SQLModel

from emulator.core.db import driver_cursor, insert_sql, placeholder, restart_sequences, state_tables
from emulator.core.versions import ALL, WORLDS, wrote
from emulator.core.world import World

__all__ = ["Redraw", "Rename", "Renamed", "Rewrite", "WorldColumns", "copy_world",
           "delete_worlds", "internal_key", "wipe_worlds", "world_tables"]

Row = Mapping[str, Any]
Redraw = Callable[[World, Row, World], dict[str, Any]]
"""A row's key-decided values for a world: (the world, the row as copied, the world copied
from) -> {column: value}. The source tells what its own key and ordinal put in the row (a
login name tagged with its ordinal, say), so the redraw can put the target's in its place."""


@dataclass(frozen=True)
class Rewrite:
    """How a copy rewrites one column: each value in `values` becomes its image; any other
    has `replace[0]` replaced by `replace[1]` inside it (if given), else stays as it is."""

    values: Mapping[str, str] = field(default_factory=dict)
    replace: tuple[str, str] | None = None


Rename = Callable[[World, World], Rewrite]
"""A column's rewrite for a copy: (target, source) -> Rewrite."""


@dataclass(frozen=True)
class Renamed:
    """Columns whose values a copy rewrites by a rule, not by drawing per row (a tenant id that
    ends in the world's ordinal, say): per column, a Rewrite of the source's values. Such a
    table is still copied by one INSERT ... SELECT."""

    columns: Mapping[str, Rename]

    @staticmethod
    def mapped(mapping: Callable[[World, World], Mapping[Any, Any]]) -> Rename:
        """A rule that maps the source's values one to one (others stay as they are)."""
        return lambda target, source: Rewrite(dict(mapping(target, source)))


WorldColumns = Mapping[type[SQLModel], Redraw | Renamed]
"""Per model, how the columns a world's key decides are drawn (a vendor's declaration)."""


def world_tables() -> list[Table]:
    """Every table whose rows belong to one world, in foreign-key order."""
    return [t for t in state_tables() if "world_id" in t.c and t.name != "world"]


def internal_key(table: Table) -> Column[Any] | None:
    """The table's internal key (a single integer primary key the database numbers), if any."""
    keys = list(table.primary_key.columns)
    if len(keys) == 1 and isinstance(keys[0].type, Integer):
        return keys[0]
    return None


def copy_world(session: Session, source: World, target: World, columns: WorldColumns) -> int:
    """Copy every row of world `source` into `target` (its World row already flushed), with
    the columns `columns` declares drawn for `target`; returns the rows copied. The caller
    commits."""
    redraws = {model.__table__.name: redraw  # type: ignore[attr-defined]
               for model, redraw in columns.items()}
    dialect = session.connection().dialect
    wrote(session, [target.id])  # the statements below pass by the session's events
    copied = 0
    with driver_cursor(session) as cursor:
        for table in _filled(cursor, dialect, source.id):
            redraw = redraws.get(table.name)
            if isinstance(redraw, Renamed):
                sql, params = _insert_renamed(table, dialect, redraw, source, target)
                cursor.execute(sql, params)
            elif redraw is None:
                cursor.execute(_sql(_insert_select, table, dialect), (target.id, source.id))
            else:
                copied += _copy_redrawn(cursor, table, dialect, redraw, source, target)
                continue
            copied += max(cursor.rowcount or 0, 0)
    return copied


# -- statements, made once per table and dialect ---------------------------------------------

_SQL: dict[tuple[Any, ...], str] = {}


def _sql(make: Callable[[Table, Dialect], str], table: Table, dialect: Dialect) -> str:
    key = (make.__name__, table.name, dialect.name)
    sql = _SQL.get(key)
    if sql is None:
        sql = _SQL[key] = make(table, dialect)
    return sql


def _kept(table: Table) -> list[Column[Any]]:
    """The columns a copy writes: all but the internal key, which the database numbers."""
    key = internal_key(table)
    if key is None:
        raise TypeError(f"{table.name}: a world is copied only through an internal "
                        "integer key the database numbers")
    return [c for c in table.c if c is not key]


def _insert_select(table: Table, dialect: Dialect, values: Mapping[str, str] | None = None,
                   ) -> str:
    """INSERT INTO t (every column but the key) SELECT them, world_id := target, FROM t
    WHERE world_id = source, in key order (`values`: other columns' SELECT expressions)."""
    quote, mark = dialect.identifier_preparer.quote, placeholder(dialect)
    kept = [c.name for c in _kept(table)]
    values = {"world_id": mark, **(values or {})}
    name = quote(table.name)
    return (f"INSERT INTO {name} ({', '.join(quote(n) for n in kept)}) "
            f"SELECT {', '.join(values.get(n, quote(n)) for n in kept)} FROM {name} "
            f"WHERE world_id = {mark} ORDER BY {quote(str(internal_key(table).name))}")  # type: ignore[union-attr]


def _insert_renamed(table: Table, dialect: Dialect, renamed: Renamed, source: World,
                    target: World) -> tuple[str, list[Any]]:
    """_insert_select, each renamed column a CASE over its Rewrite; its SQL is made once per
    shape (how many values each rewrite maps, and whether it replaces)."""
    rewrites = {name: rule(target, source) for name, rule in renamed.columns.items()}
    shape = tuple((name, len(r.values), r.replace is not None) for name, r in rewrites.items())
    key = ("renamed", table.name, dialect.name, shape)
    sql = _SQL.get(key)
    if sql is None:
        quote, mark = dialect.identifier_preparer.quote, placeholder(dialect)
        exprs = {}
        for name, size, replaces in shape:
            quoted = quote(name)
            otherwise = f"REPLACE({quoted}, {mark}, {mark})" if replaces else quoted
            whens = "".join(f" WHEN {mark} THEN {mark}" for _ in range(size))
            exprs[name] = f"CASE {quoted}{whens} ELSE {otherwise} END" if size else otherwise
        sql = _SQL[key] = _insert_select(table, dialect, exprs)
    params: list[Any] = []
    for column in _kept(table):  # in the order the marks appear
        rewrite = rewrites.get(column.name)
        if column.name == "world_id":
            params.append(target.id)
        elif rewrite is not None:
            for pair in rewrite.values.items():
                params.extend(pair)
            params.extend(rewrite.replace or ())
    params.append(source.id)
    return sql, params


def _select_rows(table: Table, dialect: Dialect) -> str:
    quote = dialect.identifier_preparer.quote
    return (f"SELECT {', '.join(quote(c.name) for c in _kept(table))} "
            f"FROM {quote(table.name)} WHERE world_id = {placeholder(dialect)} "
            f"ORDER BY {quote(str(internal_key(table).name))}")  # type: ignore[union-attr]


def _insert_rows(table: Table, dialect: Dialect) -> str:
    return insert_sql(table, [c.name for c in _kept(table)], dialect)


class _Processors:
    """A table's kept columns, with the driver-to-Python and Python-to-driver conversions the
    ORM would apply to each (None where there is none)."""

    def __init__(self, table: Table, dialect: Dialect) -> None:
        kept = _kept(table)
        self.names = [c.name for c in kept]
        self.position = {name: i for i, name in enumerate(self.names)}
        impls = [c.type.dialect_impl(dialect) for c in kept]
        self.results: list[Any] = [impl.result_processor(dialect, None) for impl in impls]
        self.binds: list[Any] = [impl.bind_processor(dialect) for impl in impls]


_PROCESSORS: dict[tuple[str, str], _Processors] = {}

# Values every driver takes back as it gave them: a column the redraw leaves alone is written
# as read, with no round trip through Python types (a JSON document, say, is not one).
_AS_READ = frozenset({str, int, float, bytes, bool, type(None), datetime, date, Decimal})


class _RowView(Mapping[str, Any]):
    """A row as read, converted to Python's values only where a redraw looks."""

    def __init__(self, raw: Sequence[Any], processors: _Processors, target: World) -> None:
        self.raw, self.processors, self.target = raw, processors, target

    def __getitem__(self, name: str) -> Any:
        if name == "world_id":
            return self.target.id
        i = self.processors.position[name]
        convert = self.processors.results[i]
        return self.raw[i] if convert is None else convert(self.raw[i])

    def __iter__(self) -> Iterator[str]:
        return iter(self.processors.names)

    def __len__(self) -> int:
        return len(self.processors.names)


def _copy_redrawn(cursor: Any, table: Table, dialect: Dialect, redraw: Redraw, source: World,
                  target: World) -> int:
    """Copy a table whose rows have values drawn per row for the target: read, redraw, write."""
    cursor.execute(_sql(_select_rows, table, dialect), (source.id,))
    raw_rows = cursor.fetchall()
    if not raw_rows:
        return 0
    key = (table.name, dialect.name)
    processors = _PROCESSORS.get(key) or _PROCESSORS.setdefault(key, _Processors(table, dialect))
    results, binds, position = processors.results, processors.binds, processors.position
    world = position["world_id"]
    params = []
    for raw in raw_rows:
        values = list(raw)
        for i, value in enumerate(values):
            if type(value) not in _AS_READ:
                convert, bind = results[i], binds[i]
                value = value if convert is None else convert(value)
                values[i] = value if bind is None else bind(value)
        values[world] = target.id if binds[world] is None else binds[world](target.id)
        for name, value in redraw(target, _RowView(raw, processors, target), source).items():
            i = position[name]
            values[i] = value if binds[i] is None else binds[i](value)
        params.append(tuple(values))
    cursor.executemany(_sql(_insert_rows, table, dialect), params)
    return len(params)


# A world copied from is never changed (a template), so which tables hold its rows is
# remembered by its id.
_FILLED: dict[tuple[str, str], list[Table]] = {}


def _filled(cursor: Any, dialect: Dialect, source: str) -> list[Table]:
    """The tables (foreign-key order) holding rows of `source`."""
    known = _FILLED.get((source, dialect.name))
    if known is not None:
        return known
    filled = []
    quote, mark = dialect.identifier_preparer.quote, placeholder(dialect)
    for table in world_tables():
        cursor.execute(f"SELECT 1 FROM {quote(table.name)} WHERE world_id = {mark} LIMIT 1",
                       (source,))
        if cursor.fetchone() is not None:
            _kept(table)  # a table with rows must have an internal key
            filled.append(table)
    if len(_FILLED) > 64:
        _FILLED.clear()
    _FILLED[(source, dialect.name)] = filled
    return filled


def _delete_where(table: Table, dialect: Dialect) -> str:
    quote = dialect.identifier_preparer.quote
    column = "id" if table.name == "world" else "world_id"
    return f"DELETE FROM {quote(table.name)} WHERE {quote(column)} = {placeholder(dialect)}"


def delete_worlds(session: Session, world_ids: Collection[str]) -> None:
    """Delete these worlds and every row they own, in every table (the caller commits)."""
    if not world_ids:
        return
    ids = sorted(world_ids)
    for key in [k for k in _FILLED if k[0] in world_ids]:
        del _FILLED[key]
    dialect = session.connection().dialect
    wrote(session, [*ids, WORLDS])  # the statements below pass by the session's events
    with driver_cursor(session) as cursor:
        for table in [*reversed(world_tables()), World.__table__]:  # type: ignore[attr-defined]
            cursor.executemany(_sql(_delete_where, table, dialect), [(i,) for i in ids])


def _delete_others(table: Table, dialect: Dialect) -> str:
    quote = dialect.identifier_preparer.quote
    if table.name == "world":
        return f"DELETE FROM world WHERE kind != {placeholder(dialect)}"
    if "world_id" not in table.c:
        return f"DELETE FROM {quote(table.name)}"
    return (f"DELETE FROM {quote(table.name)} WHERE world_id IN "
            f"(SELECT id FROM world WHERE kind != {placeholder(dialect)})")


def wipe_worlds(session: Session, keep_kind: str) -> None:
    """Delete every world but those of kind `keep_kind` (template worlds) with every row they
    own, empty the tables no world owns, and restart id sequences (the caller commits)."""
    dialect = session.connection().dialect
    wrote(session, [ALL, WORLDS])  # every world's answers go; the statements pass by the events
    with driver_cursor(session) as cursor:
        for table in reversed(state_tables()):
            sql = _sql(_delete_others, table, dialect)
            cursor.execute(sql, () if "world_id" not in table.c and table.name != "world"
                           else (keep_kind,))
    restart_sequences(session)
