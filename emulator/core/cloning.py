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
or `Renamed`, a rule in SQL per column (a tenant id or login name that carries the world's
ordinal), which keeps the table's copy one INSERT ... SELECT.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Executable, Integer, Table, TextClause, bindparam, case, select, text
from sqlalchemy.engine import Dialect
from sqlmodel import Session, SQLModel

from emulator.core.db import state_tables
from emulator.core.world import World

__all__ = ["Redraw", "Rename", "Renamed", "WorldColumns", "copy_world", "delete_worlds",
           "internal_key", "world_tables"]

Row = Mapping[str, Any]
Redraw = Callable[[World, Row, World], dict[str, Any]]
"""A row's key-decided values for a world: (the world, the row as copied, the world copied
from) -> {column: value}. The source tells what its own key and ordinal put in the row (a
login name tagged with its ordinal, say), so the redraw can put the target's in its place."""


Rename = Callable[[Any, World, World], Any]
"""A column's value in the copy as SQL: (the source's column, target, source) -> expression."""


@dataclass(frozen=True)
class Renamed:
    """Columns whose values a copy rewrites by a rule, not by drawing per row (a tenant id that
    ends in the world's ordinal, say): per column, an SQL expression over the source's value.
    Such a table is still copied by one INSERT ... SELECT."""

    columns: Mapping[str, Rename]

    @staticmethod
    def mapped(mapping: Callable[[World, World], Mapping[Any, Any]]) -> Rename:
        """A rule that maps the source's values one to one (others stay as they are)."""
        return lambda column, target, source: case(
            dict(mapping(target, source)), value=column, else_=column)


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
    dialect = session.get_bind().dialect
    copied = 0
    for table in _filled(session, source.id):
        redraw = redraws.get(table.name)
        if redraw is None or isinstance(redraw, Renamed):
            statement: Executable = _insert_select(table, dialect) if redraw is None else \
                _insert_renamed(table, redraw, source, target)
            result = session.execute(statement, {"source": source.id, "target": target.id})
            copied += max(int(getattr(result, "rowcount", 0) or 0), 0)
            continue
        key = internal_key(table)
        kept = [c for c in table.c if c is not key]
        rows = [dict(row) for row in session.execute(
            select(*kept).where(table.c.world_id == source.id).order_by(key)).mappings()]
        for row in rows:
            row["world_id"] = target.id
            row.update(redraw(target, row, source))
        session.execute(table.insert(), rows)
        copied += len(rows)
    return copied


# A world copied from is never changed (a template), so which tables hold its rows is
# remembered by its id; the statements are made once per table and dialect.
_FILLED: dict[str, list[Table]] = {}
_STATEMENTS: dict[tuple[str, str], TextClause] = {}


def _filled(session: Session, source: str) -> list[Table]:
    """The tables (foreign-key order) holding rows of `source`."""
    known = _FILLED.get(source)
    if known is not None:
        return known
    filled = []
    for table in world_tables():
        if session.execute(select(table.c.world_id).where(table.c.world_id == source)
                           .limit(1)).first() is None:
            continue
        if internal_key(table) is None:
            raise TypeError(f"{table.name}: a world is copied only through an internal "
                            "integer key the database numbers")
        filled.append(table)
    if len(_FILLED) > 64:
        _FILLED.clear()
    _FILLED[source] = filled
    return filled


def _insert_select(table: Table, dialect: Dialect) -> TextClause:
    """INSERT INTO t (every column but the key) SELECT them, world_id := :target, FROM t
    WHERE world_id = :source, in key order."""
    statement = _STATEMENTS.get((table.name, dialect.name))
    if statement is None:
        quote = dialect.identifier_preparer.quote
        key = internal_key(table)
        assert key is not None
        kept = [c.name for c in table.c if c is not key]
        names = ", ".join(quote(n) for n in kept)
        values = ", ".join(":target" if n == "world_id" else quote(n) for n in kept)
        name = quote(table.name)
        statement = text(f"INSERT INTO {name} ({names}) SELECT {values} FROM {name} "
                         f"WHERE world_id = :source ORDER BY {quote(key.name)}")
        _STATEMENTS[(table.name, dialect.name)] = statement
    return statement


def _insert_renamed(table: Table, renamed: Renamed, source: World,
                    target: World) -> Executable:
    """_insert_select, with each renamed column mapped by a CASE over its values."""
    key = internal_key(table)
    kept = [c for c in table.c if c is not key]
    values: list[Any] = []
    for c in kept:
        if c.name == "world_id":
            values.append(bindparam("target", type_=c.type).label(c.name))
        elif c.name in renamed.columns:
            values.append(renamed.columns[c.name](c, target, source).label(c.name))
        else:
            values.append(c)
    return table.insert().from_select(
        kept, select(*values).where(table.c.world_id == bindparam("source")).order_by(key))


def delete_worlds(session: Session, world_ids: Collection[str]) -> None:
    """Delete these worlds and every row they own, in every table (the caller commits)."""
    if not world_ids:
        return
    ids = list(world_ids)
    for world_id in ids:
        _FILLED.pop(world_id, None)
    for table in reversed(world_tables()):
        session.execute(table.delete().where(table.c.world_id.in_(ids)))
    world = World.__table__  # type: ignore[attr-defined]
    session.execute(world.delete().where(world.c.id.in_(ids)))
